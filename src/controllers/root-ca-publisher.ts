// Every namespace has the ConfigMap `kube-root-ca.crt` with the cluster CA, as upstream's
// root-ca-cert-publisher keeps, for clients in pods that verify the API server.
import type { KubeObject } from '../api/object.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { PerNamespaceObject } from './namespace-defaults.js';

const configMaps: ResourceRef = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
export const rootCaConfigMapName = 'kube-root-ca.crt';
const description = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export function rootCaPublisher(client: ApiClient, caPem: string): PerNamespaceObject {
  return new PerNamespaceObject(client, configMaps, rootCaConfigMapName, {
    make: (namespace) => ({
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: rootCaConfigMapName, namespace, annotations: { 'kubernetes.io/description': description } },
      data: { 'ca.crt': caPem },
    }),
    matches: (cm: KubeObject) => cm.data?.['ca.crt'] === caPem && cm.metadata.annotations?.['kubernetes.io/description'] === description,
  });
}
