// The EndpointSlice controller: for each Service with a selector, EndpointSlices (one per distinct
// set of resolved ports) owned by the Service, with ready/serving/terminating conditions per pod.
import type { KubeObject } from '../api/object.js';
import { ApiError } from '../api/status.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { Informer } from '../client/informer.js';
import { WorkQueue } from '../client/work-queue.js';
import { backendsOf, managesEndpoints, portsKey, type Backend } from './service-backends.js';

const refs = {
  services: { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  pods: { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true },
  slices: { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true },
} satisfies Record<string, ResourceRef>;

export const serviceNameLabel = 'kubernetes.io/service-name';
const managedByLabel = 'endpointslice.kubernetes.io/managed-by';
const managedBy = 'endpointslice-controller.k8s.io';

function endpoint(b: Backend) {
  const e: Record<string, unknown> = {
    addresses: [b.ip],
    conditions: { ready: b.ready && !b.terminating, serving: b.ready, terminating: b.terminating },
    targetRef: { kind: 'Pod', namespace: b.pod.metadata.namespace, name: b.pod.metadata.name, uid: b.pod.metadata.uid },
  };
  if (b.pod.spec?.nodeName) e.nodeName = b.pod.spec.nodeName;
  return e;
}

export class EndpointSliceController {
  private readonly services: Informer;
  private readonly pods: Informer;
  private readonly slices: Informer;
  private readonly queue = new WorkQueue();

  constructor(private readonly client: ApiClient) {
    this.services = new Informer(client, refs.services);
    this.pods = new Informer(client, refs.pods);
    this.slices = new Informer(client, refs.slices, { labelSelector: `${managedByLabel}=${managedBy}` });
    const svcKey = (o: KubeObject) => this.queue.add(`${o.metadata.namespace}/${o.metadata.name}`);
    this.services.on({ add: svcKey, update: (_o, n) => svcKey(n), delete: svcKey });
    this.slices.on({
      delete: (s) => this.queue.add(`${s.metadata.namespace}/${s.metadata.labels?.[serviceNameLabel] ?? ''}`),
    });
    const podChanged = (p: KubeObject) => {
      for (const s of this.services.list(p.metadata.namespace)) svcKey(s);
    };
    this.pods.on({ add: podChanged, update: (o, n) => { podChanged(o); podChanged(n); }, delete: podChanged });
  }

  async start(): Promise<void> {
    await Promise.all([this.services.start(), this.pods.start(), this.slices.start()]);
    this.queue.run(2, (key) => this.sync(key));
  }

  stop(): void {
    this.queue.stop();
    this.services.stop();
    this.pods.stop();
    this.slices.stop();
  }

  private async sync(key: string): Promise<void> {
    const [ns, name] = key.split('/');
    const svc = this.services.get(ns, name);
    const existing = this.slices.list(ns).filter((s) => s.metadata.labels?.[serviceNameLabel] === name);
    if (!svc || !managesEndpoints(svc)) {
      for (const s of existing) await this.ignoreMissing(this.client.delete(refs.slices, ns, s.metadata.name!));
      return;
    }
    // One slice per distinct port set; a service whose pods all lack a port still has one empty slice.
    const groups = new Map<string, { ports: Backend['ports']; backends: Backend[] }>();
    for (const b of backendsOf(svc, this.pods.list(ns))) {
      const k = portsKey(b.ports);
      if (!groups.has(k)) groups.set(k, { ports: b.ports, backends: [] });
      groups.get(k)!.backends.push(b);
    }
    if (groups.size === 0) groups.set('[]', { ports: [], backends: [] });
    const unused = [...existing];
    for (const g of groups.values()) {
      const desired = {
        addressType: 'IPv4',
        endpoints: g.backends.map(endpoint),
        ports: g.ports.length ? g.ports : null,
      };
      // Reuse the slice that already has this port set, else any spare one, else create.
      let slice = unused.find((s) => portsKey(s.ports ?? []) === portsKey(g.ports)) ?? unused[0];
      const labels = { ...(svc.metadata.labels ?? {}), [serviceNameLabel]: name, [managedByLabel]: managedBy };
      if (slice) {
        unused.splice(unused.indexOf(slice), 1);
        const same = JSON.stringify(slice.endpoints ?? []) === JSON.stringify(desired.endpoints)
          && JSON.stringify(slice.ports ?? null) === JSON.stringify(desired.ports) && slice.metadata.labels?.[serviceNameLabel] === name;
        if (same) continue;
        slice = { ...slice, ...desired, metadata: { ...slice.metadata, labels } };
        await this.client.update(refs.slices, ns, slice);
      } else {
        await this.client.create(refs.slices, ns, {
          apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
          metadata: {
            generateName: `${name}-`, namespace: ns, labels,
            ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true }],
          },
          ...desired,
        });
      }
    }
    for (const s of unused) await this.ignoreMissing(this.client.delete(refs.slices, ns, s.metadata.name!));
  }

  private async ignoreMissing(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return;
      throw e;
    }
  }
}
