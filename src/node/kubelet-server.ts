// The kubelet API the API server calls for pods/log, pods/exec, pods/attach and pods/portforward.
// HTTPS with its own certificate; callers present the node token.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NodeAgent } from './agent.js';
import { streamLogs } from './container-logs.js';
import { serveStreamingUpgrade } from './streaming-handlers.js';

export interface KubeletServerOptions {
  agent: NodeAgent;
  port: number;
  bindAddress: string;
  certPem: string;
  keyPem: string;
  token: string;
}

function statusReply(res: ServerResponse, code: number, message: string, reason = 'BadRequest'): void {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export class KubeletServer {
  private readonly server: https.Server;
  /** Serves upgraded requests: exec, attach and port-forward (streaming-handlers.ts); replaceable for tests. */
  onUpgrade: (req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer, parts: string[], query: URLSearchParams) => void =
    (req, socket, head, parts, query) => serveStreamingUpgrade(this.opts.agent, req, socket, head, parts, query);

  constructor(private readonly opts: KubeletServerOptions) {
    this.server = https.createServer({ cert: opts.certPem, key: opts.keyPem }, (req, res) => void this.handle(req, res));
    this.server.on('upgrade', (req, socket, head) => {
      socket.on('error', () => socket.destroy());
      if (!this.authorized(req)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      try {
        const url = new URL(req.url ?? '/', 'https://kubelet');
        const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
        this.onUpgrade(req, socket, head, parts, url.searchParams);
      } catch (e) {
        const body = (e as Error).message;
        socket.end(`HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      }
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.bindAddress, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  private authorized(req: IncomingMessage): boolean {
    return req.headers.authorization === `Bearer ${this.opts.token}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (!this.authorized(req)) return statusReply(res, 401, 'Unauthorized', 'Unauthorized');
      const url = new URL(req.url ?? '/', 'https://kubelet');
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      if (parts[0] === 'healthz') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        return void res.end('ok');
      }
      if (parts[0] === 'containerLogs' && parts.length === 4) return await this.logs(res, parts[1], parts[2], parts[3], url.searchParams);
      statusReply(res, 404, 'the server could not find the requested resource', 'NotFound');
    } catch (e) {
      if (!res.headersSent) statusReply(res, 500, (e as Error).message, 'InternalError');
      else res.destroy();
    }
  }

  private async logs(res: ServerResponse, ns: string, pod: string, container: string, q: URLSearchParams): Promise<void> {
    const worker = this.opts.agent.worker(ns, pod);
    if (!worker) return statusReply(res, 404, `pod "${pod}" not found on node ${this.opts.agent.nodeName}`, 'NotFound');
    const previous = q.get('previous') === 'true';
    const file = worker.logFile(container, previous);
    if (!file) {
      if (previous) return statusReply(res, 400, `previous terminated container "${container}" in pod "${pod}" not found`);
      return statusReply(res, 400, `container "${container}" in pod "${pod}" is waiting to start: ContainerCreating`);
    }
    let sinceTime: Date | undefined;
    if (q.get('sinceTime')) sinceTime = new Date(q.get('sinceTime')!);
    else if (q.get('sinceSeconds')) sinceTime = new Date(Date.now() - Number(q.get('sinceSeconds')) * 1000);
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const follow = q.get('follow') === 'true';
    await streamLogs(file, {
      follow,
      timestamps: q.get('timestamps') === 'true',
      tailLines: q.has('tailLines') ? Number(q.get('tailLines')) : undefined,
      limitBytes: q.has('limitBytes') ? Number(q.get('limitBytes')) : undefined,
      sinceTime,
    }, res, () => !previous && worker.containerRunning(container) && worker.logFile(container, false) === file);
    res.end();
  }
}
