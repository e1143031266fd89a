// bench/controllers: how fast the workload controllers and the scheduler move pods.
// 1. A ReplicaSet scaled from 0 to 500 pods running `sleep` (on a `nanokube server` with enough
//    `nanokube agent`s for 110 pods each) and back to 0: time until all run, and until all are gone.
// 2. Scheduler throughput: pods bound per second with 50 simulated nodes (Node objects created
//    through the API, no agent behind them), half the pods with a nodeSelector and half plain:
//    a) as upstream's scheduler_perf measures it: pods already pending, a scheduler (this build's,
//       run in the bench process against the server over HTTPS, as kube-scheduler runs) started
//       and timed until all are bound;
//    b) end to end: pods created by 16 clients and bound by the server's own scheduler.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { KubeObject } from '../src/api/object.js';
import type { ResourceRef } from '../src/client/resource-ref.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { freePort, kubeconfigClient, spawnNanokube, startNanokube, stop, until } from './support.js';

const refs = {
  pods: { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true },
  nodes: { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false },
  replicasets: { group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true },
} satisfies Record<string, ResourceRef>;

const rsPods = Number(process.env.BENCH_RS_PODS ?? 500);
const schedulerPods = Number(process.env.BENCH_SCHEDULER_PODS ?? 2000);
const simulatedNodes = 50;
const zones = 5;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Time to scale a ReplicaSet 0 → rsPods running → 0 gone, on real agents. */
async function replicaSetScaling(): Promise<{ upMs: number; downMs: number; agents: number }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-bench-controllers-'));
  const port = await freePort();
  const { proc: server } = await startNanokube(['server', '--data-dir', dataDir, '--port', String(port)], port);
  const client = kubeconfigClient(path.join(dataDir, 'kubeconfig'), 16);
  const token = fs.readFileSync(path.join(dataDir, 'pki', 'node.token'), 'utf8').trim();
  // A node takes at most 110 pods, as upstream's default; leave room so the spread need not be perfect.
  const agentCount = Math.ceil(rsPods / 100);
  const agents: ChildProcess[] = [];
  for (let i = 0; i < agentCount; i++) {
    agents.push(spawnNanokube(['agent', '--server', `https://127.0.0.1:${port}`, '--token', token,
      '--node-name', `bench-node-${i}`, '--data-dir', path.join(dataDir, `agent-${i}`), '--runtime', 'host']));
  }
  try {
    await until('the nodes to be Ready', async () => {
      const nodes = (await client.list(refs.nodes, '')).items;
      const ready = nodes.filter((n) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
      return ready.length === agentCount ? true : undefined;
    });
    const rs: KubeObject = {
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'sleepers' },
      spec: {
        replicas: 0, selector: { matchLabels: { app: 'sleepers' } },
        template: {
          metadata: { labels: { app: 'sleepers' } },
          spec: { terminationGracePeriodSeconds: 5, containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] },
        },
      },
    };
    await client.create(refs.replicasets, 'default', rs);
    const podList = async () => (await client.list(refs.pods, 'default', { labelSelector: 'app=sleepers' })).items;

    const t0 = performance.now();
    await client.patch(refs.replicasets, 'default', 'sleepers', 'merge', { spec: { replicas: rsPods } });
    await until(`${rsPods} pods Running`, async () => {
      const running = (await podList()).filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running');
      return running.length === rsPods ? true : undefined;
    }, 600_000, 250);
    const upMs = performance.now() - t0;

    const t1 = performance.now();
    await client.patch(refs.replicasets, 'default', 'sleepers', 'merge', { spec: { replicas: 0 } });
    await until('every pod gone', async () => ((await podList()).length === 0 ? true : undefined), 600_000, 250);
    const downMs = performance.now() - t1;
    return { upMs, downMs, agents: agentCount };
  } finally {
    client.close();
    await Promise.all(agents.map((a) => stop(a)));
    await stop(server);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function simulatedNode(i: number): KubeObject {
  const name = `sim-node-${i}`;
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const resources = { cpu: '16', memory: '64Gi', pods: '110', 'ephemeral-storage': '100Gi' };
  const condition = (type: string, status: string, reason: string) => ({ type, status, reason, message: reason, lastHeartbeatTime: now, lastTransitionTime: now });
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'topology.kubernetes.io/zone': `zone-${i % zones}` } },
    spec: {},
    status: {
      capacity: resources, allocatable: resources,
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID'),
        condition('Ready', 'True', 'KubeletReady'),
      ],
      addresses: [{ type: 'InternalIP', address: `10.255.0.${i + 1}` }, { type: 'Hostname', address: name }],
    },
  };
}

function pendingPod(i: number, prefix = 'sched', schedulerName?: string): KubeObject {
  const spec: Record<string, unknown> = {
    containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'], resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
  };
  if (i % 2 === 0) spec.nodeSelector = { 'topology.kubernetes.io/zone': `zone-${(i / 2) % zones}` };
  if (schedulerName) spec.schedulerName = schedulerName;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `${prefix}-${i}`, labels: { app: prefix } }, spec };
}

/** Watches pods with label app=`app` and records when each is first seen bound to a node. */
function watchBindings(client: ReturnType<typeof kubeconfigClient>, app: string) {
  const boundAt: number[] = [];
  const bound = new Set<string>();
  const watch = client.watch(refs.pods, 'default', { labelSelector: `app=${app}` }, (ev) => {
    const name = ev.object.metadata.name!;
    if (ev.object.spec?.nodeName && !bound.has(name)) {
      bound.add(name);
      boundAt.push(performance.now());
    }
  }, () => undefined);
  return { boundAt, stop: () => watch.stop() };
}

/** Pods bound per second by the scheduler of a `nanokube server`, with 50 Node objects and no agents. */
async function schedulerThroughput(): Promise<{ pendingPerSec: number; podsPerCpuSec: number; createdPerSec: number; boundPerSec: number; steadyPerSec: number }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-bench-scheduler-'));
  const port = await freePort();
  // No agent renews these nodes' leases: a long grace period keeps them Ready for the run.
  const { proc: server } = await startNanokube(['server', '--data-dir', dataDir, '--port', String(port), '--node-monitor-grace-period', '1h'], port);
  const client = kubeconfigClient(path.join(dataDir, 'kubeconfig'), 16);
  try {
    for (let i = 0; i < simulatedNodes; i++) {
      const node = simulatedNode(i);
      await client.create(refs.nodes, '', node);
      // Whatever create kept of the status, the status subresource sets it as a kubelet would.
      await client.patch(refs.nodes, '', node.metadata.name!, 'merge', { status: node.status }, { subresource: 'status' });
    }
    // a) Pending pods first, for a scheduler of their own that is not running yet.
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < schedulerPods) await client.create(refs.pods, 'default', pendingPod(next++, 'held', 'bench-scheduler'));
    }));
    const held = watchBindings(client, 'held');
    const schedulerClient = kubeconfigClient(path.join(dataDir, 'kubeconfig'), 16);
    const scheduler = new Scheduler(schedulerClient, { schedulerName: 'bench-scheduler' });
    const tHeld = performance.now();
    // The bench process is the scheduler here (plus its watch): its CPU per pod is the scheduler's cost,
    // apart from the API server's work of storing each binding.
    const cpu0 = process.cpuUsage();
    await scheduler.start();
    await until(`${schedulerPods} pending pods bound`, async () => (held.boundAt.length === schedulerPods ? true : undefined), 600_000, 20);
    const pendingPerSec = schedulerPods / ((held.boundAt[schedulerPods - 1] - tHeld) / 1000);
    const cpu = process.cpuUsage(cpu0);
    const podsPerCpuSec = schedulerPods / ((cpu.user + cpu.system) / 1e6);
    held.stop();
    scheduler.stop();
    schedulerClient.close();

    // b) End to end.
    const { boundAt, stop: stopWatch } = watchBindings(client, 'sched');
    // Give the watch a moment to be established before the first create.
    await new Promise((r) => setTimeout(r, 200));

    next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < schedulerPods) await client.create(refs.pods, 'default', pendingPod(next++));
    }));
    const createdMs = performance.now() - t0;
    await until(`${schedulerPods} pods bound`, async () => (boundAt.length === schedulerPods ? true : undefined), 600_000, 20);
    stopWatch();
    const totalMs = boundAt[boundAt.length - 1] - t0;
    // The middle 80% of bindings, where neither the first creates nor the last stragglers count.
    const lo = boundAt[Math.floor(schedulerPods * 0.1)];
    const hi = boundAt[Math.floor(schedulerPods * 0.9)];
    return {
      pendingPerSec,
      podsPerCpuSec,
      createdPerSec: schedulerPods / (createdMs / 1000),
      boundPerSec: schedulerPods / (totalMs / 1000),
      steadyPerSec: (Math.floor(schedulerPods * 0.9) - Math.floor(schedulerPods * 0.1)) / ((hi - lo) / 1000),
    };
  } finally {
    client.close();
    await stop(server);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  // BENCH_RS_PODS=0 skips the ReplicaSet part.
  const scaling = rsPods > 0 ? await replicaSetScaling() : undefined;
  const sched = await schedulerThroughput();
  console.log([
    `bench/controllers (${os.cpus().length} cores, node ${process.version}, host runtime)`,
    ...(scaling ? [
      `ReplicaSet 0 → ${rsPods} pods Running (${scaling.agents} agents): ${seconds(scaling.upMs)}`,
      `ReplicaSet ${rsPods} → 0 pods (all gone):          ${seconds(scaling.downMs)}`,
    ] : []),
    `scheduler, ${schedulerPods} pods on ${simulatedNodes} simulated nodes (half with a nodeSelector):`,
    `  a) pending pods bound/s, scheduler start → last bound: ${sched.pendingPerSec.toFixed(0)} (target >= 500)`,
    `     scheduler process CPU: ${(1000 / sched.podsPerCpuSec).toFixed(2)} ms per pod (${sched.podsPerCpuSec.toFixed(0)} pods per CPU-second)`,
    `  b) end to end, first create → last bound:   ${sched.boundPerSec.toFixed(0)} pods/s`,
    `  pods bound/s, middle 80% of bindings:      ${sched.steadyPerSec.toFixed(0)}`,
    `  pods created/s (16 clients, for scale):    ${sched.createdPerSec.toFixed(0)}`,
  ].join('\n'));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
