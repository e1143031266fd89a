// Ingress path matching (HTTPIngressPath.pathType), as the Ingress documentation defines it:
// - Exact: the URL path equals the rule's path, case-sensitively.
// - Prefix: element-wise prefix on "/"-separated elements; a trailing slash in either path is ignored, so
//   "/foo" matches "/foo", "/foo/" and "/foo/bar" but not "/foobar"; "/" matches every path.
// - ImplementationSpecific: nanokube treats it as Prefix (documented in ingress-controller.ts).

export type PathType = 'Exact' | 'Prefix' | 'ImplementationSpecific';

/** A rule's path with trailing slashes removed ("/" stays "/"): the form Prefix compares and ranks. */
export function normalizedPrefix(path: string): string {
  let p = path || '/';
  while (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

export function prefixMatches(rulePath: string, requestPath: string): boolean {
  const prefix = normalizedPrefix(rulePath);
  if (prefix === '/') return true;
  if (!requestPath.startsWith(prefix)) return false;
  // The prefix must end on an element boundary of the request path.
  return requestPath.length === prefix.length || requestPath[prefix.length] === '/';
}

export function pathMatches(type: PathType, rulePath: string, requestPath: string): boolean {
  if (type === 'Exact') return rulePath === requestPath;
  return prefixMatches(rulePath, requestPath);
}

/** The URL path of a request target ("/a/b?x=1" → "/a/b"); absolute-form targets keep only their path. */
export function requestPath(target: string | undefined): string {
  let t = target ?? '/';
  if (!t.startsWith('/')) {
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(t);
    t = m ? t.slice(m[0].length) || '/' : '/';
  }
  const q = t.search(/[?#]/);
  return q >= 0 ? t.slice(0, q) || '/' : t;
}
