// One data plane: the HTTP and HTTPS listeners, the proxy behind them and the certificates they serve,
// routing by the snapshot built from the last RoutingInputs. A node runs several of these in processes of
// their own (data-plane-worker.ts) that share the listening ports.
import type http from 'node:http';
import type { KubeObject } from '../api/object.js';
import { IngressProxy } from './http-proxy.js';
import { RouteTable } from './route-table.js';
import { RoutingSnapshot } from './routing-snapshot.js';
import { serviceNameLabel } from './service-endpoints.js';
import { CertificateStore } from './tls-certificates.js';
import { close, createHttpListener, createHttpsListener, listen } from './ingress-listeners.js';
import type { DataPlaneSettings, ListenResult, RoutingInputs } from './data-plane-messages.js';

const key = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;

/** The routing snapshot for a set of inputs (the Services' EndpointSlices found by their service-name label). */
export function snapshotOf(inputs: RoutingInputs): RoutingSnapshot {
  const services = new Map(inputs.services.map((s) => [key(s), s]));
  const bySvc = new Map<string, KubeObject[]>();
  for (const s of inputs.slices) {
    const svc = s.metadata.labels?.[serviceNameLabel];
    if (!svc) continue;
    const k = `${s.metadata.namespace}/${svc}`;
    if (!bySvc.has(k)) bySvc.set(k, []);
    bySvc.get(k)!.push(s);
  }
  return new RoutingSnapshot(new RouteTable(inputs.ingresses), {
    service: (ns, name) => services.get(`${ns}/${name}`),
    slices: (ns, name) => bySvc.get(`${ns}/${name}`) ?? [],
  });
}

export class DataPlane {
  private readonly proxy: IngressProxy;
  private readonly certificates: CertificateStore;
  private readonly http: http.Server;
  private readonly https: http.Server;
  private current: RoutingSnapshot;
  private secrets = new Map<string, KubeObject>();
  private httpsPort?: number;

  constructor(private readonly settings: DataPlaneSettings, routing: RoutingInputs, log: (message: string) => void) {
    this.current = snapshotOf(routing);
    this.proxy = new IngressProxy({ snapshot: () => this.current, httpsPort: () => this.httpsPort });
    this.certificates = new CertificateStore((ns, name) => this.secrets.get(`${ns}/${name}`), log);
    this.http = createHttpListener(this.proxy, settings.limits);
    this.https = createHttpsListener(this.proxy, settings.limits, settings.defaultCertificate, (name) => this.certificates.contextFor(this.current.table, name));
    this.update(routing);
  }

  /** Requests arriving from now on route by these inputs; those in flight finish where they were sent. */
  update(routing: RoutingInputs): void {
    const secrets = new Map(routing.secrets.map((s) => [key(s), s]));
    for (const k of this.secrets.keys()) if (!secrets.has(k)) this.certificates.forget(...(k.split('/') as [string, string]));
    this.secrets = secrets;
    this.current = snapshotOf(routing);
    this.proxy.retain(this.current);
  }

  async listen(): Promise<{ http?: ListenResult; https?: ListenResult }> {
    const one = async (server: http.Server, port: number | undefined): Promise<ListenResult | undefined> => {
      if (port === undefined) return undefined;
      const r = await listen(server, port, this.settings.address);
      return 'port' in r ? r : { error: r.error.message };
    };
    const h = await one(this.http, this.settings.httpPort);
    const s = await one(this.https, this.settings.httpsPort);
    if (s && 'port' in s) this.httpsPort = s.port;
    return { http: h, https: s };
  }

  async stop(): Promise<void> {
    await Promise.all([close(this.http), close(this.https)]);
    this.proxy.close();
  }
}
