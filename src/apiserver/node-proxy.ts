// pods/log, pods/exec, pods/attach and pods/portforward: the API server checks the request against
// the pod and forwards it to the kubelet API of the pod's node (HTTPS, node token), streaming
// replies and upgraded connections (SPDY, WebSocket) through unchanged.
import https from 'node:https';
import tls from 'node:tls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { KubeObject } from '../api/object.js';
import { ApiError, errors } from '../api/status.js';
import type { Registry } from '../api/registry.js';
import type { ResourceService } from './resource-service.js';
import type { RequestInfo } from './request-info.js';
import { sendStatus } from './respond.js';

export interface NodeProxyOptions {
  service: ResourceService;
  registry: Registry;
  /** The token kubelets accept from the API server. */
  nodeToken: string;
}

function containerNames(pod: KubeObject): { app: string[]; init: string[]; ephemeral: string[] } {
  return {
    app: (pod.spec?.containers ?? []).map((c: any) => c.name),
    init: (pod.spec?.initContainers ?? []).map((c: any) => c.name),
    ephemeral: (pod.spec?.ephemeralContainers ?? []).map((c: any) => c.name),
  };
}

/** The container a request means: the named one, or the only/default one, as upstream decides. */
export function chooseContainer(pod: KubeObject, requested: string | null): string {
  const names = containerNames(pod);
  const podName = pod.metadata.name;
  if (!requested) {
    const dflt = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
    if (dflt && names.app.includes(dflt)) return dflt;
    if (names.app.length === 1) return names.app[0];
    let msg = `a container name must be specified for pod ${podName}, choose one of: [${names.app.join(' ')}]`;
    if (names.init.length) msg += ` or one of the init containers: [${names.init.join(' ')}]`;
    throw errors.badRequest(msg);
  }
  if (![...names.app, ...names.init, ...names.ephemeral].includes(requested)) {
    throw errors.badRequest(`container ${requested} is not valid for pod ${podName}`);
  }
  return requested;
}

export class NodeProxy {
  private readonly agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false });

  constructor(private readonly opts: NodeProxyOptions) {}

  private async target(info: RequestInfo): Promise<{ pod: KubeObject; host: string; port: number }> {
    const podsType = this.opts.registry.resource('', 'v1', 'pods')!;
    const pod = await this.opts.service.get(podsType, info.namespace, info.name);
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) throw errors.badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
    const nodesType = this.opts.registry.resource('', 'v1', 'nodes')!;
    const node = await this.opts.service.get(nodesType, '', nodeName);
    const address = (node.status?.addresses ?? []).find((a: any) => a.type === 'InternalIP')?.address;
    const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
    if (!address || !port) throw new ApiError(503, 'ServiceUnavailable', `node ${nodeName} has not reported its kubelet endpoint`);
    return { pod, host: address, port };
  }

  /** GET pods/<name>/log */
  async logs(_req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams): Promise<void> {
    const { pod, host, port } = await this.target(info);
    const container = chooseContainer(pod, query.get('container'));
    const q = new URLSearchParams();
    for (const k of ['follow', 'previous', 'timestamps', 'tailLines', 'sinceSeconds', 'sinceTime', 'limitBytes']) {
      const v = query.get(k);
      if (v !== null) q.set(k, v);
    }
    const path = `/containerLogs/${encodeURIComponent(info.namespace)}/${encodeURIComponent(info.name)}/${encodeURIComponent(container)}?${q}`;
    await new Promise<void>((resolve, reject) => {
      const upstream = https.get({ host, port, path, agent: this.agent, headers: { Authorization: `Bearer ${this.opts.nodeToken}` } }, (r) => {
        res.writeHead(r.statusCode ?? 502, { 'Content-Type': r.headers['content-type'] ?? 'text/plain', 'Transfer-Encoding': 'chunked' });
        res.flushHeaders();
        r.pipe(res);
        r.on('end', resolve);
        r.on('error', reject);
      });
      upstream.on('error', (e) => reject(new ApiError(503, 'ServiceUnavailable', `failed to reach the kubelet on ${host}:${port}: ${e.message}`)));
      res.on('close', () => upstream.destroy());
    });
  }

  /** Upgraded requests (exec, attach, portforward): raw bytes both ways after the handshake. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, info: RequestInfo, query: URLSearchParams): Promise<void> {
    try {
      const { pod, host, port } = await this.target(info);
      if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') {
        throw errors.badRequest(`cannot exec into a container in a completed pod; current phase is ${pod.status.phase}`);
      }
      let path: string;
      const ns = encodeURIComponent(info.namespace);
      const name = encodeURIComponent(info.name);
      if (info.subresource === 'portforward') path = `/portForward/${ns}/${name}?${query}`;
      else {
        const container = chooseContainer(pod, query.get('container'));
        path = `/${info.subresource}/${ns}/${name}/${encodeURIComponent(container)}?${query}`;
      }
      const upstream = tls.connect({ host, port, rejectUnauthorized: false });
      await new Promise<void>((resolve, reject) => {
        upstream.once('secureConnect', resolve);
        upstream.once('error', reject);
      });
      const lines = [`${req.method} ${path} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const k = req.rawHeaders[i].toLowerCase();
        if (k === 'authorization' || k === 'host') continue;
        lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      }
      lines.push(`Host: ${host}:${port}`, `Authorization: Bearer ${this.opts.nodeToken}`);
      upstream.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
      const close = () => {
        upstream.destroy();
        socket.destroy();
      };
      upstream.on('error', close);
      socket.on('error', close);
      upstream.on('close', close);
      socket.on('close', close);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(500, 'InternalError', (e as Error).message);
      writeStatusToSocket(socket, err);
    }
  }
}

/** An HTTP error reply on a socket whose request asked for an upgrade. */
export function writeStatusToSocket(socket: Duplex, err: ApiError): void {
  const body = JSON.stringify(err.toStatus());
  socket.end(`HTTP/1.1 ${err.code} ${err.reason || 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

export { sendStatus };
