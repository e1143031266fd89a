// Filtering and scoring a node for a pod (upstream's default plugins, reduced to what nanokube
// needs): NodeName, NodeUnschedulable, NodeAffinity, TaintToleration, NodeResourcesFit, NodePorts;
// scores from preferred affinity, least-allocated resources and spreading a controller's pods.
import type { KubeObject } from '../api/object.js';
import { nodeMatchesPod, preferredAffinityScore } from '../api/node-affinity.js';
import { firstUntolerated, toleratesAll, type Taint } from '../api/taints.js';
import { parseResourceList, type ResourceAmounts } from '../api/pod-resources.js';
import { controllerUid, type NodeUsage } from './node-usage.js';
import { hostPortsConflict, hostPortsOf, nodePortsReason } from './node-ports.js';

/** Why a node was rejected, in upstream's words (counted per reason in the FailedScheduling message). */
export type FitFailure = string;

// Informers replace a node's object on every change, so facts derived from one object can be kept
// beside it: parsing quantities for every node and every pod was most of a scheduling cycle.
const allocatableCache = new WeakMap<KubeObject, ResourceAmounts>();
const taintCache = new WeakMap<KubeObject, Taint[]>();

function allocatableOf(node: KubeObject): ResourceAmounts {
  let a = allocatableCache.get(node);
  if (!a) allocatableCache.set(node, (a = parseResourceList(node.status?.allocatable)));
  return a;
}

/** Taints the node lifecycle controller would add for the node's conditions. */
export function effectiveTaints(node: KubeObject): Taint[] {
  let t = taintCache.get(node);
  if (!t) taintCache.set(node, (t = computeEffectiveTaints(node)));
  return t;
}

function computeEffectiveTaints(node: KubeObject): Taint[] {
  const taints: Taint[] = [...(node.spec?.taints ?? [])];
  const ready = (node.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
  // Upstream's node lifecycle controller keeps a NoSchedule taint beside the NoExecute one it adds for
  // the same condition; pods tolerate the NoExecute one for a while, never the NoSchedule one.
  const has = (key: string) => taints.some((t) => t.key === key && t.effect === 'NoSchedule');
  if (ready?.status === 'True') return taints;
  const key = ready?.status === 'Unknown' ? 'node.kubernetes.io/unreachable' : 'node.kubernetes.io/not-ready';
  if (!has(key)) taints.push({ key, effect: 'NoSchedule' });
  return taints;
}

export function filterNode(pod: KubeObject, node: KubeObject, usage: NodeUsage, requests: ResourceAmounts): FitFailure[] {
  const spec = pod.spec ?? {};
  if (spec.nodeName && spec.nodeName !== node.metadata.name) return ["node(s) didn't match the requested node name"];
  if (node.spec?.unschedulable && !toleratesAll(spec.tolerations, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })) {
    return ['node(s) were unschedulable'];
  }
  if (!nodeMatchesPod(node, spec)) return ["node(s) didn't match Pod's node affinity/selector"];
  const taint = firstUntolerated(effectiveTaints(node), spec.tolerations, ['NoSchedule', 'NoExecute']);
  if (taint) return [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`];
  const failures: FitFailure[] = [];
  const allocatable = allocatableOf(node);
  const maxPods = Number((allocatable.get('pods') ?? 110_000n) / 1000n);
  if (usage.pods + 1 > maxPods) failures.push('Too many pods');
  for (const [name, want] of requests) {
    if (want === 0n) continue;
    const have = allocatable.get(name) ?? 0n;
    if ((usage.requested.get(name) ?? 0n) + want > have) failures.push(`Insufficient ${name}`);
  }
  if (hostPortsConflict(hostPortsOf(spec), usage.ports)) failures.push(nodePortsReason);
  return failures;
}

/** Higher is better, 0–300: preferred affinity, free resources, fewest pods of the same controller. */
export function scoreNode(pod: KubeObject, node: KubeObject, usage: NodeUsage, requests: ResourceAmounts, maxAffinity: number): number {
  const allocatable = allocatableOf(node);
  let free = 0;
  let counted = 0;
  for (const r of ['cpu', 'memory']) {
    const have = Number(allocatable.get(r) ?? 0n);
    if (have <= 0) continue;
    const used = Number((usage.requested.get(r) ?? 0n) + (requests.get(r) ?? 0n));
    free += Math.max(0, (have - used) / have);
    counted++;
  }
  const leastAllocated = counted ? (100 * free) / counted : 50;
  const affinity = maxAffinity > 0 ? (100 * preferredAffinityScore(node, pod.spec)) / maxAffinity : 0;
  const owner = controllerUid(pod);
  const siblings = owner ? usage.owners.get(owner) ?? 0 : 0;
  const spread = 100 / (1 + siblings);
  const preferNoSchedule = (effectiveTaints(node)).filter((t) => t.effect === 'PreferNoSchedule' && !toleratesAll(pod.spec?.tolerations, t)).length;
  return affinity + leastAllocated + spread * 1.5 - preferNoSchedule * 50;
}

/** `0/2 nodes are available: 2 Insufficient memory.` — reasons counted and sorted as upstream. */
export function unschedulableMessage(nodeCount: number, failures: FitFailure[][]): string {
  const counts = new Map<string, number>();
  for (const f of failures) for (const reason of new Set(f)) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  const parts = [...counts.entries()].map(([reason, n]) => `${n} ${reason}`).sort();
  if (nodeCount === 0) return 'no nodes available to schedule pods';
  return `0/${nodeCount} nodes are available: ${parts.join(', ')}.`;
}
