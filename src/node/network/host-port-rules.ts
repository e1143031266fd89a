// The nftables table that publishes pods' hostPorts on this node, as the CNI portmap plugin does for
// the kubelet: traffic to a node address on hostPort is DNATed to podIP:containerPort, whether it
// arrives from elsewhere (prerouting, which also sees other pods) or starts on the node (output).
// A mapping without hostIP answers on every local address (`fib daddr type local`), one with a
// hostIP only there. A pod reaching itself through its host port (hairpin) and connections from
// 127.0.0.1 are masqueraded, so the replies come back through the node.
import { isIpv4 } from '../../api/ipv4-cidr.js';
import type { PortMapping } from '../runtime/runtime.js';

export interface PodPortMappings {
  /** The pod's IP, where its mappings lead. */
  ip: string;
  mappings: PortMapping[];
}

const protocols: Record<string, string> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

function validPort(p: unknown): p is number {
  return Number.isInteger(p) && (p as number) > 0 && (p as number) < 65536;
}

/** Only well-formed mappings reach the rules: one bad value would fail the whole `nft -f` run. */
function usable(m: PortMapping): boolean {
  // As portmap: an IPv6 hostIP does not apply to the IPv4 table.
  return validPort(m.hostPort) && validPort(m.containerPort) && m.protocol in protocols && (!m.hostIP || isIpv4(m.hostIP));
}

/** Every address of the node (no hostIP, or the unspecified one). */
function anyAddress(m: PortMapping): boolean {
  return !m.hostIP || m.hostIP === '0.0.0.0';
}

/**
 * `nft -f` input that atomically replaces the table; with no mappings at all it only deletes it.
 * Earlier pods come first, so of two pods mapping one port (which the scheduler prevents) the
 * older keeps it.
 */
export function renderHostPortTable(table: string, pods: PodPortMappings[]): string {
  const any: string[] = [];
  const byIp: string[] = [];
  const masquerade: string[] = [];
  for (const pod of pods) {
    if (!isIpv4(pod.ip)) continue;
    const mappings = pod.mappings.filter(usable);
    if (mappings.length === 0) continue;
    for (const m of mappings) {
      const rule = `meta l4proto ${protocols[m.protocol]} th dport ${m.hostPort} dnat to ${pod.ip}:${m.containerPort}`;
      if (anyAddress(m)) any.push(rule);
      else byIp.push(`ip daddr ${m.hostIP} ${rule}`);
    }
    masquerade.push(`ip saddr ${pod.ip} ip daddr ${pod.ip} masquerade`, `ip saddr 127.0.0.1 ip daddr ${pod.ip} masquerade`);
  }
  const replace = [`table ip ${table}`, `delete table ip ${table}`];
  if (masquerade.length === 0) return [...replace, ''].join('\n');
  const chain = (name: string, head: string[], rules: string[]) => [`  chain ${name} {`, ...head.map((h) => `    ${h}`), ...rules.map((r) => `    ${r}`), '  }'];
  const entry = ['jump hostip-hostports', 'fib daddr type local jump hostports'];
  return [
    ...replace,
    `table ip ${table} {`,
    ...chain('hostports', [], any),
    ...chain('hostip-hostports', [], byIp),
    ...chain('prerouting', ['type nat hook prerouting priority dstnat; policy accept;'], entry),
    ...chain('output', ['type nat hook output priority -100; policy accept;'], entry),
    ...chain('postrouting', ['type nat hook postrouting priority srcnat; policy accept;'], masquerade),
    '}',
    '',
  ].join('\n');
}
