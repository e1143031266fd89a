// The host runtime's signals reach a container also in the instant after its start, before its process
// has made itself a process group (a postStart hook failing at once, a pod deleted as it starts): then
// the signal goes to the shim's child alone. Real containers under the real shim, no cluster.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HostRuntime } from '../../src/node/runtime/host-runtime.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-host-runtime-signals-'));
const runtime = new HostRuntime(path.join(dir, 'state'), '127.0.0.1', `nanokube-test-signals-${process.pid}`);
const pods = Array.from({ length: 20 }, (_, i) => `signals-${process.pid}-${i}`);

after(async () => {
  for (const p of pods) runtime.signal(p, 'c', 0, 'SIGKILL');
  for (const p of pods) await runtime.removeSandbox(p);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('SIGTERM sent as soon as a container has started ends it', { timeout: 60_000 }, async () => {
  // The launcher does not hold the process open by itself.
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    const exits = await Promise.all(pods.map(async (podUid, i) => {
      await runtime.createSandbox({ podUid, namespace: 'default', name: podUid, hostname: podUid, hostNetwork: false });
      const h = await runtime.startContainer({
        podUid, name: 'c', attempt: 0, command: ['sleep', '60'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, mounts: [],
        logPath: path.join(dir, 'logs', `${i}.log`), maxLogBytes: 1 << 20, maxLogFiles: 1,
      });
      runtime.signal(podUid, 'c', 0, 'SIGTERM');
      const timeout = new Promise<string>((r) => setTimeout(() => r('still running'), 20_000).unref());
      return Promise.race([h.exited.then((st) => String(st.exitCode)), timeout]);
    }));
    assert.deepEqual(exits, pods.map(() => '143'));
  } finally {
    clearInterval(keepAlive);
  }
});
