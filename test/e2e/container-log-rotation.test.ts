// Container log rotation as the kubelet's --container-log-max-size / --container-log-max-files: the log
// file is rotated at the size and that many files are kept; kubectl logs reads what is kept.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TestCluster, waitFor } from '../support/cluster.js';

let c: TestCluster;

before(async () => {
  c = await TestCluster.start(['--container-log-max-size', '16Ki', '--container-log-max-files', '3']);
});

after(async () => {
  await c?.destroy();
});

test('a chatty container\'s log is rotated at --container-log-max-size, keeping --container-log-max-files files', { timeout: 180_000 }, async () => {
  await c.ok('1.33', ['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'chatty' },
      spec: { terminationGracePeriodSeconds: 1, containers: [{
        name: 'c', image: 'busybox',
        command: ['sh', '-c', 'i=0; while [ $i -lt 3000 ]; do echo "line-$i padding padding padding"; i=$((i+1)); done; echo finished; sleep 600'],
      }] },
    }),
  });
  for (const v of ['1.27', '1.33'] as const) {
    const logs = await waitFor(`kubectl ${v} logs to show the last line`, async () => {
      const out = await c.ok(v, ['logs', 'chatty']);
      return out.endsWith('finished\n') ? out : undefined;
    }, 120_000, 500);
    assert.doesNotMatch(logs, /^line-0 /m, 'the first lines were rotated away');
    assert.ok(Buffer.byteLength(logs) < 3 * 17 * 1024, `no more than three files are kept (${Buffer.byteLength(logs)} bytes)`);
  }
  const pod = JSON.parse(await c.ok('1.33', ['get', 'pod', 'chatty', '-o', 'json']));
  const dir = path.join(c.dataDir, 'node', 'pods', `default_chatty_${pod.metadata.uid}`, 'c');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['0.log', '0.log.1', '0.log.2']);
  for (const f of ['0.log.1', '0.log.2']) assert.ok(fs.statSync(path.join(dir, f)).size > 16 * 1024, `${f} was rotated at the size`);
});

test('invalid rotation flags are refused at start', async () => {
  const bad = await TestCluster.start(['--container-log-max-files', '1']).then(
    async (cluster) => {
      await cluster.destroy();
      return undefined;
    },
    (e: Error) => e.message,
  );
  assert.match(bad ?? '', /invalid --container-log-max-files 1: want 2 or more/);
});
