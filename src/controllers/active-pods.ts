// Which pods a replica controller counts, and in which order it deletes them on scale-down
// (upstream's controller_utils: IsPodActive, IsPodReady/IsPodAvailable, ActivePodsWithRanks).
import type { KubeObject } from '../api/object.js';

export const podDeletionCostAnnotation = 'controller.kubernetes.io/pod-deletion-cost';

/** Terminating and finished pods no longer count towards replicas. */
export function isPodActive(pod: KubeObject): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

function readyCondition(pod: KubeObject): { status?: string; lastTransitionTime?: string } | undefined {
  return (pod.status?.conditions ?? []).find((c: { type?: string }) => c.type === 'Ready');
}

export function isPodReady(pod: KubeObject): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** When the pod became ready, in ms since the epoch; undefined when not ready or unknown. */
export function podReadySince(pod: KubeObject): number | undefined {
  const c = readyCondition(pod);
  if (c?.status !== 'True' || !c.lastTransitionTime) return undefined;
  const t = Date.parse(c.lastTransitionTime);
  return Number.isNaN(t) ? undefined : t;
}

/** Ready for at least minReadySeconds (strictly longer, as upstream compares with Before). */
export function isPodAvailable(pod: KubeObject, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const since = podReadySince(pod);
  return since !== undefined && since + minReadySeconds * 1000 < now;
}

/** Milliseconds until a ready pod becomes available, or undefined if it never will on its own. */
export function msUntilAvailable(pod: KubeObject, minReadySeconds: number, now: number): number | undefined {
  if (!isPodReady(pod) || isPodAvailable(pod, minReadySeconds, now)) return undefined;
  const since = podReadySince(pod);
  return since === undefined ? undefined : since + minReadySeconds * 1000 - now + 1;
}

const phaseOrdinal: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function deletionCost(pod: KubeObject): number {
  const v = pod.metadata.annotations?.[podDeletionCostAnnotation];
  if (v === undefined || !/^-?\d+$/.test(v)) return 0;
  const n = Number(v);
  return n >= -2147483648 && n <= 2147483647 ? n : 0;
}

function maxRestarts(statuses: { restartCount?: number }[] | undefined): number {
  let max = 0;
  for (const c of statuses ?? []) max = Math.max(max, c.restartCount ?? 0);
  return max;
}

/** The most restarts of a regular container, and of a sidecar (an init container with restartPolicy Always). */
function restartCounts(pod: KubeObject): [number, number] {
  const sidecars = new Set((pod.spec?.initContainers ?? []).filter((c: any) => c.restartPolicy === 'Always').map((c: any) => c.name));
  const sidecarStatuses = (pod.status?.initContainerStatuses ?? []).filter((c: { name?: string }) => sidecars.has(c.name));
  return [maxRestarts(pod.status?.containerStatuses), maxRestarts(sidecarStatuses)];
}

function timestampMs(t: string | undefined): number | undefined {
  if (!t) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Upstream's LogarithmicScaleDown: times are compared by the power-of-two bucket of their age, so
 * pods of similar age are treated alike and ties go to the UID (a random but stable choice).
 * Returns <0 when `a` is younger (should go first), >0 when older, 0 in the same bucket.
 */
function logarithmicAgeDiff(a: number, b: number, now: number): number {
  const bucket = (t: number) => {
    const ageNs = (now - t) * 1e6;
    return ageNs <= 0 ? -1 : Math.floor(Math.log2(ageNs));
  };
  return bucket(a) - bucket(b);
}

/** -1 when `a` should be deleted first: an absent time counts as the newest. */
function newerFirst(a: number | undefined, b: number | undefined, now: number, uidA: string, uidB: string): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  const diff = logarithmicAgeDiff(a, b, now);
  if (diff !== 0) return diff < 0 ? -1 : 1;
  return uidA < uidB ? -1 : uidA > uidB ? 1 : 0;
}

/**
 * Orders pods for deletion, the one to delete first sorting first: unassigned before assigned;
 * Pending before Unknown before Running; not ready before ready; lower pod-deletion-cost first;
 * higher rank (more related pods on the same node) first; ready for less time first; more
 * container restarts first (then more sidecar restarts); newer first.
 */
export function compareForDeletion(a: KubeObject, b: KubeObject, now: number, rankA = 0, rankB = 0): number {
  const nodeA = a.spec?.nodeName ?? '';
  const nodeB = b.spec?.nodeName ?? '';
  if (nodeA !== nodeB && (!nodeA || !nodeB)) return nodeA ? 1 : -1;
  const phaseA = phaseOrdinal[a.status?.phase] ?? 0;
  const phaseB = phaseOrdinal[b.status?.phase] ?? 0;
  if (phaseA !== phaseB) return phaseA - phaseB;
  const readyA = isPodReady(a);
  const readyB = isPodReady(b);
  if (readyA !== readyB) return readyA ? 1 : -1;
  const costA = deletionCost(a);
  const costB = deletionCost(b);
  if (costA !== costB) return costA - costB;
  if (rankA !== rankB) return rankB - rankA;
  const uidA = a.metadata.uid ?? '';
  const uidB = b.metadata.uid ?? '';
  if (readyA && readyB) {
    const byReady = newerFirst(podReadySince(a), podReadySince(b), now, uidA, uidB);
    if (byReady !== 0) return byReady;
  }
  // Regular containers' restarts first; sidecars' only break a tie (upstream's compareMaxContainerRestarts).
  const [restartsA, sidecarA] = restartCounts(a);
  const [restartsB, sidecarB] = restartCounts(b);
  if (restartsA !== restartsB) return restartsB - restartsA;
  if (sidecarA !== sidecarB) return sidecarB - sidecarA;
  return newerFirst(timestampMs(a.metadata.creationTimestamp), timestampMs(b.metadata.creationTimestamp), now, uidA, uidB);
}

/**
 * The `count` pods to delete from `pods`. A pod's rank is the number of active `related` pods
 * (this owner's and its siblings', e.g. the other ReplicaSets of a Deployment) on its node, so
 * scale-down spreads what remains across nodes.
 */
export function podsToDelete(pods: KubeObject[], related: KubeObject[], count: number, now: number): KubeObject[] {
  if (count >= pods.length) return [...pods];
  const perNode = new Map<string, number>();
  for (const p of related) {
    if (!isPodActive(p)) continue;
    const node = p.spec?.nodeName ?? '';
    perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  const ranked = pods.map((pod) => ({ pod, rank: perNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
  ranked.sort((x, y) => compareForDeletion(x.pod, y.pod, now, x.rank, y.rank));
  return ranked.slice(0, count).map((r) => r.pod);
}
