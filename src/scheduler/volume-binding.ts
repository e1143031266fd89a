// Upstream's VolumeBinding plugin, reduced to what nanokube's PV controller needs: a pod whose claim is
// missing, being deleted, or unbound with Immediate binding stays Pending (the PV controller binds it
// first); a WaitForFirstConsumer claim lets the pod be scheduled (the PV controller then provisions on
// the pod's node); a bound volume's node affinity limits the nodes.
import type { KubeObject } from '../api/object.js';
import { matchTerm } from '../api/node-affinity.js';

export interface VolumeObjects {
  claim(namespace: string, name: string): KubeObject | undefined;
  volume(name: string): KubeObject | undefined;
  storageClass(name: string): KubeObject | undefined;
  /** The class a claim without storageClassName gets (the PV controller assigns the default class). */
  defaultStorageClass(): KubeObject | undefined;
}

/** Upstream's per-node reasons, as counted in the FailedScheduling message. */
export const unboundImmediateClaims = 'pod has unbound immediate PersistentVolumeClaims';
export const volumeNodeAffinityConflict = 'node(s) had volume node affinity conflict';

function claimNames(pod: KubeObject): string[] {
  return (pod.spec?.volumes ?? []).map((v: any) => v?.persistentVolumeClaim?.claimName).filter((n: unknown): n is string => typeof n === 'string' && n !== '');
}

/**
 * What keeps the pod off every node before nodes are looked at: a missing or deleted claim (a whole
 * message, as upstream's PreFilter reports it), or unbound Immediate claims (a per-node reason).
 */
export function claimProblem(pod: KubeObject, objects: VolumeObjects): { message: string } | { reason: string } | undefined {
  const ns = pod.metadata.namespace ?? 'default';
  for (const name of claimNames(pod)) {
    const claim = objects.claim(ns, name);
    if (!claim) return { message: `persistentvolumeclaim "${name}" not found` };
    if (claim.metadata.deletionTimestamp) return { message: `persistentvolumeclaim "${name}" is being deleted` };
    if (claim.spec?.volumeName && claim.status?.phase === 'Bound') continue;
    const className: string | undefined = claim.spec?.storageClassName;
    const sc = className ? objects.storageClass(className) : className === undefined ? objects.defaultStorageClass() : undefined;
    if ((sc as any)?.volumeBindingMode !== 'WaitForFirstConsumer') return { reason: unboundImmediateClaims };
  }
  return undefined;
}

/** Whether every bound volume of the pod may be used on the node (PV spec.nodeAffinity). */
export function volumesFitNode(pod: KubeObject, node: KubeObject, objects: VolumeObjects): boolean {
  const ns = pod.metadata.namespace ?? 'default';
  for (const name of claimNames(pod)) {
    const volumeName = objects.claim(ns, name)?.spec?.volumeName;
    const terms = volumeName ? objects.volume(volumeName)?.spec?.nodeAffinity?.required?.nodeSelectorTerms : undefined;
    if (Array.isArray(terms) && terms.length > 0 && !terms.some((t: any) => matchTerm(node, t))) return false;
  }
  return true;
}
