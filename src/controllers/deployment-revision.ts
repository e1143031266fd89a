// The annotations a Deployment keeps on its ReplicaSets: the revision (max+1 whenever a replica
// set becomes the new one, so a rollback gets a fresh revision and remembers its old ones), the
// replica counts it was sized for, and the Deployment's own annotations such as change-cause.
import type { KubeObject } from '../api/object.js';
import { revisionAnnotation, revisionOf } from './deployment-replica-sets.js';

export { revisionAnnotation };
export const revisionHistoryAnnotation = 'deployment.kubernetes.io/revision-history';
export const desiredReplicasAnnotation = 'deployment.kubernetes.io/desired-replicas';
export const maxReplicasAnnotation = 'deployment.kubernetes.io/max-replicas';
export const changeCauseAnnotation = 'kubernetes.io/change-cause';

/** Upstream's cap on the revision-history annotation. */
const maxRevisionHistoryChars = 2000;

/** Deployment annotations that describe the Deployment itself and are not copied to its replica sets. */
const notCopied = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  revisionAnnotation,
  revisionHistoryAnnotation,
  desiredReplicasAnnotation,
  maxReplicasAnnotation,
  'deprecated.deployment.rollback.to',
]);

function annotationsOf(obj: KubeObject): Record<string, string> {
  return (obj.metadata.annotations ??= {});
}

/** Copies the Deployment's annotations (change-cause and the like); true when any changed. */
function copyDeploymentAnnotations(d: KubeObject, rs: KubeObject): boolean {
  const target = annotationsOf(rs);
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (notCopied.has(k) || target[k] === v) continue;
    target[k] = v;
    changed = true;
  }
  return changed;
}

/** Appends `old` to the revision history, dropping the oldest entries beyond the length cap. */
function appendRevisionHistory(history: string | undefined, old: string): string | undefined {
  if (!history) return old;
  let entries = history.split(',');
  let total = history.length + old.length + 1;
  let start = 0;
  while (total > maxRevisionHistoryChars && start < entries.length) total -= entries[start++].length + 1;
  if (total > maxRevisionHistoryChars) return history;
  entries = [...entries.slice(start), old];
  return entries.join(',');
}

/** Sets desired-replicas and max-replicas; true when either changed. */
export function setReplicasAnnotations(rs: KubeObject, desired: number, max: number): boolean {
  const a = annotationsOf(rs);
  let changed = false;
  if (a[desiredReplicasAnnotation] !== String(desired)) {
    a[desiredReplicasAnnotation] = String(desired);
    changed = true;
  }
  if (a[maxReplicasAnnotation] !== String(max)) {
    a[maxReplicasAnnotation] = String(max);
    changed = true;
  }
  return changed;
}

/**
 * Brings the new replica set's annotations up to date: the Deployment's annotations, the revision
 * raised to `newRevision` (remembering the old one when a replica set is re-used), and for one
 * about to be created the replica counts. Returns whether anything changed.
 */
export function setNewReplicaSetAnnotations(
  d: KubeObject, rs: KubeObject, newRevision: number, exists: boolean, desired: number, max: number,
): boolean {
  let changed = copyDeploymentAnnotations(d, rs);
  const a = annotationsOf(rs);
  const oldText = a[revisionAnnotation];
  if (oldText !== undefined && oldText !== '' && !/^\d+$/.test(oldText)) return false;
  const old = revisionOf(rs);
  if (old < newRevision) {
    a[revisionAnnotation] = String(newRevision);
    changed = true;
    if (oldText !== undefined) {
      const history = appendRevisionHistory(a[revisionHistoryAnnotation], oldText);
      if (history !== undefined) a[revisionHistoryAnnotation] = history;
    }
  }
  if (!exists && setReplicasAnnotations(rs, desired, max)) changed = true;
  return changed;
}

/** Records the current revision on the Deployment; true when it changed. */
export function setDeploymentRevision(d: KubeObject, revision: string): boolean {
  const a = annotationsOf(d);
  if (a[revisionAnnotation] === revision) return false;
  a[revisionAnnotation] = revision;
  return true;
}
