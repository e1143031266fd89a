// The data plane's request path: pick the route and endpoint from the current snapshot, then forward
// the request over a pooled keep-alive connection (upstream-pool.ts, pooled per endpoint) and stream both
// bodies; upgrades (WebSocket and others) get a connection of their own that is spliced to the client's.
// Requests without a body are retried on another endpoint when a connection is refused or a pooled
// connection turns out to be closed; anything else is answered 502 (504 for timeouts).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { requestHost } from './host-match.js';
import { requestPath } from './path-match.js';
import { backendKey, type RoutingSnapshot } from './routing-snapshot.js';
import { EndpointPicker, cookieValue } from './endpoint-picker.js';
import { backendRequestHeaders, endToEndHeaders, endToEndRawHeaders, hasBody, type ForwardedFor } from './forwarded-headers.js';
import { UpstreamPool } from './upstream-pool.js';
import { errorPage, redirect } from './error-pages.js';
import type { Endpoint } from './service-endpoints.js';

export interface ProxyTimeouts {
  /** Connecting to a backend (ingress-nginx's proxy-connect-timeout default is 5 s). */
  connectMs: number;
  /** A backend connection idle while a request is outstanding (proxy-read/send-timeout, 60 s). */
  idleMs: number;
}

export const defaultProxyTimeouts: ProxyTimeouts = { connectMs: 5_000, idleMs: 60_000 };

export interface ProxySource {
  snapshot(): RoutingSnapshot;
  /** The port HTTPS is served on, for redirects; undefined when it is not served. */
  httpsPort(): number | undefined;
}

type Decision =
  | { kind: 'redirect'; location: string }
  | { kind: 'error'; status: number; reason?: string }
  | { kind: 'proxy'; endpoint: Endpoint; another: () => Endpoint; setCookie?: string };

const retriesWithoutBody = 2;

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function timeoutError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** The request line and headers sent to the backend. */
function requestHead(req: IncomingMessage, headers: string[]): string {
  let s = `${req.method} ${req.url} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) s += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${s}\r\n`;
}

function rawHead(status: number, message: string, headers: string[]): string {
  let s = `HTTP/1.1 ${status} ${message}\r\n`;
  for (let i = 0; i < headers.length; i += 2) s += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${s}\r\n`;
}

export class IngressProxy {
  private readonly pool: UpstreamPool;
  private readonly picker = new EndpointPicker();

  constructor(
    private readonly source: ProxySource,
    private readonly timeouts: ProxyTimeouts = defaultProxyTimeouts,
  ) {
    this.pool = new UpstreamPool(timeouts);
  }

  /** Drops round-robin state of backends the new snapshot no longer has. */
  retain(snapshot: RoutingSnapshot): void {
    this.picker.retain(snapshot.backendKeys());
  }

  close(): void {
    this.pool.close();
  }

  private decide(req: IncomingMessage, f: ForwardedFor): Decision {
    const host = requestHost(req.headers.host);
    const snap = this.source.snapshot();
    if (f.scheme === 'http') {
      const tls = snap.table.tlsHost(host);
      const httpsPort = this.source.httpsPort();
      if (tls?.redirect && httpsPort !== undefined) {
        return { kind: 'redirect', location: `https://${hostForUrl(host)}${httpsPort === 443 ? '' : `:${httpsPort}`}${req.url ?? '/'}` };
      }
    }
    const route = snap.table.match(host, requestPath(req.url));
    if (!route) return { kind: 'error', status: 404 };
    const r = snap.resolve(route);
    if (!r.ok) return { kind: 'error', status: 503, reason: r.reason };
    const key = backendKey(route.backend);
    const cookie = route.settings.affinityCookie;
    const { endpoint, setCookie } = this.picker.pick(key, r.endpoints, cookie ? cookieValue(req.headers.cookie, cookie) ?? '' : undefined);
    const another = () => this.picker.roundRobin(key, r.endpoints);
    if (!cookie || !setCookie) return { kind: 'proxy', endpoint, another };
    return { kind: 'proxy', endpoint, another, setCookie: `${cookie}=${setCookie}; Path=/; HttpOnly${f.scheme === 'https' ? '; Secure' : ''}` };
  }

  handleRequest(req: IncomingMessage, res: ServerResponse, f: ForwardedFor): void {
    const d = this.decide(req, f);
    if (d.kind === 'redirect') return redirect(res, d.location);
    if (d.kind === 'error') return errorPage(res, d.status, d.reason);
    // A client that goes away mid-request takes its backend request with it.
    this.forward(req, res, f, d.endpoint, d.setCookie, hasBody(req) ? 0 : retriesWithoutBody, d.another);
  }

  private forward(req: IncomingMessage, res: ServerResponse, f: ForwardedFor, ep: Endpoint, setCookie: string | undefined, retries: number, another: () => Endpoint): void {
    const conn = this.pool.acquire(ep.address, ep.port);
    const body = hasBody(req);
    const chunked = body && req.headers['transfer-encoding'] !== undefined;
    const onClientGone = () => {
      if (!res.writableFinished) conn.destroy();
    };
    const onDrain = () => conn.resume();
    res.once('close', onClientGone);
    conn.begin({
      head: (h) => {
        const headers = endToEndRawHeaders(h.rawHeaders);
        if (setCookie) headers.push('Set-Cookie', setCookie);
        res.writeHead(h.status, h.statusMessage, headers);
      },
      body: (chunk) => {
        if (res.write(chunk)) return true;
        res.once('drain', onDrain);
        return false;
      },
      end: () => {
        res.off('close', onClientGone);
        res.off('drain', onDrain);
        res.end();
      },
      error: (err, responded, reused) => {
        res.off('close', onClientGone);
        res.off('drain', onDrain);
        if (responded || res.headersSent || res.destroyed) return void res.destroy();
        const code = err.code ?? '';
        const retry = retries > 0 && !req.destroyed
          && (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ECONNECTTIMEOUT' || (reused && (code === 'ECONNRESET' || code === 'EPIPE')));
        if (retry) return this.forward(req, res, f, another(), setCookie, retries - 1, another);
        errorPage(res, code === 'ETIMEDOUT' || code === 'ECONNECTTIMEOUT' ? 504 : 502, `${ep.address}:${ep.port}: ${err.message}`);
      },
    }, requestHead(req, backendRequestHeaders(req, f)), req.method === 'HEAD');
    if (!body) return conn.end();
    // The client's body streams through as it comes, re-chunked when it came chunked.
    req.on('data', (chunk: Buffer) => {
      if (chunked) conn.write(`${chunk.length.toString(16)}\r\n`);
      const more = conn.write(chunk);
      if (!(chunked ? conn.write('\r\n') : more)) {
        req.pause();
        conn.socket.once('drain', () => req.resume());
      }
    });
    req.on('end', () => conn.end(chunked ? '0\r\n\r\n' : undefined));
  }

  /** Fails the request with ECONNECTTIMEOUT if its new connection is not up in time. */
  private watchConnect(preq: http.ClientRequest): { timer?: NodeJS.Timeout } {
    const state: { timer?: NodeJS.Timeout } = {};
    preq.once('socket', (s: net.Socket) => {
      if (!s.connecting) return;
      state.timer = setTimeout(() => preq.destroy(timeoutError('backend connect timed out', 'ECONNECTTIMEOUT')), this.timeouts.connectMs);
      s.once('connect', () => clearTimeout(state.timer));
    });
    return state;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, f: ForwardedFor): void {
    socket.on('error', () => socket.destroy());
    const fail = (status: number, extra: string[] = []) => {
      socket.end(rawHead(status, http.STATUS_CODES[status] ?? '', ['Content-Length', '0', 'Connection', 'close', ...extra]));
    };
    const d = this.decide(req, f);
    if (d.kind === 'redirect') return fail(308, ['Location', d.location]);
    if (d.kind === 'error') return fail(d.status);
    const ep = d.endpoint;
    const headers = backendRequestHeaders(req, f);
    headers.push('Connection', 'Upgrade', 'Upgrade', String(req.headers.upgrade ?? ''));
    // Upgraded connections leave the pool for good, so they get their own.
    const preq = http.request({ host: ep.address, port: ep.port, method: req.method, path: req.url, headers, agent: false, setHost: false });
    const connectTimer = this.watchConnect(preq);
    preq.setTimeout(this.timeouts.idleMs, () => preq.destroy(timeoutError('backend timed out', 'ETIMEDOUT')));
    socket.once('close', () => preq.destroy());
    preq.on('upgrade', (pres, backend, backendHead) => {
      clearTimeout(connectTimer.timer);
      backend.setTimeout(0);
      if ('setTimeout' in socket) (socket as net.Socket).setTimeout(0);
      const h = [...pres.rawHeaders];
      if (d.setCookie) h.push('Set-Cookie', d.setCookie);
      socket.write(rawHead(pres.statusCode ?? 101, pres.statusMessage ?? 'Switching Protocols', h));
      if (backendHead.length) socket.write(backendHead);
      if (head.length) backend.write(head);
      backend.on('error', () => socket.destroy());
      socket.on('error', () => backend.destroy());
      backend.on('close', () => socket.destroy());
      socket.on('close', () => backend.destroy());
      backend.pipe(socket);
      socket.pipe(backend);
    });
    preq.on('response', (pres) => {
      // The backend declined the upgrade: relay its answer and close.
      clearTimeout(connectTimer.timer);
      const h = endToEndHeaders(pres, new Set(['content-length']));
      h.push('Connection', 'close');
      socket.write(rawHead(pres.statusCode ?? 502, pres.statusMessage ?? '', h));
      pres.pipe(socket);
    });
    preq.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer.timer);
      if (!socket.destroyed) fail(err.code === 'ETIMEDOUT' || err.code === 'ECONNECTTIMEOUT' ? 504 : 502);
    });
    preq.end();
  }
}
