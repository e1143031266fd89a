// Choosing the endpoint for one new connection (or UDP session) to a Service port in the userspace
// proxy, as kube-proxy's userspace round-robin balancer did: the next endpoint in turn, or, with
// sessionAffinity ClientIP, the endpoint the client's address last got while it is still an endpoint and
// the client came back within the affinity timeout. The endpoint list is replaced whenever the
// EndpointSlices change, so a connection accepted after a readiness change never goes to a stale endpoint.
import type { Endpoint } from './service-ports.js';

interface Affinity {
  endpoint: string;
  lastUsed: number;
}

export function endpointKey(e: Endpoint): string {
  return `${e.ip}:${e.port}`;
}

export class EndpointBalancer {
  private endpoints: Endpoint[] = [];
  private next = 0;
  private affinitySeconds?: number;
  private readonly affinity = new Map<string, Affinity>();
  private lastSweep = 0;

  /** Replaces the endpoints (and the affinity timeout); the turn carries over, affinities to gone endpoints end. */
  update(endpoints: Endpoint[], affinitySeconds?: number): void {
    this.endpoints = endpoints;
    if (affinitySeconds !== this.affinitySeconds) this.affinity.clear();
    this.affinitySeconds = affinitySeconds;
    const keys = new Set(endpoints.map(endpointKey));
    for (const [client, a] of this.affinity) if (!keys.has(a.endpoint)) this.affinity.delete(client);
  }

  get size(): number {
    return this.endpoints.length;
  }

  get endpointKeys(): Set<string> {
    return new Set(this.endpoints.map(endpointKey));
  }

  /**
   * The endpoint for a new connection from clientIp, skipping those in `exclude` (endpoints that just
   * refused this connection); undefined when no endpoint is left.
   */
  pick(clientIp: string, now = Date.now(), exclude?: ReadonlySet<string>): Endpoint | undefined {
    const n = this.endpoints.length;
    if (n === 0) return undefined;
    const ttlMs = this.affinitySeconds === undefined ? undefined : this.affinitySeconds * 1000;
    if (ttlMs !== undefined) {
      this.sweep(now, ttlMs);
      const a = this.affinity.get(clientIp);
      if (a && now - a.lastUsed < ttlMs && !exclude?.has(a.endpoint)) {
        const sticky = this.endpoints.find((e) => endpointKey(e) === a.endpoint);
        if (sticky) {
          a.lastUsed = now;
          return sticky;
        }
      }
    }
    for (let i = 0; i < n; i++) {
      const e = this.endpoints[(this.next + i) % n];
      if (exclude?.has(endpointKey(e))) continue;
      this.next = (this.next + i + 1) % n;
      if (ttlMs !== undefined) this.affinity.set(clientIp, { endpoint: endpointKey(e), lastUsed: now });
      return e;
    }
    return undefined;
  }

  /** Drops expired affinities now and then, so clients that never come back do not pile up. */
  private sweep(now: number, ttlMs: number): void {
    if (now - this.lastSweep < Math.min(ttlMs, 60_000)) return;
    this.lastSweep = now;
    for (const [client, a] of this.affinity) if (now - a.lastUsed >= ttlMs) this.affinity.delete(client);
  }
}
