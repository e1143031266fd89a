// ClusterIPs as /32 addresses on lo (DESIGN.md: no dummy interfaces on this kernel), so the userspace
// proxy can listen on them and the node's processes (and pods, through their gateway) reach them.
// Each agent labels the addresses it adds (lo:nk<node network id>): it removes only its own, finds them
// again after a restart or a crash, and leaves alone an address another agent on the machine added.
// Reading what is there costs no process (getifaddrs reports the labels); changes go in one `ip -batch`.
import os from 'node:os';
import { runNet, tryNet } from '../node/network/net-command.js';

/** The label of one agent's addresses (interface labels have at most 15 characters: "lo:nk" + 8). */
export function loopbackLabel(nodeNetworkId: string): string {
  return `lo:nk${nodeNetworkId}`;
}

/** Every IPv4 address of this machine's interfaces. */
export function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const addrs of Object.values(os.networkInterfaces())) for (const a of addrs ?? []) if (a.family === 'IPv4') out.add(a.address);
  return out;
}

export class LoopbackAddresses {
  constructor(readonly label: string) {}

  /** The addresses this agent added. */
  owned(): Set<string> {
    return new Set((os.networkInterfaces()[this.label] ?? []).filter((a) => a.family === 'IPv4').map((a) => a.address));
  }

  /**
   * Adds the addresses that are not on the machine yet. One that fails (another agent added it
   * meanwhile, or ip(8) is missing) stays out: the caller sees it is not local and says why.
   */
  async add(ips: Iterable<string>): Promise<string | undefined> {
    const local = localAddresses();
    const lines = [...ips].filter((ip) => !local.has(ip)).map((ip) => `addr add ${ip}/32 dev lo label ${this.label}\n`);
    if (lines.length === 0) return undefined;
    return tryNet('ip', ['-force', '-batch', '-'], lines.join(''));
  }

  /** Removes those of the addresses this agent added. */
  async remove(ips: Iterable<string>): Promise<void> {
    const owned = this.owned();
    const lines = [...ips].filter((ip) => owned.has(ip)).map((ip) => `addr del ${ip}/32 dev lo\n`);
    if (lines.length) await runNet('ip', ['-force', '-batch', '-'], lines.join(''));
  }

  async removeAll(): Promise<void> {
    await this.remove(this.owned());
  }
}
