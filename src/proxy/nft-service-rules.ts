// The service proxy's kernel rules: one nftables table (kube-proxy's nftables mode, simplified) built
// from the Services and their EndpointSlices, replaced as a whole in one `nft -f` transaction.
// - ClusterIPs, externalIPs and load-balancer ingress IPs: a verdict map on daddr . protocol . port;
//   NodePorts: a map on protocol . port for any local address. Both jump to the service chain, which
//   picks a ready endpoint at random (numgen) and DNATs to it; sessionAffinity ClientIP keeps a
//   client on the endpoint it got (a per-endpoint set of client addresses with the Service's timeout).
// - Traffic from outside the pod network (NodePorts, load balancer) and hairpin traffic (a pod reaching
//   itself) is marked and masqueraded, so replies come back through this node.
// - A Service port without ready endpoints is rejected at once (ICMP port unreachable), never dropped.
// What a Service publishes and which endpoints serve it comes from service-ports.ts, shared with the
// userspace proxy.
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

/** The whole table, as `nft -f` input that atomically replaces the previous one. */
export function renderServiceTable(table: string, ports: ServicePortRules[]): string {
  const serviceIps: string[] = [];
  const nodePorts: string[] = [];
  const noEndpointIps: string[] = [];
  const noEndpointNodePorts: string[] = [];
  const chains: string[] = [];
  const sets: string[] = [];
  ports.forEach((p, i) => {
    const name = `${i}-${chainSafe(p.key)}`;
    const svcChain = `svc-${name}`;
    const extChain = `ext-${name}`;
    if (p.endpoints.length === 0) {
      for (const v of [...p.vips, ...p.externalVips]) noEndpointIps.push(`${v.ip} . ${p.protocol} . ${v.port}`);
      if (p.nodePort) noEndpointNodePorts.push(`${p.protocol} . ${p.nodePort}`);
      return;
    }
    for (const v of p.vips) serviceIps.push(`${v.ip} . ${p.protocol} . ${v.port} : goto ${svcChain}`);
    for (const v of p.externalVips) serviceIps.push(`${v.ip} . ${p.protocol} . ${v.port} : goto ${extChain}`);
    if (p.nodePort) nodePorts.push(`${p.protocol} . ${p.nodePort} : goto ${extChain}`);
    if (p.nodePort || p.externalVips.length) {
      chains.push(`  chain ${extChain} {\n    meta mark set meta mark | ${masqueradeMark}\n    goto ${svcChain}\n  }`);
    }
    const epChains = p.endpoints.map((_, j) => `ep-${i}-${j}`);
    const svcRules: string[] = [];
    if (p.affinitySeconds) {
      p.endpoints.forEach((_, j) => {
        sets.push(`  set affinity-${i}-${j} {\n    type ipv4_addr\n    flags dynamic,timeout\n    timeout ${p.affinitySeconds}s\n  }`);
        svcRules.push(`ip saddr @affinity-${i}-${j} goto ${epChains[j]}`);
      });
    }
    svcRules.push(p.endpoints.length === 1
      ? `goto ${epChains[0]}`
      : `numgen random mod ${p.endpoints.length} vmap { ${epChains.map((c, j) => `${j} : goto ${c}`).join(', ')} }`);
    chains.push(`  chain ${svcChain} {\n${svcRules.map((r) => `    ${r}\n`).join('')}  }`);
    p.endpoints.forEach((ep, j) => {
      const rules = [
        `ip saddr ${ep.ip} meta mark set meta mark | ${masqueradeMark}`,
        ...(p.affinitySeconds ? [`update @affinity-${i}-${j} { ip saddr }`] : []),
        `meta l4proto ${p.protocol} dnat to ${ep.ip}:${ep.port}`,
      ];
      chains.push(`  chain ${epChains[j]} {\n${rules.map((r) => `    ${r}\n`).join('')}  }`);
    });
  });
  const elements = (list: string[]) => (list.length ? `    elements = { ${list.join(',\n      ')} }\n` : '');
  return [
    `table ip ${table}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    `  map service-ips {\n    type ipv4_addr . inet_proto . inet_service : verdict\n${elements(serviceIps)}  }`,
    `  map service-nodeports {\n    type inet_proto . inet_service : verdict\n${elements(nodePorts)}  }`,
    `  set no-endpoint-services {\n    type ipv4_addr . inet_proto . inet_service\n${elements(noEndpointIps)}  }`,
    `  set no-endpoint-nodeports {\n    type inet_proto . inet_service\n${elements(noEndpointNodePorts)}  }`,
    ...sets,
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
    ...chains,
    '}',
    '',
  ].join('\n');
}
