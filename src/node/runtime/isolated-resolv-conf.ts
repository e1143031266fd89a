// A pod's /etc/resolv.conf as the kubelet writes it from spec.dnsPolicy and spec.dnsConfig:
// ClusterFirst (the default) points at the cluster DNS with the namespace's search domains;
// Default keeps the node's file; None uses only dnsConfig. A hostNetwork pod uses the node's file
// unless its policy is ClusterFirstWithHostNet.
import fs from 'node:fs';
import type { SandboxConfig } from './runtime.js';

/** The file's text, or undefined when the pod keeps the node's /etc/resolv.conf. */
export function podResolvConf(cfg: SandboxConfig, clusterDns: string | undefined, clusterDomain: string): string | undefined {
  const policy = cfg.dnsPolicy ?? 'ClusterFirst';
  const dnsConfig = cfg.dnsConfig ?? {};
  let nameservers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  const cluster = (policy === 'ClusterFirst' && !cfg.hostNetwork) || policy === 'ClusterFirstWithHostNet';
  if (cluster && clusterDns) {
    nameservers = [clusterDns];
    searches = [`${cfg.namespace}.svc.${clusterDomain}`, `svc.${clusterDomain}`, clusterDomain];
    options = ['ndots:5'];
  } else if (policy !== 'None') {
    if (!dnsConfig.nameservers?.length && !dnsConfig.searches?.length && !dnsConfig.options?.length) return undefined;
    const host = readHost();
    nameservers = host.nameservers;
    searches = host.searches;
    options = host.options;
  }
  nameservers = [...nameservers, ...(dnsConfig.nameservers ?? [])];
  searches = [...new Set([...searches, ...(dnsConfig.searches ?? [])])];
  for (const o of dnsConfig.options ?? []) {
    options = options.filter((x) => x.split(':')[0] !== o.name);
    options.push(o.value !== undefined ? `${o.name}:${o.value}` : o.name);
  }
  const lines = [
    ...(searches.length ? [`search ${searches.join(' ')}`] : []),
    ...nameservers.map((n) => `nameserver ${n}`),
    ...(options.length ? [`options ${options.join(' ')}`] : []),
  ];
  return lines.join('\n') + '\n';
}

function readHost(): { nameservers: string[]; searches: string[]; options: string[] } {
  const out = { nameservers: [] as string[], searches: [] as string[], options: [] as string[] };
  let text = '';
  try {
    text = fs.readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    else if (key === 'search' || key === 'domain') out.searches.push(...rest);
    else if (key === 'options') out.options.push(...rest);
  }
  return out;
}
