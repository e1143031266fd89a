// Cluster DNS behind the kube-dns Service (isolated runtime: root on Linux with nftables): the Service on
// the 10th address of the service range, its endpoints the Ready nodes that answer DNS, pods' resolv.conf
// naming its ClusterIP, names resolving through it over UDP and TCP; and the `kubernetes` Service's
// endpoints, reachable from inside a pod and following the API server to a new port after a restart.
import assert from 'node:assert/strict';
import os from 'node:os';
import { after, before, test } from 'node:test';
import { TestCluster, waitFor, kubectlVersions } from '../support/cluster.js';
import { isolatedRuntimeProblem } from '../../src/cli/node-networking.js';

const skip = isolatedRuntimeProblem();
let c: TestCluster;
const v = '1.33' as const;
const client = 'dns-client';

/**
 * A raw DNS query from inside a pod (`node -e SCRIPT udp|tcp SERVER NAME A|SRV`): prints the rcode and
 * the answers (A: addresses, SRV: ports), so the transport is the one asked for, not the resolver's choice.
 */
const queryScript = `
const [transport, server, name, type] = process.argv.slice(1);
const q = Buffer.concat([Buffer.from([0x4e, 0x4b, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
  ...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
  Buffer.from([0, 0, type === 'SRV' ? 33 : 1, 0, 1])]);
const skipName = (m, off) => { for (;;) { const l = m[off]; if (l === 0) return off + 1; if (l >= 192) return off + 2; off += l + 1; } };
const done = (m) => {
  const answers = [];
  let off = q.length;
  for (let i = 0; i < m.readUInt16BE(6); i++) {
    off = skipName(m, off);
    const t = m.readUInt16BE(off), len = m.readUInt16BE(off + 8), d = m.subarray(off + 10, off + 10 + len);
    off += 10 + len;
    answers.push(t === 1 ? [...d].join('.') : t === 33 ? d.readUInt16BE(4) : t);
  }
  console.log(JSON.stringify({ rcode: m[3] & 15, answers }));
  process.exit(0);
};
const fail = (error) => { console.log(JSON.stringify({ error })); process.exit(1); };
setTimeout(() => fail('timeout'), 5000);
if (transport === 'udp') {
  const s = require('dgram').createSocket('udp4');
  s.on('message', done).on('error', (e) => fail(e.code));
  s.send(q, 53, server);
} else {
  const s = require('net').connect(53, server, () => { const l = Buffer.alloc(2); l.writeUInt16BE(q.length); s.write(Buffer.concat([l, q])); });
  let b = Buffer.alloc(0);
  s.on('data', (d) => { b = Buffer.concat([b, d]); if (b.length >= 2 && b.length >= 2 + b.readUInt16BE(0)) done(b.subarray(2, 2 + b.readUInt16BE(0))); });
  s.on('error', (e) => fail(e.code));
}`;

async function query(transport: 'udp' | 'tcp', server: string, name: string, type: 'A' | 'SRV'): Promise<{ rcode?: number; answers?: unknown[]; error?: string }> {
  const r = await c.kubectl(v, ['exec', client, '--', 'node', '-e', queryScript, transport, server, name, type]);
  return JSON.parse(r.stdout.trim() || JSON.stringify({ error: r.stderr }));
}

/** A request from inside the pod to the API server through the `kubernetes` Service: the HTTP status. */
async function apiStatusFromPod(url: string): Promise<string> {
  // Exits at once: the server would keep the connection (and the process) open for a minute.
  const script = `require('https').get('${url}',{rejectUnauthorized:false},r=>{console.log(r.statusCode);process.exit(0)}).on('error',e=>console.log(e.code))`;
  return (await c.ok(v, ['exec', client, '--', 'node', '-e', script])).trim();
}

async function kubeDnsEndpoints(): Promise<string> {
  return (await c.ok(v, ['get', 'endpoints', '-n', 'kube-system', 'kube-dns', '-o', 'jsonpath={.subsets[*].addresses[*].ip}'])).trim().split(/\s+/).filter(Boolean).sort().join(' ');
}

/** The cluster DNS address of a node: the gateway (first address) of its podCIDR. */
async function nodeDnsAddress(node: string): Promise<string> {
  const cidr = await waitFor(`podCIDR of ${node}`, async () => (await c.ok(v, ['get', 'node', node, '-o', 'jsonpath={.spec.podCIDR}'])).trim(), 60_000, 250);
  return cidr.replace(/\.0\/\d+$/, '.1');
}

function dnsServiceIp(): string {
  return `${c.serviceIpPrefix}0.10`;
}

function apiPort(): string {
  return new URL(c.serverUrl()).port;
}

before(async () => {
  if (skip) return;
  c = await TestCluster.start(['--runtime', 'isolated', '--node-monitor-grace-period', '20s']);
  await c.apply(v, [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'my-ns' } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'my-svc', namespace: 'my-ns' }, spec: { selector: { app: 'none' }, ports: [{ name: 'http', port: 80, targetPort: 9376 }] } },
    {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: client, namespace: 'default' },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'node', command: ['node', '-e', 'setInterval(() => {}, 1e9)'] }] },
    },
  ]);
  await waitFor(`${client} Running`, async () => (await c.ok(v, ['get', 'pod', client, '-o', 'jsonpath={.status.phase}'])) === 'Running', 120_000, 250);
});

after(async () => {
  await c?.destroy();
});

test('kube-dns in kube-system has the 10th address of the service range; its endpoints are the node DNS address', { skip, timeout: 120_000 }, async () => {
  const ip = dnsServiceIp();
  for (const kv of kubectlVersions) {
    const out = await c.ok(kv, ['get', 'svc', '-n', 'kube-system', 'kube-dns']);
    assert.match(out, new RegExp(`^kube-dns\\s+ClusterIP\\s+${ip.replace(/\./g, '\\.')}\\s+<none>\\s+53/UDP,53/TCP\\s`, 'm'));
  }
  const labels = JSON.parse(await c.ok(v, ['get', 'svc', '-n', 'kube-system', 'kube-dns', '-o', 'jsonpath={.metadata.labels}']));
  assert.deepEqual(labels, { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' });
  const gateway = await nodeDnsAddress(os.hostname());
  await waitFor('kube-dns endpoints', async () => (await kubeDnsEndpoints()) === gateway, 60_000, 250);
  for (const kv of kubectlVersions) {
    const out = await c.ok(kv, ['get', 'endpoints', '-n', 'kube-system', 'kube-dns']);
    assert.match(out, new RegExp(`^kube-dns\\s+${gateway.replace(/\./g, '\\.')}:53,${gateway.replace(/\./g, '\\.')}:53\\s`, 'm'));
    const slices = await c.ok(kv, ['get', 'endpointslices', '-n', 'kube-system', '-l', 'kubernetes.io/service-name=kube-dns']);
    assert.match(slices, new RegExp(`^kube-dns\\s+IPv4\\s+53,53\\s+${gateway.replace(/\./g, '\\.')}\\s`, 'm'));
  }
  // The address is reserved for it: a user Service cannot take it.
  const r = await c.kubectl(v, ['create', 'service', 'clusterip', 'thief', '--tcp', '53:53', '--clusterip', ip]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /provided IP is already allocated/);
});

test('a pod resolves Service names through the kube-dns ClusterIP over UDP and TCP', { skip, timeout: 120_000 }, async () => {
  const ip = dnsServiceIp();
  const resolvConf = await c.ok(v, ['exec', client, '--', 'cat', '/etc/resolv.conf']);
  assert.equal(resolvConf, `search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver ${ip}\noptions ndots:5\n`);
  const svcIp = (await c.ok(v, ['get', 'svc', '-n', 'my-ns', 'my-svc', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  await waitFor('kube-dns endpoints', async () => (await kubeDnsEndpoints()) !== '', 60_000, 250);
  // The pod's resolvers (c-ares and getaddrinfo) read the resolv.conf above: the ClusterIP is their only server.
  const resolve = async (what: string) => JSON.parse(await c.ok(v, ['exec', client, '--', 'node', '-e', `require('dns').promises.${what}.then(r=>console.log(JSON.stringify(r)),e=>console.log(JSON.stringify(e.code)))`]));
  assert.deepEqual(await resolve(`resolve4('my-svc.my-ns.svc.cluster.local')`), [svcIp]);
  assert.equal(await resolve(`lookup('my-svc.my-ns',{family:4}).then(r=>r.address)`), svcIp, 'a short name through the search domains');
  assert.deepEqual(await resolve(`resolveSrv('_http._tcp.my-svc.my-ns.svc.cluster.local').then(r=>r.map(x=>x.port))`), [80]);
  for (const transport of ['udp', 'tcp'] as const) {
    assert.deepEqual(await query(transport, ip, 'my-svc.my-ns.svc.cluster.local', 'A'), { rcode: 0, answers: [svcIp] }, transport);
    assert.deepEqual(await query(transport, ip, '_http._tcp.my-svc.my-ns.svc.cluster.local', 'SRV'), { rcode: 0, answers: [80] }, transport);
    assert.deepEqual(await query(transport, ip, 'kube-dns.kube-system.svc.cluster.local', 'A'), { rcode: 0, answers: [ip] }, transport);
    assert.deepEqual(await query(transport, ip, 'nothing.my-ns.svc.cluster.local', 'A'), { rcode: 3, answers: [] }, transport);
  }
});

test('a NotReady node leaves the kube-dns endpoints; host-runtime nodes are never in them, nor a node back with the host runtime', { skip, timeout: 240_000 }, async () => {
  const a = await nodeDnsAddress(os.hostname());
  const isolated = c.startAgent('dns-b', ['--runtime', 'isolated']);
  const host = c.startAgent('dns-h');
  await c.waitForReadyNodes(v, 3);
  const b = await nodeDnsAddress('dns-b');
  const both = [a, b].sort().join(' ');
  await waitFor('both isolated nodes in the kube-dns endpoints', async () => (await kubeDnsEndpoints()) === both, 60_000, 250);
  // Through the ClusterIP, either node answers.
  assert.deepEqual((await query('udp', dnsServiceIp(), 'my-svc.my-ns.svc.cluster.local', 'A')).rcode, 0);
  await isolated.kill('SIGKILL');
  await waitFor('dns-b NotReady', async () => / NotReady /.test(await c.ok(v, ['get', 'node', 'dns-b', '--no-headers'])), 120_000, 500);
  await waitFor('only node A in the kube-dns endpoints', async () => (await kubeDnsEndpoints()) === a, 30_000, 250);
  // Killed, it could not take its address back; coming back with the host runtime, it does.
  const annotation = async () => (await c.ok(v, ['get', 'node', 'dns-b', '-o', 'jsonpath={.metadata.annotations.dns\\.nanokube\\.io/address}'])).trim();
  assert.equal(await annotation(), b);
  const asHost = c.startAgent('dns-b');
  await c.waitForReadyNodes(v, 3);
  assert.equal(await annotation(), '');
  assert.equal(await kubeDnsEndpoints(), a);
  await Promise.all([host.kill(), asHost.kill()]);
  await c.ok(v, ['delete', 'node', 'dns-b', 'dns-h']);
});

test('the kubernetes Service has the API server as its endpoint, reachable from a pod, also after a restart on another port', { skip, timeout: 240_000 }, async () => {
  const check = async () => {
    const port = apiPort();
    for (const kv of kubectlVersions) {
      const out = await c.ok(kv, ['get', 'endpoints', 'kubernetes']);
      assert.match(out, new RegExp(`^kubernetes\\s+127\\.0\\.0\\.1:${port}\\s`, 'm'));
    }
    const slice = JSON.parse(await c.ok(v, ['get', 'endpointslice', 'kubernetes', '-o', 'json']));
    assert.deepEqual(slice.metadata.labels, { 'kubernetes.io/service-name': 'kubernetes' });
    assert.deepEqual(slice.endpoints.map((e: any) => e.addresses), [['127.0.0.1']]);
    assert.deepEqual(slice.ports, [{ name: 'https', port: Number(port), protocol: 'TCP' }]);
    const svc = JSON.parse(await c.ok(v, ['get', 'svc', 'kubernetes', '-o', 'json']));
    assert.equal(svc.spec.ports[0].targetPort, Number(port));
    // 401 (the pod has no token) or 200: either way the API server answered through the ClusterIP.
    const status = await waitFor('the API server from the pod', async () => {
      const s = await apiStatusFromPod('https://kubernetes.default.svc.cluster.local:443/version');
      return /^(200|401)$/.test(s) ? s : undefined;
    }, 60_000, 500);
    assert.match(status, /^(200|401)$/);
  };
  await check();
  const before = apiPort();
  await c.stop();
  await c.boot();
  assert.notEqual(apiPort(), before, 'the restarted server listens on another port');
  await waitFor('a pod reaching the restarted API server', async () => {
    await check();
    return true;
  }, 90_000, 1000);
});
