// Cluster DNS (the kubernetes plugin of CoreDNS, small): answers from the Services and EndpointSlices
//   <svc>.<ns>.svc.cluster.local        A of the ClusterIP; headless: A of each ready endpoint;
//                                       ExternalName: CNAME to spec.externalName
//   _<port>._<proto>.<svc>.<ns>.svc...  SRV for a named port
//   <a-b-c-d>.<ns>.pod.cluster.local    A a.b.c.d
// Other names under the cluster domain are NXDOMAIN; names outside it are forwarded (dns-forward.ts).
// Each isolated node runs one on its bridge's gateway, over UDP and TCP (port 53), and publishes that
// address on its Node; the kube-dns Service's endpoints are those nodes, and pods use its ClusterIP.
import dgram from 'node:dgram';
import type { EventEmitter } from 'node:events';
import net from 'node:net';
import type { KubeObject } from '../api/object.js';
import { dnsPort, kubeDnsName, kubeDnsNamespace, nodeDnsAddressAnnotation } from '../api/core/cluster-dns.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { Informer } from '../client/informer.js';
import { buildResponse, parseQuestion, Rcode, RecordType, type Answer, type Question } from './dns-message.js';
import { framed, onMessages } from './dns-tcp.js';
import { forward } from './dns-forward.js';

const refs = {
  services: { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  slices: { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true },
  nodes: { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false },
} satisfies Record<string, ResourceRef>;

export const clusterDomain = 'cluster.local';
const ttl = 5;
/** An idle TCP client is let go (RFC 7766 suggests seconds). */
const tcpIdleMs = 10_000;
const advertiseRetryMs = 2_000;

export class ClusterDns {
  private readonly services: Informer;
  private readonly slices: Informer;
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  private address?: string;
  private advertiseTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly client: ApiClient,
    private readonly nodeName: string,
  ) {
    this.services = new Informer(client, refs.services);
    this.slices = new Informer(client, refs.slices);
  }

  /** Starts following Services and EndpointSlices. */
  async start(): Promise<void> {
    await Promise.all([this.services.start(), this.slices.start()]);
  }

  /** The kube-dns Service's ClusterIP: the nameserver of pods (the kubelet's --cluster-dns). */
  get serviceIp(): string | undefined {
    const ip = this.services.get(kubeDnsNamespace, kubeDnsName)?.spec?.clusterIP;
    return ip && ip !== 'None' ? ip : undefined;
  }

  /** Answers on address:53 over UDP and TCP, then publishes the address on the Node. */
  async listen(address: string): Promise<void> {
    const udp = dgram.createSocket('udp4');
    udp.on('message', (msg, rinfo) => {
      void this.answer(msg, 'udp').then((reply) => reply && udp.send(reply, rinfo.port, rinfo.address));
    });
    await listening(udp, (done) => udp.bind(dnsPort, address, done));
    this.udp = udp;
    const tcp = net.createServer((socket) => {
      socket.setTimeout(tcpIdleMs, () => socket.destroy());
      socket.on('error', () => undefined);
      onMessages(socket, (msg) => {
        void this.answer(msg, 'tcp').then((reply) => reply && !socket.destroyed && socket.write(framed(reply)));
      });
    });
    await listening(tcp, (done) => tcp.listen(dnsPort, address, done));
    this.tcp = tcp;
    this.address = address;
    await this.advertise(address);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.advertiseTimer);
    this.udp?.close();
    this.tcp?.close();
    this.services.stop();
    this.slices.stop();
    // Best effort: this node no longer answers, so it leaves kube-dns' endpoints at once.
    if (this.address) {
      await Promise.race([withdrawNodeDnsAddress(this.client, this.nodeName), new Promise((r) => setTimeout(r, 1_000).unref())]);
    }
  }

  private async advertise(address: string): Promise<void> {
    try {
      await this.client.patch(refs.nodes, '', this.nodeName, 'merge', { metadata: { annotations: { [nodeDnsAddressAnnotation]: address } } });
    } catch (e) {
      if (this.stopped) return;
      process.stderr.write(`nanokube dns: cannot publish the DNS address on node ${this.nodeName} (${(e as Error).message}); retrying\n`);
      this.advertiseTimer = setTimeout(() => void this.advertise(address), advertiseRetryMs);
      this.advertiseTimer.unref();
    }
  }

  private async answer(msg: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    const q = parseQuestion(msg);
    if (!q) return undefined;
    if (q.name !== clusterDomain && !q.name.endsWith(`.${clusterDomain}`)) return (await forward(msg, transport)) ?? buildResponse(q, Rcode.SERVFAIL, []);
    const maxBytes = transport === 'udp' ? q.udpSize : Infinity;
    const found = this.lookup(q);
    if (!found) return buildResponse(q, Rcode.NXDOMAIN, [], maxBytes);
    const wanted = found.filter((a) => q.type === RecordType.ANY || a.type === 'CNAME' || RecordType[a.type] === q.type);
    return buildResponse(q, Rcode.NOERROR, wanted, maxBytes);
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

/** Runs start(done); rejects on an error before done (port taken), and ignores errors after it. */
function listening(target: EventEmitter, start: (done: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    target.once('error', reject);
    start(() => {
      target.off('error', reject);
      target.on('error', () => undefined);
      resolve();
    });
  });
}

/**
 * Removes a node's published DNS address, if it has one: when its DNS stops, and when a node that
 * ran the isolated runtime comes back with the host runtime (no DNS). Errors (no such Node yet) are ignored.
 */
export async function withdrawNodeDnsAddress(client: ApiClient, nodeName: string): Promise<void> {
  try {
    const node = await client.get(refs.nodes, '', nodeName);
    if (node.metadata.annotations?.[nodeDnsAddressAnnotation] === undefined) return;
    await client.patch(refs.nodes, '', nodeName, 'merge', { metadata: { annotations: { [nodeDnsAddressAnnotation]: null } } });
  } catch {
    // not registered yet, or the API server is gone: nothing published to take back
  }
}
