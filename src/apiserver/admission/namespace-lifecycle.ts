// Upstream's NamespaceLifecycle admission: no new objects in a missing or terminating namespace,
// and the system namespaces cannot be deleted.
import { ApiError, errors } from '../../api/status.js';
import type { KubeObject } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';
import type { Registry } from '../../api/registry.js';
import type { AdmissionPlugin, ResourceService } from '../resource-service.js';

const undeletable = new Set(['default', 'kube-system', 'kube-public']);

export class NamespaceLifecycle implements AdmissionPlugin {
  constructor(
    private readonly service: () => ResourceService,
    private readonly registry: Registry,
  ) {}

  async admit(op: 'CREATE' | 'UPDATE' | 'DELETE', rt: ResourceType, obj: KubeObject): Promise<void> {
    if (op === 'DELETE' && rt.group === '' && rt.kind === 'Namespace' && undeletable.has(obj.metadata.name ?? '')) {
      throw errors.forbidden('namespaces', '', obj.metadata.name!, 'this namespace may not be deleted');
    }
    if (op !== 'CREATE' || !rt.namespaced) return;
    const ns = obj.metadata.namespace!;
    const nsType = this.registry.resource('', 'v1', 'namespaces')!;
    let namespace: KubeObject;
    try {
      namespace = await this.service().get(nsType, '', ns);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) throw errors.notFound('namespaces', '', ns);
      throw e;
    }
    // Events may still be written while a namespace terminates, as upstream allows.
    if (namespace.metadata.deletionTimestamp && !(rt.kind === 'Event')) {
      throw errors.forbidden(rt.plural, rt.group, obj.metadata.name ?? '', `unable to create new content in namespace ${ns} because it is being terminated`);
    }
  }
}
