// The built-in load balancer (like k3s' ServiceLB): a Service of type LoadBalancer is published by
// every node's service proxy on the node's own address, so its status.loadBalancer.ingress lists the
// nodes' InternalIPs. Other types have an empty status.loadBalancer.
import type { KubeObject } from '../api/object.js';
import { ApiError } from '../api/status.js';
import { nodeInternalIp } from '../api/core/node-address.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { Informer } from '../client/informer.js';
import { WorkQueue } from '../client/work-queue.js';

const refs = {
  services: { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  nodes: { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false },
} satisfies Record<string, ResourceRef>;

export class ServiceLoadBalancerController {
  private readonly services: Informer;
  private readonly nodes: Informer;
  private readonly queue = new WorkQueue();

  constructor(private readonly client: ApiClient) {
    this.services = new Informer(client, refs.services);
    this.nodes = new Informer(client, refs.nodes);
    const svcKey = (s: KubeObject) => this.queue.add(`${s.metadata.namespace}/${s.metadata.name}`);
    this.services.on({ add: svcKey, update: (_o, n) => svcKey(n) });
    const all = () => {
      for (const s of this.services.list()) if (s.spec?.type === 'LoadBalancer') svcKey(s);
    };
    this.nodes.on({ add: all, update: (o, n) => nodeInternalIp(o) !== nodeInternalIp(n) && all(), delete: all });
  }

  async start(): Promise<void> {
    await Promise.all([this.services.start(), this.nodes.start()]);
    this.queue.run(1, (key) => this.sync(key));
  }

  stop(): void {
    this.queue.stop();
    this.services.stop();
    this.nodes.stop();
  }

  private async sync(key: string): Promise<void> {
    const [ns, name] = key.split('/');
    const svc = this.services.get(ns, name);
    if (!svc) return;
    const ingress = svc.spec?.type === 'LoadBalancer'
      ? [...new Set(this.nodes.list().map(nodeInternalIp).filter((ip): ip is string => !!ip))].sort().map((ip) => ({ ip, ipMode: 'VIP' }))
      : [];
    const current = svc.status?.loadBalancer?.ingress ?? [];
    if (JSON.stringify(current) === JSON.stringify(ingress)) return;
    try {
      await this.client.patch(refs.services, ns, name, 'merge', { status: { loadBalancer: { ingress: ingress.length ? ingress : null } } }, { subresource: 'status' });
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return;
      throw e;
    }
  }
}
