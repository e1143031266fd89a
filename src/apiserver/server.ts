// The API server: HTTPS with bearer-token authentication, health, version, discovery, OpenAPI
// and resource requests.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, errors } from '../api/status.js';
import type { Registry } from '../api/registry.js';
import type { Store } from '../storage/store.js';
import { parseRequestPath } from './request-info.js';
import { ResourceService } from './resource-service.js';
import { RestHandler } from './rest-handler.js';
import { sendJson, sendStatus, sendText } from './respond.js';
import {
  aggregatedContentType, aggregatedDiscovery, aggregatedVersionAccepted, apiResourceList, legacyApiGroup, legacyApiGroupList, legacyApiVersions,
} from './discovery.js';
import { openapiV2ContentType, openapiV2Protobuf, openapiV3Document, openapiV3Index } from './openapi.js';
import { versionInfo } from './version.js';
import { NodeProxy, writeStatusToSocket } from './node-proxy.js';
import type { Duplex } from 'node:stream';
import { setRequestUser } from './request-user.js';
import { ResourceProxy } from './resource-proxy.js';
import { Authenticator } from './authenticator.js';
import type { ServiceAccountTokens } from './service-account-tokens.js';
import { serveTokenRequest } from './token-request.js';

export interface ApiServerOptions {
  registry: Registry;
  store: Store;
  port: number;
  bindAddress: string;
  tls: { certPem: string; keyPem: string; caPem: string };
  /** Bearer tokens accepted, mapped to the user name they authenticate. */
  tokens: Map<string, string>;
  /** The token kubelets accept from the API server (pods/log, exec, attach, portforward). */
  nodeToken: string;
  /** Issues and verifies service account tokens (serviceaccounts/token); without it none are accepted. */
  serviceAccountTokens?: ServiceAccountTokens;
}

export class ApiServer {
  readonly service: ResourceService;
  readonly rest: RestHandler;
  private readonly server: https.Server;
  private readonly authenticator: Authenticator;
  private ready = false;

  constructor(private readonly opts: ApiServerOptions) {
    this.service = new ResourceService(opts.store, opts.registry);
    this.rest = new RestHandler(opts.registry, this.service);
    this.server = https.createServer(
      { cert: opts.tls.certPem, key: opts.tls.keyPem, ca: opts.tls.caPem, requestCert: false, keepAlive: true, maxHeaderSize: 1024 * 1024 },
      (req, res) => void this.dispatch(req, res),
    );
    const proxy = new NodeProxy({ service: this.service, registry: opts.registry, nodeToken: opts.nodeToken });
    this.rest.handleSubresource('pods', 'log', (req, res, _rt, info, query) => proxy.logs(req, res, info, query));
    this.authenticator = new Authenticator(opts.tokens, opts.serviceAccountTokens, this.service, opts.registry);
    const saTokens = opts.serviceAccountTokens;
    if (saTokens) this.rest.handleSubresource('serviceaccounts', 'token', (req, res, rt, info) => serveTokenRequest(req, res, rt, info, this.service, opts.registry, saTokens));
    const resourceProxy = new ResourceProxy(this.service, opts.registry);
    this.rest.handleSubresource('pods', 'proxy', (req, res, rt, info) => resourceProxy.pod(req, res, rt, info));
    this.rest.handleSubresource('services', 'proxy', (req, res, rt, info) => resourceProxy.serviceEndpoint(req, res, rt, info));
    this.server.on('upgrade', (req, socket, head) => void this.upgrade(proxy, req, socket, head));
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 70_000;
    // Watches and log streams are long-lived; per-request timeouts come from their own parameters.
    this.server.requestTimeout = 0;
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.bindAddress, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  setReady(ready: boolean): void {
    this.ready = ready;
  }

  get httpsServer(): https.Server {
    return this.server;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'https://localhost');
      const path = url.pathname;
      // Health endpoints answer without credentials, as upstream allows them for anonymous probes.
      if (path === '/livez' || path.startsWith('/livez/') || path === '/healthz' || path.startsWith('/healthz/')) return sendText(res, 200, 'ok');
      if (path === '/readyz' || path.startsWith('/readyz/')) return sendText(res, this.ready ? 200 : 503, this.ready ? 'ok' : 'not ready');
      const user = await this.authenticator.authenticate(req);
      if (!user) throw errors.unauthorized();
      setRequestUser(req, user);
      await this.route(req, res, url);
    } catch (e) {
      const err = e instanceof ApiError ? e : internal(e);
      sendStatus(res, err);
    }
  }

  /** exec, attach and portforward arrive as upgrade requests (SPDY or WebSocket). */
  private async upgrade(proxy: NodeProxy, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    let user;
    try {
      user = await this.authenticator.authenticate(req);
    } catch {
      user = undefined;
    }
    if (!user) return writeStatusToSocket(socket, errors.unauthorized());
    const url = new URL(req.url ?? '/', 'https://localhost');
    const info = parseRequestPath(url.pathname);
    if (!info?.isResourceRequest || info.group !== '' || info.resource !== 'pods' || !['exec', 'attach', 'portforward'].includes(info.subresource)) {
      return writeStatusToSocket(socket, new ApiError(400, 'BadRequest', 'upgrade requests are only served for pods/exec, pods/attach and pods/portforward'));
    }
    await proxy.upgrade(req, socket, head, info, url.searchParams);
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const registry = this.opts.registry;
    if (path === '/version') return sendJson(res, 200, versionInfo());
    if (path === '/openapi/v2' || path === '/swagger-2.0.0.pb-v1') {
      const body = openapiV2Protobuf();
      res.writeHead(200, { 'Content-Type': openapiV2ContentType, 'Content-Length': body.length });
      return void res.end(body);
    }
    if (path === '/openapi/v3') return sendJson(res, 200, openapiV3Index(registry));
    if (path.startsWith('/openapi/v3/')) {
      const doc = openapiV3Document(registry, path.slice('/openapi/v3/'.length));
      if (!doc) throw errors.noSuchResource();
      return sendJson(res, 200, doc);
    }
    if (path === '/api' || path === '/apis') {
      const core = path === '/api';
      const v = aggregatedVersionAccepted(req.headers.accept);
      if (v) return sendJson(res, 200, aggregatedDiscovery(registry, core, v), aggregatedContentType(v));
      const host = req.headers.host ?? `${this.opts.bindAddress}:${this.opts.port}`;
      return sendJson(res, 200, core ? legacyApiVersions(host) : legacyApiGroupList(registry));
    }
    const info = parseRequestPath(url.pathname);
    if (!info) throw errors.noSuchResource();
    if (!info.isResourceRequest) {
      if (info.version) {
        const list = apiResourceList(registry, info.group, info.version);
        if (list) return sendJson(res, 200, list);
      } else if (info.group) {
        const group = legacyApiGroup(registry, info.group);
        if (group) return sendJson(res, 200, group);
      }
      throw errors.noSuchResource();
    }
    await this.rest.handle(req, res, info, url.searchParams);
  }
}

function internal(e: unknown): ApiError {
  console.error('apiserver: internal error:', String((e as Error)?.stack ?? e).slice(0, 2000));
  return errors.internal((e as Error)?.message ?? String(e));
}
