// The service proxy's kernel rules: one nftables table (kube-proxy's nftables mode, simplified) built
// from the Services and their EndpointSlices, written whole on the first sync and then changed in one
// `nft -f` transaction per update.
// - ClusterIPs, externalIPs and load-balancer ingress IPs: a verdict map on daddr . protocol . port;
//   NodePorts: a map on protocol . port for any local address. Both jump to the service chain, which
//   picks a ready endpoint at random (numgen) and DNATs to it; sessionAffinity ClientIP keeps a
//   client on the endpoint it got (a per-endpoint set of client addresses with the Service's timeout).
// - Traffic from outside the pod network (NodePorts, load balancer) and hairpin traffic (a pod reaching
//   itself) is marked and masqueraded, so replies come back through this node.
// - A Service port without ready endpoints is rejected at once (ICMP port unreachable), never dropped.
// What a Service publishes and which endpoints serve it comes from service-ports.ts, shared with the
// userspace proxy.
import { createHash } from 'node:crypto';
import type { KubeObject } from '../api/object.js';
import { servicePorts, type Endpoint } from './service-ports.js';

export const masqueradeMark = '0x4000';

export interface ServicePortRules {
  key: string;
  protocol: string;
  /** daddr . port pairs reached from anywhere (ClusterIP, externalIPs). */
  vips: { ip: string; port: number }[];
  /** Addresses outside the pod network reach (load balancer ingress): masqueraded. */
  externalVips: { ip: string; port: number }[];
  nodePort?: number;
  endpoints: Endpoint[];
  affinitySeconds?: number;
}

function chainSafe(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60);
}

/** The ports a Service publishes and the endpoints behind each, from its EndpointSlices. */
export function servicePortRules(svc: KubeObject, slices: KubeObject[]): ServicePortRules[] {
  return servicePorts(svc, slices).map((p) => ({
    key: p.key,
    protocol: p.protocol,
    vips: [...p.clusterIPs, ...p.externalIPs].map((ip) => ({ ip, port: p.port })),
    externalVips: p.loadBalancerIPs.map((ip) => ({ ip, port: p.port })),
    nodePort: p.nodePort,
    endpoints: p.endpoints,
    affinitySeconds: p.affinitySeconds,
  }));
}

/**
 * The table's parts that change with the Services. Chain and set names are stable for a Service port
 * and endpoint (hashes of their keys), so an update can keep what must outlive it: the affinity sets
 * remembering which endpoint each client got.
 */
export interface ServiceTable {
  /** Service, external and endpoint chains (not the hook chains) → their rules. */
  chains: Map<string, string[]>;
  /** Affinity set → its timeout in seconds. */
  affinitySets: Map<string, number>;
  serviceIps: string[];
  nodePorts: string[];
  noEndpointIps: string[];
  noEndpointNodePorts: string[];
}

function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 12);
}

export function buildServiceTable(ports: ServicePortRules[]): ServiceTable {
  const t: ServiceTable = { chains: new Map(), affinitySets: new Map(), serviceIps: [], nodePorts: [], noEndpointIps: [], noEndpointNodePorts: [] };
  for (const p of ports) {
    const name = `${chainSafe(p.key).slice(0, 40)}-${shortHash(p.key)}`;
    const svcChain = `svc-${name}`;
    const extChain = `ext-${name}`;
    if (p.endpoints.length === 0) {
      for (const v of [...p.vips, ...p.externalVips]) t.noEndpointIps.push(`${v.ip} . ${p.protocol} . ${v.port}`);
      if (p.nodePort) t.noEndpointNodePorts.push(`${p.protocol} . ${p.nodePort}`);
      continue;
    }
    for (const v of p.vips) t.serviceIps.push(`${v.ip} . ${p.protocol} . ${v.port} : goto ${svcChain}`);
    for (const v of p.externalVips) t.serviceIps.push(`${v.ip} . ${p.protocol} . ${v.port} : goto ${extChain}`);
    if (p.nodePort) t.nodePorts.push(`${p.protocol} . ${p.nodePort} : goto ${extChain}`);
    if (p.nodePort || p.externalVips.length) t.chains.set(extChain, [`meta mark set meta mark | ${masqueradeMark}`, `goto ${svcChain}`]);
    const eps = p.endpoints.map((ep) => {
      const id = shortHash(`${p.key}\0${ep.ip}:${ep.port}`);
      // The timeout is part of the set's name: a changed timeout is a new set.
      return { ep, chain: `ep-${name}-${id}`, set: p.affinitySeconds ? `aff-${shortHash(`${id}\0${p.affinitySeconds}`)}` : undefined };
    });
    const svcRules: string[] = [];
    for (const e of eps) {
      if (!e.set) continue;
      t.affinitySets.set(e.set, p.affinitySeconds!);
      svcRules.push(`ip saddr @${e.set} goto ${e.chain}`);
    }
    svcRules.push(eps.length === 1
      ? `goto ${eps[0].chain}`
      : `numgen random mod ${eps.length} vmap { ${eps.map((e, j) => `${j} : goto ${e.chain}`).join(', ')} }`);
    t.chains.set(svcChain, svcRules);
    for (const e of eps) {
      t.chains.set(e.chain, [
        `ip saddr ${e.ep.ip} meta mark set meta mark | ${masqueradeMark}`,
        ...(e.set ? [`update @${e.set} { ip saddr }`] : []),
        `meta l4proto ${p.protocol} dnat to ${e.ep.ip}:${e.ep.port}`,
      ]);
    }
  }
  return t;
}

function affinitySet(name: string, seconds: number): string {
  return `set ${name} { type ipv4_addr; flags dynamic,timeout; timeout ${seconds}s; }`;
}

/** The whole table, as `nft -f` input that atomically replaces the previous one (first sync, or after a failure). */
export function renderServiceTable(table: string, t: ServiceTable): string {
  const elements = (list: string[]) => (list.length ? `    elements = { ${list.join(',\n      ')} }\n` : '');
  return [
    `table ip ${table}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    `  map service-ips {\n    type ipv4_addr . inet_proto . inet_service : verdict\n${elements(t.serviceIps)}  }`,
    `  map service-nodeports {\n    type inet_proto . inet_service : verdict\n${elements(t.nodePorts)}  }`,
    `  set no-endpoint-services {\n    type ipv4_addr . inet_proto . inet_service\n${elements(t.noEndpointIps)}  }`,
    `  set no-endpoint-nodeports {\n    type inet_proto . inet_service\n${elements(t.noEndpointNodePorts)}  }`,
    ...[...t.affinitySets].map(([name, seconds]) => `  ${affinitySet(name, seconds)}`),
    '  chain services {',
    '    ip daddr . meta l4proto . th dport vmap @service-ips',
    '    fib daddr type local meta l4proto . th dport vmap @service-nodeports',
    '  }',
    '  chain nat-prerouting {\n    type nat hook prerouting priority dstnat; policy accept;\n    jump services\n  }',
    '  chain nat-output {\n    type nat hook output priority -100; policy accept;\n    jump services\n  }',
    `  chain nat-postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n    meta mark & ${masqueradeMark} == ${masqueradeMark} masquerade\n  }`,
    '  chain reject-no-endpoints {',
    '    ip daddr . meta l4proto . th dport @no-endpoint-services reject',
    '    fib daddr type local meta l4proto . th dport @no-endpoint-nodeports reject',
    '  }',
    '  chain filter-input {\n    type filter hook input priority filter; policy accept;\n    jump reject-no-endpoints\n  }',
    '  chain filter-forward {\n    type filter hook forward priority filter; policy accept;\n    jump reject-no-endpoints\n  }',
    '  chain filter-output {\n    type filter hook output priority filter; policy accept;\n    jump reject-no-endpoints\n  }',
    ...[...t.chains].map(([name, rules]) => `  chain ${name} {\n${rules.map((r) => `    ${r}\n`).join('')}  }`),
    '}',
    '',
  ].join('\n');
}

/**
 * One `nft -f` transaction from `prev` (what the table holds) to `next`, as kube-proxy's nftables mode
 * does it: maps and chains are flushed and refilled, gone chains and sets deleted, and the affinity sets
 * of endpoints that stay are kept, with the clients they remember.
 */
export function renderServiceTableUpdate(table: string, prev: ServiceTable, next: ServiceTable): string {
  const at = `ip ${table}`;
  const lines = [
    ...['service-ips', 'service-nodeports'].map((m) => `flush map ${at} ${m}`),
    ...['no-endpoint-services', 'no-endpoint-nodeports'].map((m) => `flush set ${at} ${m}`),
    ...[...prev.chains.keys()].map((c) => `flush chain ${at} ${c}`),
    ...[...prev.chains.keys()].filter((c) => !next.chains.has(c)).map((c) => `delete chain ${at} ${c}`),
    ...[...prev.affinitySets.keys()].filter((n) => !next.affinitySets.has(n)).map((n) => `delete set ${at} ${n}`),
    ...[...next.affinitySets].filter(([n]) => !prev.affinitySets.has(n)).map(([n, seconds]) => `add ${affinitySet(n, seconds).replace(/^set /, `set ${at} `)}`),
    ...[...next.chains.keys()].filter((c) => !prev.chains.has(c)).map((c) => `add chain ${at} ${c}`),
    ...[...next.chains].flatMap(([c, rules]) => rules.map((r) => `add rule ${at} ${c} ${r}`)),
  ];
  const add = (name: string, list: string[]) => {
    if (list.length) lines.push(`add element ${at} ${name} { ${list.join(', ')} }`);
  };
  add('service-ips', next.serviceIps);
  add('service-nodeports', next.nodePorts);
  add('no-endpoint-services', next.noEndpointIps);
  add('no-endpoint-nodeports', next.noEndpointNodePorts);
  return lines.join('\n') + '\n';
}
