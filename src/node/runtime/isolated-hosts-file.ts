// A pod's /etc/hosts as the kubelet manages it: localhost entries, the pod's IP with its host name
// (and its FQDN first when it has a subdomain), then spec.hostAliases under their own comment. A
// hostNetwork pod gets the node's file instead, marked as such, with its hostAliases added.
import fs from 'node:fs';

export interface HostsFileInput {
  podIps: string[];
  hostname: string;
  /** The pod's domain (<subdomain>.<namespace>.svc.<cluster domain>), or ''. */
  domain: string;
  hostAliases?: { ip: string; hostnames?: string[] }[];
}

const managedHeader = '# Kubernetes-managed hosts file.\n';
const hostNetworkHeader = '# Kubernetes-managed hosts file (host network).\n';

export function managedHostsFile(input: HostsFileInput): string {
  let text = managedHeader
    + '127.0.0.1\tlocalhost\n'
    + '::1\tlocalhost ip6-localhost ip6-loopback\n'
    + 'fe00::0\tip6-localnet\n'
    + 'fe00::0\tip6-mcastprefix\n'
    + 'fe00::1\tip6-allnodes\n'
    + 'fe00::2\tip6-allrouters\n';
  for (const ip of input.podIps) {
    text += input.domain ? `${ip}\t${input.hostname}.${input.domain}\t${input.hostname}\n` : `${ip}\t${input.hostname}\n`;
  }
  return text + hostAliasEntries(input.hostAliases);
}

/** The node's own file (`nodeHosts`, read from /etc/hosts by default) with the pod's aliases. */
export function hostNetworkHostsFile(hostAliases: HostsFileInput['hostAliases'], nodeHosts = readNodeHosts()): string {
  return hostNetworkHeader + nodeHosts + hostAliasEntries(hostAliases);
}

function hostAliasEntries(aliases: HostsFileInput['hostAliases']): string {
  if (!aliases?.length) return '';
  return '\n# Entries added by HostAliases.\n' + aliases.map((a) => `${a.ip}\t${(a.hostnames ?? []).join('\t')}\n`).join('');
}

function readNodeHosts(): string {
  try {
    return fs.readFileSync('/etc/hosts', 'utf8');
  } catch {
    return '';
  }
}
