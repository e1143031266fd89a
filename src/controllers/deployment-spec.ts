// Reading a Deployment's spec as upstream's controller does: apps/v1 defaults for fields the
// server left unset, and maxSurge/maxUnavailable resolved against the replica count.
import { clone, type KubeObject } from '../api/object.js';
import type { LabelSelector } from '../api/labels.js';

/** A Deployment with every field the controller reads filled in (apps/v1 SetDefaults_Deployment). */
export interface Deployment extends KubeObject {
  spec: {
    replicas: number;
    selector?: LabelSelector;
    template: any;
    strategy: { type: 'RollingUpdate' | 'Recreate'; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
    minReadySeconds: number;
    revisionHistoryLimit?: number;
    progressDeadlineSeconds?: number;
    paused?: boolean;
    [other: string]: unknown;
  };
}

/** A copy of `obj` with upstream's defaults; the copy is what the controller reasons about and writes status from. */
export function withDeploymentDefaults(obj: KubeObject): Deployment {
  const d = clone(obj) as Deployment;
  const spec: any = (d.spec ??= {} as Deployment['spec']);
  spec.replicas ??= 1;
  spec.minReadySeconds ??= 0;
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  spec.strategy ??= {};
  spec.strategy.type ??= 'RollingUpdate';
  if (spec.strategy.type === 'RollingUpdate') {
    spec.strategy.rollingUpdate ??= {};
    spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
    spec.strategy.rollingUpdate.maxSurge ??= '25%';
  }
  d.status ??= {};
  d.metadata.annotations ??= {};
  return d;
}

/**
 * An IntOrString scaled against `total`: numbers as they are, "N%" rounded up or down. Anything
 * else is an error (upstream: "string is not a percentage").
 */
export function scaledValue(value: number | string | undefined, total: number, roundUp: boolean): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value;
  const m = /^(-?\d+)%$/.exec(value);
  if (!m) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const scaled = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/**
 * maxSurge rounds up and maxUnavailable down; when both come to zero (a small percentage of a
 * few replicas), one pod may be unavailable so that a rollout can still make progress.
 */
export function resolveFenceposts(maxSurge: number | string | undefined, maxUnavailable: number | string | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, desired, true);
  let unavailable = scaledValue(maxUnavailable, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function isRollingUpdate(d: Deployment): boolean {
  return d.spec.strategy.type === 'RollingUpdate';
}

function fenceposts(d: Deployment): { surge: number; unavailable: number } {
  const ru = d.spec.strategy.rollingUpdate ?? {};
  try {
    return resolveFenceposts(ru.maxSurge, ru.maxUnavailable, d.spec.replicas);
  } catch {
    // Validation rejects such values; upstream reads a stored one as zero.
    return { surge: 0, unavailable: 0 };
  }
}

export function maxSurge(d: Deployment): number {
  return isRollingUpdate(d) ? fenceposts(d).surge : 0;
}

/** Never more than the replicas themselves; zero for Recreate and for zero replicas. */
export function maxUnavailable(d: Deployment): number {
  if (!isRollingUpdate(d) || d.spec.replicas === 0) return 0;
  return Math.min(fenceposts(d).unavailable, d.spec.replicas);
}

const maxInt32 = 2147483647;

export function hasProgressDeadline(d: Deployment): boolean {
  return d.spec.progressDeadlineSeconds !== undefined && d.spec.progressDeadlineSeconds !== maxInt32;
}

export function hasRevisionHistoryLimit(d: Deployment): boolean {
  return d.spec.revisionHistoryLimit !== undefined && d.spec.revisionHistoryLimit !== maxInt32;
}
