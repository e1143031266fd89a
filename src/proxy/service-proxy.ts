// The service proxy of one node (kube-proxy, nftables mode): watches Services and EndpointSlices and
// keeps this node's table of DNAT rules equal to them. A change is applied as soon as the previous
// `nft -f` run has finished (changes arriving meanwhile are coalesced into the next run).
import fs from 'node:fs';
import type { KubeObject } from '../api/object.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { Informer } from '../client/informer.js';
import { renderServiceTable, servicePortRules } from './nft-service-rules.js';
import { runNet, tryNet } from '../node/network/net-command.js';

const refs = {
  services: { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  slices: { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true },
} satisfies Record<string, ResourceRef>;

const serviceNameLabel = 'kubernetes.io/service-name';

export interface ServiceProxyOptions {
  /** The nftables table (one per node agent on the machine). */
  table: string;
}

export class ServiceProxy {
  private readonly services: Informer;
  private readonly slices: Informer;
  private running = false;
  private dirty = false;
  private stopped = false;
  private lastRules = '';
  lastError?: string;

  constructor(
    client: ApiClient,
    private readonly opts: ServiceProxyOptions,
  ) {
    this.services = new Informer(client, refs.services);
    this.slices = new Informer(client, refs.slices);
    const changed = () => this.schedule();
    for (const inf of [this.services, this.slices]) inf.on({ add: changed, update: changed, delete: changed });
  }

  /** Whether this machine can run the kernel proxy: root with nft(8). */
  static available(): boolean {
    return process.getuid?.() === 0 && (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').some((d) => d && fs.existsSync(`${d}/nft`));
  }

  async start(): Promise<void> {
    // NodePorts on 127.0.0.1 (the test nodes' address) need loopback sources routed to pods, as kube-proxy sets.
    try {
      fs.writeFileSync('/proc/sys/net/ipv4/conf/all/route_localnet', '1');
    } catch {
      // not Linux, or read-only /proc: NodePorts on loopback will not work
    }
    await Promise.all([this.services.start(), this.slices.start()]);
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.services.stop();
    this.slices.stop();
    await tryNet('nft', ['delete', 'table', 'ip', this.opts.table]);
  }

  /** The current rules (for `nanokube explain-service` and debugging). */
  get rules(): string {
    return this.lastRules;
  }

  private schedule(): void {
    if (this.stopped || !this.services.hasSynced || !this.slices.hasSynced) return;
    if (this.running) {
      this.dirty = true;
      return;
    }
    this.running = true;
    void this.sync()
      .catch((e) => {
        this.lastError = (e as Error).message;
        if (process.env.NANOKUBE_DEBUG) console.error('service proxy:', e);
        this.dirty = true;
      })
      .finally(() => {
        this.running = false;
        if (this.dirty && !this.stopped) {
          this.dirty = false;
          this.schedule();
        }
      });
  }

  private async sync(): Promise<void> {
    const slicesBySvc = new Map<string, KubeObject[]>();
    for (const s of this.slices.list()) {
      const key = `${s.metadata.namespace}/${s.metadata.labels?.[serviceNameLabel] ?? ''}`;
      (slicesBySvc.get(key) ?? slicesBySvc.set(key, []).get(key)!).push(s);
    }
    const services = this.services.list().sort((a, b) => (`${a.metadata.namespace}/${a.metadata.name}` < `${b.metadata.namespace}/${b.metadata.name}` ? -1 : 1));
    const ports = services.flatMap((svc) => servicePortRules(svc, slicesBySvc.get(`${svc.metadata.namespace}/${svc.metadata.name}`) ?? []));
    const rules = renderServiceTable(this.opts.table, ports);
    if (rules === this.lastRules) return;
    await runNet('nft', ['-f', '-'], rules);
    this.lastRules = rules;
    this.lastError = undefined;
  }
}
