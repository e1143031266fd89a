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
    for (const v of ['1.27', '1.33'] as const) {
      const logs = await cluster.ok(v, ['logs', 'liveness-http', '--previous']);
      assert.match(logs, /healthz 200 custom-header=Awesome/);
    }
  });

  test('a server that stops answering is found by its liveness probe timeout (httpGet on a named port)', async () => {
    await apply('1.33', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'liveness-hang' },
      spec: { containers: [{
        name: 'c', image: 'example/hang', command: ['node', app('hang-server.js')],
        env: [{ name: 'PORT', value: '18082' }, { name: 'HEALTHY_SECONDS', value: '3' }],
        ports: [{ name: 'http', containerPort: 18082 }],
        livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 1, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 2 },
      }] },
    });
    await waitForRestarts('1.33', 'liveness-hang', 'c', 1);
    const out = await cluster.ok('1.27', ['describe', 'pod', 'liveness-hang']);
    assert.match(out, /Liveness:\s+http-get http:\/\/:http\/healthz delay=1s timeout=1s period=1s #success=1 #failure=2/);
    assert.match(out, /Liveness probe failed: Get "http:\/\/[\d.]+:18082\/healthz": context deadline exceeded \(Client\.Timeout exceeded while awaiting headers\)/);
  });

  test('a readiness probe drives the Ready condition both ways', async () => {
    await apply('1.33', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'readiness' },
      spec: { containers: [{
        name: 'c', image: 'busybox', command: ['sh', '-c', 'touch /tmp/nanokube-e2e-ready-$HOSTNAME; sleep 600'],
        readinessProbe: { exec: { command: ['sh', '-c', 'test -f /tmp/nanokube-e2e-ready-$HOSTNAME'] }, periodSeconds: 1, failureThreshold: 1 },
      }] },
    });
    const readyOf = (p: any) => p.status?.conditions?.find((c: any) => c.type === 'Ready');
    await cluster.ok('1.33', ['wait', '--for=condition=Ready', 'pod/readiness', '--timeout=60s']);
    await cluster.ok('1.27', ['exec', 'readiness', '--', 'sh', '-c', 'rm /tmp/nanokube-e2e-ready-$HOSTNAME']);
    const unready = await waitFor('Ready to turn False', async () => {
      const p = await getPod('1.33', 'readiness');
      return readyOf(p)?.status === 'False' ? p : undefined;
    }, 30_000, 250);
    assert.equal(readyOf(unready).reason, 'ContainersNotReady');
    assert.equal(readyOf(unready).message, 'containers with unready status: [c]');
    assert.equal(containerStatus(unready, 'c').ready, false);
    assert.equal(containerStatus(unready, 'c').restartCount, 0, 'readiness never restarts a container');
    assert.match(await cluster.ok('1.33', ['get', 'pod', 'readiness']), /readiness\s+0\/1\s+Running/);
    assert.match(await cluster.ok('1.33', ['describe', 'pod', 'readiness']), /Readiness probe failed/);
  });

  test('env: values, $(VAR) expansion, fieldRef, resourceFieldRef, ConfigMap and Secret keys, envFrom, optional; kubectl exec -- env (1.27 and 1.33)', async () => {
    await cluster.apply('1.33', [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'env-cm' }, data: { color: 'blue', size: 'L' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'env-secret' }, stringData: { token: 's3cret' } },
      {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'env-pod', labels: { tier: 'web' } },
        spec: { containers: [{
          name: 'c', image: 'busybox', command: ['sh', '-c', 'echo started $(GREETING); sleep 600'],
          resources: { limits: { memory: '64Mi' } },
          envFrom: [{ prefix: 'CM_', configMapRef: { name: 'env-cm' } }, { secretRef: { name: 'env-secret' } }, { configMapRef: { name: 'no-such-cm', optional: true } }],
          env: [
            { name: 'NAME_VAL', value: 'world' },
            { name: 'GREETING', value: 'hello-$(NAME_VAL)' },
            { name: 'ESCAPED', value: '$$(NAME_VAL)' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'POD_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'TIER', valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } } },
            { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
            { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
            { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'env-cm', key: 'color' } } },
            { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'env-secret', key: 'token' } } },
            { name: 'MISSING', valueFrom: { configMapKeyRef: { name: 'env-cm', key: 'nope', optional: true } } },
          ],
        }] },
      },
    ]);
    await cluster.ok('1.33', ['wait', '--for=condition=Ready', 'pod/env-pod', '--timeout=60s']);
    const pod = await getPod('1.33', 'env-pod');
    assert.ok(pod.status.podIP && pod.status.hostIP);
    for (const v of ['1.27', '1.33'] as const) {
      const env = new Map((await cluster.ok(v, ['exec', 'env-pod', '--', 'env'])).trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      const want: Record<string, string> = {
        HOSTNAME: 'env-pod', NAME_VAL: 'world', GREETING: 'hello-world', ESCAPED: '$(NAME_VAL)', POD_NAME: 'env-pod', POD_NS: 'default', TIER: 'web',
        NODE: pod.spec.nodeName, POD_IP: pod.status.podIP, HOST_IP: pod.status.hostIP, MEM_MI: '64', COLOR: 'blue', TOKEN: 's3cret',
        CM_color: 'blue', CM_size: 'L', token: 's3cret',
      };
      for (const [k, val] of Object.entries(want)) assert.equal(env.get(k), val, `${k} with kubectl ${v}`);
      assert.equal(env.has('MISSING'), false);
    }
    await waitFor('the expanded command line to log', async () => /started hello-world/.test(await cluster.ok('1.33', ['logs', 'env-pod'])), 30_000, 250);
  });

  test('a container that ignores SIGTERM is killed when the grace period is over, then the pod is gone', async () => {
    await apply('1.33', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stubborn' },
      spec: { terminationGracePeriodSeconds: 2, containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', "trap '' TERM; echo up; while true; do sleep 0.2; done"] }] },
    });
    await waitFor('stubborn to log', async () => /up/.test(await cluster.ok('1.33', ['logs', 'stubborn'])), 60_000, 250);
    const started = Date.now();
    await cluster.ok('1.33', ['delete', 'pod', 'stubborn', '--wait=true', '--timeout=60s']);
    const took = (Date.now() - started) / 1000;
    assert.ok(took >= 1.5, `the grace period was honoured (${took}s)`);
    const left = await cluster.kubectl('1.33', ['get', 'pod', 'stubborn']);
    assert.match(left.stderr, /pods "stubborn" not found/);
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
    // Caught between an exit and the next back-off, or in the instant a restart runs before it exits again.
    assert.match(out, /crash-always\s+(0\/1\s+(CrashLoopBackOff|Error|Completed|Running)|1\/1\s+Running)\s+[3-9]/);
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

  test('kubectl logs: -f, --previous, --tail, --since, --timestamps, -c, --all-containers (1.27 and 1.33)', async () => {
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
      const since = await cluster.ok(v, ['logs', 'talker', '-c', 'one', '--since=1h']);
      assert.match(since, /line-1\n(.|\n)*late\n/);
      // Nothing is logged after "late": once it is a few seconds old, --since=2s shows no line.
      await waitFor(`kubectl ${v} logs --since=2s to be empty`, async () => (await cluster.ok(v, ['logs', 'talker', '-c', 'one', '--since=2s'])) === '', 30_000, 500);
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
