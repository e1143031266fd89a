// kill -9 of the server in the middle of 1,000 writes: after a restart every acknowledged write is there.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { TestCluster, waitFor } from '../support/cluster.js';
import { refs } from '../support/refs.js';

let cluster: TestCluster | undefined;

after(async () => {
  await cluster?.destroy();
});

test('acknowledged writes survive kill -9 of the server', { timeout: 300_000 }, async () => {
  cluster = await TestCluster.start();
  const client = cluster.client();
  const acked = new Map<string, string>();
  let failures = 0;
  let next = 0;
  const total = 1000;
  // Eight writers; the server is killed once a third of the writes are acknowledged.
  const writer = async () => {
    while (next < total) {
      const i = next++;
      const name = `cm-${i}`;
      const value = `value-${i}-${'x'.repeat(i % 50)}`;
      try {
        await client.create(refs.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { v: value } });
        acked.set(name, value);
      } catch {
        failures++;
      }
    }
  };
  const killer = (async () => {
    await waitFor('a third of the writes', () => acked.size >= total / 3, 120_000, 5);
    await cluster!.kill9();
  })();
  await Promise.all([killer, ...Array.from({ length: 8 }, writer)]);
  client.close();
  assert.ok(failures > 0, 'some writes failed because the server died mid-way');
  assert.ok(acked.size >= total / 3);

  await cluster.boot();
  const after = cluster.client();
  const list = await after.list(refs.configmaps, 'default');
  const stored = new Map(list.items.map((cm) => [cm.metadata.name!, cm.data?.v]));
  for (const [name, value] of acked) assert.equal(stored.get(name), value, `${name} was acknowledged and must survive`);
  // The restarted server keeps working.
  await after.create(refs.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-restart' } });
  after.close();
});
