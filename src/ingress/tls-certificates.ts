// Serving certificates by SNI: the Secret named by the tls[] entry covering the requested host
// (kubernetes.io/tls, or any Secret with tls.crt and tls.key as ingress-nginx accepts), as a secure
// context cached per Secret resourceVersion; undefined (the listener's default certificate) otherwise.
import tls from 'node:tls';
import type { KubeObject } from '../api/object.js';
import { requestHost } from './host-match.js';
import type { RouteTable } from './route-table.js';

export class CertificateStore {
  private readonly cache = new Map<string, { version: string; context?: tls.SecureContext }>();

  constructor(
    private readonly secret: (namespace: string, name: string) => KubeObject | undefined,
    private readonly log: (message: string) => void,
  ) {}

  contextFor(table: RouteTable, servername: string): tls.SecureContext | undefined {
    const entry = table.tlsHost(requestHost(servername));
    if (!entry?.secretName) return undefined;
    const key = `${entry.namespace}/${entry.secretName}`;
    const s = this.secret(entry.namespace, entry.secretName);
    if (!s) {
      if (!this.cache.has(key)) this.log(`ingress ${entry.ingress}: TLS secret ${key} not found; serving the default certificate`);
      this.cache.set(key, { version: '' });
      return undefined;
    }
    const version = s.metadata.resourceVersion ?? '';
    const cached = this.cache.get(key);
    if (cached && cached.version === version) return cached.context;
    let context: tls.SecureContext | undefined;
    try {
      const crt = s.data?.['tls.crt'];
      const k = s.data?.['tls.key'];
      if (!crt || !k) throw new Error('it has no tls.crt and tls.key');
      context = tls.createSecureContext({ cert: Buffer.from(crt, 'base64'), key: Buffer.from(k, 'base64') });
    } catch (e) {
      this.log(`ingress ${entry.ingress}: TLS secret ${key} is not usable (${(e as Error).message}); serving the default certificate`);
    }
    this.cache.set(key, { version, context });
    return context;
  }

  /** Forgets Secrets that were deleted. */
  forget(namespace: string, name: string): void {
    this.cache.delete(`${namespace}/${name}`);
  }
}
