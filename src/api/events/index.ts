// events.k8s.io/v1 Event: the same objects as core/v1 Events upstream; stored separately here (see DESIGN.md).
import type { ResourceType } from '../resource-type.js';
import { strategies } from './strategy.js';
import { printers } from './printers.js';

const entries: Omit<ResourceType, 'strategy' | 'printer'>[] = [
  { group: 'events.k8s.io', version: 'v1', kind: 'Event', plural: 'events', singular: 'event', shortNames: ['ev'], namespaced: true,
    hasStatus: false, nameRule: 'path-segment' },
];

export const eventsResources: ResourceType[] = entries.map((r) => ({ ...r, strategy: strategies[r.kind] ?? {}, printer: printers[r.kind] }));
