// The node IPAM controller (upstream's range allocator): gives each Node without one a
// spec.podCIDR/podCIDRs, the next free block of --node-cidr-mask-size (24) from --cluster-cidr
// (10.42.0.0/16, as k3s). Blocks in use are read from the Nodes, so a deleted Node frees its block.
import type { KubeObject } from '../api/object.js';
import { ApiError } from '../api/status.js';
import { formatCidr, parseCidr } from '../api/ipv4-cidr.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { Informer } from '../client/informer.js';
import { WorkQueue } from '../client/work-queue.js';
import { EventRecorder } from '../client/event-recorder.js';

const nodesRef: ResourceRef = { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false };

export interface NodeIpamOptions {
  clusterCidr?: string;
  nodeCidrMaskSize?: number;
}

export class NodeIpamController {
  private readonly nodes: Informer;
  private readonly queue = new WorkQueue();
  private readonly events: EventRecorder;
  private readonly cluster;
  private readonly mask: number;
  /** Blocks handed out by this controller whose Node update the cache may not show yet. */
  private readonly pending = new Map<string, string>();

  constructor(
    private readonly client: ApiClient,
    opts: NodeIpamOptions = {},
  ) {
    this.cluster = parseCidr(opts.clusterCidr ?? '10.42.0.0/16');
    this.mask = opts.nodeCidrMaskSize ?? 24;
    if (this.mask < this.cluster.prefix || this.mask > 30) throw new Error(`--node-cidr-mask-size ${this.mask} does not fit --cluster-cidr ${formatCidr(this.cluster.base, this.cluster.prefix)}`);
    this.events = new EventRecorder(client, { component: 'cidrAllocator' });
    this.nodes = new Informer(client, nodesRef);
    const key = (n: KubeObject) => this.queue.add(n.metadata.name!);
    this.nodes.on({ add: key, update: (_o, n) => key(n), delete: (n) => this.pending.delete(n.metadata.name!) });
  }

  async start(): Promise<void> {
    await this.nodes.start();
    this.queue.run(1, (name) => this.sync(name));
  }

  stop(): void {
    this.queue.stop();
    this.nodes.stop();
  }

  private async sync(name: string): Promise<void> {
    const node = this.nodes.get('', name);
    if (!node || node.spec?.podCIDR) {
      this.pending.delete(name);
      return;
    }
    const cidr = this.pending.get(name) ?? this.nextFree(name);
    if (!cidr) {
      this.events.warning(node, 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
      return;
    }
    this.pending.set(name, cidr);
    try {
      await this.client.patch(nodesRef, '', name, 'merge', { spec: { podCIDR: cidr, podCIDRs: [cidr] } });
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return;
      throw e;
    }
  }

  private nextFree(forNode: string): string | undefined {
    const used = new Set<string>();
    for (const n of this.nodes.list()) if (n.spec?.podCIDR) used.add(n.spec.podCIDR);
    for (const [node, cidr] of this.pending) if (node !== forNode) used.add(cidr);
    const block = 2 ** (32 - this.mask);
    for (let base = this.cluster.base; base < this.cluster.base + this.cluster.size; base += block) {
      const cidr = formatCidr(base, this.mask);
      if (!used.has(cidr)) return cidr;
    }
    return undefined;
  }
}
