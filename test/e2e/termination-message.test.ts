// terminationMessagePath and terminationMessagePolicy with the real kubectl, under the host runtime and
// the isolated one: each start of a container gets its own empty file bind-mounted at the path (its
// parent made when missing), whose content becomes state.terminated.message (lastState's after a
// restart); FallbackToLogsOnError takes the log's tail when the file is empty and the container failed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isolatedRuntimeProblem } from '../../src/cli/node-networking.js';
import { TestCluster, kubectlVersions, waitFor } from '../support/cluster.js';

const noIsolated = isolatedRuntimeProblem();
const clusters: Record<'host' | 'isolated', TestCluster | undefined> = { host: undefined, isolated: undefined };

before(async () => {
  await Promise.all([
    TestCluster.start().then((c) => (clusters.host = c)),
    noIsolated ? undefined : TestCluster.start(['--runtime', 'isolated']).then((c) => (clusters.isolated = c)),
  ]);
});

after(async () => {
  await Promise.all(Object.values(clusters).map((c) => c?.destroy()));
});

function pod(name: string, containers: unknown[], restartPolicy = 'Never'): unknown {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { restartPolicy, terminationGracePeriodSeconds: 1, containers } };
}

async function getPod(c: TestCluster, name: string): Promise<any> {
  return JSON.parse(await c.ok('1.33', ['get', 'pod', name, '-o', 'json']));
}

/** The pod once all its containers have terminated. */
async function finished(c: TestCluster, name: string): Promise<any> {
  return waitFor(`${name} to finish`, async () => {
    const p = await getPod(c, name);
    const all = p.status?.containerStatuses ?? [];
    return all.length > 0 && all.every((s: any) => s.state?.terminated) ? p : undefined;
  }, 90_000, 250);
}

function status(p: any, container: string): any {
  return p.status.containerStatuses.find((s: any) => s.name === container);
}

for (const runtime of ['host', 'isolated'] as const) {
  const skip = runtime === 'isolated' && noIsolated ? `no isolated runtime: ${noIsolated}` : false;
  const cluster = () => clusters[runtime]!;

  describe(`termination messages (${runtime} runtime)`, { concurrency: true, skip }, () => {
    test('what a container writes to /dev/termination-log before exiting 3 is its message: kubectl get -o jsonpath and describe (1.27 and 1.33)', { timeout: 180_000 }, async () => {
      const c = cluster();
      await c.apply('1.33', [pod('bye', [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'printf bye > /dev/termination-log; exit 3'] }])]);
      await finished(c, 'bye');
      for (const v of kubectlVersions) {
        assert.equal(await c.ok(v, ['get', 'pod', 'bye', '-o', 'jsonpath={.status.containerStatuses[0].state.terminated.message}']), 'bye', `kubectl ${v}`);
        const desc = await c.ok(v, ['describe', 'pod', 'bye']);
        assert.match(desc, /State:\s+Terminated\n\s+Reason:\s+Error\n\s+Message:\s+bye\n\s+Exit Code:\s+3\n/, `kubectl ${v}`);
      }
    });

    test('each container has its own file: two containers write two messages; a failed one with policy File and an empty file has none', { timeout: 180_000 }, async () => {
      const c = cluster();
      await c.apply('1.33', [pod('two', [
        { name: 'a', image: 'busybox', command: ['sh', '-c', 'printf from-a > /dev/termination-log; sleep 1; cat /dev/termination-log'] },
        { name: 'b', image: 'busybox', command: ['sh', '-c', 'printf from-b > /dev/termination-log; sleep 1; cat /dev/termination-log'] },
        { name: 'silent', image: 'busybox', command: ['sh', '-c', 'echo in the log only; exit 1'] },
      ])]);
      const p = await finished(c, 'two');
      assert.equal(status(p, 'a').state.terminated.message, 'from-a');
      assert.equal(status(p, 'b').state.terminated.message, 'from-b');
      assert.equal(status(p, 'silent').state.terminated.message, undefined);
      assert.equal(status(p, 'silent').state.terminated.exitCode, 1);
      // Neither saw the other's write.
      assert.equal((await c.ok('1.33', ['logs', 'two', '-c', 'a'])).trim(), 'from-a');
      assert.equal((await c.ok('1.33', ['logs', 'two', '-c', 'b'])).trim(), 'from-b');
    });

    test('a custom terminationMessagePath whose parent does not exist: the mount point is made, the node\'s path is not written, and it is gone with the pod', { timeout: 180_000 }, async () => {
      const c = cluster();
      const top = path.join(os.tmpdir(), `nanokube-e2e-tm-${runtime}-${process.pid}`);
      const custom = path.join(top, 'deep', 'message');
      fs.rmSync(top, { recursive: true, force: true });
      await c.apply('1.33', [pod('custom', [{
        name: 'c', image: 'busybox', terminationMessagePath: custom, command: ['sh', '-c', `printf custom-path > ${custom}`],
      }])]);
      const p = await finished(c, 'custom');
      assert.equal(status(p, 'c').state.terminated.message, 'custom-path');
      assert.equal(status(p, 'c').state.terminated.reason, 'Completed');
      for (const v of kubectlVersions) {
        assert.equal(await c.ok(v, ['get', 'pod', 'custom', '-o', 'jsonpath={.status.containerStatuses[0].state.terminated.message}']), 'custom-path');
      }
      // The container wrote its own file, mounted there: the node's path is the empty mount point.
      assert.equal(fs.readFileSync(custom, 'utf8'), '');
      await c.ok('1.33', ['delete', 'pod', 'custom', '--timeout=60s']);
      await waitFor(`${top} to be removed with the pod`, () => !fs.existsSync(top), 30_000, 200);
    });

    test('FallbackToLogsOnError: the log\'s tail when the file is empty and the container failed; the file when it is not; nothing on success', { timeout: 180_000 }, async () => {
      const c = cluster();
      await c.apply('1.33', [pod('fallback', [
        { name: 'logs', image: 'busybox', terminationMessagePolicy: 'FallbackToLogsOnError', command: ['sh', '-c', 'echo first; echo oops >&2; exit 2'] },
        { name: 'file', image: 'busybox', terminationMessagePolicy: 'FallbackToLogsOnError', command: ['sh', '-c', 'echo noise; printf from-file > /dev/termination-log; exit 2'] },
        { name: 'ok', image: 'busybox', terminationMessagePolicy: 'FallbackToLogsOnError', command: ['sh', '-c', 'echo all good'] },
      ])]);
      const p = await finished(c, 'fallback');
      assert.equal(status(p, 'logs').state.terminated.message, 'first\noops');
      assert.equal(status(p, 'file').state.terminated.message, 'from-file');
      assert.equal(status(p, 'ok').state.terminated.message, undefined);
      for (const v of kubectlVersions) {
        assert.match(await c.ok(v, ['describe', 'pod', 'fallback']), /Reason:\s+Error\n\s+Message:\s+first\n\s*oops\n\s+Exit Code:\s+2\n/, `kubectl ${v}`);
      }
    });

    test('after a restart the message is lastState\'s, from that start\'s own file (each start begins with an empty one)', { timeout: 180_000 }, async () => {
      const c = cluster();
      // Appends: a file shared between starts would read "run run" on the second.
      await c.apply('1.33', [pod('again', [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'printf run >> /dev/termination-log; exit 1'] }], 'OnFailure')]);
      // lastState is the start that ended last: the first once restarted, later ones after that.
      for (const restarts of [1, 2]) {
        const p = await waitFor(`${restarts} restarts with lastState`, async () => {
          const x = await getPod(c, 'again');
          const s = x.status?.containerStatuses?.[0];
          return s?.restartCount >= restarts && s.lastState?.terminated ? x : undefined;
        }, 90_000, 250);
        assert.equal(status(p, 'c').lastState.terminated.message, 'run', `after ${restarts} restarts`);
      }
      assert.match(await c.ok('1.27', ['describe', 'pod', 'again']), /Last State:\s+Terminated\n\s+Reason:\s+Error\n\s+Message:\s+run\n\s+Exit Code:\s+1\n/);
    });
  });
}
