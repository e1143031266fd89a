// The per-Ingress settings nanokube reads from annotations. Each has a nanokube name and, for people
// coming from ingress-nginx, that controller's name as an alias (the nanokube name wins when both are set):
//   ingress.nanokube.io/affinity: "cookie"            cookie-based session affinity for the Ingress's paths
//   ingress.nanokube.io/session-cookie-name: NAME     the affinity cookie's name (default INGRESSCOOKIE)
//   ingress.nanokube.io/ssl-redirect: "false"         do not redirect HTTP to HTTPS for the Ingress's TLS hosts
import type { KubeObject } from '../api/object.js';

export const defaultAffinityCookie = 'INGRESSCOOKIE';

export interface IngressSettings {
  /** The affinity cookie's name when cookie affinity is on. */
  affinityCookie?: string;
  sslRedirect: boolean;
}

function annotation(obj: KubeObject, key: string): string | undefined {
  const a = obj.metadata.annotations ?? {};
  return a[`ingress.nanokube.io/${key}`] ?? a[`nginx.ingress.kubernetes.io/${key}`];
}

/** Cookie names must be RFC 6265 tokens; anything else falls back to the default name. */
const cookieToken = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function ingressSettings(ing: KubeObject): IngressSettings {
  const settings: IngressSettings = { sslRedirect: annotation(ing, 'ssl-redirect')?.toLowerCase() !== 'false' };
  if (annotation(ing, 'affinity')?.toLowerCase() === 'cookie') {
    const name = annotation(ing, 'session-cookie-name');
    settings.affinityCookie = name && cookieToken.test(name) ? name : defaultAffinityCookie;
  }
  return settings;
}
