// networking.k8s.io/v1 kinds.
import type { ResourceType } from '../resource-type.js';
import { strategies } from './strategy.js';
import { printers } from './printers.js';

const g = { group: 'networking.k8s.io', version: 'v1' } as const;

const entries: Omit<ResourceType, 'strategy' | 'printer'>[] = [
  { ...g, kind: 'Ingress', plural: 'ingresses', singular: 'ingress', shortNames: ['ing'], namespaced: true, hasStatus: true },
  { ...g, kind: 'IngressClass', plural: 'ingressclasses', singular: 'ingressclass', shortNames: [], namespaced: false, hasStatus: false },
];

export const networkingResources: ResourceType[] = entries.map((r) => ({ ...r, strategy: strategies[r.kind] ?? {}, printer: printers[r.kind] }));
