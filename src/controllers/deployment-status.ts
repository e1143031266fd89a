// A Deployment's status as upstream computes it: counts summed over its replica sets, the
// Available condition, and the Progressing condition that tracks a rollout (progressing, complete,
// or past its progress deadline) — the fields `kubectl rollout status` waits on.
import { nowTimestamp, type KubeObject } from '../api/object.js';
import { hasProgressDeadline, maxUnavailable, type Deployment } from './deployment-spec.js';
import { canonicalJson } from './pod-template-hash.js';
import { sumAvailableReplicas, sumReadyReplicas, sumSpecReplicas, sumStatusReplicas } from './deployment-replica-sets.js';

export const conditionReasons = {
  minimumReplicasAvailable: 'MinimumReplicasAvailable',
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
  newReplicaSetCreated: 'NewReplicaSetCreated',
  foundNewReplicaSet: 'FoundNewReplicaSet',
  replicaSetUpdated: 'ReplicaSetUpdated',
  newReplicaSetAvailable: 'NewReplicaSetAvailable',
  progressDeadlineExceeded: 'ProgressDeadlineExceeded',
  replicaSetCreateError: 'ReplicaSetCreateError',
  deploymentPaused: 'DeploymentPaused',
  deploymentResumed: 'DeploymentResumed',
} as const;

export interface DeploymentCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: DeploymentCondition[];
  collisionCount?: number;
}

export function newCondition(type: string, status: DeploymentCondition['status'], reason: string, message: string, now: number): DeploymentCondition {
  const t = nowTimestamp(new Date(now));
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** Replaces the condition of that type unless status and reason are unchanged; keeps the transition time while status is. */
export function setCondition(status: DeploymentStatus, condition: DeploymentCondition): void {
  const current = getCondition(status, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  const next = { ...condition };
  if (current && current.status === condition.status) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== condition.type), next];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
  if (!status.conditions.length) delete status.conditions;
}

/** Equal as stored (field order, omitted and empty fields aside): no write needed. */
export function sameStatus(a: DeploymentStatus | undefined, b: DeploymentStatus | undefined): boolean {
  return canonicalJson(a ?? {}) === canonicalJson(b ?? {});
}

/** Counts and the Available condition; other conditions carried over. Zero counts are omitted (omitempty). */
export function calculateStatus(d: Deployment, allRSs: (KubeObject | undefined)[], newRS: KubeObject | undefined, now: number): DeploymentStatus {
  const available = sumAvailableReplicas(allRSs);
  const counts: Record<string, number> = {
    observedGeneration: d.metadata.generation ?? 0,
    replicas: sumStatusReplicas(allRSs),
    updatedReplicas: sumStatusReplicas([newRS]),
    readyReplicas: sumReadyReplicas(allRSs),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, sumSpecReplicas(allRSs) - available),
  };
  const status: DeploymentStatus = {};
  for (const [field, n] of Object.entries(counts)) if (n) (status as Record<string, number>)[field] = n;
  if (d.status?.conditions?.length) status.conditions = d.status.conditions.map((c: DeploymentCondition) => ({ ...c }));
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (available >= d.spec.replicas - maxUnavailable(d)) {
    setCondition(status, newCondition('Available', 'True', conditionReasons.minimumReplicasAvailable, 'Deployment has minimum availability.', now));
  } else {
    setCondition(status, newCondition('Available', 'False', conditionReasons.minimumReplicasUnavailable, 'Deployment does not have minimum availability.', now));
  }
  return status;
}

/** Every replica is updated and available, and the controller has seen the latest spec. */
export function deploymentComplete(d: Deployment, status: DeploymentStatus): boolean {
  const n = d.spec.replicas;
  return (status.updatedReplicas ?? 0) === n && (status.replicas ?? 0) === n && (status.availableReplicas ?? 0) === n
    && (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** More pods updated, fewer old ones, or more ready or available than the status last said. */
function deploymentProgressing(d: Deployment, status: DeploymentStatus): boolean {
  const old: DeploymentStatus = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (status.replicas ?? 0) - (status.updatedReplicas ?? 0);
  return (status.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld
    || (status.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (status.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

function deadlineMs(d: Deployment, condition: DeploymentCondition): number {
  return Date.parse(condition.lastUpdateTime ?? '') + d.spec.progressDeadlineSeconds! * 1000;
}

function deploymentTimedOut(d: Deployment, status: DeploymentStatus, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(status, 'Progressing');
  if (!c || c.reason === conditionReasons.newReplicaSetAvailable) return false;
  if (c.reason === conditionReasons.progressDeadlineExceeded) return true;
  return deadlineMs(d, c) < now;
}

/** ReplicaFailure conditions of the replica sets (the new one's first), as the Deployment reports them. */
function replicaFailure(allRSs: (KubeObject | undefined)[], newRS: KubeObject | undefined): DeploymentCondition | undefined {
  for (const rs of [newRS, ...allRSs]) {
    const c = (rs?.status?.conditions ?? []).find((x: { type?: string }) => x.type === 'ReplicaFailure');
    if (c) return { type: c.type, status: c.status, lastUpdateTime: c.lastTransitionTime, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message };
  }
  return undefined;
}

/** The status during a rollout: calculateStatus plus the Progressing estimate and replica failures. */
export function rolloutStatus(d: Deployment, allRSs: (KubeObject | undefined)[], newRS: KubeObject | undefined, now: number): DeploymentStatus {
  const status = calculateStatus(d, allRSs, newRS, now);
  if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
  const current = getCondition(d.status, 'Progressing');
  const alreadyComplete = status.replicas === status.updatedReplicas && current?.reason === conditionReasons.newReplicaSetAvailable;
  if (hasProgressDeadline(d) && !alreadyComplete) {
    const subject = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
    if (deploymentComplete(d, status)) {
      setCondition(status, newCondition('Progressing', 'True', conditionReasons.newReplicaSetAvailable, `${subject} has successfully progressed.`, now));
    } else if (deploymentProgressing(d, status)) {
      // Progress refreshes lastUpdateTime even with the same reason: the deadline counts from it.
      const condition = newCondition('Progressing', 'True', conditionReasons.replicaSetUpdated, `${subject} is progressing.`, now);
      if (current?.status === 'True') condition.lastTransitionTime = current.lastTransitionTime;
      removeCondition(status, 'Progressing');
      setCondition(status, condition);
    } else if (deploymentTimedOut(d, status, now)) {
      setCondition(status, newCondition('Progressing', 'False', conditionReasons.progressDeadlineExceeded, `${subject} has timed out progressing.`, now));
    }
  }
  const failure = replicaFailure(allRSs, newRS);
  if (failure) setCondition(status, failure);
  else removeCondition(status, 'ReplicaFailure');
  return status;
}

/**
 * When an unfinished rollout with no progress should be looked at again to notice its deadline
 * passing: milliseconds from now, or undefined when there is nothing to wait for.
 */
export function progressRecheckDelay(d: Deployment, status: DeploymentStatus, now: number): number | undefined {
  const current = getCondition(d.status, 'Progressing');
  if (!hasProgressDeadline(d) || !current) return undefined;
  if (deploymentComplete(d, status) || current.reason === conditionReasons.progressDeadlineExceeded) return undefined;
  return Math.max(0, deadlineMs(d, current) - now) + 1000;
}
