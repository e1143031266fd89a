// `nanokube explain-service` against a real cluster (isolated runtime, so the nodes keep real nftables
// rules): objects made with the real kubectl, the command run as a user runs it, its output and exit
// code checked for a healthy Service (rules read back from nft), a selector typo, a pod failing its
// readiness probe, a named targetPort no container declares, a missing Service and usage errors.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { nanokubeBin, TestCluster, waitFor } from '../support/cluster.js';
import { isolatedRuntimeProblem } from '../../src/cli/node-networking.js';

const skip = isolatedRuntimeProblem();
let c: TestCluster;
const v = '1.33' as const;

/** Answers 503 on /ready and 200 elsewhere, on 9376. */
const serverScript = "require('http').createServer((q,s)=>{s.statusCode=q.url==='/ready'?503:200;s.end('ok')}).listen(9376)";

function container(extra: Record<string, unknown> = {}) {
  return { name: 'web', image: 'node', command: ['node', '-e', serverScript], ports: [{ name: 'http', containerPort: 9376 }], ...extra };
}

function service(name: string, selector: Record<string, string>, targetPort: number | string) {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector, ports: [{ port: 80, targetPort }] } };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function explain(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [nanokubeBin, 'explain-service', ...args], { env: { ...process.env, KUBECONFIG: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Runs the command until `ok` holds for its result (endpoints and rules settle on their own time). */
async function explainUntil(what: string, args: string[], ok: (r: Run) => boolean): Promise<Run> {
  let last: Run | undefined;
  try {
    return await waitFor(what, async () => {
      last = await explain([...args, '--kubeconfig', c.kubeconfig]);
      return ok(last) ? last : undefined;
    }, 120_000, 500);
  } catch (e) {
    throw new Error(`${(e as Error).message}\nlast output (exit ${last?.code}):\n${last?.stdout}${last?.stderr}`);
  }
}

before(async () => {
  if (skip) return;
  c = await TestCluster.start(['--runtime', 'isolated']);
  await c.apply(v, [
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web', tier: 'front' } }, spec: { terminationGracePeriodSeconds: 1, containers: [container()] } },
      },
    },
    service('web', { app: 'web' }, 9376),
    service('typo', { app: 'wbe', tier: 'front' }, 9376),
    service('metrics', { app: 'web' }, 'metrics'),
    {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'never-ready', labels: { app: 'never-ready' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [container({ readinessProbe: { httpGet: { path: '/ready', port: 9376 }, periodSeconds: 1 } })],
      },
    },
    service('never-ready', { app: 'never-ready' }, 'http'),
  ]);
});

after(async () => {
  await c?.destroy();
});

test('a healthy Service: three ready pods, endpoints and the node\'s nft rules agree; exit 0', { skip, timeout: 180_000 }, async () => {
  const r = await explainUntil('web healthy', ['web'], (x) => x.code === 0);
  const clusterIP = (await c.ok(v, ['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  const ips = (await c.ok(v, ['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].status.podIP}'])).split(/\s+/).filter(Boolean).sort();
  assert.equal(ips.length, 3);
  const endpoints = ips.map((ip) => `${ip}:9376`).sort().join(', ');
  assert.match(r.stdout, /^✓ selector app=web matches 3 pods: web-/m);
  assert.match(r.stdout, /^✓ all 3 matching pods are Running and Ready$/m);
  assert.ok(r.stdout.includes(`✓ endpoints of port 80/TCP: 3 ready endpoints (${endpoints})`), r.stdout);
  assert.ok(r.stdout.includes('✓ ready endpoints accept TCP connections (3 of 3 tried)'), r.stdout);
  // The rules were read back from nft on this machine, not inferred.
  assert.match(r.stdout, new RegExp(`^✓ proxy rules on node \\S+ \\(table nanokube-svc-[0-9a-f]{8}\\): ${clusterIP.replace(/\./g, '\\.')}:80/TCP → ${endpoints.replace(/\./g, '\\.')}$`, 'm'));
  assert.ok(r.stdout.trimEnd().endsWith(`Service default/web looks healthy: 3 ready endpoints behind ${clusterIP}:80`), r.stdout);
  // $KUBECONFIG works as well as --kubeconfig, and svc/NAME as NAME.
  const viaEnv = await explain(['svc/web'], { KUBECONFIG: c.kubeconfig });
  assert.equal(viaEnv.code, 0, viaEnv.stdout + viaEnv.stderr);
});

test('a selector typo: no pod matches, and the near-miss pods\' labels are named; exit 1', { skip, timeout: 180_000 }, async () => {
  const r = await explainUntil('typo near misses', ['typo', '-n', 'default'], (x) => x.code === 1 && x.stdout.includes('app=web where'));
  assert.match(r.stdout, /^✗ selector app=wbe,tier=front matches no pod in namespace default$/m);
  assert.match(r.stdout, /^ {4}pods web-\S+, web-\S+, web-\S+: app=web where the selector wants app=wbe$/m);
  assert.match(r.stdout, /^Problem: selector app=wbe,tier=front matches no pod in namespace default$/m);
});

test('a pod failing its readiness probe: the probe\'s message from the Unhealthy event; exit 1', { skip, timeout: 180_000 }, async () => {
  const r = await explainUntil('the readiness failure explained', ['never-ready'], (x) => x.code === 1 && x.stdout.includes('probe failed'));
  assert.match(r.stdout, /^✗ the matching pod is not Ready: a Service sends traffic only to Ready pods$/m);
  assert.match(r.stdout, /^ {4}never-ready: container web is running, readiness probe failing: Readiness probe failed: HTTP probe failed with statuscode: 503 \(Unhealthy event(, \d+ times)?\)$/m);
});

test('a named targetPort no container declares: the ports the pods do declare; exit 1', { skip, timeout: 180_000 }, async () => {
  const r = await explainUntil('metrics targetPort', ['metrics'], (x) => x.code === 1 && x.stdout.includes('targetPort metrics'));
  assert.match(r.stdout, /^✗ port 80\/TCP → targetPort metrics: no container of the 3 ready pods declares a TCP port named "metrics"$/m);
  assert.match(r.stdout, /^ {4}web-\S+, web-\S+, web-\S+: container web port 9376\/TCP named http$/m);
  assert.match(r.stdout, /fix: name a container port "metrics"/);
});

test('a missing Service: similar names here, the same name in another namespace; exit 1', { skip, timeout: 60_000 }, async () => {
  const typo = await explain(['wbe', '--kubeconfig', c.kubeconfig]);
  assert.equal(typo.code, 1, typo.stdout + typo.stderr);
  assert.match(typo.stdout, /^✗ Service default\/wbe not found$/m);
  assert.match(typo.stdout, /^ {4}similar Services in namespace default: web$/m);
  await c.ok(v, ['create', 'namespace', 'other']);
  const elsewhere = await explain(['web', '-n', 'other', '--kubeconfig', c.kubeconfig]);
  assert.equal(elsewhere.code, 1);
  assert.match(elsewhere.stdout, /^ {4}a Service named web exists in namespace default$/m);
  assert.match(elsewhere.stdout, /fix: use -n default/);
});

test('usage errors and no cluster: exit 2 with a message', { skip, timeout: 60_000 }, async () => {
  const none = await explain(['--kubeconfig', c.kubeconfig]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /a Service name is required/);
  const badFlag = await explain(['web', '--bogus']);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /Unknown option '--bogus'/);
  const noConfig = await explain(['web', '--kubeconfig', '/nonexistent/kubeconfig']);
  assert.equal(noConfig.code, 2);
  assert.match(noConfig.stderr, /cannot read kubeconfig \/nonexistent\/kubeconfig/);
  // A kubeconfig whose server does not answer (port 1 on this machine).
  const dead = path.join(c.dataDir, 'dead-kubeconfig');
  fs.writeFileSync(dead, fs.readFileSync(c.kubeconfig, 'utf8').replace(/server: .*/, 'server: https://127.0.0.1:1'));
  const noCluster = await explain(['web', '--kubeconfig', dead]);
  assert.equal(noCluster.code, 2, noCluster.stdout + noCluster.stderr);
  assert.match(noCluster.stderr, /cannot ask the cluster at https:\/\/127\.0\.0\.1:1 \(context nanokube\)/);
});
