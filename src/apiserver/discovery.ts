// API discovery: legacy (/api, /apis, /api/v1, /apis/g/v) and aggregated (apidiscovery.k8s.io v2 and v2beta1).
import { apiVersionOf, verbsOf, type ResourceType } from '../api/resource-type.js';
import type { Registry } from '../api/registry.js';

export const aggregatedContentType = (version: 'v2' | 'v2beta1') =>
  `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;

/** Which aggregated discovery version the Accept header asks for, if any (kubectl prefers v2). */
export function aggregatedVersionAccepted(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  if (!accept || !accept.includes('as=APIGroupDiscoveryList')) return undefined;
  for (const part of accept.split(',')) {
    if (!part.includes('as=APIGroupDiscoveryList') || !part.includes('g=apidiscovery.k8s.io')) continue;
    if (/;\s*v=v2(;|$|\s)/.test(part)) return 'v2';
    if (/;\s*v=v2beta1(;|$|\s)/.test(part)) return 'v2beta1';
  }
  return undefined;
}

function subresourcesOf(rt: ResourceType): { name: string; kind: string; group: string; version: string; verbs: string[] }[] {
  const out: { name: string; kind: string; group: string; version: string; verbs: string[] }[] = [];
  if (rt.hasStatus) out.push({ name: 'status', kind: rt.kind, group: rt.group, version: rt.version, verbs: ['get', 'patch', 'update'] });
  if (rt.scale) out.push({ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] });
  for (const s of rt.extraSubresources ?? []) {
    const spec: Record<string, { kind: string; verbs: string[]; group?: string; version?: string }> = {
      log: { kind: 'Pod', verbs: ['get'] },
      exec: { kind: 'PodExecOptions', verbs: ['create', 'get'] },
      attach: { kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      portforward: { kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      binding: { kind: 'Binding', verbs: ['create'] },
      eviction: { kind: 'Eviction', verbs: ['create'], group: 'policy', version: 'v1' },
      proxy: { kind: `${rt.kind}ProxyOptions`, verbs: ['create', 'delete', 'get', 'patch', 'update'] },
      ephemeralcontainers: { kind: 'Pod', verbs: ['get', 'patch', 'update'] },
      finalize: { kind: 'Namespace', verbs: ['update'] },
      token: { kind: 'TokenRequest', verbs: ['create'], group: 'authentication.k8s.io', version: 'v1' },
    };
    const d = spec[s];
    out.push({ name: s, kind: d.kind, group: d.group ?? rt.group, version: d.version ?? rt.version, verbs: d.verbs });
  }
  return out;
}

export function legacyApiVersions(serverAddress: string) {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupNames(registry: Registry): string[] {
  return [...new Set(registry.groupVersions().map((gv) => gv.group).filter((g) => g !== ''))];
}

function apiGroup(registry: Registry, group: string) {
  const versions = registry.groupVersions().filter((gv) => gv.group === group)
    .map((gv) => ({ groupVersion: `${group}/${gv.version}`, version: gv.version }));
  return { name: group, versions, preferredVersion: versions[0] };
}

export function legacyApiGroupList(registry: Registry) {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groupNames(registry).map((g) => apiGroup(registry, g)) };
}

export function legacyApiGroup(registry: Registry, group: string) {
  if (!groupNames(registry).includes(group)) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(registry, group) };
}

export function apiResourceList(registry: Registry, group: string, version: string) {
  const types = registry.inGroupVersion(group, version);
  if (types.length === 0) return undefined;
  const resources: unknown[] = [];
  for (const rt of types) {
    const r: Record<string, unknown> = {
      name: rt.plural, singularName: rt.singular, namespaced: rt.namespaced, kind: rt.kind, verbs: verbsOf(rt),
    };
    if (rt.shortNames.length) r.shortNames = rt.shortNames;
    if (rt.categories?.length) r.categories = rt.categories;
    resources.push(r);
    for (const s of subresourcesOf(rt)) {
      const sub: Record<string, unknown> = { name: `${rt.plural}/${s.name}`, singularName: '', namespaced: rt.namespaced, kind: s.kind, verbs: s.verbs };
      if (s.group !== rt.group || s.version !== rt.version) {
        sub.group = s.group;
        sub.version = s.version;
      }
      resources.push(sub);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }), resources };
}

/** The aggregated document for /api (core only) or /apis (every named group). */
export function aggregatedDiscovery(registry: Registry, core: boolean, version: 'v2' | 'v2beta1') {
  const groups = core ? [''] : groupNames(registry);
  const items = groups.map((group) => ({
    metadata: { name: group, creationTimestamp: null },
    versions: registry.groupVersions().filter((gv) => gv.group === group).map((gv) => ({
      version: gv.version,
      freshness: 'Current',
      resources: registry.inGroupVersion(group, gv.version).map((rt) => {
        const r: Record<string, unknown> = {
          resource: rt.plural,
          responseKind: { group: rt.group, version: rt.version, kind: rt.kind },
          scope: rt.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: rt.singular,
          verbs: verbsOf(rt),
        };
        if (rt.shortNames.length) r.shortNames = rt.shortNames;
        if (rt.categories?.length) r.categories = rt.categories;
        const subs = subresourcesOf(rt);
        if (subs.length) {
          r.subresources = subs.map((s) => ({ subresource: s.name, responseKind: { group: s.group, version: s.version, kind: s.kind }, verbs: s.verbs }));
        }
        return r;
      }),
    })),
  }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}
