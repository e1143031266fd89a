// The steps of a rolling update (upstream's rolling.go and NewRSNewReplicas): how far the new
// replica set may grow within maxSurge, and how far old ones may shrink while at least
// replicas − maxUnavailable pods stay available.
import type { KubeObject } from '../api/object.js';
import { isRollingUpdate, maxSurge, maxUnavailable, type Deployment } from './deployment-spec.js';
import { byCreationTimestamp, specReplicas, sumSpecReplicas } from './deployment-replica-sets.js';

/** Resize `rs` to `replicas`; `operation` ("up"/"down") is given when the step is part of a proportional scale. */
export interface ScaleStep {
  rs: KubeObject;
  replicas: number;
  operation?: 'up' | 'down' | '';
}

/** The size the new replica set should have now: all of `replicas` for Recreate; within the surge budget for RollingUpdate. */
export function newReplicaSetReplicas(d: Deployment, allRSs: KubeObject[], newRS: KubeObject): number {
  if (!isRollingUpdate(d)) return d.spec.replicas;
  const current = sumSpecReplicas(allRSs);
  const maxTotal = d.spec.replicas + maxSurge(d);
  if (current >= maxTotal) return specReplicas(newRS);
  const scaleUp = Math.min(maxTotal - current, d.spec.replicas - specReplicas(newRS));
  return specReplicas(newRS) + scaleUp;
}

/**
 * Scale-downs of old replica sets for one rolling step: first pods that are not available anyway
 * (oldest replica sets first), then available ones as far as the availability floor allows.
 */
export function oldReplicaSetScaleDowns(d: Deployment, allRSs: KubeObject[], oldRSs: KubeObject[], newRS: KubeObject): ScaleStep[] {
  const oldPods = sumSpecReplicas(oldRSs);
  if (oldPods === 0) return [];
  const minAvailable = d.spec.replicas - maxUnavailable(d);
  const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  // Counts spec sizes, so a scale-down not yet carried out is never counted as still available.
  const maxScaledDown = sumSpecReplicas(allRSs) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];

  const planned = new Map<KubeObject, number>(allRSs.map((rs) => [rs, specReplicas(rs)]));
  const steps: ScaleStep[] = [];
  const sortedOld = [...oldRSs].sort(byCreationTimestamp);

  let cleaned = 0;
  for (const rs of sortedOld) {
    if (cleaned >= maxScaledDown) break;
    const size = planned.get(rs)!;
    const unhealthy = size - (rs.status?.availableReplicas ?? 0);
    if (size === 0 || unhealthy <= 0) continue;
    const n = Math.min(maxScaledDown - cleaned, unhealthy);
    planned.set(rs, size - n);
    steps.push({ rs, replicas: size - n });
    cleaned += n;
  }

  // Only the active old replica sets and the new one count, each at most at its (planned) size:
  // a replica set just scaled down may still report the pods it is deleting as available.
  const available = [...oldRSs, newRS].reduce((n, rs) => n + Math.min(planned.get(rs)!, rs.status?.availableReplicas ?? 0), 0);
  if (available <= minAvailable) return steps;
  const budget = available - minAvailable;
  let scaledDown = 0;
  for (const rs of sortedOld) {
    if (scaledDown >= budget) break;
    const size = planned.get(rs)!;
    if (size === 0) continue;
    const n = Math.min(size, budget - scaledDown);
    planned.set(rs, size - n);
    steps.push({ rs, replicas: size - n });
    scaledDown += n;
  }
  return steps;
}
