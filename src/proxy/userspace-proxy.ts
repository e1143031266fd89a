// The userspace service proxy of one node (kube-proxy's old userspace mode): the fallback when the kernel
// proxy cannot run (not root, or no nft). It follows Services and EndpointSlices and, for every Service
// port, whether it has ready endpoints or not, listens where the port is published on this node and
// relays each TCP connection (tcp-relay.ts) or UDP session (udp-relay.ts) to an endpoint chosen by the
// port's balancer (round-robin, sessionAffinity ClientIP).
// Where it listens:
// - ClusterIP:port. As root the ClusterIPs are added to lo (and removed with their Service, and on
//   stop); otherwise only a ClusterIP that is already local can be served, and the proxy says once per
//   Service why the others are not reachable on this node.
// - NodePort on the node's address and on 127.0.0.1: like kube-proxy's iptables mode (localhost
//   NodePorts) and its old userspace mode (all addresses), and like the nftables proxy here, processes on
//   the node reach NodePorts through localhost too.
// - load-balancer ingress IPs and externalIPs, with the Service port, when the address is local (the
//   built-in load balancer publishes the nodes' addresses).
// A port it cannot open (taken, or no permission) leaves the rest working: it is reported once (an Event
// on the Service and a log line, as kube-proxy logs "can't open port") and retried every few seconds.
import dgram from 'node:dgram';
import net from 'node:net';
import type { KubeObject } from '../api/object.js';
import type { ApiClient } from '../client/api-client.js';
import { EventRecorder } from '../client/event-recorder.js';
import { WorkQueue } from '../client/work-queue.js';
import { EndpointBalancer } from './endpoint-balancer.js';
import { LoopbackAddresses, localAddresses } from './loopback-addresses.js';
import { ServiceInformers } from './service-informers.js';
import { serviceKey, servicePorts, type ServicePort } from './service-ports.js';
import { relayTcp } from './tcp-relay.js';
import { UdpRelay } from './udp-relay.js';

const retryFailedPortsMs = 5_000;

export interface UserspaceProxyOptions {
  nodeName: string;
  /** The node's address: NodePorts listen on it and on 127.0.0.1. */
  address: string;
  /** The label of the ClusterIPs this agent adds to lo (root only); without it ClusterIPs are served only where already local. */
  loopbackLabel?: string;
  udpIdleMs?: number;
  log?: (line: string) => void;
}

/** One address and port the proxy wants to listen on, for one Service port. */
interface Wanted {
  id: string;
  protocol: 'tcp' | 'udp';
  ip: string;
  port: number;
  /** As kube-proxy names local ports: `nodePort for default/web:http`. */
  description: string;
  servicePort: string;
  svc: KubeObject;
}

interface Listener {
  servicePort: string;
  close(): void;
  udp?: UdpRelay;
}

export class UserspaceProxy {
  private readonly informers: ServiceInformers;
  private readonly queue = new WorkQueue({ baseDelayMs: 500, maxDelayMs: 30_000 });
  private readonly recorder: EventRecorder;
  private readonly loopback?: LoopbackAddresses;
  private readonly balancers = new Map<string, EndpointBalancer>();
  private readonly listeners = new Map<string, Listener>();
  /** Service port and listener id → the failure last reported for it. */
  private readonly failures = new Map<string, string>();
  /** What was said once (and is still true: keys not met in a sync are forgotten). */
  private readonly said = new Set<string>();
  private readonly sockets = new Set<net.Socket>();
  private readonly log: (line: string) => void;
  private stopped = false;
  /** The sync running now: a stop waits for it, so nothing it opens or adds outlives the stop. */
  private syncing: Promise<void> = Promise.resolve();

  constructor(
    client: ApiClient,
    private readonly opts: UserspaceProxyOptions,
  ) {
    this.informers = new ServiceInformers(client, () => this.queue.add('sync'));
    this.recorder = new EventRecorder(client, { component: 'kube-proxy', host: opts.nodeName });
    this.loopback = opts.loopbackLabel ? new LoopbackAddresses(opts.loopbackLabel) : undefined;
    this.log = opts.log ?? ((line) => process.stderr.write(`nanokube proxy: ${line}\n`));
  }

  async start(): Promise<void> {
    await this.informers.start();
    this.queue.run(1, () => (this.syncing = this.sync()));
    this.queue.add('sync');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.stop();
    this.informers.stop();
    await this.syncing.catch(() => {});
    for (const l of this.listeners.values()) l.close();
    this.listeners.clear();
    for (const s of this.sockets) s.destroy();
    await this.loopback?.removeAll().catch((e) => this.log(`removing ClusterIPs from lo: ${(e as Error).message}`));
  }

  private async sync(): Promise<void> {
    if (this.stopped || !this.informers.synced) return;
    const services = this.informers.list().map(({ svc, slices }) => ({ svc, ports: servicePorts(svc, slices) }));
    const clusterIPs = new Set(services.flatMap(({ ports }) => ports.flatMap((p) => p.clusterIPs)));
    const addError = await this.loopback?.add(clusterIPs);
    if (this.stopped) return;
    const local = localAddresses();

    const wanted = new Map<string, Wanted>();
    const failedNow = new Map<string, { w: Wanted; error: string }>();
    const want = (w: Omit<Wanted, 'id'>) => {
      const id = `${w.ip}:${w.port}/${w.protocol}`;
      const other = wanted.get(id);
      if (!other) wanted.set(id, { ...w, id });
      else if (other.servicePort !== w.servicePort) failedNow.set(`${w.servicePort} ${id}`, { w: { ...w, id }, error: `the address and port are taken by Service port ${other.servicePort}` });
    };
    const nodePortAddresses = [...new Set([this.opts.address, '127.0.0.1'])];
    const servicePortKeys = new Set<string>();
    const saidNow = new Set<string>();
    let unreachable = false;
    for (const { svc, ports } of services) {
      for (const p of ports) {
        if (p.protocol === 'sctp') {
          this.sayOnce(saidNow, `sctp ${p.key}`, `Service port ${p.key}: SCTP is not supported by the userspace proxy`);
          continue;
        }
        servicePortKeys.add(p.key);
        this.updateBalancer(p);
        const base = { protocol: p.protocol, servicePort: p.key, svc };
        const name = p.key.replace(/\/(tcp|udp)$/, '');
        for (const ip of p.clusterIPs) {
          if (local.has(ip)) want({ ...base, ip, port: p.port, description: `clusterIP for ${name}` });
          else {
            unreachable = true;
            this.sayOnce(saidNow, `clusterIP ${serviceKey(svc)} ${ip}`, this.unreachableClusterIp(svc, ip, addError));
          }
        }
        for (const ip of p.externalIPs) if (local.has(ip)) want({ ...base, ip, port: p.port, description: `externalIP for ${name}` });
        for (const ip of p.loadBalancerIPs) if (local.has(ip)) want({ ...base, ip, port: p.port, description: `loadBalancer ingress for ${name}` });
        if (p.nodePort) for (const ip of nodePortAddresses) want({ ...base, ip, port: p.nodePort, description: `nodePort for ${name}` });
      }
    }
    for (const key of this.said) if (!saidNow.has(key)) this.said.delete(key);

    for (const [id, l] of this.listeners) {
      if (wanted.get(id)?.servicePort === l.servicePort) continue;
      l.close();
      this.listeners.delete(id);
    }
    const opened = await Promise.all([...wanted.values()].filter((w) => !this.listeners.has(w.id)).map(async (w) => ({ w, error: await this.listen(w) })));
    for (const { w, error } of opened) if (error) failedNow.set(`${w.servicePort} ${w.id}`, { w, error });
    for (const key of this.failures.keys()) if (!failedNow.has(key)) this.failures.delete(key);
    for (const [key, { w, error }] of failedNow) this.failed(key, w, error);

    for (const key of this.balancers.keys()) if (!servicePortKeys.has(key)) this.balancers.delete(key);
    for (const l of this.listeners.values()) {
      const b = this.balancers.get(l.servicePort);
      if (l.udp && b) l.udp.retain(b.endpointKeys);
    }
    if (this.loopback) {
      const stale = [...this.loopback.owned()].filter((ip) => !clusterIPs.has(ip));
      if (stale.length) await this.loopback.remove(stale);
    }
    // Taken ports may be freed, and as root a ClusterIP another agent held may be ours to add.
    if (failedNow.size || (unreachable && this.loopback)) this.queue.addAfter('sync', retryFailedPortsMs);
  }

  /** New endpoints take effect for the next connection; connections already relayed stay where they are. */
  private updateBalancer(p: ServicePort): void {
    let b = this.balancers.get(p.key);
    if (!b) this.balancers.set(p.key, (b = new EndpointBalancer()));
    b.update(p.endpoints, p.affinitySeconds);
  }

  private unreachableClusterIp(svc: KubeObject, ip: string, addError: string | undefined): string {
    const why = !this.loopback ? 'adding it to lo needs root' : `it could not be added to lo${addError ? ` (${addError})` : ''}`;
    return `Service ${serviceKey(svc)}: ClusterIP ${ip} is not reachable on node ${this.opts.nodeName}: ${why} (NodePorts and load-balancer addresses are served)`;
  }

  /** Listens for one Service port on one address: undefined, or why it could not. */
  private async listen(w: Wanted): Promise<string | undefined> {
    const balancer = this.balancers.get(w.servicePort)!;
    try {
      if (w.protocol === 'tcp') {
        const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, (socket) => relayTcp(socket, balancer, this.sockets));
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host: w.ip, port: w.port, exclusive: true }, () => {
            server.off('error', reject);
            resolve();
          });
        });
        server.on('error', (e) => this.log(`${w.description} (${w.id}): ${e.message}`));
        this.listeners.set(w.id, { servicePort: w.servicePort, close: () => server.close() });
      } else {
        const socket = dgram.createSocket('udp4');
        await new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.bind({ address: w.ip, port: w.port, exclusive: true }, () => {
            socket.off('error', reject);
            resolve();
          });
        });
        const udp = new UdpRelay(socket, balancer, this.opts.udpIdleMs);
        this.listeners.set(w.id, { servicePort: w.servicePort, close: () => udp.close(), udp });
      }
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  }

  /** Reports a port that could not be opened, once per distinct failure, and keeps retrying. */
  private failed(key: string, w: Wanted, error: string): void {
    if (this.failures.get(key) === error) return;
    this.failures.set(key, error);
    const message = `can't open "${w.description}" (${w.id}) on node ${this.opts.nodeName}, skipping it until it can: ${error}`;
    this.log(message);
    this.recorder.warning(w.svc, 'FailedToOpenPort', message);
  }

  private sayOnce(now: Set<string>, key: string, line: string): void {
    now.add(key);
    if (this.said.has(key)) return;
    this.said.add(key);
    this.log(line);
  }
}
