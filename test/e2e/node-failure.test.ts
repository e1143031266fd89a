// A node dies (its agent is kill -9'd): the node lifecycle controller marks it Unknown and taints it
// unreachable, its pods are evicted once their default toleration runs out, the ReplicationController
// replaces them on the healthy nodes, and when the node comes back the evicted pods' processes stop.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { alive, TestCluster, waitFor } from '../support/cluster.js';

let c: TestCluster;
const v = '1.33' as const;

before(async () => {
  // The grace period stays above the agents' 10 s lease renewal, so that healthy nodes never flap.
  c = await TestCluster.start([
    '--node-name', 'node-a',
    '--node-monitor-grace-period', '20s',
    '--default-unreachable-toleration-seconds', '4',
    '--default-not-ready-toleration-seconds', '4',
  ]);
  c.startAgent('node-b');
  await c.waitForReadyNodes(v, 2);
});

after(async () => {
  await c?.destroy();
});

/** PIDs of the containers an agent runs, from the pid files its runtime keeps ("<child> <shim>"). */
function containerPids(dataDir: string): number[] {
  const out: number[] = [];
  const walk = (dir: string) => {
    for (const e of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === 'pid') out.push(Number(fs.readFileSync(p, 'utf8').trim().split(/\s+/)[0]));
    }
  };
  walk(path.join(dataDir, 'containers'));
  return out.filter((n) => n > 0);
}

async function rcPods(): Promise<{ name: string; node: string; phase: string }[]> {
  const list = JSON.parse(await c.ok(v, ['get', 'pods', '-l', 'app=survivor', '-o', 'json']));
  return list.items.map((p: any) => ({ name: p.metadata.name, node: p.spec.nodeName ?? '', phase: p.status?.phase, deleting: !!p.metadata.deletionTimestamp }))
    .filter((p: any) => !p.deleting);
}

test('pods of a dead node are evicted and replaced on a healthy node; their processes stop when it returns', { timeout: 300_000 }, async () => {
  await c.ok(v, ['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'survivor' },
      spec: {
        replicas: 4, selector: { app: 'survivor' },
        template: { metadata: { labels: { app: 'survivor' } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] } },
      },
    }),
  });
  const before = await waitFor('four running pods on both nodes', async () => {
    const pods = await rcPods();
    return pods.length === 4 && pods.every((p) => p.phase === 'Running') && new Set(pods.map((p) => p.node)).size === 2 ? pods : undefined;
  }, 120_000, 500);
  const onB = before.filter((p) => p.node === 'node-b').map((p) => p.name);
  const agentB = c.agents.find((a) => a.nodeName === 'node-b')!;
  const pidsOnB = containerPids(agentB.dataDir);
  assert.ok(pidsOnB.length >= onB.length, 'node-b runs containers');

  await agentB.kill('SIGKILL');
  const node = await waitFor('node-b to be Unknown and tainted unreachable', async () => {
    const n = JSON.parse(await c.ok(v, ['get', 'node', 'node-b', '-o', 'json']));
    const ready = n.status.conditions.find((x: any) => x.type === 'Ready');
    const has = (effect: string) => (n.spec.taints ?? []).some((t: any) => t.key === 'node.kubernetes.io/unreachable' && t.effect === effect);
    const tainted = has('NoExecute') && has('NoSchedule');
    return ready.status === 'Unknown' && tainted ? n : undefined;
  }, 60_000, 500);
  assert.equal(node.status.conditions.find((x: any) => x.type === 'Ready').reason, 'NodeStatusUnknown');
  assert.match(await c.ok(v, ['get', 'nodes']), /node-b\s+NotReady/);
  assert.match(await c.ok(v, ['describe', 'node', 'node-b']), /Taints:\s+node\.kubernetes\.io\/unreachable:NoExecute\n\s+node\.kubernetes\.io\/unreachable:NoSchedule/);

  const after = await waitFor('replacements running on node-a', async () => {
    const pods = await rcPods();
    return pods.length === 4 && pods.every((p) => p.node === 'node-a' && p.phase === 'Running') ? pods : undefined;
  }, 120_000, 500);
  for (const name of onB) assert.ok(!after.some((p) => p.name === name), `${name} was evicted`);
  // An evicted pod stays terminating while its node is away, and says why it goes (as upstream's taint manager).
  const evicted = JSON.parse(await c.ok(v, ['get', 'pod', onB[0], '-o', 'json']));
  assert.ok(evicted.metadata.deletionTimestamp, `${onB[0]} is terminating`);
  const disruption = evicted.status.conditions.find((x: any) => x.type === 'DisruptionTarget');
  assert.deepEqual({ status: disruption?.status, reason: disruption?.reason, message: disruption?.message },
    { status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' });
  const eventOf = async (reason: string) => JSON.parse(await c.ok(v, ['get', 'events', '--field-selector', `involvedObject.name=${onB[0]},reason=${reason}`, '-o', 'json'])).items[0];
  assert.deepEqual(await eventOf('NodeNotReady').then((e) => [e?.type, e?.message]), ['Warning', 'Node is not ready']);
  assert.equal((await eventOf('TaintManagerEviction'))?.message, `Marking for deletion Pod default/${onB[0]}`);
  assert.equal(evicted.status.conditions.find((x: any) => x.type === 'Ready').status, 'False', 'marked not ready when its node went');
  assert.ok(pidsOnB.some(alive), 'the dead node cannot stop its own processes while it is down');

  c.startAgent('node-b');
  await waitFor('node-b Ready again', async () => {
    const n = JSON.parse(await c.ok(v, ['get', 'node', 'node-b', '-o', 'json']));
    return n.status.conditions.find((x: any) => x.type === 'Ready').status === 'True' ? n : undefined;
  }, 60_000, 500);
  await waitFor('the evicted pods\' processes to stop', () => (pidsOnB.every((p) => !alive(p)) ? true : undefined), 60_000, 250);
  await c.ok(v, ['delete', 'rc', 'survivor', '--wait=false']);
});
