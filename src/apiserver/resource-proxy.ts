// pods/proxy and services/proxy: the API server forwards an HTTP request to a pod's IP, or to a ready
// endpoint of a Service, as upstream does (what `kubectl proxy` and `kubectl get --raw` reach pods and
// Services through). The name segment may carry a scheme and a port, `[https:]name[:port]`; a pod's
// port may be a number or a container port's name, a Service's a port name or number.
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../api/object.js';
import { ApiError, errors, undefinedIfNotFound } from '../api/status.js';
import type { Registry } from '../api/registry.js';
import type { ResourceType } from '../api/resource-type.js';
import type { ResourceService } from './resource-service.js';
import type { RequestInfo } from './request-info.js';

interface Target {
  scheme: 'http' | 'https';
  host: string;
  port: number;
}

interface ProxyName {
  scheme: 'http' | 'https';
  name: string;
  port: string;
}

/** Upstream's "scheme:name:port" split: a name alone, name:port, or scheme:name:port. */
export function parseProxyName(id: string): ProxyName {
  const parts = id.split(':');
  if (parts.length === 1) return { scheme: 'http', name: parts[0], port: '' };
  if (parts.length === 2) return { scheme: 'http', name: parts[0], port: parts[1] };
  if (parts.length === 3 && (parts[0] === 'http' || parts[0] === 'https' || parts[0] === '')) {
    return { scheme: parts[0] === 'https' ? 'https' : 'http', name: parts[1], port: parts[2] };
  }
  throw errors.badRequest(`invalid request ${JSON.stringify(id)}`);
}

/** Hop-by-hop headers and the caller's credentials stay at the API server. */
const droppedHeaders = new Set(['authorization', 'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host']);

export class ResourceProxy {
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  // Pods serve their own certificates: like upstream's proxy, the API server does not verify them.
  private readonly httpsAgent = new https.Agent({ keepAlive: true, rejectUnauthorized: false });

  constructor(
    private readonly service: ResourceService,
    private readonly registry: Registry,
  ) {}

  async pod(req: IncomingMessage, res: ServerResponse, rt: ResourceType, info: RequestInfo): Promise<void> {
    const { scheme, name, port } = parseProxyName(info.name);
    const pod = await this.service.get(rt, info.namespace, name);
    const ip = pod.status?.podIP;
    if (!ip) throw new ApiError(503, 'ServiceUnavailable', `address not allowed: pod ${name} has no IP yet`);
    this.forward(req, res, info, { scheme, host: ip, port: podPort(pod, port) });
  }

  async serviceEndpoint(req: IncomingMessage, res: ServerResponse, rt: ResourceType, info: RequestInfo): Promise<void> {
    const { scheme, name, port } = parseProxyName(info.name);
    const svc = await this.service.get(rt, info.namespace, name);
    const ports: any[] = svc.spec?.ports ?? [];
    const svcPort = port === ''
      ? (ports.length === 1 ? ports[0] : ports.find((p) => !p.name))
      : ports.find((p) => p.name === port || String(p.port) === port);
    if (!svcPort) throw errors.notFound('services', '', `${name}:${port}`);
    const endpointsType = this.registry.resource('', 'v1', 'endpoints')!;
    const endpoints = await undefinedIfNotFound(this.service.get(endpointsType, info.namespace, name));
    const candidates: Target[] = [];
    for (const subset of endpoints?.subsets ?? []) {
      const p = (subset.ports ?? []).find((ep: any) => (ep.name ?? '') === (svcPort.name ?? ''));
      if (!p) continue;
      for (const a of subset.addresses ?? []) candidates.push({ scheme, host: a.ip, port: p.port });
    }
    if (candidates.length === 0) throw new ApiError(503, 'ServiceUnavailable', `no endpoints available for service "${name}"`);
    this.forward(req, res, info, candidates[Math.floor(Math.random() * candidates.length)]);
  }

  private forward(req: IncomingMessage, res: ServerResponse, info: RequestInfo, target: Target): void {
    const url = new URL(req.url ?? '/', 'https://localhost');
    // The path below .../proxy, its trailing slash kept (parsed segments lose it).
    const marker = '/proxy';
    const at = url.pathname.indexOf(marker, url.pathname.indexOf(`/${info.resource}/`));
    const below = at >= 0 ? url.pathname.slice(at + marker.length) : '';
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!droppedHeaders.has(k) && v !== undefined) headers[k] = v;
    headers.host = `${target.host}:${target.port}`;
    const client = target.scheme === 'https' ? https : http;
    const upstream = client.request({
      host: target.host, port: target.port, method: req.method, path: (below || '/') + url.search, headers,
      agent: target.scheme === 'https' ? this.httpsAgent : this.httpAgent, timeout: 60_000,
    }, (reply) => {
      const out: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(reply.headers)) if (!droppedHeaders.has(k) && v !== undefined) out[k] = v;
      res.writeHead(reply.statusCode ?? 502, out);
      reply.pipe(res);
    });
    upstream.on('timeout', () => upstream.destroy(new Error('timeout')));
    upstream.on('error', (e) => {
      if (res.headersSent) return void res.destroy();
      const status = new ApiError(503, 'ServiceUnavailable', `error trying to reach service: ${e.message}`).toStatus();
      res.writeHead(503, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(status));
    });
    req.pipe(upstream);
  }
}

/** The pod port a proxy request means: a number, a container port's name, or the first declared port. */
function podPort(pod: KubeObject, port: string): number {
  const declared: any[] = (pod.spec?.containers ?? []).flatMap((c: any) => c.ports ?? []);
  if (port === '') {
    const first = declared[0]?.containerPort;
    if (typeof first === 'number') return first;
    return 80;
  }
  if (/^\d+$/.test(port)) return Number(port);
  const named = declared.find((p) => p.name === port);
  if (!named) throw errors.badRequest(`no port named ${JSON.stringify(port)} in pod ${pod.metadata.name}`);
  return named.containerPort;
}
