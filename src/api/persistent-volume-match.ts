// Which PersistentVolume may serve a claim, as upstream's binder matches them: the PV controller
// binds with these rules and the scheduler uses them to find nodes for WaitForFirstConsumer claims.
import type { KubeObject } from './object.js';
import { selectorFromLabelSelector } from './labels.js';
import { matchTerm } from './node-affinity.js';
import { Quantity } from './quantity.js';

function storageOf(list: Record<string, string> | undefined): bigint {
  const q = list?.storage;
  return q === undefined ? 0n : Quantity.parse(q).value();
}

/** Whether a volume can serve a claim (everything but who it is bound to). */
export function volumeFitsClaim(pv: KubeObject, pvc: KubeObject): boolean {
  const vs = pv.spec ?? {};
  const cs = pvc.spec ?? {};
  if ((vs.storageClassName ?? '') !== (cs.storageClassName ?? '')) return false;
  if ((vs.volumeMode ?? 'Filesystem') !== (cs.volumeMode ?? 'Filesystem')) return false;
  const modes: string[] = vs.accessModes ?? [];
  if (!(cs.accessModes ?? []).every((m: string) => modes.includes(m))) return false;
  if (storageOf(vs.capacity) < storageOf(cs.resources?.requests)) return false;
  if (cs.selector && !selectorFromLabelSelector(cs.selector).matches(pv.metadata.labels ?? {})) return false;
  return true;
}

export function claimRefIs(pv: KubeObject, pvc: KubeObject): boolean {
  const ref = pv.spec?.claimRef;
  return !!ref && ref.name === pvc.metadata.name && (ref.namespace ?? '') === pvc.metadata.namespace && (!ref.uid || ref.uid === pvc.metadata.uid);
}

/** The volume a Pending claim should bind to: one pre-bound to it, else the smallest that fits. */
export function findVolumeForClaim(pvs: KubeObject[], pvc: KubeObject): KubeObject | undefined {
  const candidates = pvs.filter((pv) => !pv.metadata.deletionTimestamp && pv.status?.phase !== 'Released' && pv.status?.phase !== 'Failed');
  const preBound = candidates.find((pv) => claimRefIs(pv, pvc) && volumeFitsClaim(pv, pvc));
  if (preBound) return preBound;
  const free = candidates.filter((pv) => !pv.spec?.claimRef && volumeFitsClaim(pv, pvc));
  free.sort((a, b) => (storageOf(a.spec?.capacity) < storageOf(b.spec?.capacity) ? -1 : storageOf(a.spec?.capacity) > storageOf(b.spec?.capacity) ? 1 : 0));
  return free[0];
}

/** Whether a volume's required node affinity lets pods on this node use it (none: every node). */
export function volumeReachableFrom(pv: KubeObject, node: KubeObject): boolean {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  return !Array.isArray(terms) || terms.length === 0 || terms.some((t: any) => matchTerm(node, t));
}
