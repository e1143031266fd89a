// Upstream's NamespaceLifecycle admission: no new objects in a missing or terminating namespace,
// and the system namespaces cannot be deleted.
import { ApiError, errors } from '../../api/status.js';
import type { KubeObject } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';
import type { Registry } from '../../api/registry.js';
import type { AdmissionPlugin, ResourceService } from '../resource-service.js';

const undeletable = new Set(['default', 'kube-system', 'kube-public']);

export class NamespaceLifecycle implements AdmissionPlugin {
  /**
   * Namespace name → terminating, kept by an in-process watch (like upstream's namespace lister). Its
   * events are delivered synchronously with each commit, so it is never behind the store; it saves a read
   * and a decode on every create.
   */
  private known?: Map<string, boolean>;
  private starting?: Promise<void>;

  constructor(
    private readonly service: () => ResourceService,
    private readonly registry: Registry,
  ) {}

  private async namespaces(): Promise<Map<string, boolean> | undefined> {
    if (this.known) return this.known;
    const map = new Map<string, boolean>();
    this.starting ??= this.service().watch(this.registry.resource('', 'v1', 'namespaces')!, '', {}, (ev) => {
      if (ev.type === 'DELETED') map.delete(ev.object.metadata.name!);
      else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') map.set(ev.object.metadata.name!, !!ev.object.metadata.deletionTimestamp);
    }).then(() => {
      this.known = map;
    }, () => {
      this.starting = undefined; // tried again on the next create; reads go to the store meanwhile
    });
    await this.starting;
    return this.known;
  }

  async admit(op: 'CREATE' | 'UPDATE' | 'DELETE', rt: ResourceType, obj: KubeObject): Promise<void> {
    if (op === 'DELETE' && rt.group === '' && rt.kind === 'Namespace' && undeletable.has(obj.metadata.name ?? '')) {
      throw errors.forbidden('namespaces', '', obj.metadata.name!, 'this namespace may not be deleted');
    }
    if (op !== 'CREATE' || !rt.namespaced) return;
    const ns = obj.metadata.namespace!;
    let terminating = (await this.namespaces())?.get(ns);
    if (terminating === undefined) {
      const nsType = this.registry.resource('', 'v1', 'namespaces')!;
      let namespace: KubeObject;
      try {
        namespace = await this.service().get(nsType, '', ns);
      } catch (e) {
        if (e instanceof ApiError && e.code === 404) throw errors.notFound('namespaces', '', ns);
        throw e;
      }
      terminating = !!namespace.metadata.deletionTimestamp;
    }
    // Events may still be written while a namespace terminates, as upstream allows.
    if (terminating && !(rt.kind === 'Event')) {
      throw errors.forbidden(rt.plural, rt.group, obj.metadata.name ?? '', `unable to create new content in namespace ${ns} because it is being terminated`);
    }
  }
}
