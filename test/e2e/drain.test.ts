// kubectl drain: the node is cordoned, its pods are evicted through pods/eviction (deleted, with the
// DisruptionTarget condition first), their replacements wait while the node is unschedulable, and run
// again after uncordon. With kubectl 1.27 and 1.33, one after the other on one cluster.
import assert from 'node:assert/strict';
import os from 'node:os';
import { after, before, test } from 'node:test';
import { kubectlVersions, TestCluster, waitFor } from '../support/cluster.js';

let c: TestCluster;
const node = os.hostname();

before(async () => {
  c = await TestCluster.start();
});

after(async () => {
  await c?.destroy();
});

async function podsOf(app: string): Promise<{ name: string; phase: string }[]> {
  const out = JSON.parse(await c.ok('1.33', ['get', 'pods', '-l', `app=${app}`, '-o', 'json']));
  return out.items.filter((p: any) => !p.metadata.deletionTimestamp).map((p: any) => ({ name: p.metadata.name, phase: p.status?.phase }));
}

for (const v of kubectlVersions) {
  test(`kubectl ${v}: drain evicts the node's pods; replacements wait for uncordon`, { timeout: 300_000 }, async () => {
    const app = `drained-${v.replace('.', '-')}`;
    await c.apply(v, [{
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app },
      spec: {
        replicas: 2, selector: { matchLabels: { app } },
        template: { metadata: { labels: { app } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] } },
      },
    }]);
    const before = await waitFor('two running pods', async () => {
      const pods = await podsOf(app);
      return pods.length === 2 && pods.every((p) => p.phase === 'Running') ? pods.map((p) => p.name) : undefined;
    }, 120_000, 250);

    const drained = await c.kubectl(v, ['drain', node, '--ignore-daemonsets', '--timeout=120s'], { timeoutMs: 150_000 });
    assert.equal(drained.code, 0, drained.stderr);
    for (const name of before) assert.match(drained.stdout, new RegExp(`(evicting pod default/${name}|pod/${name} evicted)`));
    assert.match(drained.stdout, new RegExp(`node/${node} drained`));
    assert.equal(JSON.parse(await c.ok(v, ['get', 'node', node, '-o', 'json'])).spec.unschedulable, true);

    // The evicted pods are gone; the Deployment's replacements cannot be placed on the cordoned node.
    const pending = await waitFor('two replacement pods Pending', async () => {
      const pods = await podsOf(app);
      const fresh = pods.filter((p) => !before.includes(p.name));
      return pods.every((p) => !before.includes(p.name)) && fresh.length === 2 && fresh.every((p) => p.phase === 'Pending') ? fresh : undefined;
    }, 120_000, 250);
    const described = await c.ok(v, ['describe', 'pod', pending[0].name]);
    assert.match(described, /FailedScheduling .*0\/1 nodes are available: 1 node\(s\) were unschedulable/);

    await c.ok(v, ['uncordon', node]);
    await waitFor('the replacements to run after uncordon', async () => {
      const pods = await podsOf(app);
      return pods.length === 2 && pods.every((p) => p.phase === 'Running');
    }, 120_000, 250);
    await c.ok(v, ['delete', 'deployment', app]);
  });
}

test('an eviction names its pod; the evicted pod carries the DisruptionTarget condition while it terminates', async () => {
  await c.apply('1.33', [{
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'evictee' },
    spec: { terminationGracePeriodSeconds: 30, containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'trap "" TERM; sleep 3600'] }] },
  }]);
  await waitFor('the pod to run', async () => (await c.ok('1.33', ['get', 'pod', 'evictee', '-o', 'jsonpath={.status.phase}'])) === 'Running', 120_000, 250);
  const evict = (name: string) => c.kubectl('1.33', ['create', '--raw', '/api/v1/namespaces/default/pods/evictee/eviction', '-f', '-'],
    { input: JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name } }) });
  const wrong = await evict('other');
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /name in URL does not match name in Eviction object/);
  const ok = await evict('evictee');
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).status, 'Success');
  const pod = JSON.parse(await c.ok('1.33', ['get', 'pod', 'evictee', '-o', 'json']));
  assert.ok(pod.metadata.deletionTimestamp, 'the pod is terminating');
  const condition = pod.status.conditions.find((x: any) => x.type === 'DisruptionTarget');
  assert.deepEqual([condition?.status, condition?.reason], ['True', 'EvictionByEvictionAPI']);
  await c.ok('1.33', ['delete', 'pod', 'evictee', '--grace-period=0', '--force']);
});
