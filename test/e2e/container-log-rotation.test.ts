// Container log rotation as the kubelet's --container-log-max-size / --container-log-max-files: the log
// file is rotated at the size and that many files are kept; kubectl logs reads the current file only, as
// upstream ("only returns the last rotation"), and -f goes on across a rotation.
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
    assert.ok(Buffer.byteLength(logs) < 17 * 1024, `only the current file is read (${Buffer.byteLength(logs)} bytes)`);
    const first = Number(/^line-(\d+) /.exec(logs)?.[1]);
    const last = Number(/line-(\d+) [^\n]*\nfinished\n$/.exec(logs)?.[1]);
    assert.equal(last, 2999);
    assert.deepEqual(logs.trimEnd().split('\n').slice(0, -1).map((l) => Number(/^line-(\d+) /.exec(l)?.[1])),
      Array.from({ length: last - first + 1 }, (_, i) => first + i), 'the current file\'s lines, whole and in order');
  }
  const pod = JSON.parse(await c.ok('1.33', ['get', 'pod', 'chatty', '-o', 'json']));
  const dir = path.join(c.dataDir, 'node', 'pods', `default_chatty_${pod.metadata.uid}`, 'c');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['0.log', '0.log.1', '0.log.2']);
  for (const f of ['0.log.1', '0.log.2']) assert.ok(fs.statSync(path.join(dir, f)).size > 16 * 1024, `${f} was rotated at the size`);
});

test('kubectl logs -f goes on across rotations, losing no line', { timeout: 180_000 }, async () => {
  // About 450 lines fill a 16 KiB file; a pause every 50 lines keeps a rotation from coming sooner than
  // the follower's next look.
  const script = 'sleep 5; i=0; while [ $i -lt 2000 ]; do echo "line-$i padding padding padding"; i=$((i+1)); '
    + 'if [ $((i % 50)) = 0 ]; then sleep 0.05; fi; done; echo finished';
  await Promise.all((['1.27', '1.33'] as const).map(async (v) => {
    const name = `follow-${v.replace('.', '-')}`;
    await c.ok(v, ['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1', kind: 'Pod', metadata: { name },
        spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', script] }] },
      }),
    });
    await waitFor(`${name} to run`, async () => (await c.ok(v, ['get', 'pod', name, '-o', 'jsonpath={.status.phase}'])) === 'Running' || undefined, 60_000, 100);
    const out = await c.ok(v, ['logs', '-f', name]);
    const lines = out.trimEnd().split('\n');
    assert.equal(lines.at(-1), 'finished', `kubectl ${v} followed to the end`);
    assert.deepEqual(lines.slice(0, -1).map((l) => Number(/^line-(\d+) /.exec(l)?.[1])), Array.from({ length: 2000 }, (_, i) => i),
      `kubectl ${v} -f saw every line once, in order, across the rotations`);
  }));
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
