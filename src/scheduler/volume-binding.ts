// Upstream's VolumeBinding plugin, reduced to what nanokube's PV controller needs: a pod whose claim is
// missing, being deleted, or unbound with Immediate binding stays Pending (the PV controller binds it
// first); a WaitForFirstConsumer claim lets the pod be scheduled on a node with a free volume for it,
// or any node when its class provisions (the PV controller then binds or provisions for the pod's
// node); a bound volume's node affinity limits the nodes.
import type { KubeObject } from '../api/object.js';
import { findVolumeForClaim, volumeReachableFrom } from '../api/persistent-volume-match.js';

export interface VolumeObjects {
  claim(namespace: string, name: string): KubeObject | undefined;
  volume(name: string): KubeObject | undefined;
  volumes(): KubeObject[];
  storageClass(name: string): KubeObject | undefined;
  /** The class a claim without storageClassName gets (the PV controller assigns the default class). */
  defaultStorageClass(): KubeObject | undefined;
}

/** Upstream's per-node reasons, as counted in the FailedScheduling message. */
export const unboundImmediateClaims = 'pod has unbound immediate PersistentVolumeClaims';
export const volumeNodeAffinityConflict = 'node(s) had volume node affinity conflict';
export const noVolumesToBind = "node(s) didn't find available persistent volumes to bind";
/** Upstream's marker for classes whose volumes are made by hand only. */
const noProvisioner = 'kubernetes.io/no-provisioner';

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

/**
 * Why the pod's volumes keep it off the node, if they do: a bound volume the node cannot reach
 * (spec.nodeAffinity), or a WaitForFirstConsumer claim of a class that cannot provision with no free
 * volume the node can reach.
 */
export function volumesProblemOnNode(pod: KubeObject, node: KubeObject, objects: VolumeObjects): string | undefined {
  const ns = pod.metadata.namespace ?? 'default';
  for (const name of claimNames(pod)) {
    const claim = objects.claim(ns, name);
    if (!claim) continue;
    const volumeName = claim.spec?.volumeName;
    if (volumeName) {
      const pv = objects.volume(volumeName);
      if (pv && !volumeReachableFrom(pv, node)) return volumeNodeAffinityConflict;
      continue;
    }
    const className: string | undefined = claim.spec?.storageClassName;
    const sc = className ? objects.storageClass(className) : undefined;
    if ((sc as any)?.volumeBindingMode !== 'WaitForFirstConsumer' || (sc as any)?.provisioner !== noProvisioner) continue;
    if (!findVolumeForClaim(objects.volumes().filter((v) => volumeReachableFrom(v, node)), claim)) return noVolumesToBind;
  }
  return undefined;
}
