// Objects every cluster has from its first start (upstream's apiserver bootstrap controller).
import { ApiError } from '../api/status.js';
import type { Registry } from '../api/registry.js';
import type { ResourceService } from './resource-service.js';

export const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export async function ensureSystemNamespaces(service: ResourceService, registry: Registry): Promise<void> {
  const rt = registry.resource('', 'v1', 'namespaces')!;
  for (const name of systemNamespaces) {
    try {
      await service.create(rt, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { fieldValidation: 'Ignore' });
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409)) throw e;
    }
  }
}

/** The `kubernetes` Service in `default`, on the first address of the service range, as upstream. */
export async function ensureKubernetesService(service: ResourceService, registry: Registry, clusterIP: string, port: number): Promise<void> {
  const rt = registry.resource('', 'v1', 'services')!;
  try {
    await service.get(rt, 'default', 'kubernetes');
    return;
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 404)) throw e;
  }
  try {
    await service.create(rt, 'default', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { type: 'ClusterIP', clusterIP, ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: port }], sessionAffinity: 'None' },
    }, { fieldValidation: 'Ignore' });
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 409)) throw e;
  }
}
