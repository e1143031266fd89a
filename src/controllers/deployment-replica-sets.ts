// A Deployment's ReplicaSets: their counts, the orders upstream sorts them in, and which one is
// "new" (its template equals the Deployment's, ignoring the pod-template-hash label).
import type { KubeObject } from '../api/object.js';
import { equalIgnoreHash } from './pod-template-hash.js';

export const revisionAnnotation = 'deployment.kubernetes.io/revision';

/** spec.replicas (defaulting to 1, as apps/v1 does). */
export function specReplicas(rs: KubeObject): number {
  return rs.spec?.replicas ?? 1;
}

export function sumSpecReplicas(rss: (KubeObject | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs ? specReplicas(rs) : 0), 0);
}

function sumStatus(rss: (KubeObject | undefined)[], field: 'replicas' | 'readyReplicas' | 'availableReplicas'): number {
  return rss.reduce((n, rs) => n + (rs?.status?.[field] ?? 0), 0);
}

export const sumStatusReplicas = (rss: (KubeObject | undefined)[]): number => sumStatus(rss, 'replicas');
export const sumReadyReplicas = (rss: (KubeObject | undefined)[]): number => sumStatus(rss, 'readyReplicas');
export const sumAvailableReplicas = (rss: (KubeObject | undefined)[]): number => sumStatus(rss, 'availableReplicas');

/** Replica sets that should have pods. */
export function activeReplicaSets(rss: (KubeObject | undefined)[]): KubeObject[] {
  return rss.filter((rs): rs is KubeObject => !!rs && specReplicas(rs) > 0);
}

/** The revision annotation as a number; 0 when absent or not a number. */
export function revisionOf(rs: KubeObject): number {
  const v = rs.metadata.annotations?.[revisionAnnotation];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : 0;
}

export function maxRevision(rss: KubeObject[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

function created(rs: KubeObject): number {
  return Date.parse(rs.metadata.creationTimestamp ?? '') || 0;
}

/** Oldest first; ties by name. */
export function byCreationTimestamp(a: KubeObject, b: KubeObject): number {
  return created(a) - created(b) || (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0);
}

/** Lowest revision first; ties oldest first. */
export function byRevision(a: KubeObject, b: KubeObject): number {
  return revisionOf(a) - revisionOf(b) || byCreationTimestamp(a, b);
}

/** Largest first; ties newest first (whom to scale up first). */
export function bySizeNewer(a: KubeObject, b: KubeObject): number {
  return specReplicas(b) - specReplicas(a) || byCreationTimestamp(b, a);
}

/** Largest first; ties oldest first (whom to scale down first). */
export function bySizeOlder(a: KubeObject, b: KubeObject): number {
  return specReplicas(b) - specReplicas(a) || byCreationTimestamp(a, b);
}

/** The oldest replica set whose template is the Deployment's (there may be more after upgrades). */
export function findNewReplicaSet(template: unknown, rss: KubeObject[]): KubeObject | undefined {
  return [...rss].sort(byCreationTimestamp).find((rs) => equalIgnoreHash(rs.spec?.template, template));
}
