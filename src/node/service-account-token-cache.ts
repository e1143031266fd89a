// Service account tokens for pods' projected serviceAccountToken volumes, as the kubelet's token
// manager keeps them: one TokenRequest per pod, audience and lifetime, bound to the pod, asked again
// once 80% of its lifetime has passed (the volume refresh then writes the new one).
import type { KubeObject } from '../api/object.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';

const serviceAccounts: ResourceRef = { group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true };

interface CachedToken {
  token: string;
  refreshAt: number;
}

export class ServiceAccountTokenCache {
  private readonly tokens = new Map<string, CachedToken>();

  constructor(private readonly client: ApiClient, private readonly now: () => number = Date.now) {}

  async token(pod: KubeObject, audience: string | undefined, expirationSeconds: number): Promise<string> {
    const key = `${pod.metadata.uid}/${audience ?? ''}/${expirationSeconds}`;
    const cached = this.tokens.get(key);
    if (cached && cached.refreshAt > this.now()) return cached.token;
    const namespace = pod.metadata.namespace!;
    const account = pod.spec?.serviceAccountName || 'default';
    const reply = await this.client.post(serviceAccounts, namespace, account, 'token', {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
      spec: {
        ...(audience ? { audiences: [audience] } : {}), expirationSeconds,
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid },
      },
    }) as KubeObject;
    const token = String(reply?.status?.token ?? '');
    if (!token) throw new Error(`no token for service account ${namespace}/${account}`);
    const issuedAt = this.now();
    const expiresAt = Date.parse(reply.status.expirationTimestamp) || issuedAt + expirationSeconds * 1000;
    this.tokens.set(key, { token, refreshAt: issuedAt + 0.8 * (expiresAt - issuedAt) });
    return token;
  }

  /** The pod is gone from this node: its tokens are dropped. */
  forget(podUid: string): void {
    for (const key of this.tokens.keys()) if (key.startsWith(`${podUid}/`)) this.tokens.delete(key);
  }
}
