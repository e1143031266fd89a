// coordination.k8s.io/v1 kinds.
import type { ResourceType } from '../resource-type.js';
import { strategies } from './strategy.js';
import { printers } from './printers.js';

const entries: Omit<ResourceType, 'strategy' | 'printer'>[] = [
  { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', singular: 'lease', shortNames: [], namespaced: true, hasStatus: false },
];

export const coordinationResources: ResourceType[] = entries.map((r) => ({ ...r, strategy: strategies[r.kind] ?? {}, printer: printers[r.kind] }));
