// Allocates Service ClusterIPs (from the service CIDR) and NodePorts (30000–32767) on create and
// type changes, and checks requested ones are free — upstream's service REST allocators.
// The allocated set is derived from the stored Services, so nothing leaks when a Service goes.
// As upstream (ServiceIPStaticSubrange), the range's lower band is left to static addresses (the
// `kubernetes` Service's first address, kube-dns' tenth): dynamic allocation takes it only when the
// upper band is full.
import { isObject, type KubeObject } from '../../api/object.js';
import { ApiError } from '../../api/status.js';
import type { ResourceType } from '../../api/resource-type.js';
import { invalidError, fe } from '../../api/field-errors.js';
import type { AdmissionPlugin, ResourceService } from '../resource-service.js';

export interface ServiceAllocationOptions {
  serviceCidr: string; // e.g. 10.43.0.0/16
  nodePortRange: [number, number];
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((a, p) => a * 256 + Number(p), 0);
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): { base: number; size: number } {
  const [ip, bits] = cidr.split('/');
  const prefix = Number(bits);
  const size = 2 ** (32 - prefix);
  const base = ipToInt(ip) - (ipToInt(ip) % size);
  return { base, size };
}

/** The nth address of the service CIDR: upstream gives the 1st to the `kubernetes` Service, installers the 10th to DNS. */
export function serviceIpAt(cidr: string, offset: number): string {
  return intToIp(parseCidr(cidr).base + offset);
}

/** How many addresses after the network address are kept for static allocation: min(max(16, size/16), 256). */
function staticBandSize(size: number): number {
  return Math.min(Math.max(16, Math.floor(size / 16)), 256);
}

export class ServiceAllocation implements AdmissionPlugin {
  private lock: Promise<void> = Promise.resolve();
  /** Where the next dynamic search starts (upper band), undefined until the first allocation. */
  private nextIpOffset?: number;

  constructor(
    private readonly service: () => ResourceService,
    private readonly opts: ServiceAllocationOptions,
  ) {}

  admit(op: 'CREATE' | 'UPDATE' | 'DELETE', rt: ResourceType, obj: KubeObject, old: KubeObject | undefined): Promise<void> {
    if (rt.group !== '' || rt.kind !== 'Service' || op === 'DELETE') return Promise.resolve();
    // Allocations are serialised so two creates never take the same address.
    const run = this.lock.then(() => this.allocate(rt, obj, old));
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async allocate(rt: ResourceType, svc: KubeObject, old: KubeObject | undefined): Promise<void> {
    svc.spec ??= {};
    // Malformed specs were already answered by validation; never crash on them here.
    if (!isObject(svc.spec) || (svc.spec.ports !== undefined && !Array.isArray(svc.spec.ports))) return;
    const spec = svc.spec;
    const type = spec.type ?? 'ClusterIP';
    const existing = await this.service().list(rt, '');
    const others = existing.items.filter((s) => s.metadata.uid !== svc.metadata.uid);
    const usedIps = new Set<string>(others.flatMap((s) => s.spec?.clusterIPs ?? (s.spec?.clusterIP ? [s.spec.clusterIP] : [])));
    const usedPorts = new Set<number>(others.flatMap((s) => (s.spec?.ports ?? []).map((p: any) => p.nodePort).filter(Boolean)));
    const name = svc.metadata.name ?? '';

    if (type === 'ExternalName') {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    } else if (old?.spec?.clusterIP && !spec.clusterIP) {
      spec.clusterIP = old.spec.clusterIP;
      spec.clusterIPs = old.spec.clusterIPs ?? [old.spec.clusterIP];
    } else if (!spec.clusterIP || spec.clusterIP === '') {
      spec.clusterIP = this.freeIp(usedIps);
      spec.clusterIPs = [spec.clusterIP];
    } else if (spec.clusterIP !== 'None' && (!old || old.spec?.clusterIP !== spec.clusterIP)) {
      const { base, size } = parseCidr(this.opts.serviceCidr);
      const n = ipToInt(spec.clusterIP);
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(spec.clusterIP) || n <= base || n >= base + size - 1) {
        throw invalidError('Service', '', name, [fe.invalid('spec.clusterIPs[0]', spec.clusterIP,
          `failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${this.opts.serviceCidr}`)]);
      }
      if (usedIps.has(spec.clusterIP)) {
        throw invalidError('Service', '', name, [fe.invalid('spec.clusterIPs', [spec.clusterIP], `failed to allocate IP ${spec.clusterIP}: provided IP is already allocated`)]);
      }
      spec.clusterIPs = [spec.clusterIP];
    } else if (spec.clusterIP === 'None') {
      spec.clusterIPs = ['None'];
    }

    const needsNodePorts = type === 'NodePort' || (type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
    const oldPorts = new Map<string, number>();
    for (const p of old?.spec?.ports ?? []) if (p.nodePort) oldPorts.set(`${p.port}/${p.protocol ?? 'TCP'}`, p.nodePort);
    for (const [i, p] of (spec.ports ?? []).entries()) {
      if (!isObject(p)) continue;
      if (!needsNodePorts) {
        delete p.nodePort;
        continue;
      }
      if (p.nodePort) {
        const [lo, hi] = this.opts.nodePortRange;
        if (p.nodePort < lo || p.nodePort > hi) {
          throw invalidError('Service', '', name, [fe.invalid(`spec.ports[${i}].nodePort`, p.nodePort, `provided port is not in the valid range. The range of valid ports is ${lo}-${hi}`)]);
        }
        if (usedPorts.has(p.nodePort) && oldPorts.get(`${p.port}/${p.protocol ?? 'TCP'}`) !== p.nodePort) {
          throw invalidError('Service', '', name, [fe.invalid(`spec.ports[${i}].nodePort`, p.nodePort, 'provided port is already allocated')]);
        }
      } else {
        p.nodePort = oldPorts.get(`${p.port}/${p.protocol ?? 'TCP'}`) ?? this.freePort(usedPorts);
      }
      usedPorts.add(p.nodePort);
    }
  }

  private freeIp(used: Set<string>): string {
    const { base, size } = parseCidr(this.opts.serviceCidr);
    // Offsets 1..size-2: never the network or the broadcast address. The upper band first, from where
    // the last search ended; then the static band.
    const band = Math.min(staticBandSize(size), size - 2);
    const upper = size - 2 - band;
    const start = this.nextIpOffset ?? band + 1;
    for (let i = 0; i < upper; i++) {
      const offset = band + 1 + ((start - band - 1 + i) % upper);
      const ip = intToIp(base + offset);
      if (used.has(ip)) continue;
      this.nextIpOffset = offset + 1 > size - 2 ? band + 1 : offset + 1;
      return ip;
    }
    for (let offset = 1; offset <= band; offset++) {
      const ip = intToIp(base + offset);
      if (!used.has(ip)) return ip;
    }
    throw new ApiError(500, 'InternalError', `Internal error occurred: failed to allocate a serviceIP: range is full`);
  }

  /**
   * As upstream (ServiceNodePortStaticSubrange): a random free port of the range's upper band, else of the
   * lower band that users keep for ports they pick. Random, so clusters sharing a machine rarely collide.
   */
  private freePort(used: Set<number>): number {
    const [lo, hi] = this.opts.nodePortRange;
    const size = hi - lo + 1;
    const lowerBand = Math.min(Math.max(16, Math.floor(size / 32)), 128);
    const bands: Array<[number, number]> = size > lowerBand ? [[lo + lowerBand, hi], [lo, lo + lowerBand - 1]] : [[lo, hi]];
    for (const [from, to] of bands) {
      const n = to - from + 1;
      const start = Math.floor(Math.random() * n);
      for (let i = 0; i < n; i++) {
        const port = from + ((start + i) % n);
        if (!used.has(port)) return port;
      }
    }
    throw new ApiError(500, 'InternalError', 'Internal error occurred: failed to allocate a nodePort: range is full');
  }
}
