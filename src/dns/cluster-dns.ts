// Cluster DNS (the kubernetes plugin of CoreDNS, small): answers from the Services and EndpointSlices
//   <svc>.<ns>.svc.cluster.local        A of the ClusterIP; headless: A of each ready endpoint;
//                                       ExternalName: CNAME to spec.externalName
//   _<port>._<proto>.<svc>.<ns>.svc...  SRV for a named port
//   <a-b-c-d>.<ns>.pod.cluster.local    A a.b.c.d
// Other names under the cluster domain are NXDOMAIN; names outside it are forwarded to the node's own
// resolver (from /etc/resolv.conf), as CoreDNS's `forward . /etc/resolv.conf`.
import dgram from 'node:dgram';
import fs from 'node:fs';
import type { KubeObject } from '../api/object.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { Informer } from '../client/informer.js';
import { buildResponse, parseQuestion, Rcode, RecordType, type Answer, type Question } from './dns-message.js';

const refs = {
  services: { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  slices: { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true },
} satisfies Record<string, ResourceRef>;

export const clusterDomain = 'cluster.local';
const ttl = 5;
const forwardTimeoutMs = 2000;

export class ClusterDns {
  private readonly services: Informer;
  private readonly slices: Informer;
  private socket?: dgram.Socket;

  constructor(client: ApiClient) {
    this.services = new Informer(client, refs.services);
    this.slices = new Informer(client, refs.slices);
  }

  /** Starts answering on address:port (UDP). */
  async start(address: string, port = 53): Promise<void> {
    await Promise.all([this.services.start(), this.slices.start()]);
    const socket = dgram.createSocket('udp4');
    socket.on('message', (msg, rinfo) => {
      void this.answer(msg).then((reply) => reply && socket.send(reply, rinfo.port, rinfo.address));
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', () => undefined);
    this.socket = socket;
  }

  stop(): void {
    this.socket?.close();
    this.services.stop();
    this.slices.stop();
  }

  private async answer(msg: Buffer): Promise<Buffer | undefined> {
    const q = parseQuestion(msg);
    if (!q) return undefined;
    if (q.name !== clusterDomain && !q.name.endsWith(`.${clusterDomain}`)) return (await forward(msg)) ?? buildResponse(q, Rcode.SERVFAIL, []);
    const found = this.lookup(q);
    if (!found) return buildResponse(q, Rcode.NXDOMAIN, []);
    const wanted = found.filter((a) => q.type === RecordType.ANY || a.type === 'CNAME' || RecordType[a.type] === q.type);
    return buildResponse(q, Rcode.NOERROR, wanted);
  }

  /** The records of a name (undefined: no such name). */
  private lookup(q: Question): Answer[] | undefined {
    const rest = q.name.slice(0, -(clusterDomain.length + 1)).split('.');
    const kind = rest.pop();
    if (kind === 'pod' && rest.length === 2 && /^\d+-\d+-\d+-\d+$/.test(rest[0])) {
      return [{ type: 'A', name: q.name, ttl, ip: rest[0].replace(/-/g, '.') }];
    }
    if (kind !== 'svc') return undefined;
    if (rest.length === 2) {
      const svc = this.services.get(rest[1], rest[0]);
      return svc && this.serviceRecords(svc, q.name);
    }
    if (rest.length === 4 && rest[0].startsWith('_') && rest[1].startsWith('_')) {
      const svc = this.services.get(rest[3], rest[2]);
      const port = (svc?.spec?.ports ?? []).find((p: any) => p.name === rest[0].slice(1) && String(p.protocol ?? 'TCP').toLowerCase() === rest[1].slice(1));
      if (!svc || !port) return undefined;
      return [{ type: 'SRV', name: q.name, ttl, priority: 0, weight: 100, port: port.port, target: `${rest[2]}.${rest[3]}.svc.${clusterDomain}` }];
    }
    return undefined;
  }

  private serviceRecords(svc: KubeObject, name: string): Answer[] {
    if (svc.spec?.type === 'ExternalName') return [{ type: 'CNAME', name, ttl, target: svc.spec.externalName }];
    if (svc.spec?.clusterIP && svc.spec.clusterIP !== 'None') return [{ type: 'A', name, ttl, ip: svc.spec.clusterIP }];
    // Headless: the ready endpoints' addresses.
    const ips = new Set<string>();
    for (const s of this.slices.list(svc.metadata.namespace)) {
      if (s.metadata.labels?.['kubernetes.io/service-name'] !== svc.metadata.name || s.addressType !== 'IPv4') continue;
      for (const ep of s.endpoints ?? []) if (ep.conditions?.ready !== false) for (const ip of ep.addresses ?? []) ips.add(ip);
    }
    return [...ips].sort().map((ip) => ({ type: 'A' as const, name, ttl, ip }));
  }
}

/** The node's own nameservers, for names outside the cluster. */
function upstreamServers(): string[] {
  try {
    return fs.readFileSync('/etc/resolv.conf', 'utf8').split('\n')
      .map((l) => /^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)/.exec(l)?.[1]).filter((s): s is string => !!s);
  } catch {
    return [];
  }
}

async function forward(msg: Buffer): Promise<Buffer | undefined> {
  const server = upstreamServers()[0];
  if (!server) return undefined;
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const done = (reply?: Buffer) => {
      clearTimeout(timer);
      s.close();
      resolve(reply);
    };
    const timer = setTimeout(() => done(), forwardTimeoutMs);
    s.on('message', (reply) => done(reply));
    s.on('error', () => done());
    s.send(msg, 53, server);
  });
}
