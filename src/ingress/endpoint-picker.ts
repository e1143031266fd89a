// Choosing the endpoint for one request: round-robin over a backend's ready endpoints, or, with cookie
// affinity, the endpoint the client's affinity cookie names while it is still ready (a new one, and a new
// cookie, otherwise). The cookie value is an opaque hash of the endpoint, not its address.
import { createHash } from 'node:crypto';
import type { Endpoint } from './service-endpoints.js';

export function affinityValue(e: Endpoint): string {
  return createHash('sha1').update(`${e.address}:${e.port}`).digest('hex').slice(0, 16);
}

/** The value of cookie `name` in a Cookie header, if present. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return undefined;
}

export class EndpointPicker {
  /** Round-robin positions per backend key; they outlive routing rebuilds. */
  private readonly next = new Map<string, number>();

  roundRobin(key: string, endpoints: Endpoint[]): Endpoint {
    const i = this.next.get(key) ?? 0;
    this.next.set(key, (i + 1) % 1_000_000_007);
    return endpoints[i % endpoints.length];
  }

  /**
   * The endpoint for a request. affinity is the client's cookie value ('' when it sent none) when the route
   * has cookie affinity, undefined otherwise; setCookie is the value to set when the cookie must change.
   */
  pick(key: string, endpoints: Endpoint[], affinity?: string): { endpoint: Endpoint; setCookie?: string } {
    if (affinity === undefined) return { endpoint: this.roundRobin(key, endpoints) };
    const current = affinity && endpoints.find((e) => affinityValue(e) === affinity);
    if (current) return { endpoint: current };
    const endpoint = this.roundRobin(key, endpoints);
    return { endpoint, setCookie: affinityValue(endpoint) };
  }

  /** Forgets backends that no longer exist. */
  retain(keys: Set<string>): void {
    for (const k of this.next.keys()) if (!keys.has(k)) this.next.delete(k);
  }
}
