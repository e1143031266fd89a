// The EndpointSlice mirroring controller: a Service without a selector gets its endpoints from an
// Endpoints object its user writes by hand; as upstream, each subset of that object is mirrored into an
// EndpointSlice (owned by the Endpoints, managed-by endpointslicemirroring-controller.k8s.io), since the
// proxy and DNS read only EndpointSlices. Endpoints labelled endpointslice.kubernetes.io/skip-mirror=true
// (written with their own slices) are left alone.
import type { KubeObject } from '../api/object.js';
import { ApiError } from '../api/status.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { Informer } from '../client/informer.js';
import { WorkQueue } from '../client/work-queue.js';
import { serviceNameLabel } from './endpointslice-controller.js';

const refs = {
  services: { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  endpoints: { group: '', version: 'v1', kind: 'Endpoints', plural: 'endpoints', namespaced: true },
  slices: { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true },
} satisfies Record<string, ResourceRef>;

const managedByLabel = 'endpointslice.kubernetes.io/managed-by';
const managedBy = 'endpointslicemirroring-controller.k8s.io';
export const skipMirrorLabel = 'endpointslice.kubernetes.io/skip-mirror';
/** Upstream mirrors at most this many addresses per subset (--mirroring-max-endpoints-per-subset). */
const maxEndpointsPerSubset = 1000;

interface DesiredSlice {
  ports: unknown[] | null;
  endpoints: unknown[];
}

function mirrored(address: any, ready: boolean): Record<string, unknown> {
  const e: Record<string, unknown> = { addresses: [address.ip], conditions: { ready } };
  if (address.hostname) e.hostname = address.hostname;
  if (address.nodeName) e.nodeName = address.nodeName;
  if (address.targetRef) e.targetRef = address.targetRef;
  return e;
}

/** One slice per subset, as upstream: ready addresses first, then not-ready ones, IPv4 only. */
export function mirroredSlices(endpoints: KubeObject): DesiredSlice[] {
  const ipv4 = (a: any) => typeof a?.ip === 'string' && /^\d+\.\d+\.\d+\.\d+$/.test(a.ip);
  return (endpoints.subsets ?? []).map((subset: any) => ({
    ports: (subset.ports ?? []).length ? subset.ports.map((p: any) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) })) : null,
    endpoints: [
      ...(subset.addresses ?? []).filter(ipv4).map((a: any) => mirrored(a, true)),
      ...(subset.notReadyAddresses ?? []).filter(ipv4).map((a: any) => mirrored(a, false)),
    ].slice(0, maxEndpointsPerSubset),
  }));
}

export class EndpointSliceMirroringController {
  private readonly services: Informer;
  private readonly endpoints: Informer;
  private readonly slices: Informer;
  private readonly queue = new WorkQueue();

  constructor(private readonly client: ApiClient) {
    this.services = new Informer(client, refs.services);
    this.endpoints = new Informer(client, refs.endpoints);
    this.slices = new Informer(client, refs.slices, { labelSelector: `${managedByLabel}=${managedBy}` });
    const byName = (o: KubeObject) => this.queue.add(`${o.metadata.namespace}/${o.metadata.name}`);
    for (const inf of [this.services, this.endpoints]) inf.on({ add: byName, update: (_o, n) => byName(n), delete: byName });
    this.slices.on({ delete: (s) => this.queue.add(`${s.metadata.namespace}/${s.metadata.labels?.[serviceNameLabel] ?? ''}`) });
  }

  async start(): Promise<void> {
    await Promise.all([this.services.start(), this.endpoints.start(), this.slices.start()]);
    this.queue.run(1, (key) => this.sync(key));
  }

  stop(): void {
    this.queue.stop();
    this.services.stop();
    this.endpoints.stop();
    this.slices.stop();
  }

  private async sync(key: string): Promise<void> {
    const [ns, name] = key.split('/');
    const svc = this.services.get(ns, name);
    const ep = this.endpoints.get(ns, name);
    const existing = this.slices.list(ns).filter((s) => s.metadata.labels?.[serviceNameLabel] === name);
    const mirrors = !!svc && !!ep && svc.spec?.type !== 'ExternalName' && !Object.keys(svc.spec?.selector ?? {}).length
      && ep.metadata.labels?.[skipMirrorLabel] !== 'true';
    const desired = mirrors ? mirroredSlices(ep!) : [];
    const unused = [...existing];
    for (const d of desired) {
      const labels = { ...(ep!.metadata.labels ?? {}), [serviceNameLabel]: name, [managedByLabel]: managedBy };
      const slice = unused.find((s) => JSON.stringify(s.ports ?? null) === JSON.stringify(d.ports)) ?? unused[0];
      if (slice) {
        unused.splice(unused.indexOf(slice), 1);
        if (JSON.stringify(slice.endpoints ?? []) === JSON.stringify(d.endpoints) && JSON.stringify(slice.ports ?? null) === JSON.stringify(d.ports)
          && JSON.stringify(slice.metadata.labels ?? {}) === JSON.stringify(labels)) continue;
        await this.client.update(refs.slices, ns, { ...slice, ...d, metadata: { ...slice.metadata, labels } });
        continue;
      }
      await this.client.create(refs.slices, ns, {
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
        metadata: {
          generateName: `${name}-`, namespace: ns, labels,
          ownerReferences: [{ apiVersion: 'v1', kind: 'Endpoints', name, uid: ep!.metadata.uid!, controller: true, blockOwnerDeletion: true }],
        },
        addressType: 'IPv4',
        ...d,
      });
    }
    for (const s of unused) {
      try {
        await this.client.delete(refs.slices, ns, s.metadata.name!);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
  }
}
