// One consistent view of everything a request needs: the merged route table and each backend's ready
// endpoints. The controller builds a new snapshot whenever an Ingress, Service, EndpointSlice or class
// changes and swaps it in; requests already running keep the snapshot (and endpoint) they started with.
import type { KubeObject } from '../api/object.js';
import { RouteTable, type BackendRef, type Route } from './route-table.js';
import { resolveBackend, type Resolution } from './service-endpoints.js';

export function backendKey(ref: BackendRef): string {
  return ref.resource ? `${ref.namespace}/resource:${ref.resource}` : `${ref.namespace}/${ref.service}:${ref.port}`;
}

export interface ClusterView {
  service(namespace: string, name: string): KubeObject | undefined;
  /** The EndpointSlices labelled kubernetes.io/service-name=name in the namespace. */
  slices(namespace: string, name: string): KubeObject[];
}

export class RoutingSnapshot {
  private readonly backends = new Map<string, Resolution>();

  constructor(readonly table: RouteTable, view: ClusterView) {
    const add = (r: Route) => {
      const key = backendKey(r.backend);
      if (this.backends.has(key)) return;
      const b = r.backend;
      const svc = b.service ? view.service(b.namespace, b.service) : undefined;
      this.backends.set(key, resolveBackend(b, svc, b.service ? view.slices(b.namespace, b.service) : []));
    };
    table.forEachRoute(add);
  }

  resolve(route: Route): Resolution {
    return this.backends.get(backendKey(route.backend)) ?? { ok: false, reason: 'backend unknown' };
  }

  backendKeys(): Set<string> {
    return new Set(this.backends.keys());
  }
}
