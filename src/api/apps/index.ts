// apps/v1 kinds.
import type { ResourceType } from '../resource-type.js';
import { strategies } from './strategy.js';
import { printers } from './printers.js';

const g = { group: 'apps', version: 'v1' } as const;
const all = ['all'];
const scale = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' };

const entries: Omit<ResourceType, 'strategy' | 'printer'>[] = [
  { ...g, kind: 'ReplicaSet', plural: 'replicasets', singular: 'replicaset', shortNames: ['rs'], namespaced: true, categories: all, hasStatus: true, scale },
  { ...g, kind: 'Deployment', plural: 'deployments', singular: 'deployment', shortNames: ['deploy'], namespaced: true, categories: all, hasStatus: true, scale },
  { ...g, kind: 'DaemonSet', plural: 'daemonsets', singular: 'daemonset', shortNames: ['ds'], namespaced: true, categories: all, hasStatus: true },
  { ...g, kind: 'ControllerRevision', plural: 'controllerrevisions', singular: 'controllerrevision', shortNames: [], namespaced: true, hasStatus: false },
];

export const appsResources: ResourceType[] = entries.map((r) => ({ ...r, strategy: strategies[r.kind] ?? {}, printer: printers[r.kind] }));
