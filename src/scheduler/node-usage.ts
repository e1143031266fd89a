// What each node already carries: requested resources, pod count, host ports and how many pods of
// each controller run there. Kept incrementally from pod events plus pods assumed bound.
import type { KubeObject } from '../api/object.js';
import { podRequests, type ResourceAmounts } from '../api/pod-resources.js';
import { hostPortsOf } from './node-ports.js';

interface Contribution {
  node: string;
  /** The pod (uid, generation, controller) it was computed from: the same pod on the same node contributes the same. */
  source: string;
  requests: ResourceAmounts;
  ports: string[];
  owner?: string;
}

export interface NodeUsage {
  requested: ResourceAmounts;
  pods: number;
  ports: Map<string, number>;
  owners: Map<string, number>;
}

export function controllerUid(pod: KubeObject): string | undefined {
  return pod.metadata.ownerReferences?.find((o) => o.controller)?.uid;
}

function terminal(pod: KubeObject): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

export class NodeUsageIndex {
  private readonly byPod = new Map<string, Contribution>();
  private readonly byNode = new Map<string, NodeUsage>();

  usage(node: string): NodeUsage {
    let u = this.byNode.get(node);
    if (!u) this.byNode.set(node, (u = { requested: new Map(), pods: 0, ports: new Map(), owners: new Map() }));
    return u;
  }

  /** Record (or replace) a pod's contribution; unbound or finished pods contribute nothing. */
  set(key: string, pod: KubeObject, nodeOverride?: string): void {
    const node = nodeOverride ?? pod.spec?.nodeName;
    const source = `${pod.metadata.uid}/${pod.metadata.generation ?? ''}/${controllerUid(pod) ?? ''}`;
    const existing = this.byPod.get(key);
    // Status updates of a running pod change nothing here; skip recomputing its requests.
    if (existing && node && existing.node === node && existing.source === source && !terminal(pod)) return;
    this.remove(key);
    if (!node || terminal(pod)) return;
    const c: Contribution = { node, source, requests: podRequests(pod.spec), ports: hostPortsOf(pod.spec), owner: controllerUid(pod) };
    this.byPod.set(key, c);
    const u = this.usage(node);
    u.pods++;
    for (const [r, v] of c.requests) u.requested.set(r, (u.requested.get(r) ?? 0n) + v);
    for (const p of c.ports) u.ports.set(p, (u.ports.get(p) ?? 0) + 1);
    if (c.owner) u.owners.set(c.owner, (u.owners.get(c.owner) ?? 0) + 1);
  }

  remove(key: string): void {
    const c = this.byPod.get(key);
    if (!c) return;
    this.byPod.delete(key);
    const u = this.usage(c.node);
    u.pods--;
    for (const [r, v] of c.requests) u.requested.set(r, (u.requested.get(r) ?? 0n) - v);
    for (const p of c.ports) {
      const n = (u.ports.get(p) ?? 1) - 1;
      if (n <= 0) u.ports.delete(p);
      else u.ports.set(p, n);
    }
    if (c.owner) {
      const n = (u.owners.get(c.owner) ?? 1) - 1;
      if (n <= 0) u.owners.delete(c.owner);
      else u.owners.set(c.owner, n);
    }
  }

  has(key: string): boolean {
    return this.byPod.has(key);
  }
}
