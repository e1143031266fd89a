// What a Service publishes on a node, for both service proxies (nftables and userspace): per Service port
// the addresses it is reached on (ClusterIPs, externalIPs, load-balancer ingress IPs, the NodePort) and the
// endpoints behind it, from the Service's EndpointSlices.
// - Only ready endpoints receive traffic; when a port has none, the endpoints that are serving but
//   terminating do (upstream's fallback, so a rolling update of a single replica does not drop traffic).
// - Only well-formed IPv4 addresses and ports come through: one bad value must not break a whole sync.
import type { KubeObject } from '../api/object.js';
import { isIpv4 } from '../api/ipv4-cidr.js';

export const serviceNameLabel = 'kubernetes.io/service-name';
/** sessionAffinityConfig.clientIP.timeoutSeconds when unset, as upstream (3 hours). */
const defaultAffinitySeconds = 10800;

export interface Endpoint {
  ip: string;
  port: number;
}

export type Protocol = 'tcp' | 'udp' | 'sctp';

export interface ServicePort {
  /** namespace/name:port-name-or-number/protocol, unique per Service port. */
  key: string;
  protocol: Protocol;
  port: number;
  clusterIPs: string[];
  externalIPs: string[];
  /** status.loadBalancer.ingress IPs (type LoadBalancer only). */
  loadBalancerIPs: string[];
  /** Set for type NodePort and LoadBalancer. */
  nodePort?: number;
  /** Sorted, so every sync gives the same order. */
  endpoints: Endpoint[];
  /** sessionAffinity ClientIP: how long a client stays with its endpoint. */
  affinitySeconds?: number;
}

export function validPort(p: unknown): p is number {
  return Number.isInteger(p) && (p as number) > 0 && (p as number) < 65536;
}

function ipv4s(list: unknown): string[] {
  return Array.isArray(list) ? list.filter(isIpv4) : [];
}

/** The EndpointSlices of each Service, keyed namespace/name. */
export function slicesByService(slices: KubeObject[]): Map<string, KubeObject[]> {
  const out = new Map<string, KubeObject[]>();
  for (const s of slices) {
    const key = `${s.metadata.namespace}/${s.metadata.labels?.[serviceNameLabel] ?? ''}`;
    (out.get(key) ?? out.set(key, []).get(key)!).push(s);
  }
  return out;
}

export function serviceKey(svc: KubeObject): string {
  return `${svc.metadata.namespace}/${svc.metadata.name}`;
}

/** Ready endpoints of one Service port; the serving, terminating ones when none is ready. */
function portEndpoints(slices: KubeObject[], portName: string, protocol: Protocol): Endpoint[] {
  const ready = new Map<string, Endpoint>();
  const terminating = new Map<string, Endpoint>();
  for (const slice of slices) {
    if (slice.addressType && slice.addressType !== 'IPv4') continue;
    const port = (slice.ports ?? []).find((p: any) => (p?.name ?? '') === portName && String(p?.protocol ?? 'TCP').toLowerCase() === protocol);
    if (!validPort(port?.port)) continue;
    for (const ep of slice.endpoints ?? []) {
      const c = ep?.conditions ?? {};
      // As upstream: a nil ready condition means ready, a nil serving condition means "as ready".
      const isReady = c.ready !== false;
      const target = isReady ? ready : (c.serving ?? c.ready) === true && c.terminating === true ? terminating : undefined;
      if (!target) continue;
      for (const ip of ipv4s(ep.addresses)) target.set(`${ip}:${port.port}`, { ip, port: port.port });
    }
  }
  const chosen = ready.size ? ready : terminating;
  return [...chosen.values()].sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.port - b.port));
}

/** The ports a Service publishes and the endpoints behind each. Headless and ExternalName Services publish none. */
export function servicePorts(svc: KubeObject, slices: KubeObject[]): ServicePort[] {
  const spec = svc.spec ?? {};
  if (spec.type === 'ExternalName') return [];
  const clusterIPs = ipv4s(spec.clusterIPs ?? [spec.clusterIP]);
  const externalIPs = ipv4s(spec.externalIPs);
  const loadBalancerIPs = spec.type === 'LoadBalancer' ? ipv4s((svc.status?.loadBalancer?.ingress ?? []).map((i: any) => i?.ip)) : [];
  const affinitySeconds = spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? defaultAffinitySeconds) : undefined;
  const out: ServicePort[] = [];
  for (const sp of spec.ports ?? []) {
    const protocol = String(sp?.protocol ?? 'TCP').toLowerCase();
    if (!validPort(sp?.port) || (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'sctp')) continue;
    const hasNodePort = (spec.type === 'NodePort' || spec.type === 'LoadBalancer') && validPort(sp.nodePort);
    if (clusterIPs.length === 0 && !hasNodePort && externalIPs.length === 0) continue; // headless: DNS only
    out.push({
      key: `${serviceKey(svc)}:${sp.name ?? sp.port}/${protocol}`,
      protocol,
      port: sp.port,
      clusterIPs,
      externalIPs,
      loadBalancerIPs,
      nodePort: hasNodePort ? sp.nodePort : undefined,
      endpoints: portEndpoints(slices, sp.name ?? '', protocol),
      affinitySeconds,
    });
  }
  return out;
}
