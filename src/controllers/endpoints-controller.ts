// The Endpoints controller: for each Service with a selector, an Endpoints object listing ready
// pods in `addresses` and unready ones in `notReadyAddresses` (or all of them as ready with
// publishNotReadyAddresses), grouped into subsets by their resolved ports.
import type { KubeObject } from '../api/object.js';
import { nowTimestamp } from '../api/object.js';
import { ApiError } from '../api/status.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { Informer } from '../client/informer.js';
import { WorkQueue } from '../client/work-queue.js';
import { backendsOf, managesEndpoints, portsKey, type Backend } from './service-backends.js';

const refs = {
  services: { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  pods: { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true },
  endpoints: { group: '', version: 'v1', kind: 'Endpoints', plural: 'endpoints', namespaced: true },
} satisfies Record<string, ResourceRef>;

function address(b: Backend) {
  return {
    ip: b.ip,
    nodeName: b.pod.spec?.nodeName,
    targetRef: { kind: 'Pod', namespace: b.pod.metadata.namespace, name: b.pod.metadata.name, uid: b.pod.metadata.uid },
  };
}

export function endpointSubsets(svc: KubeObject, backends: Backend[]): unknown[] {
  const publishAll = !!svc.spec?.publishNotReadyAddresses;
  const groups = new Map<string, { ports: Backend['ports']; ready: Backend[]; notReady: Backend[] }>();
  for (const b of backends) {
    // Terminating pods leave Endpoints at once (EndpointSlices keep them, marked terminating).
    if (b.terminating && !publishAll) continue;
    if (b.ports.length === 0 && (svc.spec?.ports ?? []).length > 0) continue;
    const key = portsKey(b.ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports: b.ports, ready: [], notReady: [] }));
    (publishAll || b.ready ? g.ready : g.notReady).push(b);
  }
  return [...groups.values()].map((g) => {
    const subset: Record<string, unknown> = {};
    if (g.ready.length) subset.addresses = g.ready.map(address);
    if (g.notReady.length) subset.notReadyAddresses = g.notReady.map(address);
    if (g.ports.length) subset.ports = g.ports;
    return subset;
  });
}

export class EndpointsController {
  private readonly services: Informer;
  private readonly pods: Informer;
  private readonly endpoints: Informer;
  private readonly queue = new WorkQueue();

  constructor(private readonly client: ApiClient) {
    this.services = new Informer(client, refs.services);
    this.pods = new Informer(client, refs.pods);
    this.endpoints = new Informer(client, refs.endpoints);
    const svcKey = (o: KubeObject) => this.queue.add(`${o.metadata.namespace}/${o.metadata.name}`);
    this.services.on({ add: svcKey, update: (_o, n) => svcKey(n), delete: svcKey });
    this.endpoints.on({ delete: svcKey });
    const podChanged = (p: KubeObject) => {
      for (const s of this.services.list(p.metadata.namespace)) svcKey(s);
    };
    this.pods.on({ add: podChanged, update: (o, n) => { podChanged(o); podChanged(n); }, delete: podChanged });
  }

  async start(): Promise<void> {
    await Promise.all([this.services.start(), this.pods.start(), this.endpoints.start()]);
    this.queue.run(2, (key) => this.sync(key));
  }

  stop(): void {
    this.queue.stop();
    this.services.stop();
    this.pods.stop();
    this.endpoints.stop();
  }

  private async sync(key: string): Promise<void> {
    const [ns, name] = key.split('/');
    const svc = this.services.get(ns, name);
    const existing = this.endpoints.get(ns, name);
    if (!svc || !managesEndpoints(svc)) {
      // Endpoints of a selector-less Service belong to the user; only ours go with the Service.
      if (existing && !svc) await this.ignore(this.client.delete(refs.endpoints, ns, name));
      return;
    }
    const subsets = endpointSubsets(svc, backendsOf(svc, this.pods.list(ns)));
    const labels = { ...(svc.metadata.labels ?? {}) };
    if (existing && JSON.stringify(existing.subsets ?? []) === JSON.stringify(subsets) && JSON.stringify(existing.metadata.labels ?? {}) === JSON.stringify(labels)) return;
    const obj: KubeObject = {
      apiVersion: 'v1', kind: 'Endpoints',
      metadata: { name, namespace: ns, labels, annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': nowTimestamp() } },
      subsets,
    };
    if (existing) {
      obj.metadata.resourceVersion = existing.metadata.resourceVersion;
      await this.ignore(this.client.update(refs.endpoints, ns, obj));
    } else {
      await this.ignore(this.client.create(refs.endpoints, ns, obj));
    }
  }

  private async ignore(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (e) {
      // Gone meanwhile: nothing to do. A conflict is retried by the queue with the cache caught up.
      if (e instanceof ApiError && e.code === 404) return;
      throw e;
    }
  }
}
