// API semantics through the real kubectl (1.27 and 1.33): chunked lists follow continue tokens,
// generateName, optimistic concurrency (409 on a stale resourceVersion), and finalizers holding a
// deleted object with its deletionTimestamp until they are removed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { kubectlVersions, TestCluster, waitFor } from '../support/cluster.js';

let c: TestCluster;

before(async () => {
  c = await TestCluster.start();
});

after(async () => {
  await c?.destroy();
});

for (const v of kubectlVersions) {
  const ns = `semantics-${v.replace('.', '-')}`;

  test(`kubectl ${v}: a chunked list follows the server's continue tokens to the end`, async () => {
    await c.ok(v, ['create', 'namespace', ns]);
    for (let i = 0; i < 5; i++) await c.ok(v, ['create', 'configmap', `chunk-${i}`, '-n', ns]);
    const r = await c.kubectl(v, ['get', 'configmaps', '-n', ns, '-l', '!nonexistent', '--chunk-size=2', '-o', 'name', '-v=6']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').filter((l) => l.includes('chunk-')).sort(), [0, 1, 2, 3, 4].map((i) => `configmap/chunk-${i}`));
    // kubectl logs each request at -v=6 (1.27: `GET https://…`, 1.33: `verb="GET" url="https://…"`).
    const requests = [...new Set(r.stderr.split('\n').map((l) => /https:\/\/[^\s"]+\/configmaps\?[^\s"]+/.exec(l)?.[0]).filter((u): u is string => !!u))];
    assert.ok(requests.length >= 3, `three pages of two: ${requests.join('\n')}`);
    assert.ok(requests.slice(1).every((l) => /continue=/.test(l)), 'later pages ask with the continue token');
  });

  test(`kubectl ${v}: generateName, a stale resourceVersion's 409, finalizers and deletionTimestamp`, async () => {
    await c.kubectl(v, ['create', 'namespace', ns]);
    const created = await c.ok(v, ['create', '-n', ns, '-o', 'name', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' }, data: { a: '1' } }),
    });
    assert.match(created.trim(), /^configmap\/gen-[a-z0-9]{5}$/);

    await c.ok(v, ['create', 'configmap', 'guarded', '-n', ns, '--from-literal=a=1']);
    const stale = JSON.parse(await c.ok(v, ['get', 'configmap', 'guarded', '-n', ns, '-o', 'json']));
    await c.ok(v, ['label', 'configmap', 'guarded', '-n', ns, 'changed=yes']);
    const conflict = await c.kubectl(v, ['replace', '-n', ns, '-f', '-'], { input: JSON.stringify({ ...stale, data: { a: '2' } }) });
    assert.notEqual(conflict.code, 0);
    assert.match(conflict.stderr, /Operation cannot be fulfilled on configmaps "guarded": the object has been modified; please apply your changes to the latest version and try again/);

    await c.ok(v, ['patch', 'configmap', 'guarded', '-n', ns, '--type=merge', '-p', '{"metadata":{"finalizers":["example.com/hold"]}}']);
    await c.ok(v, ['delete', 'configmap', 'guarded', '-n', ns, '--wait=false']);
    const held = JSON.parse(await c.ok(v, ['get', 'configmap', 'guarded', '-n', ns, '-o', 'json']));
    assert.ok(held.metadata.deletionTimestamp, 'a deleted object with a finalizer stays, marked for deletion');
    assert.deepEqual(held.metadata.finalizers, ['example.com/hold']);
    await c.ok(v, ['patch', 'configmap', 'guarded', '-n', ns, '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    await waitFor('the object to go once its finalizer is removed', async () => (await c.kubectl(v, ['get', 'configmap', 'guarded', '-n', ns])).code !== 0, 30_000, 250);
  });
}
