// Table columns and cells for storage.k8s.io/v1 StorageClass, as upstream's server-side printer renders it.
import type { KubeObject } from '../object.js';
import type { TablePrinter } from '../resource-type.js';
import { ageColumn, nameColumn, since } from '../printing.js';

/** Marked as the cluster's default class, by the GA or the legacy beta annotation. */
function isDefaultClass(obj: KubeObject): boolean {
  const a = obj.metadata.annotations ?? {};
  return a['storageclass.kubernetes.io/is-default-class'] === 'true' || a['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
}

const storageClass: TablePrinter = {
  columns: [
    nameColumn,
    { name: 'Provisioner', type: 'string', description: 'The volume plugin that provisions volumes.' },
    { name: 'ReclaimPolicy', type: 'string', description: 'Reclaim policy of provisioned volumes.' },
    { name: 'VolumeBindingMode', type: 'string', description: 'When volumes are bound and provisioned.' },
    { name: 'AllowVolumeExpansion', type: 'string', description: 'Whether claims may grow their volumes.' },
    ageColumn,
  ],
  cells(obj, now) {
    // Unset fields print their defaults.
    return [
      isDefaultClass(obj) ? `${obj.metadata.name} (default)` : obj.metadata.name, obj.provisioner ?? '',
      obj.reclaimPolicy ?? 'Delete', obj.volumeBindingMode ?? 'Immediate', obj.allowVolumeExpansion ?? false,
      since(obj.metadata.creationTimestamp, now),
    ];
  },
};

export const printers: Record<string, TablePrinter> = {
  StorageClass: storageClass,
};
