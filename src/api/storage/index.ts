// storage.k8s.io/v1 kinds.
import type { ResourceType } from '../resource-type.js';
import { strategies } from './strategy.js';
import { printers } from './printers.js';

const entries: Omit<ResourceType, 'strategy' | 'printer'>[] = [
  { group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass', plural: 'storageclasses', singular: 'storageclass', shortNames: ['sc'],
    namespaced: false, hasStatus: false },
];

export const storageResources: ResourceType[] = entries.map((r) => ({ ...r, strategy: strategies[r.kind] ?? {}, printer: printers[r.kind] }));
