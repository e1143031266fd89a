// The pod network of one node (DESIGN.md "Node runtime"): a bridge named after the node, holding the
// gateway (first address) of the node's podCIDR; per pod a network namespace with a veth pair to the
// bridge (hairpin on, so a pod reaches itself through a Service), loopback up and a default route;
// traffic from pods to anything but pod bridges is masqueraded; the pods' hostPorts are published
// (host-port-map.ts), as the CNI portmap plugin chained after the bridge does. Several agents on one
// machine each have their own bridge and podCIDR; the kernel routes between bridges, so their pods
// reach each other.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { intToIp, parseCidr } from '../../api/ipv4-cidr.js';
import { PodIpAllocator } from './pod-ip-allocator.js';
import { HostPortMap } from './host-port-map.js';
import { runNet, tryNet } from './net-command.js';
import { claimNetworkId, releaseNetworkId, stoppedOwner } from './network-owner.js';

const netnsDir = '/run/netns';
/** Every bridge of nanokube starts with this, so masquerading can spare traffic between pods. */
export const bridgePrefix = 'nkb-';

/** Names this agent's bridge and tables: unique per agent (node name + data dir) on the machine, stable across restarts. */
export function nodeNetworkId(nodeName: string, dataDir: string): string {
  return crypto.createHash('sha256').update(`${nodeName}\0${path.resolve(dataDir)}`).digest('hex').slice(0, 8);
}

export function podNetnsName(podUid: string): string {
  return `nk-${podUid}`;
}

export function podNetnsPath(podUid: string): string {
  return path.join(netnsDir, podNetnsName(podUid));
}

/** Whether the node has a network interface of this name (in its own namespace). */
function linkExists(name: string): boolean {
  return fs.existsSync(`/sys/class/net/${name}`);
}

/** The host end of a pod's veth pair (interface names have at most 15 characters). */
function hostVethName(podUid: string): string {
  return `nkv${podUid.replace(/-/g, '').slice(0, 12)}`;
}

export class PodNetwork {
  readonly id: string;
  readonly bridge: string;
  private readonly ips: PodIpAllocator;
  /** The pods' hostPorts: set once a pod has its address, removed with it. */
  readonly hostPorts: HostPortMap;
  private ready?: { cidr: string; gateway: string; prefix: number };
  private waiters: (() => void)[] = [];

  constructor(
    private readonly nodeName: string,
    private readonly dataDir: string,
  ) {
    this.ips = new PodIpAllocator(path.join(dataDir, 'network', 'pod-ips.json'));
    this.id = nodeNetworkId(nodeName, dataDir);
    this.bridge = bridgePrefix + this.id;
    this.hostPorts = new HostPortMap(`nanokube-hostports-${this.id}`, path.join(dataDir, 'network', 'host-ports.json'), this.bridge);
  }

  /** The masquerade table of this node's pods. */
  private get natTable(): string {
    return `nanokube-pods-${this.id}`;
  }

  get podCidr(): string | undefined {
    return this.ready?.cidr;
  }

  get gateway(): string | undefined {
    return this.ready?.gateway;
  }

  /** Prepares the host for the node's podCIDR (once known): forwarding, bridge, masquerading. */
  async setPodCidr(cidr: string): Promise<void> {
    if (this.ready?.cidr === cidr) return;
    const { base, prefix } = parseCidr(cidr);
    const gateway = intToIp(base + 1);
    if (this.ips.podCidr && this.ips.podCidr !== cidr) {
      // The node got another block (re-registered): addresses from the old one are void.
      for (const uid of this.ips.owners()) await this.detach(uid);
    }
    this.ips.setPodCidr(cidr);
    fs.writeFileSync('/proc/sys/net/ipv4/ip_forward', '1');
    claimNetworkId(this.id, this.nodeName, this.dataDir);
    await this.resolveSharedGateway(cidr, gateway);
    const exists = (await tryNet('ip', ['link', 'show', this.bridge])) === undefined;
    const batch = [
      ...(exists ? [] : [`link add ${this.bridge} type bridge`]),
      `addr replace ${gateway}/${prefix} dev ${this.bridge}`,
      `link set ${this.bridge} up`,
    ];
    await runNet('ip', ['-batch', '-'], batch.join('\n') + '\n');
    await runNet('nft', ['-f', '-'], [
      `table ip ${this.natTable}`,
      `delete table ip ${this.natTable}`,
      `table ip ${this.natTable} {`,
      '  chain postrouting {',
      '    type nat hook postrouting priority srcnat; policy accept;',
      `    ip saddr ${cidr} oifname != "${bridgePrefix}*" masquerade`,
      '  }',
      '}',
      '',
    ].join('\n'));
    this.ready = { cidr, gateway, prefix };
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once the node's podCIDR is known and its bridge is up. */
  async whenReady(): Promise<void> {
    if (!this.ready) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /**
   * Two agents on one machine with the same podCIDR (two clusters both on the default --cluster-cidr)
   * make the kernel route that block to either bridge. The other bridge's network is removed when its
   * owner is known to have stopped (a cluster killed and started afresh in another data dir);
   * otherwise this is said once, loudly, since nothing here can fix it.
   */
  private async resolveSharedGateway(cidr: string, gateway: string): Promise<void> {
    let links: any[] = [];
    try {
      links = JSON.parse(await runNet('ip', ['-j', 'addr', 'show', 'type', 'bridge']));
    } catch {
      return;
    }
    for (const l of links) {
      if (l.ifname === this.bridge || !String(l.ifname).startsWith(bridgePrefix)) continue;
      if (!(l.addr_info ?? []).some((a: any) => a.local === gateway)) continue;
      const id = String(l.ifname).slice(bridgePrefix.length);
      const owner = stoppedOwner(id);
      if (owner) {
        await removeNetworkOf(id);
        process.stderr.write(`nanokube: removed bridge ${l.ifname} and its rules, left on pod network ${cidr} by node ${owner.nodeName} `
          + `(data dir ${owner.dataDir}), which has stopped\n`);
        continue;
      }
      process.stderr.write(`nanokube: pod network ${cidr} of node ${this.nodeName} is also on bridge ${l.ifname} (another cluster on this machine, `
        + `or one that was killed): pods may be unreachable; give each cluster its own --cluster-cidr\n`);
    }
  }

  private async waitReady(timeoutMs: number): Promise<NonNullable<PodNetwork['ready']>> {
    if (this.ready) return this.ready;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`node ${this.nodeName} has no podCIDR assigned (is the node IPAM controller running?)`)), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
    return this.ready!;
  }

  /** Creates (or finds, after an agent restart) the pod's namespace and address. */
  async attach(podUid: string): Promise<string> {
    const net = await this.waitReady(60_000);
    const known = this.ips.get(podUid);
    const ns = podNetnsName(podUid);
    const veth = hostVethName(podUid);
    if (known && fs.existsSync(podNetnsPath(podUid)) && (await tryNet('ip', ['link', 'show', veth])) === undefined) return known;
    const ip = this.ips.allocate(podUid);
    // A half-made namespace from an interrupted attempt goes first (asked before: each ip(8) run costs
    // the agent a fork, milliseconds of its event loop, and a burst of pods has none to remove).
    if (linkExists(veth)) await tryNet('ip', ['link', 'del', veth]);
    if (fs.existsSync(podNetnsPath(podUid))) await tryNet('ip', ['netns', 'del', ns]);
    await runNet('ip', ['-batch', '-'], [
      `netns add ${ns}`,
      `link add ${veth} type veth peer name eth0 netns ${ns}`,
      `link set ${veth} master ${this.bridge} up`,
      `link set ${veth} type bridge_slave hairpin on`,
      '',
    ].join('\n'));
    await runNet('ip', ['-n', ns, '-batch', '-'], [
      `addr add ${ip}/${net.prefix} dev eth0`,
      'link set eth0 up',
      'link set lo up',
      `route add default via ${net.gateway}`,
      '',
    ].join('\n'));
    return ip;
  }

  /** Removes the pod's host ports, namespace, veth and address (no error if already gone). */
  async detach(podUid: string): Promise<void> {
    await this.hostPorts.remove(podUid);
    if (!this.ips.get(podUid) && !fs.existsSync(podNetnsPath(podUid))) return;
    // Deleting the namespace deletes its end of the veth pair, and with it the host end.
    if (fs.existsSync(podNetnsPath(podUid))) await tryNet('ip', ['netns', 'del', podNetnsName(podUid)]);
    if (linkExists(hostVethName(podUid))) await tryNet('ip', ['link', 'del', hostVethName(podUid)]);
    this.ips.release(podUid);
  }

  /** After a restart: namespaces and host ports this node made for pods it no longer runs are removed. */
  async prune(keep: Set<string>): Promise<void> {
    await this.hostPorts.prune(keep);
    for (const uid of this.ips.owners()) if (!keep.has(uid)) await this.detach(uid);
  }

  /**
   * Removes everything of this node's network from the machine: pod namespaces, bridge, masquerade
   * and host port tables. For tests and decommissioned nodes; a stopping agent leaves its pods'
   * network running.
   */
  async destroy(): Promise<void> {
    await this.prune(new Set());
    await this.hostPorts.destroy();
    await tryNet('ip', ['link', 'del', this.bridge]);
    await tryNet('nft', ['delete', 'table', 'ip', this.natTable]);
    releaseNetworkId(this.id);
  }
}

/** Removes a stopped node's bridge and every nft table of its network id (pods, Services, host ports). */
async function removeNetworkOf(id: string): Promise<void> {
  await tryNet('ip', ['link', 'del', bridgePrefix + id]);
  let tables: { family: string; name: string }[] = [];
  try {
    const listed = JSON.parse(await runNet('nft', ['-j', 'list', 'tables'])).nftables ?? [];
    tables = listed.map((e: any) => e.table).filter(Boolean);
  } catch {
    return;
  }
  const doomed = tables.filter((t) => t.name.startsWith('nanokube-') && t.name.endsWith(`-${id}`));
  if (doomed.length > 0) await tryNet('nft', ['-f', '-'], doomed.map((t) => `delete table ${t.family} ${t.name}\n`).join(''));
  releaseNetworkId(id);
}
