// Objects every cluster has from its first start (upstream's apiserver bootstrap controller).
import { ApiError } from '../api/status.js';
import type { Registry } from '../api/registry.js';
import type { ResourceService } from './resource-service.js';
import type { ResourceType } from '../api/resource-type.js';
import type { KubeObject } from '../api/object.js';
import { dnsPort, kubeDnsName, kubeDnsNamespace } from '../api/core/cluster-dns.js';

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

/** Creates the object unless one of that name exists; returns the stored object. */
async function createIfMissing(service: ResourceService, rt: ResourceType, namespace: string, obj: KubeObject): Promise<KubeObject> {
  try {
    return await service.get(rt, namespace, obj.metadata.name!);
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 404)) throw e;
  }
  try {
    return await service.create(rt, namespace, obj, { fieldValidation: 'Ignore' });
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 409)) throw e;
    return service.get(rt, namespace, obj.metadata.name!);
  }
}

/**
 * The `kubernetes` Service in `default`, on the first address of the service range, as upstream; its
 * https port leads to the API server's port, corrected when the server comes back on another one.
 */
export async function ensureKubernetesService(service: ResourceService, registry: Registry, clusterIP: string, port: number): Promise<void> {
  const rt = registry.resource('', 'v1', 'services')!;
  const https = { name: 'https', protocol: 'TCP', port: 443, targetPort: port };
  const svc = await createIfMissing(service, rt, 'default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', clusterIP, ports: [https], sessionAffinity: 'None' },
  });
  const ports: any[] = svc.spec?.ports ?? [];
  if (ports.length === 1 && ports[0].name === 'https' && ports[0].port === 443 && ports[0].targetPort === port) return;
  await service.patch(rt, 'default', 'kubernetes', (cur) => ({ ...cur, spec: { ...cur.spec, ports: [https] } }), { fieldValidation: 'Ignore' });
}

/**
 * The cluster DNS Service (k3s' kube-dns, with CoreDNS' labels) on the given address. It has no
 * selector: the nodes answer DNS themselves, and the cluster DNS endpoints controller lists them.
 * If another Service already holds the address (a cluster from before kube-dns existed), the
 * server still starts: pods then use their node's DNS address directly.
 */
export async function ensureKubeDnsService(service: ResourceService, registry: Registry, clusterIP: string): Promise<void> {
  const rt = registry.resource('', 'v1', 'services')!;
  try {
    await createIfMissing(service, rt, kubeDnsNamespace, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: kubeDnsName, namespace: kubeDnsNamespace,
        labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
      },
      spec: {
        type: 'ClusterIP', clusterIP, sessionAffinity: 'None',
        ports: [
          { name: 'dns', protocol: 'UDP', port: dnsPort, targetPort: dnsPort },
          { name: 'dns-tcp', protocol: 'TCP', port: dnsPort, targetPort: dnsPort },
        ],
      },
    });
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 422)) throw e;
    process.stderr.write(`nanokube: cannot create Service ${kubeDnsNamespace}/${kubeDnsName}: ${e.message}\n`);
  }
}
