// Keep-alive connections to backends, pooled per endpoint, speaking HTTP/1.1 with Node's own HTTP parser
// (llhttp, the one http.request uses) but without http.Agent and ClientRequest: the ingress forwards
// every request on one of these, and per-request work in those layers was most of its cost. One exchange
// at a time per connection; a connection goes back to the pool only when its request was sent whole
// and its response read whole with keep-alive.
import net from 'node:net';
import { createRequire } from 'node:module';

// Node's HTTP parser binding, as node:_http_common exports it (http.request's parser); not in @types/node.
interface NativeParser {
  [callback: number]: unknown;
  initialize(type: number, resource: object, maxHeaderSize?: number, lenient?: number): void;
  execute(data: Buffer): number | Error;
  finish(): number | Error | undefined;
}
const { HTTPParser } = createRequire(import.meta.url)('_http_common') as {
  HTTPParser: { new (): NativeParser; RESPONSE: number; kOnHeaders: number; kOnHeadersComplete: number; kOnBody: number; kOnMessageComplete: number };
};

export interface UpstreamHead {
  status: number;
  statusMessage: string;
  /** Flat [name, value, …] as the backend sent them. */
  rawHeaders: string[];
}

/** What one forwarded request hears back; exactly one of end and error is called, once. */
export interface UpstreamHandler {
  head(h: UpstreamHead): void;
  /** A body chunk; false asks to pause reading until resume() is called. */
  body(chunk: Buffer): boolean;
  end(): void;
  /** responded: a response head was already delivered; reused: the connection had served requests before. */
  error(err: NodeJS.ErrnoException, responded: boolean, reused: boolean): void;
}

export interface UpstreamTimeouts {
  connectMs: number;
  /** No traffic while a request is outstanding. */
  idleMs: number;
}

const pooledIdleMs = 15_000;
const maxIdlePerEndpoint = 320;

function codedError(message: string, code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/** Whether a response without a body leaves the connection open (RFC 9112 §9.3). */
function persistent(version: number, raw: string[]): boolean {
  let tokens = '';
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === 'connection') tokens += `,${raw[i + 1].toLowerCase()}`;
  const has = (t: string) => tokens.split(',').some((x) => x.trim() === t);
  return version >= 11 ? !has('close') : has('keep-alive');
}

export class UpstreamConnection {
  readonly socket: net.Socket;
  private readonly parser: NativeParser;
  private handler?: UpstreamHandler;
  private headers: string[] = [];
  private skipBody = false;
  private informational = false;
  private keepAlive = false;
  private responded = false;
  private requestSent = false;
  private served = 0;
  private connectTimer?: NodeJS.Timeout;
  private lastError?: NodeJS.ErrnoException;

  constructor(
    private readonly pool: UpstreamPool,
    readonly key: string,
    host: string,
    port: number,
    private readonly timeouts: UpstreamTimeouts,
  ) {
    this.socket = net.connect({ host, port, noDelay: true, keepAlive: true });
    this.connectTimer = setTimeout(() => this.fail(codedError('backend connect timed out', 'ECONNECTTIMEOUT')), timeouts.connectMs);
    this.socket.once('connect', () => clearTimeout(this.connectTimer));
    const parser = (this.parser = new HTTPParser());
    parser.initialize(HTTPParser.RESPONSE, {}, 0, 0);
    parser[HTTPParser.kOnHeaders] = (headers: string[]) => {
      for (const h of headers) this.headers.push(h);
    };
    parser[HTTPParser.kOnHeadersComplete] = (major: number, minor: number, headers: string[] | undefined, _m: unknown, _u: unknown,
      status: number, statusMessage: string, upgrade: boolean, shouldKeepAlive: boolean) => this.onHead(major * 10 + minor, headers, status, statusMessage, upgrade, shouldKeepAlive);
    parser[HTTPParser.kOnBody] = (chunk: Buffer) => {
      if (this.handler && !this.handler.body(chunk)) this.socket.pause();
    };
    parser[HTTPParser.kOnMessageComplete] = () => this.onMessageComplete();
    this.socket.on('data', (d: Buffer) => {
      if (!this.handler) return void this.destroy(); // a backend talking out of turn
      const r = parser.execute(d);
      if (r instanceof Error) this.fail(Object.assign(r, { code: 'EBADRESPONSE' }));
    });
    this.socket.on('end', () => {
      // A response without framing ends with the connection.
      if (this.handler && this.responded) parser.finish();
    });
    this.socket.on('timeout', () => this.handler ? this.fail(codedError('backend timed out', 'ETIMEDOUT')) : this.destroy());
    this.socket.on('error', (e) => (this.lastError = e));
    this.socket.on('close', () => {
      clearTimeout(this.connectTimer);
      this.pool.forget(this);
      this.fail(this.lastError ?? codedError('backend closed the connection', 'ECONNRESET'));
    });
  }

  /**
   * Takes the connection for one request, sending its head; the caller sends the body (write/end) and hears
   * back through handler. noBody: the response has headers only whatever they say (a HEAD request's).
   */
  begin(handler: UpstreamHandler, head: string, noBody: boolean): void {
    this.handler = handler;
    this.skipBody = noBody;
    this.responded = false;
    this.requestSent = false;
    this.socket.setTimeout(this.timeouts.idleMs);
    this.socket.write(head, 'latin1');
  }

  /** Whether this connection served a request before (a failure before any answer may be a stale connection). */
  get reused(): boolean {
    return this.served > 0;
  }

  write(chunk: Buffer | string): boolean {
    return this.socket.write(chunk);
  }

  /** The request is sent whole. */
  end(last?: string): void {
    if (last) this.socket.write(last, 'latin1');
    this.requestSent = true;
    if (!this.handler) this.release();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Gives up the exchange (the client went away): the connection cannot be reused. */
  destroy(): void {
    this.handler = undefined;
    this.socket.destroy();
  }

  private onHead(version: number, headers: string[] | undefined, status: number, statusMessage: string, upgrade: boolean, shouldKeepAlive: boolean): number {
    const raw = headers ?? this.headers;
    this.headers = [];
    // 1xx answers other than 101 come before the real one (100 Continue is Node's server's own business).
    this.informational = status >= 100 && status < 200 && status !== 101;
    if (this.informational) return 1;
    if (upgrade || status === 101) {
      this.fail(codedError('backend switched protocols on a request that asked for none', 'EBADRESPONSE'));
      return 1;
    }
    // The parser, not knowing a HEAD's answer has no body, takes one without a length as ending the connection.
    this.keepAlive = this.skipBody ? persistent(version, raw) : shouldKeepAlive;
    this.responded = true;
    this.handler?.head({ status, statusMessage, rawHeaders: raw });
    return this.skipBody ? 1 : 0;
  }

  private onMessageComplete(): void {
    if (this.informational) {
      this.informational = false;
      return;
    }
    const h = this.handler;
    this.handler = undefined;
    this.served++;
    h?.end();
    if (!this.keepAlive) this.socket.destroy();
    else if (this.requestSent) this.release();
    // else: returned by end() once the request is sent (a backend may answer before reading it all).
  }

  private release(): void {
    if (this.socket.destroyed) return;
    this.socket.setTimeout(pooledIdleMs);
    if (this.socket.isPaused()) this.socket.resume();
    this.pool.release(this);
  }

  private fail(err: NodeJS.ErrnoException): void {
    const h = this.handler;
    this.handler = undefined;
    this.socket.destroy();
    h?.error(err, this.responded, this.reused);
  }
}

export class UpstreamPool {
  private readonly idle = new Map<string, UpstreamConnection[]>();

  constructor(private readonly timeouts: UpstreamTimeouts) {}

  /** An idle connection to host:port (the most recently used), or a new one. */
  acquire(host: string, port: number): UpstreamConnection {
    const key = `${host}:${port}`;
    const list = this.idle.get(key);
    const c = list?.pop();
    if (c) return c;
    return new UpstreamConnection(this, key, host, port, this.timeouts);
  }

  release(c: UpstreamConnection): void {
    let list = this.idle.get(c.key);
    if (!list) this.idle.set(c.key, (list = []));
    if (list.length >= maxIdlePerEndpoint) return void c.destroy();
    list.push(c);
  }

  forget(c: UpstreamConnection): void {
    const list = this.idle.get(c.key);
    const i = list ? list.indexOf(c) : -1;
    if (i < 0) return;
    list!.splice(i, 1);
    if (!list!.length) this.idle.delete(c.key);
  }

  close(): void {
    for (const list of this.idle.values()) for (const c of [...list]) c.destroy();
    this.idle.clear();
  }
}
