// The service proxy of one node (kube-proxy, nftables mode): watches Services and EndpointSlices and
// keeps this node's table of DNAT rules equal to them. A change is applied as soon as the previous
// `nft -f` run has finished (changes arriving meanwhile are coalesced into the next run).
import fs from 'node:fs';
import type { ApiClient } from '../client/api-client.js';
import { buildServiceTable, renderServiceTable, renderServiceTableUpdate, servicePortRules, type ServiceTable } from './nft-service-rules.js';
import { ServiceInformers } from './service-informers.js';
import { runNet, tryNet } from '../node/network/net-command.js';

const retryAfterFailureMs = 1000;

export interface ServiceProxyOptions {
  /** The nftables table (one per node agent on the machine). */
  table: string;
}

export class ServiceProxy {
  private readonly informers: ServiceInformers;
  private running = false;
  private dirty = false;
  private stopped = false;
  private lastRules = '';
  /** What the kernel's table holds, when known. */
  private written?: ServiceTable;
  lastError?: string;

  constructor(
    client: ApiClient,
    private readonly opts: ServiceProxyOptions,
  ) {
    this.informers = new ServiceInformers(client, () => this.schedule());
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
    await this.informers.start();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.informers.stop();
    await tryNet('nft', ['delete', 'table', 'ip', this.opts.table]);
  }

  /** The current rules (for `nanokube explain-service` and debugging). */
  get rules(): string {
    return this.lastRules;
  }

  private schedule(): void {
    if (this.stopped || !this.informers.synced) return;
    if (this.running) {
      this.dirty = true;
      return;
    }
    this.running = true;
    let failed = false;
    void this.sync()
      .catch((e) => {
        this.lastError = (e as Error).message;
        if (process.env.NANOKUBE_DEBUG) console.error('service proxy:', e);
        failed = true;
      })
      .finally(() => {
        this.running = false;
        if (this.stopped) return;
        if (failed) {
          // nft keeps failing (a bad rule, a busy kernel): try again in a while, not in a tight loop.
          this.dirty = false;
          setTimeout(() => this.schedule(), retryAfterFailureMs).unref();
        } else if (this.dirty) {
          this.dirty = false;
          this.schedule();
        }
      });
  }

  private async sync(): Promise<void> {
    const ports = this.informers.list().flatMap(({ svc, slices }) => servicePortRules(svc, slices));
    const next = buildServiceTable(ports);
    const rules = renderServiceTable(this.opts.table, next);
    if (rules === this.lastRules) return;
    // Written whole the first time (and after a failure, when what the kernel holds is not known);
    // after that changed in place, which keeps the affinity sets' clients.
    const prev = this.written;
    this.written = undefined;
    await runNet('nft', ['-f', '-'], prev ? renderServiceTableUpdate(this.opts.table, prev, next) : rules);
    this.written = next;
    this.lastRules = rules;
    this.lastError = undefined;
  }
}
