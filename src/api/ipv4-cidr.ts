// IPv4 addresses and CIDR blocks as numbers: pod CIDRs per node, pod IPs, Service ranges.
/** A dotted-quad IPv4 address. */
export function isIpv4(ip: unknown): ip is string {
  return typeof ip === 'string' && /^\d{1,3}(\.\d{1,3}){3}$/.test(ip) && ip.split('.').every((o) => Number(o) <= 255);
}

export function ipToInt(ip: string): number {
  return ip.split('.').reduce((a, p) => a * 256 + Number(p), 0);
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export interface Cidr {
  /** The network address as a number. */
  base: number;
  prefix: number;
  /** How many addresses the block holds. */
  size: number;
}

export function parseCidr(cidr: string): Cidr {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr.trim());
  if (!m || Number(m[2]) > 32 || !isIpv4(m[1])) throw new Error(`invalid CIDR "${cidr}"`);
  const prefix = Number(m[2]);
  const size = 2 ** (32 - prefix);
  const ip = ipToInt(m[1]);
  return { base: ip - (ip % size), prefix, size };
}

export function formatCidr(base: number, prefix: number): string {
  return `${intToIp(base)}/${prefix}`;
}
