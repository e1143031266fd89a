// UDP datagrams to a Service port, relayed by the userspace proxy as kube-proxy's userspace mode did:
// per client address and port a session with its own socket towards one endpoint, so replies find their
// way back (they leave from the Service address and port the client sent to). A session ends after
// `idleMs` without a datagram either way (upstream's --udp-timeout, 250 ms by default), or when its
// endpoint stops serving; the client's next datagram then opens a new one.
// Without endpoints datagrams are dropped: userspace cannot answer with ICMP port unreachable.
import dgram from 'node:dgram';
import { endpointKey, type EndpointBalancer } from './endpoint-balancer.js';
import type { Endpoint } from './service-ports.js';

export const defaultUdpIdleMs = 250;
/** Bounds the sockets one Service port holds: datagrams from further clients are dropped. */
const maxSessions = 4096;

interface Session {
  endpoint: Endpoint;
  socket: dgram.Socket;
  idle: NodeJS.Timeout;
}

export class UdpRelay {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly listener: dgram.Socket,
    private readonly balancer: EndpointBalancer,
    private readonly idleMs = defaultUdpIdleMs,
  ) {
    listener.on('message', (msg, from) => this.fromClient(msg, from));
    // A reply that cannot be sent back is lost, as a datagram may be; it must not end the listener.
    listener.on('error', () => {});
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Ends the sessions whose endpoint is not in `endpoints` (any more). */
  retain(endpoints: Set<string>): void {
    for (const [client, s] of this.sessions) if (!endpoints.has(endpointKey(s.endpoint))) this.end(client);
  }

  close(): void {
    for (const client of [...this.sessions.keys()]) this.end(client);
    try {
      this.listener.close();
    } catch {
      // already closed
    }
  }

  private fromClient(msg: Buffer, from: dgram.RemoteInfo): void {
    const client = `${from.address}:${from.port}`;
    const s = this.sessions.get(client) ?? this.open(client, from);
    if (!s) return;
    s.idle.refresh();
    s.socket.send(msg, s.endpoint.port, s.endpoint.ip);
  }

  private open(client: string, from: dgram.RemoteInfo): Session | undefined {
    if (this.sessions.size >= maxSessions) return undefined;
    const endpoint = this.balancer.pick(from.address);
    if (!endpoint) return undefined;
    const socket = dgram.createSocket('udp4');
    const idle = setTimeout(() => this.end(client), this.idleMs);
    idle.unref();
    const s: Session = { endpoint, socket, idle };
    socket.on('message', (reply, sender) => {
      if (sender.address !== endpoint.ip || sender.port !== endpoint.port) return;
      idle.refresh();
      this.listener.send(reply, from.port, from.address);
    });
    socket.on('error', () => this.end(client));
    this.sessions.set(client, s);
    return s;
  }

  private end(client: string): void {
    const s = this.sessions.get(client);
    if (!s) return;
    this.sessions.delete(client);
    clearTimeout(s.idle);
    s.socket.close();
  }
}
