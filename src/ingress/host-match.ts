// Ingress host matching (networking.k8s.io/v1 IngressRule.host): an exact name, or a wildcard whose
// "*" stands for exactly one DNS label ("*.foo.com" matches bar.foo.com, not foo.com nor baz.bar.foo.com).

/** The host a request names: the Host header (or TLS SNI) without port, lower-cased, without a trailing dot. */
export function requestHost(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  let h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(0, end + 1) : h;
  }
  const colon = h.indexOf(':');
  if (colon >= 0) h = h.slice(0, colon);
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

export function isWildcardHost(ruleHost: string): boolean {
  return ruleHost.startsWith('*.');
}

/** Whether a rule's host (exact or "*.suffix") matches a request host already passed through requestHost(). */
export function hostMatches(ruleHost: string, host: string): boolean {
  const rule = ruleHost.toLowerCase();
  if (!isWildcardHost(rule)) return rule === host;
  const suffix = rule.slice(1); // ".foo.com"
  if (!host.endsWith(suffix)) return false;
  const label = host.slice(0, host.length - suffix.length);
  return label.length > 0 && !label.includes('.');
}

/** The wildcard rule host that would cover a request host ("bar.foo.com" → "*.foo.com"), if it has one. */
export function wildcardFor(host: string): string | undefined {
  const dot = host.indexOf('.');
  return dot > 0 ? `*${host.slice(dot)}` : undefined;
}
