// hostPort with the isolated runtime (root on Linux, nftables), the scheduler's NodePorts filter, and
// each pod's own host name (UTS namespace) and kubelet-managed /etc/hosts, seen through the real
// kubectl: a pod's hostPort answers on the node's addresses from the node and from other pods and
// goes away with the pod; a second pod wanting the same port stays Pending with upstream's
// FailedScheduling message; the rules outlive an agent restart but not the pods they serve.
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { TestCluster, waitFor, kubectlVersions } from '../support/cluster.js';
import { get } from '../support/service-requests.js';
import { isolatedRuntimeProblem } from '../../src/cli/node-networking.js';
import { nodeNetworkId } from '../../src/node/network/pod-network.js';

const skip = isolatedRuntimeProblem();
let c: TestCluster;
const v = '1.33' as const;
const nodeFlags = ['--runtime', 'isolated'];
const nodeA = os.hostname();

/**
 * A random host port in 30000–32767: below the kernel's ephemeral range (32768+), where servers of
 * tests running in parallel listen on port 0 and would be shadowed by our rule.
 */
function randomHostPort(): number {
  return 30000 + Math.floor(Math.random() * 2768);
}

/** An HTTP server on 8080 answering its pod name, published on the node at hostPort. */
function webPod(name: string, hostPort: number, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{
        name: 'web', image: 'node', command: ['node', '-e', "require('http').createServer((q,s)=>s.end(process.env.POD_NAME)).listen(8080)"],
        env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        ports: [{ containerPort: 8080, hostPort }],
      }],
      ...spec,
    },
  };
}

function sleeperPod(name: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }], ...spec },
  };
}

/** What a GET to host:port prints from inside a pod (the body, or "error CODE"). */
async function getFromPod(pod: string, host: string, port: number): Promise<string> {
  const script = `require('http').get({host:'${host}',port:${port},agent:false},r=>r.pipe(process.stdout)).on('error',e=>console.log('error '+e.code))`;
  return (await c.ok(v, ['exec', pod, '--', 'node', '-e', script])).trim();
}

async function waitRunning(name: string): Promise<void> {
  await waitFor(`pod ${name} Running`, async () => (await c.ok(v, ['get', 'pod', name, '-o', 'jsonpath={.status.phase}'])) === 'Running', 120_000, 250);
}

async function podIp(name: string): Promise<string> {
  return (await c.ok(v, ['get', 'pod', name, '-o', 'jsonpath={.status.podIP}'])).trim();
}

/** This machine's own address outside the pod bridges (eth0's), if it has one. */
function machineAddress(): string | undefined {
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    if (name.startsWith('nkb-')) continue;
    const a = (addrs ?? []).find((x) => x.family === 'IPv4' && !x.internal);
    if (a) return a.address;
  }
  return undefined;
}

/** Whether the node's host port table exists (it is removed when no pod of the node maps a port). */
function hostPortTableExists(nodeName: string, dataDir: string): boolean {
  return spawnSync('nft', ['list', 'table', 'ip', `nanokube-hostports-${nodeNetworkId(nodeName, dataDir)}`]).status === 0;
}

before(async () => {
  if (skip) return;
  c = await TestCluster.start(nodeFlags);
  await c.waitForReadyNodes(v, 1);
});

after(async () => {
  await c?.destroy();
});

test('a hostPort answers on the node\'s addresses, from the node and from pods; deleting the pod unpublishes it', { skip, timeout: 240_000 }, async () => {
  const port = randomHostPort();
  await c.apply(v, [webPod('hp-web', port), sleeperPod('hp-client', { containers: [{ name: 'main', image: 'node', command: ['sleep', '3600'] }] })]);
  await waitRunning('hp-web');
  await waitRunning('hp-client');
  for (const kv of kubectlVersions) assert.match(await c.ok(kv, ['describe', 'pod', 'hp-web']), new RegExp(`Host Port:\\s+${port}/TCP`));
  // From the node: its loopback (the test node's address) and its other addresses.
  await waitFor('hp-web on 127.0.0.1:hostPort', async () => (await get('127.0.0.1', port)).body === 'hp-web', 60_000, 200);
  const podCidr = (await c.ok(v, ['get', 'node', nodeA, '-o', 'jsonpath={.spec.podCIDR}'])).trim();
  const gateway = podCidr.replace(/\.0\/\d+$/, '.1');
  const machine = machineAddress();
  for (const addr of [gateway, ...(machine ? [machine] : [])]) {
    assert.deepEqual(await get(addr, port), { body: 'hp-web' }, `from the node to ${addr}:${port}`);
    // From another pod, and from the pod itself (hairpin).
    assert.equal(await getFromPod('hp-client', addr, port), 'hp-web', `from hp-client to ${addr}:${port}`);
    assert.equal(await getFromPod('hp-web', addr, port), 'hp-web', `from hp-web to itself through ${addr}:${port}`);
  }
  // The container port itself stays private to the pod's network: the node's 8080 is not the pod's.
  assert.notEqual((await get('127.0.0.1', 8080, 2000)).body, 'hp-web');

  // The pod object goes only after its sandbox (and with it the rule) is removed.
  await c.ok(v, ['delete', 'pod', 'hp-web', '--wait=true']);
  assert.deepEqual(await get('127.0.0.1', port), { error: 'ECONNREFUSED' });
  assert.deepEqual(await get(gateway, port), { error: 'ECONNREFUSED' });
  assert.equal(hostPortTableExists(nodeA, path.join(c.dataDir, 'node')), false, 'no host port rules are left');
  await c.ok(v, ['delete', 'pod', 'hp-client', '--wait=true']);
});

test('two pods with one hostPort on a one-node cluster: the second stays Pending (FailedScheduling) until the first goes', { skip, timeout: 240_000 }, async () => {
  const port = randomHostPort();
  await c.apply(v, [webPod('hp-first', port)]);
  await waitRunning('hp-first');
  await c.apply(v, [webPod('hp-second', port)]);
  const message = "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports.";
  await waitFor('FailedScheduling for hp-second', async () => {
    const out = await c.ok(v, ['get', 'events', '--field-selector', 'involvedObject.name=hp-second,reason=FailedScheduling', '-o', 'jsonpath={.items[*].message}']);
    return out.includes(message);
  }, 60_000, 250);
  for (const kv of kubectlVersions) {
    const described = await c.ok(kv, ['describe', 'pod', 'hp-second']);
    assert.match(described, /^Status:\s+Pending$/m);
    assert.match(described, /^Node:\s+<none>$/m);
    assert.match(described, /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/1 nodes are available: 1 node\(s\) didn't have free ports for the requested pod ports\./);
    assert.match(await c.ok(kv, ['get', 'pod', 'hp-second']), /hp-second\s+0\/1\s+Pending\s+0/);
  }
  assert.equal((await get('127.0.0.1', port)).body, 'hp-first');
  // Once the first is gone, the second is placed on the freed port and answers there.
  await c.ok(v, ['delete', 'pod', 'hp-first', '--wait=true']);
  await waitRunning('hp-second');
  await waitFor('hp-second on the host port', async () => (await get('127.0.0.1', port)).body === 'hp-second', 60_000, 200);
  await c.ok(v, ['delete', 'pod', 'hp-second', '--wait=true']);
});

test('a pod that finished gives its hostPort back to the next pod on the node', { skip, timeout: 240_000 }, async () => {
  const port = randomHostPort();
  const done = webPod('hp-done', port, { restartPolicy: 'Never' });
  done.spec.containers[0].command = ['true'];
  await c.apply(v, [done]);
  await waitFor('hp-done Succeeded', async () => (await c.ok(v, ['get', 'pod', 'hp-done', '-o', 'jsonpath={.status.phase}'])) === 'Succeeded', 120_000, 250);
  // The scheduler no longer counts the finished pod, and its rule must not shadow the new one.
  await c.apply(v, [webPod('hp-next', port)]);
  await waitRunning('hp-next');
  await waitFor('hp-next on the host port', async () => (await get('127.0.0.1', port)).body === 'hp-next', 60_000, 200);
  await c.ok(v, ['delete', 'pod', 'hp-done', 'hp-next', '--wait=true']);
});

test('each pod has its own host name and /etc/hosts with its IP and hostAliases; hostNetwork pods keep the node\'s', { skip, timeout: 240_000 }, async () => {
  const aliases = [{ ip: '10.9.8.7', hostnames: ['foo.local', 'bar.local'] }];
  await c.apply(v, [
    sleeperPod('uts-plain', {
      hostAliases: aliases,
      containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }, { name: 'second', image: 'busybox', command: ['sleep', '3600'] }],
    }),
    sleeperPod('uts-named', { hostname: 'custom-host', subdomain: 'sub' }),
    sleeperPod('uts-hostnet', { hostNetwork: true, hostAliases: aliases }),
  ]);
  for (const p of ['uts-plain', 'uts-named', 'uts-hostnet']) await waitRunning(p);
  for (const kv of kubectlVersions) {
    assert.equal((await c.ok(kv, ['exec', 'uts-plain', '--', 'hostname'])).trim(), 'uts-plain');
    // One UTS namespace per pod, shared by its containers.
    assert.equal((await c.ok(kv, ['exec', 'uts-plain', '-c', 'second', '--', 'hostname'])).trim(), 'uts-plain');
    assert.equal((await c.ok(kv, ['exec', 'uts-named', '--', 'hostname'])).trim(), 'custom-host');
    assert.equal((await c.ok(kv, ['exec', 'uts-hostnet', '--', 'hostname'])).trim(), os.hostname());
    // /etc/hostname says the same, as the container runtime mounts it.
    assert.equal(await c.ok(kv, ['exec', 'uts-plain', '-c', 'second', '--', 'cat', '/etc/hostname']), 'uts-plain\n');
    assert.equal(await c.ok(kv, ['exec', 'uts-named', '--', 'cat', '/etc/hostname']), 'custom-host\n');
  }
  assert.equal(os.hostname(), nodeA, "the node's own host name is untouched");

  const plainIp = await podIp('uts-plain');
  const hosts = await c.ok(v, ['exec', 'uts-plain', '--', 'cat', '/etc/hosts']);
  assert.match(hosts, /^# Kubernetes-managed hosts file\.\n127\.0\.0\.1\tlocalhost\n/);
  assert.ok(hosts.includes(`\n${plainIp}\tuts-plain\n`), hosts);
  assert.ok(hosts.endsWith('\n# Entries added by HostAliases.\n10.9.8.7\tfoo.local\tbar.local\n'), hosts);
  // Programs resolve the aliases through it.
  assert.match(await c.ok(v, ['exec', 'uts-plain', '--', 'getent', 'hosts', 'bar.local']), /^10\.9\.8\.7\s+foo\.local\s+bar\.local/);
  const namedIp = await podIp('uts-named');
  assert.ok((await c.ok(v, ['exec', 'uts-named', '--', 'cat', '/etc/hosts'])).includes(`\n${namedIp}\tcustom-host.sub.default.svc.cluster.local\tcustom-host\n`));
  const hostNetHosts = await c.ok(v, ['exec', 'uts-hostnet', '--', 'cat', '/etc/hosts']);
  assert.match(hostNetHosts, /^# Kubernetes-managed hosts file \(host network\)\.\n/);
  assert.ok(hostNetHosts.endsWith('\n# Entries added by HostAliases.\n10.9.8.7\tfoo.local\tbar.local\n'), hostNetHosts);
  await c.ok(v, ['delete', 'pod', 'uts-plain', 'uts-named', 'uts-hostnet', '--wait=true']);
});

test('host ports outlive a restart of their agent; a pod deleted while the agent was down leaves no rule behind', { skip, timeout: 300_000 }, async () => {
  const node = 'hp-node-b';
  let agent = c.startAgent(node, nodeFlags);
  await c.waitForReadyNodes(v, 2);
  const [gonePort, stayPort] = [randomHostPort(), randomHostPort()];
  await c.apply(v, [webPod('hp-gone', gonePort, { nodeName: node }), webPod('hp-stays', stayPort, { nodeName: node })]);
  await waitRunning('hp-gone');
  await waitRunning('hp-stays');
  for (const [name, port] of [['hp-gone', gonePort], ['hp-stays', stayPort]] as const) {
    await waitFor(`${name} on its host port`, async () => (await get('127.0.0.1', port)).body === name, 60_000, 200);
  }

  await agent.kill('SIGKILL');
  // The rules and containers do not depend on the agent.
  assert.equal((await get('127.0.0.1', gonePort)).body, 'hp-gone');
  await c.ok(v, ['delete', 'pod', 'hp-gone', '--force', '--grace-period=0']);

  agent = c.startAgent(node, nodeFlags);
  await waitFor('hp-gone unpublished after the restart', async () => (await get('127.0.0.1', gonePort)).error === 'ECONNREFUSED', 120_000, 250);
  assert.equal((await get('127.0.0.1', stayPort)).body, 'hp-stays');
  // The restarted agent still knows the rule it did not make itself.
  await c.ok(v, ['delete', 'pod', 'hp-stays', '--wait=true']);
  assert.deepEqual(await get('127.0.0.1', stayPort), { error: 'ECONNREFUSED' });
  assert.equal(hostPortTableExists(node, agent.dataDir), false, 'no host port rules are left');
});
