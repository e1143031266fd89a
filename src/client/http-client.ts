// ApiClient over HTTPS with a bearer token and pooled keep-alive connections.
import https from 'node:https';
import tls from 'node:tls';
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../api/status.js';
import type { KubeList, KubeObject, WatchEvent } from '../api/object.js';
import { resourcePath, type ResourceRef } from './resource-ref.js';
import {
  patchContentTypes, type ApiClient, type DeleteOptions, type ListOptions, type PatchType, type WatchHandle, type WatchOptions, type WriteOptions,
} from './api-client.js';

export interface HttpClientOptions {
  server: string; // https://host:port
  token: string;
  caPem: string;
  userAgent?: string;
  maxSockets?: number;
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

function writeQuery(opts?: WriteOptions): Record<string, string | boolean | undefined> {
  return { fieldManager: opts?.fieldManager, dryRun: opts?.dryRun ? 'All' : undefined, force: opts?.force };
}

export class HttpApiClient implements ApiClient {
  private readonly agent: https.Agent;
  // Watches hold their connection for minutes: they get their own unlimited pool so that they never
  // starve ordinary requests of the bounded one (or wait behind each other).
  private readonly watchAgent: https.Agent;
  private readonly base: URL;

  constructor(private readonly opts: HttpClientOptions) {
    this.base = new URL(opts.server);
    // One TLS context for every connection: given only \`ca\`, each new connection parses the CA and
    // builds a certificate store again (milliseconds each, most of an agent's start-up work).
    const secureContext = tls.createSecureContext({ ca: opts.caPem });
    this.agent = new https.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 32, secureContext });
    this.watchAgent = new https.Agent({ keepAlive: false, secureContext });
  }

  close(): void {
    this.agent.destroy();
    this.watchAgent.destroy();
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { Authorization: `Bearer ${this.opts.token}`, Accept: 'application/json', 'User-Agent': this.opts.userAgent ?? 'nanokube', ...extra };
  }

  private open(method: string, path: string, body?: string, contentType = 'application/json', agent = this.agent): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const headers = this.headers(body !== undefined ? { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(body)) } : {});
      const req = https.request(
        { host: this.base.hostname, port: this.base.port || 443, method, path, headers, agent, servername: undefined },
        resolve,
      );
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  private async request<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const res = await this.open(method, path, body === undefined ? undefined : JSON.stringify(body), contentType);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let parsed: any;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    const code = res.statusCode ?? 500;
    if (code >= 400) {
      if (parsed?.kind === 'Status') throw ApiError.fromStatus(parsed);
      throw new ApiError(code, '', text || `HTTP ${code}`);
    }
    return parsed as T;
  }

  get<T extends KubeObject>(ref: ResourceRef, ns: string, name: string, subresource?: string): Promise<T> {
    return this.request('GET', resourcePath(ref, ns, name, subresource));
  }

  list<T extends KubeObject>(ref: ResourceRef, ns: string, opts: ListOptions = {}): Promise<KubeList<T>> {
    return this.request('GET', resourcePath(ref, ns) + query({ ...opts }));
  }

  create<T extends KubeObject>(ref: ResourceRef, ns: string, obj: KubeObject, opts?: WriteOptions): Promise<T> {
    return this.request('POST', resourcePath(ref, ns) + query(writeQuery(opts)), obj);
  }

  update<T extends KubeObject>(ref: ResourceRef, ns: string, obj: KubeObject, opts?: WriteOptions): Promise<T> {
    return this.request('PUT', resourcePath(ref, ns, obj.metadata.name, opts?.subresource) + query(writeQuery(opts)), obj);
  }

  patch<T extends KubeObject>(ref: ResourceRef, ns: string, name: string, type: PatchType, patch: unknown, opts?: WriteOptions): Promise<T> {
    return this.request('PATCH', resourcePath(ref, ns, name, opts?.subresource) + query(writeQuery(opts)), patch, patchContentTypes[type]);
  }

  async delete(ref: ResourceRef, ns: string, name: string, opts: DeleteOptions = {}): Promise<KubeObject | undefined> {
    const reply = await this.request<any>('DELETE', resourcePath(ref, ns, name), opts);
    if (!reply || reply.kind === 'Status') return undefined;
    return reply.metadata?.deletionTimestamp ? reply : undefined;
  }

  post(ref: ResourceRef, ns: string, name: string, subresource: string, body: unknown): Promise<unknown> {
    return this.request('POST', resourcePath(ref, ns, name, subresource), body);
  }

  watch(ref: ResourceRef, ns: string, opts: WatchOptions, onEvent: (ev: WatchEvent) => void, onClose: (err?: Error) => void): WatchHandle {
    let stopped = false;
    let closed = false;
    let response: IncomingMessage | undefined;
    const close = (err?: Error) => {
      if (closed) return;
      closed = true;
      onClose(stopped ? undefined : err);
    };
    const path = resourcePath(ref, ns) + query({ ...opts, watch: 'true' });
    this.open('GET', path, undefined, undefined, this.watchAgent).then(
      (res) => {
        response = res;
        if (stopped) return void res.destroy();
        if ((res.statusCode ?? 500) >= 400) {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            try {
              close(ApiError.fromStatus(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
            } catch {
              close(new ApiError(res.statusCode ?? 500, '', `watch failed with HTTP ${res.statusCode}`));
            }
          });
          return;
        }
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (!line || stopped) continue;
            const ev = JSON.parse(line) as WatchEvent;
            if (ev.type === 'ERROR') {
              res.destroy();
              return close(ApiError.fromStatus(ev.object as never));
            }
            onEvent(ev);
          }
        });
        res.on('end', () => close());
        res.on('error', (e) => close(e));
        res.on('close', () => close());
      },
      (e) => close(e),
    );
    return {
      stop() {
        stopped = true;
        response?.destroy();
        close();
      },
    };
  }
}
