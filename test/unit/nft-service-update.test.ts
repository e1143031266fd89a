// The service proxy's table changed in place: in a network namespace of its own, a full table is
// written, a client is remembered in an affinity set, then one transaction removes a Service, adds one
// and drops an endpoint; the kept endpoint's affinity set must still hold the client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { buildServiceTable, renderServiceTable, renderServiceTableUpdate, type ServicePortRules } from '../../src/proxy/nft-service-rules.js';
import { ServiceProxy } from '../../src/proxy/service-proxy.js';

const table = 'nanokube-svc-test';

function port(key: string, ip: string, endpoints: string[], extra: Partial<ServicePortRules> = {}): ServicePortRules {
  return {
    key, protocol: 'tcp', vips: [{ ip, port: 80 }], externalVips: [], endpoints: endpoints.map((e) => ({ ip: e, port: 8080 })), ...extra,
  };
}

/** Runs a shell script in a new network namespace (nothing it does touches the machine's tables). */
function inOwnNetns(script: string): string {
  const r = spawnSync('unshare', ['--net', 'sh', '-ec', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('an update keeps the affinity sets of endpoints that stay and drops the rest', { skip: !ServiceProxy.available() && 'needs root and nft' }, () => {
  const before = buildServiceTable([
    port('default/sticky:http/tcp', '10.43.1.1', ['10.42.0.5', '10.42.0.6'], { affinitySeconds: 600, nodePort: 30080 }),
    port('default/gone:http/tcp', '10.43.1.2', ['10.42.0.7']),
  ]);
  const after = buildServiceTable([
    port('default/sticky:http/tcp', '10.43.1.1', ['10.42.0.5'], { affinitySeconds: 600, nodePort: 30080 }),
    port('default/new:http/tcp', '10.43.1.3', []),
  ]);
  const [kept, dropped] = [...before.affinitySets.keys()];
  assert.ok(after.affinitySets.has(kept) && !after.affinitySets.has(dropped));
  const full = renderServiceTable(table, before);
  const update = renderServiceTableUpdate(table, before, after);
  const listed = inOwnNetns([
    `nft -f - <<'EOF'\n${full}EOF`,
    `nft add element ip ${table} ${kept} '{ 192.0.2.9 }'`,
    `nft -f - <<'EOF'\n${update}EOF`,
    `nft list table ip ${table}`,
  ].join('\n'));
  assert.match(listed, new RegExp(`set ${kept} \\{[^}]*elements = \\{ 192\\.0\\.2\\.9`));
  assert.doesNotMatch(listed, new RegExp(`set ${dropped} `));
  assert.doesNotMatch(listed, /10\.42\.0\.[67]|10\.43\.1\.2/);
  assert.match(listed, /10\.43\.1\.3 \. tcp \. 80/); // the new Service, without endpoints: rejected
  // The whole table written from `after` lists the same chains as the updated one.
  const fresh = inOwnNetns(`nft -f - <<'EOF'\n${renderServiceTable(table, after)}EOF\nnft list table ip ${table}`);
  const chains = (text: string) => [...text.matchAll(/chain (\S+) \{/g)].map((m) => m[1]).sort();
  assert.deepEqual(chains(listed), chains(fresh));
});
