// bench/pods: how fast the node agent runs pods, measured with a `nanokube server` and a separate
// `nanokube agent` process (so the agent's memory is its own). Prints create→Running latency for 100 pods
// created at once, the first crash→restart latency, the liveness detection error against
// period × threshold, and the agent's RSS with 100 pods running.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubeObject } from '../src/api/object.js';
import type { ResourceRef } from '../src/client/resource-ref.js';
import type { HttpApiClient } from '../src/client/http-client.js';
import { removeNodeNetworking } from '../src/cli/node-networking.js';
import { childPids, freePort, kubeconfigClient, machineCpuMs, rssMiB, spawnNanokube, startNanokube, stop, summary, treeCpuMs, until } from './support.js';

const pods: ResourceRef = { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true };
const nodes: ResourceRef = { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false };
const podCount = Number(process.env.BENCH_PODS ?? 100);
/** BENCH_START_ONLY=1 measures the 100 pods' start alone (for quick A/B runs of that figure). */
const startOnly = process.env.BENCH_START_ONLY === '1';
/** BENCH_RUNTIME=isolated runs the pods in their own network and UTS namespaces (root, nft). */
const runtime = process.env.BENCH_RUNTIME === 'isolated' ? 'isolated' : 'host';
const period = 1;
const threshold = 3;
const nodeName = 'bench-node';

/** Nanosecond timestamps a container appended to a file, one per line, as milliseconds. */
function stamps(file: string): number[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => Number(BigInt(l.trim()) / 1000n) / 1000);
}

function pod(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 2, ...spec } };
}

// First restart: the container records when it starts and when it exits (exit 1); the restart latency is
// the second start minus the first exit.
async function firstRestartMs(client: HttpApiClient, work: string): Promise<number> {
  const crashFile = path.join(work, 'crash');
  await client.create(pods, 'default', pod('crash', {
    containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', `date +%s%N >> ${crashFile}.start; sleep 0.5; date +%s%N >> ${crashFile}.exit; exit 1`] }],
  }));
  await until('the first restart', async () => (stamps(`${crashFile}.start`).length >= 2 ? true : undefined));
  return stamps(`${crashFile}.start`)[1] - stamps(`${crashFile}.exit`)[0];
}

// Liveness: an exec probe (period 1 s, threshold 3) logs each run; the container turns unhealthy after 3 s
// and logs the SIGTERM it gets. The kill should come (threshold − 1) × period after the first failed probe.
async function livenessDetectionErrorMs(client: HttpApiClient, work: string): Promise<number> {
  const live = path.join(work, 'live');
  await client.create(pods, 'default', pod('liveness', {
    containers: [{
      name: 'main', image: 'busybox',
      command: ['sh', '-c', `touch ${live}.healthy; trap 'date +%s%N >> ${live}.killed; exit 0' TERM; sleep 3; rm -f ${live}.healthy; while true; do sleep 0.05; done`],
      livenessProbe: {
        exec: { command: ['sh', '-c', `if test -f ${live}.healthy; then date +%s%N >> ${live}.ok; else date +%s%N >> ${live}.fail; exit 1; fi`] },
        periodSeconds: period, failureThreshold: threshold, timeoutSeconds: 1,
      },
    }],
  }));
  await until('the liveness kill', async () => (stamps(`${live}.killed`).length >= 1 ? true : undefined));
  const killed = stamps(`${live}.killed`)[0];
  // The first failure after the last success before the kill (a probe may also fail once at start-up,
  // before the container has created its file).
  const lastOk = Math.max(...stamps(`${live}.ok`).filter((t) => t < killed));
  const firstFail = stamps(`${live}.fail`).find((t) => t > lastOk)!;
  return Math.abs(killed - firstFail - (threshold - 1) * period * 1000);
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-bench-pods-'));
  const work = path.join(dataDir, 'work');
  fs.mkdirSync(work);
  const port = await freePort();
  const { proc: server } = await startNanokube(['server', '--data-dir', dataDir, '--port', String(port)], port);
  const client = kubeconfigClient(path.join(dataDir, 'kubeconfig'), 16);
  const token = fs.readFileSync(path.join(dataDir, 'pki', 'node.token'), 'utf8').trim();
  const agent = spawnNanokube(['agent', '--server', `https://127.0.0.1:${port}`, '--token', token,
    '--node-name', nodeName, '--data-dir', path.join(dataDir, 'agent'), '--runtime', runtime, '--ingress-http-port', '0', '--ingress-https-port', '0']);
  // Ready, and done starting: a node's first start also makes its ingress certificate (two RSA keys, a
  // second of CPU), which is not what a burst of pods on a running node costs.
  await until('the node to be Ready with its ingress serving', async () => {
    const n = await client.get(nodes, '', nodeName).catch(() => undefined);
    const ready = n?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
    return ready && n?.metadata.annotations?.['ingress.nanokube.io/http-port'] ? n : undefined;
  });

  // 100 pods at once: latency from the create request to the watch showing phase Running.
  const sentAt = new Map<string, number>();
  const runningAfter = new Map<string, number>();
  const scheduledAfter = new Map<string, number>();
  const watch = client.watch(pods, 'default', { labelSelector: 'bench=start' }, (ev) => {
    const name = ev.object.metadata.name!;
    if (ev.object.spec?.nodeName && sentAt.has(name) && !scheduledAfter.has(name)) scheduledAfter.set(name, performance.now() - sentAt.get(name)!);
    if (ev.object.status?.phase === 'Running' && sentAt.has(name) && !runningAfter.has(name)) runningAfter.set(name, performance.now() - sentAt.get(name)!);
  }, () => undefined);
  await new Promise((r) => setTimeout(r, 200));
  const cpuBefore = { server: treeCpuMs(server.pid!), agent: treeCpuMs(agent.pid!), agentNode: treeCpuMs(agent.pid!, false), bench: process.cpuUsage(), machine: machineCpuMs() };
  await Promise.all(Array.from({ length: podCount }, (_, i) => {
    const name = `start-${i}`;
    sentAt.set(name, performance.now());
    const p = pod(name, { containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] });
    p.metadata.labels = { bench: 'start' };
    return client.create(pods, 'default', p);
  }));
  await until(`${podCount} pods Running`, async () => (runningAfter.size === podCount ? true : undefined), 120_000, 2);
  const machine = machineCpuMs();
  const benchCpu = process.cpuUsage(cpuBefore.bench);
  const burstCpu = {
    server: treeCpuMs(server.pid!) - cpuBefore.server,
    agent: treeCpuMs(agent.pid!) - cpuBefore.agent,
    agentNode: treeCpuMs(agent.pid!, false) - cpuBefore.agentNode,
    bench: (benchCpu.user + benchCpu.system) / 1000,
    machineBusy: machine.busy - cpuBefore.machine.busy,
    machineTotal: machine.total - cpuBefore.machine.total,
  };
  const others = Math.max(0, burstCpu.machineBusy - burstCpu.server - burstCpu.agent - burstCpu.bench);
  watch.stop();
  await new Promise((r) => setTimeout(r, 1000));
  // The agent's own upkeep with 100 running pods (nothing changes meanwhile): polling, timers, lease.
  const idleFrom = { cpu: treeCpuMs(agent.pid!, false), at: performance.now() };
  await new Promise((r) => setTimeout(r, 3000));
  const agentIdlePct = (100 * (treeCpuMs(agent.pid!, false) - idleFrom.cpu)) / (performance.now() - idleFrom.at);
  const agentRss = rssMiB(agent.pid!);
  // The node's ingress data plane runs in worker processes of the agent (one per core): counted apart.
  const dataPlaneRss = childPids(agent.pid!, 'data-plane-worker').map(rssMiB);

  const restartMs = startOnly ? NaN : await firstRestartMs(client, work);
  const livenessErrorMs = startOnly ? NaN : await livenessDetectionErrorMs(client, work);

  // Pods outlive their agent by design: delete them while the agent runs, so it stops their processes.
  for (const p of (await client.list(pods, 'default')).items) {
    await client.delete(pods, 'default', p.metadata.name!).catch(() => undefined);
  }
  await until('every bench pod to be gone', async () => ((await client.list(pods, 'default')).items.length === 0 ? true : undefined));
  client.close();
  await stop(agent);
  // The isolated runtime's bridge, rules and namespaces outlive the agent, as its containers do.
  if (runtime === 'isolated') await removeNodeNetworking(nodeName, path.join(dataDir, 'agent'));
  await stop(server);
  fs.rmSync(dataDir, { recursive: true, force: true });

  console.log([
    `bench/pods (${os.cpus().length} cores, node ${process.version}, ${runtime} runtime, ${podCount} pods)`,
    `create→Running, ${podCount} at once:  ${summary([...runningAfter.values()])} (target p99 < 300 ms)`,
    `  of which create→bound:         ${summary([...scheduledAfter.values()])}`,
    `  CPU until the last was Running: server ${burstCpu.server.toFixed(0)} ms, agent ${burstCpu.agentNode.toFixed(0)} ms + its launcher, shims and containers ${(burstCpu.agent - burstCpu.agentNode).toFixed(0)} ms, `
      + `bench ${burstCpu.bench.toFixed(0)} ms; other processes on the machine ${others.toFixed(0)} ms `
      + `(machine ${((100 * burstCpu.machineBusy) / burstCpu.machineTotal).toFixed(0)}% busy)`,
    `crash→restarted (first restart): ${restartMs.toFixed(1)} ms (target < 100 ms)`,
    `liveness detection error:         ${livenessErrorMs.toFixed(1)} ms vs ${threshold - 1} × ${period} s after the first failed probe (target < 100 ms)`,
    `agent RSS with ${podCount} pods:        ${agentRss.toFixed(0)} MiB (target < 150); its ingress data plane: `
      + `${dataPlaneRss.length} processes, ${dataPlaneRss.map((r) => r.toFixed(0)).join(' + ') || '0'} MiB`,
    `agent CPU with ${podCount} pods, idle:  ${agentIdlePct.toFixed(1)}% of a core`,
  ].join('\n'));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
