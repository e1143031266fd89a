// Keeps the node's pod network in step with the Node objects: this node's spec.podCIDR configures
// its bridge; another node's podCIDR gets a route via that node's address when the node is on
// another machine (agents on this machine need none: their bridges' own routes already lead there).
import os from 'node:os';
import { nodeInternalIp } from '../../api/core/node-address.js';
import type { ApiClient } from '../../client/api-client.js';
import type { ResourceRef } from '../../client/resource-ref.js';
import { Informer } from '../../client/informer.js';
import type { PodNetwork } from './pod-network.js';
import { tryNet } from './net-command.js';

const nodesRef: ResourceRef = { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false };

function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return out;
}

export class NodeRoutes {
  private readonly nodes: Informer;
  /** podCIDR → gateway address of the routes this agent added. */
  private readonly routes = new Map<string, string>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    client: ApiClient,
    private readonly nodeName: string,
    private readonly network: PodNetwork,
  ) {
    this.nodes = new Informer(client, nodesRef);
    const changed = () => this.schedule();
    this.nodes.on({ add: changed, update: changed, delete: changed });
  }

  async start(): Promise<void> {
    await this.nodes.start();
    this.schedule();
  }

  stop(): void {
    this.nodes.stop();
  }

  private schedule(): void {
    this.chain = this.chain.then(() => this.sync()).catch((e) => {
      if (process.env.NANOKUBE_DEBUG) console.error('node routes:', e);
    });
  }

  private async sync(): Promise<void> {
    const self = this.nodes.get('', this.nodeName);
    if (self?.spec?.podCIDR) await this.network.setPodCidr(self.spec.podCIDR);
    const local = localAddresses();
    const want = new Map<string, string>();
    for (const n of this.nodes.list()) {
      if (n.metadata.name === this.nodeName || !n.spec?.podCIDR) continue;
      const addr = nodeInternalIp(n);
      if (addr && !local.has(addr)) want.set(n.spec.podCIDR, addr);
    }
    for (const [cidr, via] of want) {
      if (this.routes.get(cidr) === via) continue;
      const err = await tryNet('ip', ['route', 'replace', cidr, 'via', via]);
      if (!err) this.routes.set(cidr, via);
      else if (process.env.NANOKUBE_DEBUG) console.error('node routes:', err);
    }
    for (const [cidr, via] of this.routes) {
      if (want.has(cidr)) continue;
      await tryNet('ip', ['route', 'del', cidr, 'via', via]);
      this.routes.delete(cidr);
    }
  }
}
