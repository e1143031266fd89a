// The userspace service proxy (--proxy-mode userspace) on a host-runtime node, driven by the real
// kubectl: as root the node adds each ClusterIP to lo and listens on ClusterIP:port, NodePorts listen on
// the node's address; connections go round-robin to ready pods only, follow readiness at once, are reset
// at once without endpoints, stick with sessionAffinity ClientIP; UDP is relayed; a NodePort that is taken
// gives an Event and is retried; deleting a Service or stopping the node frees its addresses and ports.
// Host-runtime pods share the node's network, so the app runs as two single-replica Deployments, one per
// port, with the port named "http": the Service's targetPort resolves to each pod's own port.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TestCluster, waitFor } from '../support/cluster.js';
import { answers, connectOutcome } from '../support/service-requests.js';
import { freePort } from '../../bench/support.js';
import { nodeNetworkId } from '../../src/node/network/pod-network.js';
import { loopbackLabel, localAddresses } from '../../src/proxy/loopback-addresses.js';

const skip = process.platform !== 'linux' || process.getuid?.() !== 0 ? 'needs root on Linux: ClusterIPs are added to lo' : undefined;
const v = '1.33' as const;
let c: TestCluster;
const apps = ['web-1', 'web-2'];

/** Answers every request with its pod name, on $PORT. */
const serverScript = "require('http').createServer((q,s)=>s.end(process.env.POD_NAME)).listen(Number(process.env.PORT))";
/** Echoes each datagram prefixed with its pod name, on $PORT. */
const udpScript = "const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send(process.env.POD_NAME+':'+m,r.port,r.address));s.bind(Number(process.env.PORT))";

function readyFlag(app: string): string {
  return path.join(c.dataDir, `${app}-ready`);
}

function deployment(app: string, port: number): unknown {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app } },
      template: {
        metadata: { labels: { app, tier: 'web' } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{
            name: 'web', image: 'node', command: ['node', '-e', serverScript],
            env: [{ name: 'PORT', value: String(port) }, { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            ports: [{ name: 'http', containerPort: port }],
            readinessProbe: { exec: { command: ['test', '-f', readyFlag(app)] }, periodSeconds: 1, failureThreshold: 1 },
          }],
        },
      },
    },
  };
}

function service(name: string, spec: Record<string, unknown>): unknown {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { tier: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }], ...spec } };
}

async function jsonpath(kind: string, name: string, expr: string): Promise<string> {
  return (await c.ok(v, ['get', kind, name, '-o', `jsonpath=${expr}`])).trim();
}

async function podOf(app: string): Promise<string> {
  return waitFor(`the pod of ${app}`, async () => (await c.ok(v, ['get', 'pods', '-l', `app=${app}`, '-o', 'jsonpath={.items[*].metadata.name}'])).trim() || undefined, 120_000, 250);
}

async function podReady(pod: string): Promise<boolean> {
  return (await jsonpath('pod', pod, '{.status.conditions[?(@.type=="Ready")].status}')) === 'True';
}

/** Whether this machine can bind host:port (so nothing else holds it). */
async function bindable(host: string, port: number): Promise<boolean> {
  const s = net.createServer();
  const ok = await new Promise<boolean>((resolve) => {
    s.once('error', () => resolve(false));
    s.listen({ host, port, exclusive: true }, () => resolve(true));
  });
  if (ok) await new Promise((r) => s.close(r));
  return ok;
}

/** A NodePort in the default range that is free on this machine. */
async function freeNodePort(): Promise<number> {
  return waitFor('a free port in 30000-32767', async () => {
    const port = 30000 + Math.floor(Math.random() * 2768);
    return (await bindable('127.0.0.1', port)) ? port : undefined;
  }, 10_000, 0);
}

before(async () => {
  if (skip) return;
  c = await TestCluster.start(['--runtime', 'host', '--proxy-mode', 'userspace']);
  const objects: unknown[] = [];
  for (const app of apps) {
    fs.writeFileSync(readyFlag(app), '');
    objects.push(deployment(app, await freePort()));
  }
  objects.push(service('web', {}), service('web-np', { type: 'NodePort' }));
  await c.apply(v, objects);
  for (const app of apps) await waitFor(`${app} ready`, async () => podReady(await podOf(app)), 120_000, 250);
});

after(async () => {
  await c?.destroy();
});

test('both pods answer through ClusterIP:80, which the node added to lo, and through the NodePort', { skip, timeout: 180_000 }, async () => {
  const pods = (await Promise.all(apps.map(podOf))).sort();
  const clusterIP = await jsonpath('svc', 'web', '{.spec.clusterIP}');
  assert.ok(clusterIP.startsWith(c.serviceIpPrefix), clusterIP);
  await waitFor(`${clusterIP} on lo`, () => localAddresses().has(clusterIP), 60_000, 100);
  await waitFor('both pods answering through the ClusterIP', async () => {
    const seen = await answers(clusterIP, 80, 40);
    return pods.every((p) => seen.has(p)) ? true : undefined;
  }, 60_000, 250);
  const seen = await answers(clusterIP, 80, 100);
  assert.deepEqual([...seen.keys()].sort(), pods, JSON.stringify([...seen]));
  // Round-robin: one connection each in turn (other clients share the turn, so roughly even).
  for (const p of pods) assert.ok(seen.get(p)! >= 30, JSON.stringify([...seen]));

  const nodePort = Number(await jsonpath('svc', 'web-np', '{.spec.ports[0].nodePort}'));
  assert.ok(nodePort >= 30000 && nodePort <= 32767, String(nodePort));
  const nodeAddress = await jsonpath('node', os.hostname(), '{.status.addresses[?(@.type=="InternalIP")].address}');
  await waitFor('both pods answering through the NodePort', async () => {
    const viaNodePort = await answers(nodeAddress, nodePort, 40);
    return pods.every((p) => viaNodePort.has(p)) && viaNodePort.size === 2 ? true : undefined;
  }, 60_000, 250);
});

test('a pod failing readiness gets none of 200 requests; it comes back when it passes', { skip, timeout: 180_000 }, async () => {
  const [flaky, steady] = await Promise.all(apps.map(podOf));
  const clusterIP = await jsonpath('svc', 'web', '{.spec.clusterIP}');
  fs.rmSync(readyFlag(apps[0]));
  await waitFor(`${flaky} not ready`, async () => !(await podReady(flaky)), 60_000, 250);
  // The proxy follows the EndpointSlice change as soon as it sees it.
  await waitFor(`${flaky} out of the rotation`, async () => !(await answers(clusterIP, 80, 20)).has(flaky), 10_000, 50);
  const seen = await answers(clusterIP, 80, 200);
  assert.deepEqual([...seen], [[steady, 200]]);

  fs.writeFileSync(readyFlag(apps[0]), '');
  await waitFor(`${flaky} ready again`, async () => podReady(flaky), 60_000, 250);
  await waitFor(`${flaky} answering again`, async () => (await answers(clusterIP, 80, 20)).has(flaky), 10_000, 50);
});

test('a Service without ready endpoints resets connections at once on its ClusterIP and its NodePort', { skip, timeout: 120_000 }, async () => {
  await c.apply(v, [{
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'nobody' },
    spec: { type: 'NodePort', selector: { app: 'nothing-matches' }, ports: [{ port: 80, targetPort: 8080 }] },
  }]);
  const clusterIP = await jsonpath('svc', 'nobody', '{.spec.clusterIP}');
  const nodePort = Number(await jsonpath('svc', 'nobody', '{.spec.ports[0].nodePort}'));
  await waitFor(`${clusterIP} on lo`, () => localAddresses().has(clusterIP), 60_000, 100);
  await waitFor(`the NodePort ${nodePort} taken by the proxy`, async () => !(await bindable('127.0.0.1', nodePort)), 60_000, 100);
  for (const [host, port] of [[clusterIP, 80], ['127.0.0.1', nodePort]] as const) {
    for (let i = 0; i < 5; i++) {
      const r = await connectOutcome(host, port);
      assert.equal(r.outcome, 'reset', `${host}:${port}: ${JSON.stringify(r)}`);
      assert.ok(r.ms < 1000, `${host}:${port}: ${JSON.stringify(r)}`);
    }
  }
});

test('deleting a Service frees its ClusterIP on lo and its NodePort', { skip, timeout: 120_000 }, async () => {
  const clusterIP = await jsonpath('svc', 'nobody', '{.spec.clusterIP}');
  const nodePort = Number(await jsonpath('svc', 'nobody', '{.spec.ports[0].nodePort}'));
  assert.ok(localAddresses().has(clusterIP));
  await c.ok(v, ['delete', 'svc', 'nobody']);
  await waitFor(`${clusterIP} gone from lo`, () => !localAddresses().has(clusterIP), 30_000, 100);
  await waitFor(`NodePort ${nodePort} free`, () => bindable('127.0.0.1', nodePort), 30_000, 100);
  // The other Services are still served.
  const webIP = await jsonpath('svc', 'web', '{.spec.clusterIP}');
  assert.ok(localAddresses().has(webIP));
  const rest = await answers(webIP, 80, 10);
  assert.ok([...rest.keys()].every((k) => k.startsWith('web-')), JSON.stringify([...rest]));
});

test('a NodePort that is taken gives a FailedToOpenPort Event and the node keeps serving; it opens once free', { skip, timeout: 120_000 }, async () => {
  const port = await freeNodePort();
  const holder = net.createServer((s) => s.end('holder'));
  await new Promise<void>((r) => holder.listen({ host: '127.0.0.1', port, exclusive: true }, r));
  try {
    await c.apply(v, [service('taken', { type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: port }] })]);
    const events = await waitFor('the FailedToOpenPort event', async () => {
      const out = await c.ok(v, ['get', 'events', '--field-selector', 'involvedObject.name=taken', '-o', 'json']);
      return JSON.parse(out).items.find((e: any) => e.reason === 'FailedToOpenPort');
    }, 60_000, 250);
    assert.equal(events.type, 'Warning');
    assert.equal(events.involvedObject.kind, 'Service');
    assert.match(events.message, new RegExp(`can't open "nodePort for default/taken:http" \\(127\\.0\\.0\\.1:${port}/tcp\\).*EADDRINUSE`));
    // The node is fine: its other Services answer.
    const webIP = await jsonpath('svc', 'web', '{.spec.clusterIP}');
    const rest = await answers(webIP, 80, 10);
    assert.ok([...rest.keys()].every((k) => k.startsWith('web-')), JSON.stringify([...rest]));
  } finally {
    await new Promise((r) => holder.close(r));
  }
  await waitFor('the NodePort served once free', async () => [...(await answers('127.0.0.1', port, 4)).keys()].some((k) => k.startsWith('web-')), 60_000, 250);
  await c.ok(v, ['delete', 'svc', 'taken']);
});

test('sessionAffinity ClientIP keeps this client on one pod', { skip, timeout: 120_000 }, async () => {
  await c.apply(v, [service('sticky', { sessionAffinity: 'ClientIP' })]);
  const clusterIP = await jsonpath('svc', 'sticky', '{.spec.clusterIP}');
  await waitFor('sticky answering', async () => [...(await answers(clusterIP, 80, 1)).keys()].some((k) => k.startsWith('web-')), 60_000, 100);
  const seen = await answers(clusterIP, 80, 60);
  assert.equal(seen.size, 1, JSON.stringify([...seen]));
  assert.ok([...seen.keys()][0].startsWith('web-'), JSON.stringify([...seen]));
});

test('UDP: a datagram to ClusterIP:port is answered by the pod, from the ClusterIP', { skip, timeout: 120_000 }, async () => {
  const port = await freePort();
  await c.apply(v, [
    {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'echo-udp', labels: { app: 'echo-udp' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{
          name: 'echo', image: 'node', command: ['node', '-e', udpScript],
          env: [{ name: 'PORT', value: String(port) }, { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          ports: [{ name: 'echo', containerPort: port, protocol: 'UDP' }],
        }],
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo-udp' }, spec: { selector: { app: 'echo-udp' }, ports: [{ port: 5353, targetPort: 'echo', protocol: 'UDP' }] } },
  ]);
  const clusterIP = await jsonpath('svc', 'echo-udp', '{.spec.clusterIP}');
  const client = dgram.createSocket('udp4');
  try {
    const replies: { text: string; from: string }[] = [];
    client.on('message', (m, r) => replies.push({ text: String(m), from: `${r.address}:${r.port}` }));
    await waitFor('the echo through the ClusterIP', () => {
      client.send('ping', 5353, clusterIP);
      return replies.length > 0;
    }, 120_000, 500);
    assert.deepEqual(replies[0], { text: 'echo-udp:ping', from: `${clusterIP}:5353` });
  } finally {
    client.close();
  }
});

test('stopping the node removes the ClusterIPs it added to lo and frees its NodePorts', { skip, timeout: 120_000 }, async () => {
  const label = loopbackLabel(nodeNetworkId(os.hostname(), path.join(c.dataDir, 'node')));
  const owned = (os.networkInterfaces()[label] ?? []).map((a) => a.address);
  const webIP = await jsonpath('svc', 'web', '{.spec.clusterIP}');
  assert.ok(owned.includes(webIP), `${webIP} in ${owned.join(' ')} (${label})`);
  const nodePort = Number(await jsonpath('svc', 'web-np', '{.spec.ports[0].nodePort}'));
  await c.stop();
  assert.equal(os.networkInterfaces()[label], undefined, `left on lo: ${JSON.stringify(os.networkInterfaces()[label])}`);
  assert.ok(await bindable('127.0.0.1', nodePort), `NodePort ${nodePort} still taken`);
});
