// A pod's host name and domain as the kubelet derives them: spec.hostname or else the pod's name, cut
// to 63 characters (without a trailing '-' or '.'); with spec.subdomain the domain is
// <subdomain>.<namespace>.svc.<cluster domain>. The kernel's host name is the FQDN when
// setHostnameAsFQDN asks for it, and must then fit the kernel's 64 characters.
import type { SandboxConfig } from './runtime.js';

const hostnameMaxLen = 63;
const fqdnMaxLen = 64;

export function podHostname(cfg: Pick<SandboxConfig, 'hostname'>): string {
  if (cfg.hostname.length <= hostnameMaxLen) return cfg.hostname;
  return cfg.hostname.slice(0, hostnameMaxLen).replace(/[-.]+$/, '');
}

/** The pod's domain, or '' without a subdomain. */
export function podHostDomain(cfg: Pick<SandboxConfig, 'subdomain' | 'namespace'>, clusterDomain: string): string {
  return cfg.subdomain ? `${cfg.subdomain}.${cfg.namespace}.svc.${clusterDomain}` : '';
}

/** The name the pod's UTS namespace gets; throws (the kubelet's message) when the FQDN is too long. */
export function kernelHostname(hostname: string, domain: string, setHostnameAsFQDN: boolean | undefined): string {
  if (!domain || !setHostnameAsFQDN) return hostname;
  const fqdn = `${hostname}.${domain}`;
  if (fqdn.length > fqdnMaxLen) {
    throw new Error(`failed to construct FQDN from pod hostname and cluster domain, FQDN ${fqdn} is too long (${fqdnMaxLen} characters is the max, ${fqdn.length} characters requested)`);
  }
  return fqdn;
}
