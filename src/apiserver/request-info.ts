// Parse a Kubernetes API path into what it addresses (upstream's RequestInfo).

export interface RequestInfo {
  /** True for /api/... and /apis/... paths; false for /version, /healthz, /openapi, ... */
  isResourceRequest: boolean;
  group: string;
  version: string;
  namespace: string;
  resource: string;
  name: string;
  subresource: string;
  /** Path segments below the resource name (e.g. a proxy path). */
  rest: string[];
}

/**
 * /api/v1/namespaces/ns/pods/name/status → {group:'', version:'v1', namespace:'ns', resource:'pods', name:'name', subresource:'status'}
 * /apis/apps/v1/deployments → all-namespace list; /api/v1/namespaces/ns → the Namespace "ns".
 * Returns undefined for paths that are not API resource paths (discovery paths return isResourceRequest:false).
 */
export function parseRequestPath(pathname: string): RequestInfo | undefined {
  const parts = pathname.split('/').filter((p) => p.length > 0).map(safeDecode);
  if (parts.some((p) => p === undefined || p === '.' || p === '..')) return undefined;
  const seg = parts as string[];
  let group = '';
  let version = '';
  let i = 0;
  if (seg[0] === 'api') {
    if (seg.length < 2) return base(false);
    version = seg[1];
    i = 2;
  } else if (seg[0] === 'apis') {
    if (seg.length < 3) return { ...base(false), group: seg[1] ?? '' };
    group = seg[1];
    version = seg[2];
    i = 3;
  } else {
    return undefined;
  }
  const info: RequestInfo = { ...base(true), group, version };
  const rest = seg.slice(i);
  if (rest.length === 0) return { ...info, isResourceRequest: false };
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    // /namespaces/{ns}/{resource}/...
    info.namespace = rest[1];
    info.resource = rest[2];
    info.name = rest[3] ?? '';
    info.subresource = rest[4] ?? '';
    info.rest = rest.slice(5);
  } else {
    // Cluster-scoped resources, and /namespaces/{name}[/status|/finalize] itself.
    info.resource = rest[0];
    info.name = rest[1] ?? '';
    info.subresource = rest[2] ?? '';
    info.rest = rest.slice(3);
  }
  return info;
}

function base(isResourceRequest: boolean): RequestInfo {
  return { isResourceRequest, group: '', version: '', namespace: '', resource: '', name: '', subresource: '', rest: [] };
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
