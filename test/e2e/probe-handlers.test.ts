// Probe and hook handlers with the real kubectl (host runtime): httpGet postStart and preStop hooks in
// order with exec hooks, a failing postStart hook, an HTTPS readiness probe against a self-signed
// server, gRPC probes naming a service, readiness successThreshold, and the startup probe holding back
// liveness and readiness (and killing a container that never starts). Short periods keep them fast.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TestCluster, kubectlVersions, repoRoot, waitFor } from '../support/cluster.js';

let c: TestCluster;
let tmp: string;
const app = (name: string) => path.join(repoRoot, 'examples', 'apps', name);
// Host runtime: pods share the node's network, so each server has a port of its own.
const ports = { hooks: 28090, closed: 28099, https: 28443, grpc: 29191 };

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-probe-handlers-'));
  c = await TestCluster.start();
});

after(async () => {
  await c?.destroy();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function getPod(name: string): Promise<any> {
  return JSON.parse(await c.ok('1.33', ['get', 'pod', name, '-o', 'json']));
}

function containerStatus(p: any, name: string): any {
  return (p.status?.containerStatuses ?? []).find((s: any) => s.name === name);
}

function readyCondition(p: any): string | undefined {
  return p.status?.conditions?.find((x: any) => x.type === 'Ready')?.status;
}

async function eventMessages(pod: string): Promise<string[]> {
  const list = JSON.parse(await c.ok('1.33', ['get', 'events', '--field-selector', `involvedObject.name=${pod}`, '-o', 'json']));
  return list.items.map((e: any) => `${e.reason}: ${e.message}`);
}

async function waitForEvent(pod: string, pattern: RegExp): Promise<string[]> {
  return waitFor(`an event on ${pod} matching ${pattern}`, async () => {
    const events = await eventMessages(pod);
    return events.some((e) => pattern.test(e)) ? events : undefined;
  }, 90_000, 250);
}

function lines(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** A shell loop that ends at once on SIGTERM. */
const idle = ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 0.2; done"];

describe('probe and hook handlers', { concurrency: true }, () => {
  test('httpGet postStart and preStop hooks reach the pod\'s server, in order with the exec hooks', { timeout: 180_000 }, async () => {
    const log = path.join(tmp, 'hooks.log');
    const mark = (what: string) => ['sh', '-c', `echo ${what} >> ${log}`];
    const hookGet = (p: string) => ({ httpGet: { path: p, port: ports.hooks } });
    await c.apply('1.33', [{
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'http-hooks' },
      spec: {
        terminationGracePeriodSeconds: 10,
        initContainers: [{
          // The hooks' server: a sidecar, so the app containers (and their hooks) start once it answers.
          name: 'server', image: 'example/healthz', restartPolicy: 'Always',
          command: ['sh', '-c', `node ${app('healthz-server.js')} & trap 'kill $!; echo server-term >> ${log}; exit 0' TERM; wait`],
          env: [{ name: 'PORT', value: String(ports.hooks) }, { name: 'HEALTHY_SECONDS', value: '3600' }, { name: 'REQUEST_LOG', value: log }],
          startupProbe: { httpGet: { path: '/healthz', port: ports.hooks }, periodSeconds: 1, failureThreshold: 60 },
        }],
        containers: [
          { name: 'a', image: 'busybox', command: idle, lifecycle: { postStart: { exec: { command: mark('a-poststart') } }, preStop: hookGet('/a-prestop') } },
          { name: 'b', image: 'busybox', command: idle, lifecycle: { postStart: hookGet('/b-poststart'), preStop: { exec: { command: mark('b-prestop') } } } },
          { name: 'c', image: 'busybox', command: idle, lifecycle: { postStart: { exec: { command: mark('c-poststart') } } } },
        ],
      },
    }]);
    await c.ok('1.33', ['wait', '--for=condition=Ready', 'pod/http-hooks', '--timeout=90s']);
    // Each container's postStart ends before the next container starts (the last may still run when Ready).
    const started = await waitFor('the three postStart hooks', () => (lines(log).length >= 3 ? lines(log) : undefined), 30_000);
    assert.deepEqual(started, ['a-poststart', 'http /b-poststart', 'c-poststart']);
    const pod = await getPod('http-hooks');
    assert.deepEqual(pod.status.containerStatuses.map((s: any) => s.restartCount), [0, 0, 0]);
    await c.ok('1.33', ['delete', 'pod', 'http-hooks', '--timeout=60s']);
    const stopped = lines(log).slice(3);
    // The app containers' preStop hooks (run side by side), then the sidecar's end.
    assert.deepEqual([...stopped].sort(), ['b-prestop', 'http /a-prestop', 'server-term'], stopped.join(','));
    assert.equal(stopped[2], 'server-term', stopped.join(','));
  });

  test('a failing httpGet postStart hook kills the container with FailedPostStartHook (1.27 and 1.33)', { timeout: 180_000 }, async () => {
    await c.apply('1.33', [{
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'poststart-fails' },
      spec: { terminationGracePeriodSeconds: 2, containers: [{
        name: 'c', image: 'busybox', command: idle, lifecycle: { postStart: { httpGet: { path: '/nothing-here', port: ports.closed } } },
      }] },
    }]);
    await waitFor('the container to be killed and restarted', async () => (containerStatus(await getPod('poststart-fails'), 'c')?.restartCount ?? 0) >= 1, 90_000, 250);
    const p = await getPod('poststart-fails');
    // The command never ends by itself: SIGTERM from the node ended it (trapped, or before the trap was set).
    assert.ok([0, 143].includes(containerStatus(p, 'c').lastState.terminated.exitCode), JSON.stringify(containerStatus(p, 'c').lastState));
    for (const v of kubectlVersions) {
      const desc = await c.ok(v, ['describe', 'pod', 'poststart-fails']);
      assert.match(desc, new RegExp(`Warning\\s+FailedPostStartHook\\s+.*HTTP lifecycle hook \\(/nothing-here\\) for Container "c" in Pod "poststart-fails_default\\(${p.metadata.uid}\\)" failed - error: Get "http://[^"]+/nothing-here": dial tcp [^ ]+: connect: connection refused`), `kubectl ${v}`);
      assert.match(desc, /Normal\s+Killing\s+.*FailedPostStartHook/, `kubectl ${v}`);
    }
  });

  test('a readiness probe with scheme HTTPS reaches a self-signed server without verifying it (1.27 and 1.33)', { timeout: 180_000 }, async () => {
    await c.apply('1.33', [{
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'https-ready' },
      spec: { containers: [{
        name: 'web', image: 'example/https', command: ['node', app('https-server.js')], env: [{ name: 'PORT', value: String(ports.https) }],
        readinessProbe: { httpGet: { scheme: 'HTTPS', path: '/healthz', port: ports.https }, periodSeconds: 1 },
      }] },
    }]);
    await c.ok('1.33', ['wait', '--for=condition=Ready', 'pod/https-ready', '--timeout=90s']);
    assert.match(await c.ok('1.33', ['logs', 'https-ready']), /GET \/healthz over TLS from kube-probe\//);
    for (const v of kubectlVersions) {
      assert.match(await c.ok(v, ['describe', 'pod', 'https-ready']), /Readiness:\s+http-get https:\/\/:28443\/healthz delay=0s timeout=1s period=1s #success=1 #failure=3/, `kubectl ${v}`);
    }
  });

  test('grpc probes with a service: SERVING is ready, NOT_SERVING and an unknown service fail with upstream\'s messages (1.27 and 1.33)', { timeout: 180_000 }, async () => {
    const probe = (service: string) => ({ grpc: { port: ports.grpc, service }, periodSeconds: 1 });
    await c.apply('1.33', [{
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'grpc-services' },
      spec: { terminationGracePeriodSeconds: 1, containers: [
        { name: 'server', image: 'example/grpc-health', command: ['node', app('grpc-health-server.js')],
          env: [{ name: 'PORT', value: String(ports.grpc) }, { name: 'SERVICES', value: 'live=SERVING,sick=NOT_SERVING' }], readinessProbe: probe('live') },
        // Containers share the pod's address: these probe the same server for other services.
        { name: 'sick', image: 'busybox', command: idle, readinessProbe: probe('sick') },
        { name: 'unknown', image: 'busybox', command: idle, readinessProbe: probe('nope') },
      ] },
    }]);
    await waitFor('the server container to be ready', async () => containerStatus(await getPod('grpc-services'), 'server')?.ready, 90_000, 250);
    await waitForEvent('grpc-services', /^Unhealthy: Readiness probe failed: service unhealthy \(responded with "NOT_SERVING"\)$/);
    await waitForEvent('grpc-services', /^Unhealthy: Readiness probe failed: error: health rpc probe failed: rpc error: code = NotFound desc = unknown service$/);
    const p = await getPod('grpc-services');
    assert.equal(containerStatus(p, 'sick').ready, false);
    assert.equal(containerStatus(p, 'unknown').ready, false);
    assert.equal(readyCondition(p), 'False');
    assert.match(await c.ok('1.33', ['logs', 'grpc-services', '-c', 'server']), /health check "live": SERVING/);
    for (const v of kubectlVersions) {
      const desc = await c.ok(v, ['describe', 'pod', 'grpc-services']);
      assert.match(desc, /Readiness:\s+grpc <pod>:29191 live delay=0s timeout=1s period=1s #success=1 #failure=3/, `kubectl ${v}`);
      assert.match(desc, /Readiness:\s+grpc <pod>:29191 sick delay=0s/, `kubectl ${v}`);
    }
  });

  test('an exec probe and kubectl exec run a script that only the container\'s volume holds (1.27 and 1.33)', { timeout: 180_000 }, async () => {
    const dir = `/nanokube-e2e-probe-scripts-${process.pid}`;
    await c.apply('1.33', [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'probe-scripts' }, data: { 'check.sh': '#!/bin/sh\necho checked\n' } },
      {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'script-probe' },
        spec: {
          terminationGracePeriodSeconds: 1,
          volumes: [{ name: 'scripts', configMap: { name: 'probe-scripts', defaultMode: 0o755 } }],
          containers: [{
            name: 'c', image: 'busybox', command: idle, volumeMounts: [{ name: 'scripts', mountPath: dir }],
            readinessProbe: { exec: { command: [`${dir}/check.sh`] }, periodSeconds: 1 },
          }],
        },
      },
    ]);
    await c.ok('1.33', ['wait', '--for=condition=Ready', 'pod/script-probe', '--timeout=90s']);
    for (const v of kubectlVersions) assert.equal(await c.ok(v, ['exec', 'script-probe', '--', `${dir}/check.sh`]), 'checked\n', `kubectl ${v}`);
  });

  test('readiness successThreshold 3: Ready only after three successes in a row', { timeout: 180_000 }, async () => {
    const dir = path.join(tmp, 'threshold');
    fs.mkdirSync(dir);
    const count = path.join(dir, 'count');
    const flag = path.join(dir, 'ok');
    await c.apply('1.33', [{
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'success-threshold' },
      spec: { terminationGracePeriodSeconds: 1, containers: [{
        name: 'c', image: 'busybox', command: idle,
        // Every probe leaves a line: s (success) or f (failure).
        readinessProbe: { exec: { command: ['sh', '-c', `if [ -f ${flag} ]; then echo s >> ${count}; else echo f >> ${count}; exit 1; fi`] },
          periodSeconds: 1, successThreshold: 3, failureThreshold: 1 },
      }] },
    }]);
    await waitFor('a failed readiness probe', () => lines(count).includes('f'), 90_000, 100);
    assert.equal(readyCondition(await getPod('success-threshold')), 'False');
    fs.writeFileSync(flag, '');
    // The pod is read before the probe count: once it says Ready, the count read after it must show three successes.
    const seen: string[] = [];
    await waitFor('Ready', async () => {
      const ready = readyCondition(await getPod('success-threshold'));
      const successes = lines(count).filter((l) => l === 's').length;
      seen.push(`${successes}:${ready}`);
      if (ready === 'True') assert.ok(successes >= 3, `Ready after ${successes} successes (${seen.join(' ')})`);
      return ready === 'True';
    }, 90_000, 100);
    assert.ok(seen.some((s) => /^[12]:False$/.test(s)), `not Ready after one or two successes: ${seen.join(' ')}`);
    assert.match(await c.ok('1.27', ['describe', 'pod', 'success-threshold']), /Readiness:\s+exec \[sh -c .*\] delay=0s timeout=1s period=1s #success=3 #failure=1/);
  });

  test('a startup probe holds back liveness and readiness until it succeeds; then a failing liveness probe restarts the container (1.27 and 1.33)', { timeout: 180_000 }, async () => {
    const dir = path.join(tmp, 'startup');
    fs.mkdirSync(dir);
    const count = (kind: string) => ['sh', '-c', `echo x >> ${path.join(dir, kind)}`];
    await c.apply('1.33', [{
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'startup-gate' },
      spec: { terminationGracePeriodSeconds: 1, containers: [{
        name: 'c', image: 'busybox', command: idle,
        startupProbe: { exec: { command: ['sh', '-c', `echo x >> ${dir}/startup; test -f ${dir}/started`] }, periodSeconds: 1, failureThreshold: 120 },
        // Fails from the start: it must not run (or kill) before the startup probe succeeds.
        livenessProbe: { exec: { command: ['sh', '-c', `echo x >> ${dir}/liveness; exit 1`] }, periodSeconds: 1, failureThreshold: 1 },
        readinessProbe: { exec: { command: count('readiness') }, periodSeconds: 1 },
      }] },
    }]);
    await waitFor('four startup probes', () => lines(path.join(dir, 'startup')).length >= 4, 90_000, 100);
    const waiting = await getPod('startup-gate');
    assert.equal(fs.existsSync(path.join(dir, 'liveness')), false, 'no liveness probe before startup succeeded');
    assert.equal(fs.existsSync(path.join(dir, 'readiness')), false, 'no readiness probe before startup succeeded');
    assert.equal(containerStatus(waiting, 'c').restartCount, 0);
    assert.equal(containerStatus(waiting, 'c').started, false);
    assert.equal(containerStatus(waiting, 'c').ready, false);
    fs.writeFileSync(path.join(dir, 'started'), '');
    await waitFor('the liveness probe to restart the container', async () => (containerStatus(await getPod('startup-gate'), 'c')?.restartCount ?? 0) >= 1, 90_000, 250);
    assert.ok(lines(path.join(dir, 'liveness')).length >= 1);
    for (const v of kubectlVersions) {
      const desc = await c.ok(v, ['describe', 'pod', 'startup-gate']);
      assert.match(desc, /Startup:\s+exec \[sh -c .*\] delay=0s timeout=1s period=1s #success=1 #failure=120/, `kubectl ${v}`);
      assert.match(desc, /Container c failed liveness probe, will be restarted/, `kubectl ${v}`);
    }
  });

  test('a startup probe that keeps failing kills the container after failureThreshold, with upstream\'s events (1.27 and 1.33)', { timeout: 180_000 }, async () => {
    const dir = path.join(tmp, 'never-starts');
    fs.mkdirSync(dir);
    const attempts = path.join(dir, 'attempts');
    await c.apply('1.33', [{
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'never-starts' },
      spec: { terminationGracePeriodSeconds: 1, containers: [{
        name: 'c', image: 'busybox', command: idle,
        startupProbe: { exec: { command: ['sh', '-c', `echo x >> ${attempts}; echo not yet; exit 1`] }, periodSeconds: 1, failureThreshold: 3 },
      }] },
    }]);
    await waitFor('the startup probe to restart the container', async () => (containerStatus(await getPod('never-starts'), 'c')?.restartCount ?? 0) >= 1, 90_000, 250);
    // Killed at the third failure, not before (the restarted container probes anew).
    assert.ok(lines(attempts).length >= 3, `${lines(attempts).length} attempts`);
    const events = await eventMessages('never-starts');
    assert.ok(events.includes('Killing: Container c failed startup probe, will be restarted'), events.join('\n'));
    assert.ok(events.includes('Unhealthy: Startup probe failed: not yet\n'), events.join('\n'));
    for (const v of kubectlVersions) {
      const desc = await c.ok(v, ['describe', 'pod', 'never-starts']);
      assert.match(desc, /Startup probe failed: not yet/, `kubectl ${v}`);
      assert.match(desc, /Container c failed startup probe, will be restarted/, `kubectl ${v}`);
    }
  });
});
