// persistentVolumeClaim volumes: the claim must be Bound; its PersistentVolume says where the data
// is. Sources a node of this machine can reach: hostPath (with its type check), local (an existing
// path), and nfs whose server is this machine (127.0.0.1, localhost, ::1 or a node's address): its
// `path` is a local directory every agent on the machine shares, standing in for a NAS export.
import fs from 'node:fs';
import type { KubeObject } from '../../api/object.js';
import { matchTerm } from '../../api/node-affinity.js';
import { undefinedIfNotFound } from '../../api/status.js';
import type { ApiClient } from '../../client/api-client.js';
import type { ResourceRef } from '../../client/resource-ref.js';
import { prepareHostPath } from './host-path.js';

const refs = {
  pvcs: { group: '', version: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true },
  pvs: { group: '', version: 'v1', kind: 'PersistentVolume', plural: 'persistentvolumes', namespaced: false },
} satisfies Record<string, ResourceRef>;

const localNfsServers = new Set(['127.0.0.1', 'localhost', '::1']);

export interface ClaimVolume {
  hostPath: string;
  readOnly: boolean;
}

function getOrUndefined(client: ApiClient, ref: ResourceRef, ns: string, name: string): Promise<KubeObject | undefined> {
  return undefinedIfNotFound(client.get(ref, ns, name));
}

/** Where a PersistentVolume's data is on this machine; throws when this node cannot reach it. */
export function persistentVolumePath(pv: KubeObject, nodeAddresses: string[]): string {
  const spec = pv.spec ?? {};
  if (spec.hostPath) return prepareHostPath(spec.hostPath.path, spec.hostPath.type);
  if (spec.local) {
    if (!fs.existsSync(spec.local.path)) throw new Error(`path "${spec.local.path}" does not exist`);
    return spec.local.path;
  }
  if (spec.nfs) {
    const server = String(spec.nfs.server);
    if (!localNfsServers.has(server) && !nodeAddresses.includes(server)) {
      throw new Error(`nfs server ${server} is not reachable: nanokube serves nfs volumes only from this machine (server 127.0.0.1)`);
    }
    if (!fs.statSync(spec.nfs.path, { throwIfNoEntry: false })?.isDirectory()) {
      throw new Error(`mount.nfs: ${server}:${spec.nfs.path}: the exported directory does not exist`);
    }
    return spec.nfs.path;
  }
  throw new Error(`persistent volume ${pv.metadata.name} has a volume source nanokube cannot mount (supported: hostPath, local, nfs from 127.0.0.1)`);
}

/** A volume with required node affinity (local volumes, local-path) is only reachable from matching nodes. */
function checkNodeAffinity(pv: KubeObject, node: KubeObject | undefined): void {
  const terms: any[] | undefined = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms || !node) return;
  if (!terms.some((t) => matchTerm(node, t))) {
    throw new Error(`persistent volume ${pv.metadata.name} has a node affinity conflict with node ${node.metadata.name}: no matching NodeSelectorTerms`);
  }
}

export async function resolveClaim(client: ApiClient, pod: KubeObject, source: any, nodeAddresses: string[], node: KubeObject | undefined): Promise<ClaimVolume> {
  const ns = pod.metadata.namespace!;
  const pvc = await getOrUndefined(client, refs.pvcs, ns, source.claimName);
  if (!pvc) throw new Error(`persistentvolumeclaim "${source.claimName}" not found`);
  // Scheduled just as the claim was deleted: never started on a claim on its way out (pvc-protection).
  if (pvc.metadata.deletionTimestamp) throw new Error(`can't start pod because PVC ${ns}/${source.claimName} is being deleted`);
  const volumeName: string | undefined = pvc.spec?.volumeName;
  if (pvc.status?.phase !== 'Bound' || !volumeName) {
    throw new Error(`PVC ${ns}/${source.claimName} has non-bound phase ("${pvc.status?.phase ?? ''}") or empty pvc.Spec.VolumeName ("${volumeName ?? ''}")`);
  }
  const pv = await getOrUndefined(client, refs.pvs, '', volumeName);
  if (!pv) throw new Error(`persistentvolume "${volumeName}" not found`);
  const claimRef = pv.spec?.claimRef;
  if (claimRef?.uid && claimRef.uid !== pvc.metadata.uid) {
    throw new Error(`persistentvolume ${volumeName} is bound to another claim (${claimRef.namespace}/${claimRef.name})`);
  }
  checkNodeAffinity(pv, node);
  // Read-only when the pod's volume says so, or the volume source itself (nfs readOnly), as upstream mounts it.
  return { hostPath: persistentVolumePath(pv, nodeAddresses), readOnly: !!source.readOnly || !!pv.spec?.nfs?.readOnly };
}
