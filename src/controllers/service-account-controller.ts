// Every namespace has a ServiceAccount named `default`, as upstream's serviceaccounts-controller keeps.
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { PerNamespaceObject } from './namespace-defaults.js';

const serviceAccounts: ResourceRef = { group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true };

export function defaultServiceAccountController(client: ApiClient): PerNamespaceObject {
  return new PerNamespaceObject(client, serviceAccounts, 'default', {
    make: (namespace) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } }),
    matches: () => true,
  });
}
