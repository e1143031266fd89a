// Scaling a Deployment that is paused or whose replicas changed mid-rollout (upstream's sync.go
// scale): a lone active replica set takes the whole count; otherwise old and new replica sets grow
// or shrink in proportion to their size, so a scale does not hasten or undo a rollout.
import type { KubeObject } from '../api/object.js';
import { isRollingUpdate, maxSurge, type Deployment } from './deployment-spec.js';
import { desiredReplicasAnnotation, maxReplicasAnnotation } from './deployment-revision.js';
import { activeReplicaSets, byCreationTimestamp, bySizeNewer, bySizeOlder, specReplicas, sumSpecReplicas } from './deployment-replica-sets.js';
import type { ScaleStep } from './deployment-rolling.js';

function intAnnotation(rs: KubeObject, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
}

/** True when an active replica set was sized for a different replica count than the Deployment's. */
export function isScalingEvent(d: Deployment, rss: (KubeObject | undefined)[]): boolean {
  return activeReplicaSets(rss).some((rs) => {
    const desired = intAnnotation(rs, desiredReplicasAnnotation);
    return desired !== undefined && desired !== d.spec.replicas;
  });
}

/** The only active replica set, or the newest when none is active; undefined when several are active. */
export function findActiveOrLatest(newRS: KubeObject | undefined, oldRSs: KubeObject[]): KubeObject | undefined {
  if (!newRS && !oldRSs.length) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreationTimestamp(b, a));
  const active = activeReplicaSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

/** The new replica set has all the Deployment's replicas, sized for them and available. */
export function isSaturated(d: Deployment, rs: KubeObject | undefined): boolean {
  if (!rs) return false;
  const desired = intAnnotation(rs, desiredReplicasAnnotation);
  return specReplicas(rs) === d.spec.replicas && desired === d.spec.replicas && (rs.status?.availableReplicas ?? 0) === d.spec.replicas;
}

/** What this replica set's share of a change in the Deployment's total size would be. */
function replicaSetFraction(rs: KubeObject, d: Deployment): number {
  if (d.spec.replicas === 0) return -specReplicas(rs);
  const total = d.spec.replicas + maxSurge(d);
  // Sized for this many when last scaled; without the annotation, the Deployment's current size.
  const annotated = intAnnotation(rs, maxReplicasAnnotation) ?? d.status?.replicas ?? 0;
  if (!annotated) return 0;
  // Go's math.Round: halves away from zero.
  const size = (specReplicas(rs) * total) / annotated;
  return Math.sign(size) * Math.round(Math.abs(size)) - specReplicas(rs);
}

function proportion(rs: KubeObject, d: Deployment, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** The resizes that bring a paused or resized Deployment's replica sets to its replica count. */
export function scaleSteps(d: Deployment, newRS: KubeObject | undefined, oldRSs: KubeObject[]): ScaleStep[] {
  const lone = findActiveOrLatest(newRS, oldRSs);
  if (lone) return specReplicas(lone) === d.spec.replicas ? [] : [{ rs: lone, replicas: d.spec.replicas }];
  if (isSaturated(d, newRS)) return activeReplicaSets(oldRSs).map((rs) => ({ rs, replicas: 0 }));
  if (!isRollingUpdate(d)) return [];

  const all = activeReplicaSets([...oldRSs, newRS]);
  const allowed = d.spec.replicas > 0 ? d.spec.replicas + maxSurge(d) : 0;
  const toAdd = allowed - sumSpecReplicas(all);
  let operation: ScaleStep['operation'] = '';
  if (toAdd > 0) {
    all.sort(bySizeNewer);
    operation = 'up';
  } else if (toAdd < 0) {
    all.sort(bySizeOlder);
    operation = 'down';
  }
  let added = 0;
  const sizes = all.map((rs) => {
    if (toAdd === 0) return specReplicas(rs);
    const p = proportion(rs, d, toAdd, added);
    added += p;
    return specReplicas(rs) + p;
  });
  // Rounding leftovers go to the largest replica set.
  if (toAdd !== 0 && sizes.length) sizes[0] = Math.max(0, sizes[0] + toAdd - added);
  return all.map((rs, i) => ({ rs, replicas: sizes[i], operation }));
}
