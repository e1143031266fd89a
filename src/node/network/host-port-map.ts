// The host ports of this node's pods (isolated runtime): which pod publishes which ports, kept in a
// file in the agent's data dir so that an agent restart still knows them (the kernel keeps the rules
// meanwhile, and the containers keep running), and the nftables table made from them
// (host-port-rules.ts), replaced as a whole with one `nft -f` run per change.
import fs from 'node:fs';
import type { PortMapping } from '../runtime/runtime.js';
import { renderHostPortTable, type PodPortMappings } from './host-port-rules.js';
import { runNet } from './net-command.js';
import { readStateFile, writeStateFile } from './state-file.js';

export class HostPortMap {
  /** pod uid → its IP and mappings, in the order the pods were added. */
  private pods: Record<string, PodPortMappings>;
  private lastRules?: string;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    /** The nftables table (one per node agent on the machine). */
    readonly table: string,
    private readonly file: string,
    /** The node's bridge, where connections from 127.0.0.1 leave for a pod. */
    private readonly bridge: string,
  ) {
    this.pods = readStateFile<Record<string, PodPortMappings>>(file, {});
  }

  /** Publishes the pod's mappings (replacing what it had); resolves once the rules are in the kernel. */
  async set(podUid: string, ip: string, mappings: PortMapping[]): Promise<void> {
    const had = this.pods[podUid];
    if (mappings.length === 0) {
      if (had) await this.remove(podUid);
      return;
    }
    if (!had || had.ip !== ip || JSON.stringify(had.mappings) !== JSON.stringify(mappings)) {
      this.pods[podUid] = { ip, mappings };
      this.save();
    }
    await this.apply();
  }

  async remove(podUid: string): Promise<void> {
    if (!(podUid in this.pods)) return;
    delete this.pods[podUid];
    this.save();
    await this.apply();
  }

  /** After a restart: mappings of pods not in `keep` go; the table is made again from the rest. */
  async prune(keep: Set<string>): Promise<void> {
    const gone = Object.keys(this.pods).filter((uid) => !keep.has(uid));
    for (const uid of gone) delete this.pods[uid];
    if (gone.length) this.save();
    await this.apply();
  }

  /** Removes the table (for tests and decommissioned nodes). */
  async destroy(): Promise<void> {
    this.pods = {};
    fs.rmSync(this.file, { force: true });
    this.lastRules = undefined;
    await this.apply();
  }

  /** The current rules, as given to `nft -f`. */
  get rules(): string {
    return renderHostPortTable(this.table, Object.values(this.pods));
  }

  /** One `nft -f` run at a time; each renders the state as it is when it starts. */
  private apply(): Promise<void> {
    const run = this.chain.then(async () => {
      const rules = this.rules;
      if (rules === this.lastRules) return;
      // portmap's route_localnet: 127.0.0.1 as a source may leave through the bridge (then masqueraded).
      if (Object.keys(this.pods).length) {
        try {
          fs.writeFileSync(`/proc/sys/net/ipv4/conf/${this.bridge}/route_localnet`, '1');
        } catch {
          // the bridge is not up yet (no podCIDR), so no pod has an address either
        }
      }
      await runNet('nft', ['-f', '-'], rules);
      this.lastRules = rules;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private save(): void {
    writeStateFile(this.file, this.pods);
  }
}
