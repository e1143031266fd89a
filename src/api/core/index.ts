// core/v1 kinds: names, scope and subresources. Strategies and printers live beside this file.
import type { ResourceType } from '../resource-type.js';
import { strategies } from './strategy.js';
import { printers } from './printers.js';

const g = { group: '', version: 'v1' } as const;
const all = ['all'];

const entries: Omit<ResourceType, 'strategy' | 'printer'>[] = [
  { ...g, kind: 'Namespace', plural: 'namespaces', singular: 'namespace', shortNames: ['ns'], namespaced: false, hasStatus: true,
    nameRule: 'dns1123-label', extraSubresources: ['finalize'],
    fieldSelectors: { 'status.phase': (o) => o.status?.phase } },
  { ...g, kind: 'Pod', plural: 'pods', singular: 'pod', shortNames: ['po'], namespaced: true, categories: all, hasStatus: true,
    // No ephemeralcontainers: kubectl debug then says "ephemeral containers are disabled for this cluster".
    extraSubresources: ['log', 'exec', 'attach', 'portforward', 'binding', 'eviction', 'proxy'],
    fieldSelectors: {
      'spec.nodeName': (o) => o.spec?.nodeName ?? '',
      'spec.restartPolicy': (o) => o.spec?.restartPolicy,
      'spec.schedulerName': (o) => o.spec?.schedulerName,
      'spec.serviceAccountName': (o) => o.spec?.serviceAccountName,
      'spec.hostNetwork': (o) => String(!!o.spec?.hostNetwork),
      'status.phase': (o) => o.status?.phase,
      'status.podIP': (o) => o.status?.podIP ?? '',
      'status.nominatedNodeName': (o) => o.status?.nominatedNodeName ?? '',
    } },
  { ...g, kind: 'Service', plural: 'services', singular: 'service', shortNames: ['svc'], namespaced: true, categories: all, hasStatus: true,
    nameRule: 'dns1035-label', extraSubresources: ['proxy'] },
  { ...g, kind: 'Endpoints', listKind: 'EndpointsList', plural: 'endpoints', singular: 'endpoints', shortNames: ['ep'], namespaced: true, hasStatus: false },
  { ...g, kind: 'Node', plural: 'nodes', singular: 'node', shortNames: ['no'], namespaced: false, hasStatus: true,
    fieldSelectors: { 'spec.unschedulable': (o) => String(!!o.spec?.unschedulable) } },
  { ...g, kind: 'Event', plural: 'events', singular: 'event', shortNames: ['ev'], namespaced: true, hasStatus: false, nameRule: 'path-segment',
    fieldSelectors: {
      'involvedObject.kind': (o) => o.involvedObject?.kind ?? '',
      'involvedObject.namespace': (o) => o.involvedObject?.namespace ?? '',
      'involvedObject.name': (o) => o.involvedObject?.name ?? '',
      'involvedObject.uid': (o) => o.involvedObject?.uid ?? '',
      'involvedObject.apiVersion': (o) => o.involvedObject?.apiVersion ?? '',
      'involvedObject.resourceVersion': (o) => o.involvedObject?.resourceVersion ?? '',
      'involvedObject.fieldPath': (o) => o.involvedObject?.fieldPath ?? '',
      reason: (o) => o.reason ?? '',
      reportingComponent: (o) => o.reportingComponent ?? '',
      source: (o) => o.source?.component ?? '',
      type: (o) => o.type ?? '',
    } },
  { ...g, kind: 'ConfigMap', plural: 'configmaps', singular: 'configmap', shortNames: ['cm'], namespaced: true, hasStatus: false },
  { ...g, kind: 'Secret', plural: 'secrets', singular: 'secret', shortNames: [], namespaced: true, hasStatus: false,
    fieldSelectors: { type: (o) => o.type } },
  { ...g, kind: 'ServiceAccount', plural: 'serviceaccounts', singular: 'serviceaccount', shortNames: ['sa'], namespaced: true, hasStatus: false,
    extraSubresources: ['token'] },
  { ...g, kind: 'PersistentVolume', plural: 'persistentvolumes', singular: 'persistentvolume', shortNames: ['pv'], namespaced: false, hasStatus: true },
  { ...g, kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', singular: 'persistentvolumeclaim', shortNames: ['pvc'], namespaced: true, hasStatus: true },
  { ...g, kind: 'ReplicationController', plural: 'replicationcontrollers', singular: 'replicationcontroller', shortNames: ['rc'], namespaced: true,
    categories: all, hasStatus: true,
    scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' },
    fieldSelectors: { 'status.replicas': (o) => String(o.status?.replicas ?? 0) } },
];

export const coreResources: ResourceType[] = entries.map((r) => ({ ...r, strategy: strategies[r.kind] ?? {}, printer: printers[r.kind] }));
