// The routing table built from every Ingress this controller serves, merged:
// - host tiers: a request is tried against the rules for its exact host, then the single-label wildcard
//   covering it, then the rules without a host (which apply to all traffic); the first tier with a
//   matching path wins, and a request no tier matches goes to the defaultBackend (404 without one);
// - within a tier, the longest path wins (trailing slashes of Prefix paths ignored), Exact before
//   Prefix on equal length;
// - identical host/path/type claimed by several Ingresses (and several defaultBackends): the oldest
//   Ingress (creationTimestamp) wins, then the lower namespace/name.
import type { KubeObject } from '../api/object.js';
import { hostMatches, isWildcardHost, wildcardFor } from './host-match.js';
import { normalizedPrefix, pathMatches, type PathType } from './path-match.js';
import { ingressSettings, type IngressSettings } from './ingress-annotations.js';

/** What an Ingress backend points at: a Service port (number or name), or an unsupported resource. */
export interface BackendRef {
  namespace: string;
  service?: string;
  port?: number | string;
  /** Set for `resource` backends, which nanokube cannot serve (answered 503). */
  resource?: string;
}

export interface Route {
  host: string;
  path: string;
  pathType: PathType;
  backend: BackendRef;
  /** The Ingress the route came from (namespace/name). */
  ingress: string;
  settings: IngressSettings;
}

export interface TlsHost {
  host: string;
  namespace: string;
  secretName?: string;
  /** Plain HTTP requests for the host are redirected to HTTPS. */
  redirect: boolean;
  ingress: string;
}

/** Oldest first, then namespace/name: the order in which Ingresses win conflicts. */
export function compareIngressAge(a: KubeObject, b: KubeObject): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = `${a.metadata.namespace}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function backendRef(namespace: string, backend: any): BackendRef | undefined {
  if (!backend || typeof backend !== 'object') return undefined;
  if (backend.resource) return { namespace, resource: `${backend.resource.kind}/${backend.resource.name}` };
  const svc = backend.service;
  if (!svc?.name) return undefined;
  const port = svc.port?.number ?? svc.port?.name;
  return { namespace, service: svc.name, port };
}

function rankLength(r: Route): number {
  return r.pathType === 'Exact' ? r.path.length : normalizedPrefix(r.path).length;
}

export class RouteTable {
  /** Routes per rule host ('' for rules without a host), best first. */
  private readonly byHost = new Map<string, Route[]>();
  readonly defaultBackend?: Route;
  readonly tlsHosts: TlsHost[] = [];

  constructor(ingresses: KubeObject[]) {
    const ordered = [...ingresses].sort(compareIngressAge);
    const order = new Map<string, number>();
    let defaultBackend: Route | undefined;
    for (const ing of ordered) {
      const ns = ing.metadata.namespace ?? 'default';
      const key = `${ns}/${ing.metadata.name}`;
      order.set(key, order.size);
      const settings = ingressSettings(ing);
      const db = backendRef(ns, ing.spec?.defaultBackend);
      if (db && !defaultBackend) defaultBackend = { host: '', path: '/', pathType: 'Prefix', backend: db, ingress: key, settings };
      for (const rule of ing.spec?.rules ?? []) {
        const host = String(rule?.host ?? '').toLowerCase();
        for (const p of rule?.http?.paths ?? []) {
          const backend = backendRef(ns, p?.backend);
          if (!backend) continue;
          const pathType: PathType = p.pathType === 'Exact' ? 'Exact' : p.pathType === 'Prefix' ? 'Prefix' : 'ImplementationSpecific';
          const route: Route = { host, path: p.path || '/', pathType, backend, ingress: key, settings };
          if (!this.byHost.has(host)) this.byHost.set(host, []);
          this.byHost.get(host)!.push(route);
        }
      }
      for (const t of ing.spec?.tls ?? []) {
        for (const h of t?.hosts ?? []) {
          this.tlsHosts.push({ host: String(h).toLowerCase(), namespace: ns, secretName: t.secretName, redirect: settings.sslRedirect, ingress: key });
        }
      }
    }
    this.defaultBackend = defaultBackend;
    for (const routes of this.byHost.values()) {
      // Array.prototype.sort is stable, so equal routes keep the oldest Ingress first.
      routes.sort((a, b) => {
        const d = rankLength(b) - rankLength(a);
        if (d !== 0) return d;
        const ea = a.pathType === 'Exact' ? 0 : 1;
        const eb = b.pathType === 'Exact' ? 0 : 1;
        if (ea !== eb) return ea - eb;
        return order.get(a.ingress)! - order.get(b.ingress)!;
      });
    }
  }

  /** The route for a request host (see requestHost()) and URL path; undefined means 404. */
  match(host: string, path: string): Route | undefined {
    const tiers = [host, wildcardFor(host), ''];
    for (const tier of tiers) {
      if (tier === undefined || (tier === host && isWildcardHost(host))) continue;
      const routes = this.byHost.get(tier);
      if (!routes) continue;
      for (const r of routes) if (pathMatches(r.pathType, r.path, path)) return r;
    }
    return this.defaultBackend;
  }

  /** The TLS entry covering a host: an exact tls host first, then a wildcard one; the oldest Ingress wins. */
  tlsHost(host: string): TlsHost | undefined {
    return this.tlsHosts.find((t) => t.host === host) ?? this.tlsHosts.find((t) => isWildcardHost(t.host) && hostMatches(t.host, host));
  }

  forEachRoute(fn: (r: Route) => void): void {
    for (const routes of this.byHost.values()) routes.forEach(fn);
    if (this.defaultBackend) fn(this.defaultBackend);
  }
}
