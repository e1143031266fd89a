// The host port table (CNI portmap's rules in nftables form): what it maps, what it masquerades, and
// that nft accepts it (checked with `nft -c` where this runs as root with nft).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { renderHostPortTable } from '../../src/node/network/host-port-rules.js';

const table = 'nanokube-hostports-test';
const pods = [
  { ip: '10.1.0.5', mappings: [{ protocol: 'TCP' as const, containerPort: 8080, hostPort: 30080 }, { protocol: 'UDP' as const, containerPort: 53, hostPort: 30053, hostIP: '0.0.0.0' }] },
  { ip: '10.1.0.6', mappings: [{ protocol: 'SCTP' as const, containerPort: 9000, hostPort: 30900, hostIP: '192.168.7.1' }] },
];

test('mappings without hostIP answer on every local address; with one, only there; hairpin and localhost are masqueraded', () => {
  const rules = renderHostPortTable(table, pods);
  assert.match(rules, /^table ip nanokube-hostports-test\ndelete table ip nanokube-hostports-test\n/);
  assert.match(rules, /chain hostports \{\n {4}meta l4proto tcp th dport 30080 dnat to 10\.1\.0\.5:8080\n {4}meta l4proto udp th dport 30053 dnat to 10\.1\.0\.5:53\n {2}\}/);
  assert.match(rules, /chain hostip-hostports \{\n {4}ip daddr 192\.168\.7\.1 meta l4proto sctp th dport 30900 dnat to 10\.1\.0\.6:9000\n {2}\}/);
  for (const hook of ['prerouting', 'output']) {
    assert.match(rules, new RegExp(`chain ${hook} \\{\\n    type nat hook ${hook} [^\\n]+\\n    jump hostip-hostports\\n    fib daddr type local jump hostports\\n`));
  }
  for (const ip of ['10.1.0.5', '10.1.0.6']) {
    assert.ok(rules.includes(`ip saddr ${ip} ip daddr ${ip} masquerade`), rules);
    assert.ok(rules.includes(`ip saddr 127.0.0.1 ip daddr ${ip} masquerade`), rules);
  }
});

test('malformed mappings are left out (one would fail the whole table); no mappings only delete the table', () => {
  const bad = [{ ip: '10.1.0.7', mappings: [
    { protocol: 'ICMP' as never, containerPort: 1, hostPort: 30001 },
    { protocol: 'TCP' as const, containerPort: 0, hostPort: 30002 },
    { protocol: 'TCP' as const, containerPort: 80, hostPort: 70000 },
    { protocol: 'TCP' as const, containerPort: 80, hostPort: 30003, hostIP: 'fd00::1' },
  ] }, { ip: 'not-an-ip', mappings: pods[0].mappings }];
  const only = `table ip ${table}\ndelete table ip ${table}\n`;
  assert.equal(renderHostPortTable(table, bad), only);
  assert.equal(renderHostPortTable(table, []), only);
});

const nftCheck = process.getuid?.() === 0 && spawnSync('nft', ['--version']).status === 0;
test('nft accepts the table', { skip: !nftCheck && 'needs root and nft' }, () => {
  const r = spawnSync('nft', ['-c', '-f', '-'], { input: renderHostPortTable(table, pods), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
