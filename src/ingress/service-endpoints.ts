// Resolving an Ingress backend (Service + port number or name) to the addresses traffic goes to: the
// Service port named or numbered by the backend, then that port's entry (by the Service port's name) in
// the Service's EndpointSlices, which carries the resolved targetPort, and the endpoints whose
// conditions.ready is not false. An ExternalName Service resolves to its external name and port.
import type { KubeObject } from '../api/object.js';
import type { BackendRef } from './route-table.js';

export const serviceNameLabel = 'kubernetes.io/service-name';

export interface Endpoint {
  address: string;
  port: number;
}

export type Resolution =
  | { ok: true; endpoints: Endpoint[] }
  | { ok: false; reason: string };

function servicePort(svc: KubeObject, port: number | string | undefined): any {
  const ports: any[] = svc.spec?.ports ?? [];
  if (typeof port === 'number') return ports.find((p) => p.port === port);
  return ports.find((p) => p.name === port);
}

/**
 * Ready endpoints for a backend. slices are the Service's EndpointSlices (label kubernetes.io/service-name).
 * The result is sorted so that every rebuild gives the same order (round-robin stays fair across rebuilds).
 */
export function resolveBackend(ref: BackendRef, svc: KubeObject | undefined, slices: KubeObject[]): Resolution {
  if (ref.resource) return { ok: false, reason: `resource backend ${ref.resource} is not supported` };
  if (!svc) return { ok: false, reason: `service ${ref.namespace}/${ref.service} not found` };
  const sp = servicePort(svc, ref.port);
  if (!sp) return { ok: false, reason: `service ${ref.namespace}/${ref.service} has no port ${ref.port}` };
  if (svc.spec?.type === 'ExternalName' && svc.spec.externalName) {
    return { ok: true, endpoints: [{ address: svc.spec.externalName, port: sp.port }] };
  }
  const portName = sp.name ?? '';
  const protocol = sp.protocol ?? 'TCP';
  const seen = new Set<string>();
  const endpoints: Endpoint[] = [];
  for (const slice of slices) {
    if (slice.addressType && slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
    const p = ((slice.ports as any[] | null) ?? []).find((x) => (x?.name ?? '') === portName && (x?.protocol ?? 'TCP') === protocol);
    if (!p || typeof p.port !== 'number') continue;
    for (const e of (slice.endpoints as any[] | null) ?? []) {
      if (e?.conditions?.ready === false) continue;
      for (const address of e?.addresses ?? []) {
        const key = `${address}:${p.port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        endpoints.push({ address, port: p.port });
      }
    }
  }
  endpoints.sort((a, b) => (a.address === b.address ? a.port - b.port : a.address < b.address ? -1 : 1));
  if (!endpoints.length) return { ok: false, reason: `service ${ref.namespace}/${ref.service} has no ready endpoints` };
  return { ok: true, endpoints };
}
