// batch/v1 kinds.
import type { ResourceType } from '../resource-type.js';
import { strategies } from './strategy.js';
import { printers } from './printers.js';

const g = { group: 'batch', version: 'v1' } as const;
const all = ['all'];

const entries: Omit<ResourceType, 'strategy' | 'printer'>[] = [
  { ...g, kind: 'Job', plural: 'jobs', singular: 'job', shortNames: [], namespaced: true, categories: all, hasStatus: true,
    fieldSelectors: { 'status.successful': (o) => String(o.status?.succeeded ?? 0) } },
  { ...g, kind: 'CronJob', plural: 'cronjobs', singular: 'cronjob', shortNames: ['cj'], namespaced: true, categories: all, hasStatus: true },
];

export const batchResources: ResourceType[] = entries.map((r) => ({ ...r, strategy: strategies[r.kind] ?? {}, printer: printers[r.kind] }));
