// The FailedPostStartHook / FailedPreStopHook event messages, in the kubelet's format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hookFailureMessage } from '../../src/node/lifecycle-hook-message.js';

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'podFoo', namespace: 'nsFoo', uid: 'u-1' } };

test('an exec hook that exited non-zero: its command, exit code and output', () => {
  assert.equal(
    hookFailureMessage({ exec: { command: ['sh', '-c', 'echo no; exit 3'] } }, 'containerFoo', pod, { ok: false, message: 'no\n', exitCode: 3 }),
    'Exec lifecycle hook ([sh -c echo no; exit 3]) for Container "containerFoo" in Pod "podFoo_nsFoo(u-1)" failed - error: '
      + 'command \'sh -c echo no; exit 3\' exited with 3: no\n, message: "no\\n"',
  );
});

test('an exec hook that could not run, and an httpGet hook without an answer', () => {
  assert.equal(
    hookFailureMessage({ exec: { command: ['missing'] } }, 'c', pod, { ok: false, message: 'exec failed: spawn missing ENOENT' }),
    'Exec lifecycle hook ([missing]) for Container "c" in Pod "podFoo_nsFoo(u-1)" failed - error: exec failed: spawn missing ENOENT, message: "exec failed: spawn missing ENOENT"',
  );
  assert.equal(
    hookFailureMessage({ httpGet: { path: '/stop', port: 80 } }, 'c', pod, { ok: false, message: 'Get "http://10.0.0.1:80/stop": dial tcp 10.0.0.1:80: connect: connection refused' }),
    'HTTP lifecycle hook (/stop) for Container "c" in Pod "podFoo_nsFoo(u-1)" failed - error: Get "http://10.0.0.1:80/stop": dial tcp 10.0.0.1:80: connect: connection refused',
  );
});
