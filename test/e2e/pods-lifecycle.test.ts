// Pods as processes under `nanokube up`, driven by the real kubectl: probes restart containers,
// restart policies and back-off, init containers and sidecars in order, hooks, logs, describe.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestCluster, repoRoot, waitFor, type KubectlVersion } from '../support/cluster.js';

let cluster: TestCluster;
const app = (name: string) => path.join(repoRoot, 'examples', 'apps', name);

before(async () => {
  cluster = await TestCluster.start();
});

after(async () => {
  await cluster?.destroy();
});

async function apply(v: KubectlVersion, obj: unknown): Promise<void> {
  await cluster.apply(v, [obj]);
}

async function getPod(v: KubectlVersion, name: string): Promise<any> {
  return JSON.parse(await cluster.ok(v, ['get', 'pod', name, '-o', 'json']));
}

function containerStatus(pod: any, name: string): any {
  return [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((c: any) => c.name === name);
}

async function waitForRestarts(v: KubectlVersion, pod: string, container: string, n: number, timeoutMs = 90_000): Promise<any> {
  return waitFor(`${pod}/${container} to restart ${n} times`, async () => {
    const p = await getPod(v, pod);
    return (containerStatus(p, container)?.restartCount ?? 0) >= n ? p : undefined;
  }, timeoutMs, 500);
}

describe('pods', { concurrency: true }, () => {
  test('the seed liveness example (httpGet with headers) is restarted by its probe, and describe tells why', async () => {
    await apply('1.33', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'liveness-http', labels: { test: 'liveness' } },
      spec: { containers: [{
        name: 'liveness', image: 'k8s.gcr.io/liveness', command: ['node', app('healthz-server.js')],
        env: [{ name: 'PORT', value: '18080' }, { name: 'HEALTHY_SECONDS', value: '4' }],
        livenessProbe: { httpGet: { path: '/healthz', port: 18080, httpHeaders: [{ name: 'X-Custom-Header', value: 'Awesome' }] }, initialDelaySeconds: 2, periodSeconds: 2, failureThreshold: 2 },
      }] },
    });
    const pod = await waitForRestarts('1.33', 'liveness-http', 'liveness', 1);
    assert.equal(containerStatus(pod, 'liveness').lastState.terminated !== undefined, true);
    for (const v of ['1.27', '1.33'] as const) {
      const out = await cluster.ok(v, ['describe', 'pod', 'liveness-http']);
      assert.match(out, /Liveness:\s+http-get http:\/\/:18080\/healthz delay=2s timeout=1s period=2s #success=1 #failure=2/);
      assert.match(out, /Last State:\s+Terminated/);
      assert.match(out, /Restart Count:\s+[1-9]/);
      assert.match(out, /Liveness probe failed: HTTP probe failed with statuscode: 500/);
      assert.match(out, /Container liveness failed liveness probe, will be restarted/);
    }
    const logs = await cluster.ok('1.33', ['logs', 'liveness-http', '--previous']);
    assert.match(logs, /healthz 200 custom-header=Awesome/);
  });

  test('exec, tcpSocket and grpc liveness probes restart their containers', async () => {
    await apply('1.33', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'liveness-exec' },
      spec: { containers: [{
        name: 'c', image: 'busybox',
        command: ['sh', '-c', 'f=/tmp/nanokube-e2e-healthy-$HOSTNAME; touch $f; sleep 3; rm -f $f; sleep 600'],
        livenessProbe: { exec: { command: ['sh', '-c', 'cat /tmp/nanokube-e2e-healthy-$HOSTNAME'] }, periodSeconds: 1, failureThreshold: 2 },
      }] },
    });
    await apply('1.33', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'liveness-tcp' },
      spec: { containers: [{
        name: 'c', image: 'busybox',
        command: ['node', '-e', "const s=require('net').createServer().listen(18081);setTimeout(()=>s.close(),3000);setInterval(()=>{},1000)"],
        livenessProbe: { tcpSocket: { port: 18081 }, initialDelaySeconds: 1, periodSeconds: 1, failureThreshold: 2 },
      }] },
    });
    await apply('1.33', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'liveness-grpc' },
      spec: { containers: [{
        name: 'c', image: 'example/grpc-health', command: ['node', app('grpc-health-server.js')],
        env: [{ name: 'PORT', value: '19090' }, { name: 'HEALTHY_SECONDS', value: '3' }],
        livenessProbe: { grpc: { port: 19090 }, initialDelaySeconds: 1, periodSeconds: 1, failureThreshold: 2 },
      }] },
    });
    await Promise.all(['liveness-exec', 'liveness-tcp', 'liveness-grpc'].map((p) => waitForRestarts('1.33', p, 'c', 1)));
    const grpc = await cluster.ok('1.27', ['describe', 'pod', 'liveness-grpc']);
    assert.match(grpc, /Liveness:\s+grpc <pod>:19090  delay=1s timeout=1s period=1s #success=1 #failure=2/);
    assert.match(grpc, /Liveness probe failed: service unhealthy \(responded with "NOT_SERVING"\)/);
    const tcp = await cluster.ok('1.33', ['describe', 'pod', 'liveness-tcp']);
    assert.match(tcp, /Liveness probe failed: dial tcp [\d.]+:18081: connect: connection refused/);
  });

  test('a crashing container under restartPolicy Always backs off 10 s, then 20 s (CrashLoopBackOff)', async () => {
    await apply('1.33', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'crash-always' },
      spec: { restartPolicy: 'Always', containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'echo crashing; exit 3'] }] },
    });
    // lastState is the run that ended: run r-1 once restart r is running, run r while backing off.
    const runStarts: number[] = [];
    const waitingMessages = new Set<string>();
    await waitFor('three restarts', async () => {
      const p = await getPod('1.33', 'crash-always');
      const cs = containerStatus(p, 'c');
      const r = cs?.restartCount ?? 0;
      if (cs?.lastState?.terminated) runStarts[cs.state?.running ? r - 1 : r] ??= Date.parse(cs.lastState.terminated.startedAt);
      if (cs?.state?.waiting?.message) waitingMessages.add(cs.state.waiting.message);
      return r >= 3 && runStarts[1] !== undefined && runStarts[2] !== undefined;
    }, 120_000, 200);
    const out = await cluster.ok('1.33', ['get', 'pod', 'crash-always']);
    assert.match(out, /crash-always\s+0\/1\s+(CrashLoopBackOff|Error|Completed|Running)\s+[3-9]/);
    const desc = await cluster.ok('1.33', ['describe', 'pod', 'crash-always']);
    assert.match(desc, /Back-off restarting failed container c in pod crash-always_default/);
    assert.match(desc, /Last State:\s+Terminated\n\s+Reason:\s+Error\n\s+Exit Code:\s+3/);
    // Upstream's schedule: the first restart at once, the second after 10 s, the third after 20 s.
    const gap = (runStarts[2] - runStarts[1]) / 1000;
    assert.ok(gap >= 9 && gap <= 15, `second back-off was ${gap}s`);
    assert.ok([...waitingMessages].some((m) => /^back-off 20s restarting failed container=c pod=crash-always_default/.test(m)), [...waitingMessages].join('; '));
  });

  test('OnFailure restarts a failing container; Never does not; a successful one completes', async () => {
    await apply('1.33', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'onfailure' },
      spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'exit 1'] }] },
    });
    await apply('1.33', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'never' },
      spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'echo bye; exit 2'] }] },
    });
    await apply('1.33', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'succeeds' },
      spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'echo done'] }] },
    });
    await waitForRestarts('1.33', 'onfailure', 'c', 1);
    const never = await waitFor('never to fail', async () => {
      const p = await getPod('1.33', 'never');
      return p.status?.phase === 'Failed' ? p : undefined;
    });
    assert.equal(containerStatus(never, 'c').restartCount, 0);
    assert.equal(containerStatus(never, 'c').state.terminated.exitCode, 2);
    const ok = await waitFor('succeeds to complete', async () => {
      const p = await getPod('1.33', 'succeeds');
      return p.status?.phase === 'Succeeded' ? p : undefined;
    });
    assert.equal(containerStatus(ok, 'c').state.terminated.reason, 'Completed');
    assert.match(await cluster.ok('1.27', ['get', 'pod', 'never']), /never\s+0\/1\s+Error\s+0/);
    assert.match(await cluster.ok('1.27', ['get', 'pod', 'succeeds']), /succeeds\s+0\/1\s+Completed\s+0/);
  });

  test('init container, sidecar and two app containers start in order and stop with hooks in order', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-order-'));
    const log = path.join(dir, 'order.log');
    const mark = (what: string) => `echo ${what} >> ${log}`;
    await apply('1.33', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ordered' },
      spec: {
        terminationGracePeriodSeconds: 10,
        initContainers: [
          { name: 'init', image: 'busybox', command: ['sh', '-c', `${mark('init-start')}; sleep 1; ${mark('init-done')}`] },
          { name: 'sidecar', image: 'busybox', restartPolicy: 'Always', command: ['sh', '-c', `${mark('sidecar-start')}; trap '${mark('sidecar-term')}; exit 0' TERM; while true; do sleep 0.2; done`],
            startupProbe: { exec: { command: ['sh', '-c', `grep -q sidecar-start ${log}`] }, periodSeconds: 1 } },
        ],
        containers: [
          { name: 'app-a', image: 'busybox', command: ['sh', '-c', `${mark('app-a-start')}; trap 'exit 0' TERM; while true; do sleep 0.2; done`],
            lifecycle: { preStop: { exec: { command: ['sh', '-c', mark('app-a-prestop')] } } } },
          { name: 'app-b', image: 'busybox', command: ['sh', '-c', `${mark('app-b-start')}; trap 'exit 0' TERM; while true; do sleep 0.2; done`],
            lifecycle: { postStart: { exec: { command: ['sh', '-c', mark('app-b-poststart')] } }, preStop: { exec: { command: ['sh', '-c', mark('app-b-prestop')] } } } },
        ],
      },
    });
    await cluster.ok('1.33', ['wait', '--for=condition=Ready', 'pod/ordered', '--timeout=90s']);
    // Ready means the processes run (and postStart is done), not that their shells have written yet.
    const started = await waitFor('both app containers to log their start', () => {
      const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
      return lines.includes('app-a-start') && lines.includes('app-b-start') ? lines : undefined;
    }, 30_000);
    assert.deepEqual(started.slice(0, 3), ['init-start', 'init-done', 'sidecar-start']);
    assert.ok(started.includes('app-b-poststart'), started.join(','));
    await cluster.ok('1.33', ['delete', 'pod', 'ordered', '--timeout=60s']);
    const all = fs.readFileSync(log, 'utf8').trim().split('\n');
    const stop = all.slice(all.indexOf('app-b-poststart') + 1).filter((l) => l.endsWith('prestop') || l.endsWith('term'));
    assert.deepEqual(stop.slice(-1), ['sidecar-term'], `sidecar stops last: ${all.join(',')}`);
    assert.ok(stop.includes('app-a-prestop') && stop.includes('app-b-prestop'));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('kubectl logs: -f, --previous, --tail, --timestamps, -c, --all-containers (1.27 and 1.33)', async () => {
    await apply('1.33', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'talker' },
      spec: { containers: [
        { name: 'one', image: 'busybox', command: ['sh', '-c', 'for i in 1 2 3 4 5; do echo line-$i; done; sleep 2; echo late; sleep 600'] },
        { name: 'two', image: 'busybox', command: ['sh', '-c', 'echo from-two; sleep 600'] },
      ] },
    });
    await cluster.ok('1.33', ['wait', '--for=condition=Ready', 'pod/talker', '--timeout=60s']);
    for (const v of ['1.27', '1.33'] as const) {
      const followed = await cluster.kubectl(v, ['logs', '-f', 'talker', '-c', 'one', '--request-timeout=5s'], { timeoutMs: 15_000 });
      assert.match(followed.stdout, /line-1\nline-2\nline-3\nline-4\nline-5\n/);
      const tail = await cluster.ok(v, ['logs', 'talker', '-c', 'one', '--tail=2']);
      assert.ok(/late\n$/.test(tail) || /line-5\n$/.test(tail), tail);
      assert.equal(tail.trim().split('\n').length, 2);
      const ts = await cluster.ok(v, ['logs', 'talker', '-c', 'two', '--timestamps']);
      assert.match(ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z from-two\n$/);
      const all = await cluster.ok(v, ['logs', 'talker', '--all-containers']);
      assert.match(all, /line-1/);
      assert.match(all, /from-two/);
      const noContainer = await cluster.kubectl(v, ['logs', 'talker']);
      assert.match(noContainer.stderr + noContainer.stdout, /Defaulted container "one"|a container name must be specified/);
      const prev = await cluster.kubectl(v, ['logs', 'talker', '-c', 'two', '--previous']);
      assert.notEqual(prev.code, 0);
      assert.match(prev.stderr, /previous terminated container "two" in pod "talker" not found/);
    }
  });

  test('a container without a command fails with a clear reason and event', async () => {
    await apply('1.33', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'no-command' }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } });
    const p = await waitFor('the waiting reason', async () => {
      const pod = await getPod('1.33', 'no-command');
      return containerStatus(pod, 'nginx')?.state?.waiting?.reason === 'CreateContainerError' ? pod : undefined;
    });
    assert.match(containerStatus(p, 'nginx').state.waiting.message, /cannot run image "nginx" without a command/);
    const desc = await cluster.ok('1.33', ['describe', 'pod', 'no-command']);
    assert.match(desc, /Warning\s+Failed\s+.*Error: nanokube runs containers as processes/);
  });
});
