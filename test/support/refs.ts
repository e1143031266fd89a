// Resource refs for tests that use the API client directly.
import type { ResourceRef } from '../../src/client/resource-ref.js';

export const refs = {
  namespaces: { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false },
  pods: { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true },
  configmaps: { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  services: { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  deployments: { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true },
  replicasets: { group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true },
} satisfies Record<string, ResourceRef>;
