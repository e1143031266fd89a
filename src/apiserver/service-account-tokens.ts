// Service account tokens: JWTs (ES256) the API server issues through serviceaccounts/token
// (TokenRequest, what `kubectl create token` asks) and accepts as bearer tokens, with upstream's
// claims: iss, sub system:serviceaccount:<ns>:<name>, aud, exp/iat/nbf and the kubernetes.io claim
// naming the service account (and the pod a token is bound to) by name and uid.
import crypto from 'node:crypto';

export const defaultIssuer = 'https://kubernetes.default.svc.cluster.local';

export interface BoundObject {
  kind: 'Pod' | 'Secret';
  name: string;
  uid: string;
}

export interface ServiceAccountClaims {
  namespace: string;
  serviceAccount: { name: string; uid: string };
  bound?: BoundObject;
  audiences: string[];
  expiresAt: number;
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** A new signing key, PEM (P-256: made in a millisecond, unlike RSA). */
export function generateServiceAccountKeyPem(): string {
  return crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export class ServiceAccountTokens {
  private readonly privateKey: crypto.KeyObject;
  private readonly publicKey: crypto.KeyObject;
  private readonly keyId: string;

  constructor(privateKeyPem: string, readonly issuer = defaultIssuer, readonly audiences = [issuer]) {
    this.privateKey = crypto.createPrivateKey(privateKeyPem);
    this.publicKey = crypto.createPublicKey(this.privateKey);
    // Upstream's kid: the key's SHA-256, base64url.
    this.keyId = base64url(crypto.createHash('sha256').update(this.publicKey.export({ type: 'spki', format: 'der' })).digest());
  }

  issue(claims: Omit<ServiceAccountClaims, 'expiresAt'>, expirationSeconds: number, now = Date.now()): { token: string; expiresAt: Date } {
    const iat = Math.floor(now / 1000);
    const exp = iat + expirationSeconds;
    const k8s: Record<string, unknown> = { namespace: claims.namespace, serviceaccount: claims.serviceAccount };
    if (claims.bound) k8s[claims.bound.kind === 'Pod' ? 'pod' : 'secret'] = { name: claims.bound.name, uid: claims.bound.uid };
    const payload = {
      aud: claims.audiences, exp, iat, iss: this.issuer, jti: crypto.randomUUID(), 'kubernetes.io': k8s, nbf: iat,
      sub: `system:serviceaccount:${claims.namespace}:${claims.serviceAccount.name}`,
    };
    const signingInput = `${base64url(JSON.stringify({ alg: 'ES256', kid: this.keyId }))}.${base64url(JSON.stringify(payload))}`;
    const signature = crypto.sign('sha256', Buffer.from(signingInput), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return { token: `${signingInput}.${base64url(signature)}`, expiresAt: new Date(exp * 1000) };
  }

  /** The claims of a token this server issued that is valid now for one of its audiences, else undefined. */
  verify(token: string, now = Date.now()): ServiceAccountClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    try {
      const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
      if (header.alg !== 'ES256') return undefined;
      const ok = crypto.verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: this.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2], 'base64url'));
      if (!ok) return undefined;
      const p = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
      const seconds = now / 1000;
      if (p.iss !== this.issuer || typeof p.exp !== 'number' || p.exp <= seconds || (typeof p.nbf === 'number' && p.nbf > seconds + 60)) return undefined;
      const aud: string[] = Array.isArray(p.aud) ? p.aud : [p.aud];
      if (!aud.some((a) => this.audiences.includes(a))) return undefined;
      const k8s = p['kubernetes.io'];
      if (!k8s?.namespace || !k8s.serviceaccount?.name) return undefined;
      const bound: BoundObject | undefined = k8s.pod ? { kind: 'Pod', ...k8s.pod } : k8s.secret ? { kind: 'Secret', ...k8s.secret } : undefined;
      return { namespace: k8s.namespace, serviceAccount: k8s.serviceaccount, bound, audiences: aud, expiresAt: p.exp * 1000 };
    } catch {
      return undefined;
    }
  }
}
