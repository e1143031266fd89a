// The service proxies' view of the cluster: Services and EndpointSlices through informers, and a
// callback on any change (the proxies coalesce changes into syncs of the whole picture).
import type { KubeObject } from '../api/object.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { Informer } from '../client/informer.js';
import { serviceKey, slicesByService } from './service-ports.js';

const refs = {
  services: { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  slices: { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true },
} satisfies Record<string, ResourceRef>;

export class ServiceInformers {
  private readonly services: Informer;
  private readonly slices: Informer;

  constructor(client: ApiClient, onChange: () => void) {
    this.services = new Informer(client, refs.services);
    this.slices = new Informer(client, refs.slices);
    for (const inf of [this.services, this.slices]) inf.on({ add: onChange, update: onChange, delete: onChange });
  }

  async start(): Promise<void> {
    await Promise.all([this.services.start(), this.slices.start()]);
  }

  stop(): void {
    this.services.stop();
    this.slices.stop();
  }

  get synced(): boolean {
    return this.services.hasSynced && this.slices.hasSynced;
  }

  /** Every Service (sorted by namespace/name, so syncs are stable) with its EndpointSlices. */
  list(): { svc: KubeObject; slices: KubeObject[] }[] {
    const slices = slicesByService(this.slices.list());
    return this.services
      .list()
      .sort((a, b) => (serviceKey(a) < serviceKey(b) ? -1 : 1))
      .map((svc) => ({ svc, slices: slices.get(serviceKey(svc)) ?? [] }));
  }
}
