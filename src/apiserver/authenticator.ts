// Who a request is from: a bearer token from the static set (the admin's, the nodes') or a service
// account token this server issued, accepted while its service account (and the pod or secret it is
// bound to) still exists with the uid it names, as upstream's service account authenticator checks.
import type { IncomingMessage } from 'node:http';
import type { KubeObject } from '../api/object.js';
import { undefinedIfNotFound } from '../api/status.js';
import type { Registry } from '../api/registry.js';
import type { RequestUser } from '../api/resource-type.js';
import type { ResourceService } from './resource-service.js';
import type { ServiceAccountClaims, ServiceAccountTokens } from './service-account-tokens.js';
import { userNamed } from './request-user.js';

/** Verified signatures, so a client's every request is not one more ECDSA verification. */
const maxCachedTokens = 1000;

export class Authenticator {
  private readonly verified = new Map<string, ServiceAccountClaims>();

  constructor(
    /** Static bearer tokens → user names. */
    private readonly tokens: Map<string, string>,
    private readonly serviceAccountTokens: ServiceAccountTokens | undefined,
    private readonly service: ResourceService,
    private readonly registry: Registry,
  ) {}

  async authenticate(req: IncomingMessage): Promise<RequestUser | undefined> {
    const h = req.headers.authorization;
    if (!h || !h.startsWith('Bearer ')) return undefined;
    const token = h.slice(7).trim();
    const name = this.tokens.get(token);
    if (name) return userNamed(name);
    const claims = this.claimsOf(token);
    if (!claims || !(await this.stillBound(claims))) return undefined;
    return userNamed(`system:serviceaccount:${claims.namespace}:${claims.serviceAccount.name}`);
  }

  private claimsOf(token: string): ServiceAccountClaims | undefined {
    if (!this.serviceAccountTokens) return undefined;
    const cached = this.verified.get(token);
    if (cached) {
      if (cached.expiresAt > Date.now()) return cached;
      this.verified.delete(token);
      return undefined;
    }
    const claims = this.serviceAccountTokens.verify(token);
    if (!claims) return undefined;
    if (this.verified.size >= maxCachedTokens) this.verified.clear();
    this.verified.set(token, claims);
    return claims;
  }

  private async stillBound(claims: ServiceAccountClaims): Promise<boolean> {
    const sa = await this.lookup('serviceaccounts', claims.namespace, claims.serviceAccount.name);
    if (!sa || sa.metadata.uid !== claims.serviceAccount.uid) return false;
    if (!claims.bound) return true;
    const bound = await this.lookup(claims.bound.kind === 'Pod' ? 'pods' : 'secrets', claims.namespace, claims.bound.name);
    return !!bound && bound.metadata.uid === claims.bound.uid && !bound.metadata.deletionTimestamp;
  }

  private lookup(plural: string, namespace: string, name: string): Promise<KubeObject | undefined> {
    return undefinedIfNotFound(this.service.get(this.registry.resource('', 'v1', plural)!, namespace, name));
  }
}
