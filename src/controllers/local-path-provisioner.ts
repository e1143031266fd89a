// The default dynamic provisioner, like k3s' local-path: StorageClass `local-path` (the default
// class, provisioner rancher.io/local-path, WaitForFirstConsumer, reclaim Delete). A claim of that
// class gets a directory-backed PersistentVolume (hostPath DirectoryOrCreate under the storage
// directory) pinned by node affinity to the node of the first pod that uses it, pre-bound to the
// claim; Delete removes the directory with the volume. Every node of nanokube runs on this machine,
// so the controller reaches the directory itself where k3s runs a helper pod.
import fs from 'node:fs';
import path from 'node:path';
import type { KubeObject } from '../api/object.js';

export const localPathProvisioner = 'rancher.io/local-path';
export const annProvisionedBy = 'pv.kubernetes.io/provisioned-by';

export function defaultLocalPathClass(): KubeObject {
  return {
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
    metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: localPathProvisioner, reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer',
  } as KubeObject;
}

export function isDefaultClass(sc: KubeObject): boolean {
  const a = sc.metadata.annotations ?? {};
  return a['storageclass.kubernetes.io/is-default-class'] === 'true' || a['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
}

/** The volume for a claim: `pvc-<claim uid>`, directory `<storageDir>/pvc-<uid>_<ns>_<name>`. */
export function provisionedVolume(pvc: KubeObject, sc: KubeObject, storageDir: string, nodeName: string | undefined): KubeObject {
  const name = `pvc-${pvc.metadata.uid}`;
  const dir = path.join(storageDir, `${name}_${pvc.metadata.namespace}_${pvc.metadata.name}`);
  const spec: Record<string, unknown> = {
    capacity: { storage: pvc.spec?.resources?.requests?.storage ?? '1Gi' },
    accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
    persistentVolumeReclaimPolicy: (sc as any).reclaimPolicy ?? 'Delete',
    storageClassName: sc.metadata.name,
    volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
    hostPath: { path: dir, type: 'DirectoryOrCreate' },
    claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid, resourceVersion: pvc.metadata.resourceVersion },
  };
  if (nodeName) {
    spec.nodeAffinity = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] }] } };
  }
  return { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name, annotations: { [annProvisionedBy]: localPathProvisioner } }, spec } as KubeObject;
}

/** Removes a provisioned volume's directory (only one this provisioner made, under storageDir). */
export function removeProvisionedData(pv: KubeObject, storageDir: string): void {
  if (pv.metadata.annotations?.[annProvisionedBy] !== localPathProvisioner) return;
  const dir: string | undefined = pv.spec?.hostPath?.path;
  if (!dir || path.dirname(dir) !== path.resolve(storageDir)) return;
  fs.rmSync(dir, { recursive: true, force: true });
}
