// The node's HTTP and HTTPS listeners, with the limits that keep bad clients from holding resources:
// header size (431 beyond it), a deadline for the request headers (slowloris), an idle limit for
// keep-alive connections and for sockets that go quiet, and a TLS handshake deadline.
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';
import type { IngressProxy } from './http-proxy.js';

export interface ListenerLimits {
  maxHeaderSize: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** A socket with no traffic at all for this long is closed, whatever it is doing. */
  idleTimeoutMs: number;
  tlsHandshakeTimeoutMs: number;
}

export const defaultListenerLimits: ListenerLimits = {
  maxHeaderSize: 16 * 1024,
  headersTimeoutMs: 20_000,
  keepAliveTimeoutMs: 60_000,
  idleTimeoutMs: 120_000,
  tlsHandshakeTimeoutMs: 10_000,
};

function applyLimits(server: http.Server, limits: ListenerLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  // Bodies are bounded by the backend idle timeout instead: a long upload must not be cut off.
  server.requestTimeout = 0;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.setTimeout(limits.idleTimeoutMs, (s) => s.destroy());
}

const serverOptions = (limits: ListenerLimits) => ({
  maxHeaderSize: limits.maxHeaderSize,
  // Header deadlines are checked this often (Node's default is every 30 s).
  connectionsCheckingInterval: 1_000,
});

function onRequests(server: http.Server, proxy: IngressProxy, scheme: 'http' | 'https'): void {
  // The port is known once listening; looked up once, not per request.
  let forwarded: { scheme: 'http' | 'https'; port: number } | undefined;
  const f = () => (forwarded ??= { scheme, port: (server.address() as net.AddressInfo).port });
  server.on('request', (req, res) => proxy.handleRequest(req, res, f()));
  server.on('upgrade', (req, socket, head) => proxy.handleUpgrade(req, socket, head, f()));
}

export function createHttpListener(proxy: IngressProxy, limits: ListenerLimits): http.Server {
  const server = http.createServer(serverOptions(limits));
  applyLimits(server, limits);
  onRequests(server, proxy, 'http');
  return server;
}

export function createHttpsListener(
  proxy: IngressProxy,
  limits: ListenerLimits,
  defaultCertificate: { certPem: string; keyPem: string },
  contextFor: (servername: string) => tls.SecureContext | undefined,
): https.Server {
  const server = https.createServer({
    ...serverOptions(limits),
    cert: defaultCertificate.certPem,
    key: defaultCertificate.keyPem,
    ALPNProtocols: ['http/1.1'],
    handshakeTimeout: limits.tlsHandshakeTimeoutMs,
    // Without a matching Secret the default context (the generated certificate) answers.
    SNICallback: (servername, cb) => cb(null, contextFor(servername)),
  });
  applyLimits(server, limits);
  onRequests(server, proxy, 'https');
  return server;
}

/** Listens on host:port (0 picks a free port): the port, or the error that prevented listening. */
export function listen(server: http.Server, port: number, host: string): Promise<{ port: number } | { error: Error }> {
  return new Promise((resolve) => {
    const onError = (error: Error) => resolve({ error });
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve({ port: (server.address() as net.AddressInfo).port });
    });
  });
}

/** Stops accepting connections and closes idle ones; requests in flight finish (bounded by closeAll). */
export async function close(server: http.Server, graceMs = 5_000): Promise<void> {
  if (!server.listening) return;
  const done = new Promise<void>((r) => server.close(() => r()));
  server.closeIdleConnections();
  const t = setTimeout(() => server.closeAllConnections(), graceMs);
  t.unref();
  await done;
  clearTimeout(t);
}
