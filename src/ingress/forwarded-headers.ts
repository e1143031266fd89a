// The headers a proxied request and response carry: hop-by-hop headers (RFC 9110 §7.6.1, plus any the
// Connection header names) are dropped, the rest pass in their original case and order, and requests
// gain X-Forwarded-For (appended to the client's), X-Forwarded-Proto, -Host and -Port.
import type { IncomingMessage } from 'node:http';

const hopByHop = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer',
  'transfer-encoding', 'upgrade',
]);

const forwarded = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port']);

function connectionTokens(value: string | string[] | undefined): Set<string> | undefined {
  if (!value) return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  const out = new Set<string>();
  for (const t of text.split(',')) {
    const name = t.trim().toLowerCase();
    if (name && name !== 'close' && name !== 'keep-alive' && name !== 'upgrade') out.add(name);
  }
  return out.size ? out : undefined;
}

/** rawHeaders without hop-by-hop ones, as a flat [name, value, …] list. */
export function endToEndHeaders(msg: IncomingMessage, drop?: Set<string>): string[] {
  return endToEndRawHeaders(msg.rawHeaders, drop);
}

/** A flat [name, value, …] header list without hop-by-hop ones (and those the Connection header names). */
export function endToEndRawHeaders(raw: string[], drop?: Set<string>): string[] {
  let connection: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].length === 10 && raw[i].toLowerCase() === 'connection') (connection ??= []).push(raw[i + 1]);
  const named = connectionTokens(connection);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i].toLowerCase();
    if (hopByHop.has(lower) || named?.has(lower) || drop?.has(lower)) continue;
    out.push(raw[i], raw[i + 1]);
  }
  return out;
}

export interface ForwardedFor {
  scheme: 'http' | 'https';
  /** The port the client connected to. */
  port: number;
}

/** Headers for the request to the backend (Host kept as the client sent it). */
export function backendRequestHeaders(req: IncomingMessage, f: ForwardedFor): string[] {
  const out = endToEndHeaders(req, forwarded);
  const prior = req.headers['x-forwarded-for'];
  const client = req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';
  out.push('X-Forwarded-For', prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${client}` : client);
  out.push('X-Forwarded-Proto', f.scheme);
  out.push('X-Forwarded-Host', req.headers.host ?? '');
  out.push('X-Forwarded-Port', String(f.port));
  // A chunked request body stays chunked (Node re-frames it); other framings come from Content-Length.
  if (req.headers['transfer-encoding']) out.push('Transfer-Encoding', 'chunked');
  return out;
}

/** Whether a request carries a body (so it cannot be replayed to another endpoint). */
export function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding']) return true;
  const len = req.headers['content-length'];
  return len !== undefined && len !== '0';
}
