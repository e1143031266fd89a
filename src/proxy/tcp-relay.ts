// One TCP connection accepted on a Service port, relayed to an endpoint by the userspace proxy:
// - no endpoint: the client gets a reset at once (upstream rejects, a client never hangs);
// - an endpoint that refuses or does not answer in time is skipped for the next one, as kube-proxy's
//   userspace mode retried, so a readiness change not yet seen costs no failed request;
// - then bytes flow both ways through pipe() (backpressure, no per-byte work); an end of input travels
//   on as a half-close, and an error or reset on one side resets the other.
import net from 'node:net';
import { endpointKey, type EndpointBalancer } from './endpoint-balancer.js';

const connectTimeoutMs = 5_000;
const keepAliveDelayMs = 30_000;

/** Sends a reset to the peer (when still connected) and frees the socket. */
function reset(s: net.Socket): void {
  if (s.destroyed) return;
  if (s.readyState === 'open' || s.readyState === 'readOnly' || s.readyState === 'writeOnly') s.resetAndDestroy();
  else s.destroy();
}

/** Every socket of the relay is in `open` until it closes, so a stopping proxy can end them all. */
function track(s: net.Socket, open: Set<net.Socket>): void {
  open.add(s);
  s.once('close', () => open.delete(s));
}

function splice(client: net.Socket, backend: net.Socket): void {
  for (const s of [client, backend]) {
    s.setNoDelay(true);
    s.setKeepAlive(true, keepAliveDelayMs);
  }
  const oneWay = (from: net.Socket, to: net.Socket) => {
    from.pipe(to); // ends `to` when `from` ends: a half-close travels through
    from.on('error', () => reset(to));
    // Closed without an error and without reading to the end: destroyed (e.g. by the stopping proxy).
    from.on('close', () => {
      if (!from.readableEnded) reset(to);
    });
  };
  oneWay(client, backend);
  oneWay(backend, client);
}

/** Relays a connection the server accepted paused (pauseOnConnect), so nothing is read before the backend is there. */
export function relayTcp(client: net.Socket, balancer: EndpointBalancer, open: Set<net.Socket>): void {
  track(client, open);
  const clientIp = client.remoteAddress ?? '';
  const tried = new Set<string>();
  let backend: net.Socket | undefined;
  const onClientGone = () => backend?.destroy();
  client.on('error', onClientGone);
  client.once('close', onClientGone);
  const attempt = () => {
    if (client.destroyed) return;
    const endpoint = balancer.pick(clientIp, Date.now(), tried);
    if (!endpoint) return reset(client);
    tried.add(endpointKey(endpoint));
    const b = net.connect({ host: endpoint.ip, port: endpoint.port, allowHalfOpen: true });
    backend = b;
    track(b, open);
    const failed = () => {
      b.destroy();
      attempt();
    };
    b.setTimeout(connectTimeoutMs, failed);
    b.once('error', failed);
    b.once('connect', () => {
      b.setTimeout(0);
      b.off('error', failed);
      client.off('error', onClientGone);
      client.off('close', onClientGone);
      splice(client, b);
    });
  };
  attempt();
}
