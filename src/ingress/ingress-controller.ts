// The Ingress controller nanokube runs on every node (like a DaemonSet of ingress-nginx/Traefik in k3s):
// it watches Ingresses, IngressClasses, Services, EndpointSlices, Secrets and Nodes, keeps a routing
// snapshot that follows them within milliseconds, serves HTTP and HTTPS on the node's address (through
// data plane processes it forks, one per core, fed the routing inputs over IPC: data-plane-workers.ts), publishes
// the ports it got on its Node (annotations ingress.nanokube.io/http-port and -https-port, which matter
// when a port is 0 = any free port) and fills status.loadBalancer.ingress of the Ingresses it serves with
// the addresses of every node that serves them.
//
// Routing follows the Ingress API (see route-table.ts); pathType ImplementationSpecific is treated as
// Prefix. Annotations it reads are listed in ingress-annotations.ts.
import type { KubeObject } from '../api/object.js';
import { isIP } from 'node:net';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { Informer } from '../client/informer.js';
import { WorkQueue } from '../client/work-queue.js';
import { ClassSelection, ensureDefaultIngressClass, ingressClassRef } from './ingress-class.js';
import { RouteTable } from './route-table.js';
import { serviceNameLabel } from './service-endpoints.js';
import { defaultListenerLimits, type ListenerLimits } from './ingress-listeners.js';
import { DataPlaneWorkers, defaultDataPlaneWorkers } from './data-plane-workers.js';
import type { RoutingInputs } from './data-plane-messages.js';

const refs = {
  ingresses: { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', plural: 'ingresses', namespaced: true },
  services: { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  slices: { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true },
  secrets: { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
  nodes: { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false },
} satisfies Record<string, ResourceRef>;

export const httpPortAnnotation = 'ingress.nanokube.io/http-port';
export const httpsPortAnnotation = 'ingress.nanokube.io/https-port';

export interface IngressControllerOptions {
  client: ApiClient;
  nodeName: string;
  /** The node's address: the listeners bind to it and Ingress status reports it. */
  address: string;
  /** 0 picks a free port. */
  httpPort: number;
  httpsPort: number;
  /** Served when no Ingress TLS Secret covers the requested name. */
  defaultCertificate: { certPem: string; keyPem: string };
  limits?: ListenerLimits;
  /** Data plane processes sharing the ports (default one per core). */
  workers?: number;
  log?: (message: string) => void;
}

/** An object without its managedFields, which routing never reads (less to send to the data plane). */
function lean(o: KubeObject): KubeObject {
  if (!o.metadata.managedFields) return o;
  const { managedFields: _, ...metadata } = o.metadata;
  return { ...o, metadata };
}

export class IngressController {
  private readonly ingresses: Informer;
  private readonly classes: Informer;
  private readonly services: Informer;
  private readonly slices: Informer;
  private readonly secrets: Informer;
  private readonly nodes: Informer;
  private readonly statusQueue = new WorkQueue({ baseDelayMs: 200, maxDelayMs: 30_000 });
  private readonly dataPlane: DataPlaneWorkers;
  private readonly log: (message: string) => void;
  private rebuildPending = false;
  private addressesKey = '';
  private stopped = false;
  private annotateTimer?: NodeJS.Timeout;
  /** The ports actually listened on (undefined when that listener could not start). */
  readonly ports: { http?: number; https?: number } = {};

  constructor(private readonly opts: IngressControllerOptions) {
    const client = opts.client;
    this.log = opts.log ?? ((m) => process.stderr.write(`nanokube ingress: ${m}\n`));
    this.ingresses = new Informer(client, refs.ingresses);
    this.classes = new Informer(client, ingressClassRef);
    this.services = new Informer(client, refs.services);
    this.slices = new Informer(client, refs.slices);
    this.secrets = new Informer(client, refs.secrets);
    this.nodes = new Informer(client, refs.nodes);
    const settings = { address: opts.address, httpPort: opts.httpPort, httpsPort: opts.httpsPort, defaultCertificate: opts.defaultCertificate, limits: opts.limits ?? defaultListenerLimits };
    this.dataPlane = new DataPlaneWorkers(opts.workers ?? defaultDataPlaneWorkers, settings, { ingresses: [], services: [], slices: [], secrets: [] }, this.log);

    const changed = () => this.scheduleRebuild();
    const onIngress = (o: KubeObject) => {
      changed();
      this.statusQueue.add(`${o.metadata.namespace}/${o.metadata.name}`);
    };
    this.ingresses.on({ add: onIngress, update: (_o, n) => onIngress(n), delete: changed });
    const everyIngress = () => {
      changed();
      for (const i of this.ingresses.list()) this.statusQueue.add(`${i.metadata.namespace}/${i.metadata.name}`);
    };
    this.classes.on({ add: everyIngress, update: everyIngress, delete: everyIngress });
    for (const inf of [this.services, this.slices, this.secrets]) inf.on({ add: changed, update: changed, delete: changed });
    const onNode = () => {
      const key = JSON.stringify(this.loadBalancerIngress());
      if (key === this.addressesKey) return;
      this.addressesKey = key;
      for (const i of this.ingresses.list()) this.statusQueue.add(`${i.metadata.namespace}/${i.metadata.name}`);
    };
    this.nodes.on({ add: onNode, update: onNode, delete: onNode });
  }

  async start(): Promise<void> {
    try {
      await ensureDefaultIngressClass(this.opts.client);
    } catch (e) {
      this.log(`could not create the default IngressClass: ${(e as Error).message}`);
    }
    await Promise.all([this.ingresses, this.classes, this.services, this.slices, this.secrets, this.nodes].map((i) => i.start()));
    this.rebuild();
    const host = this.opts.address;
    const { http: h, https: s } = await this.dataPlane.start();
    // A taken port must not take the node down: say so and keep the rest running.
    if (h && 'port' in h) this.ports.http = h.port;
    else this.log(`cannot serve HTTP on ${host}:${this.opts.httpPort}: ${h?.error}`);
    if (s && 'port' in s) this.ports.https = s.port;
    else this.log(`cannot serve HTTPS on ${host}:${this.opts.httpsPort}: ${s?.error}`);
    const url = (scheme: string, port?: number) => (port === undefined ? `${scheme} unavailable` : `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`);
    process.stdout.write(`nanokube ingress on node ${this.opts.nodeName}: ${url('http', this.ports.http)} ${url('https', this.ports.https)}\n`);
    await this.annotateNode();
    this.statusQueue.run(1, (key) => this.syncStatus(key));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.annotateTimer);
    this.statusQueue.stop();
    for (const i of [this.ingresses, this.classes, this.services, this.slices, this.secrets, this.nodes]) i.stop();
    await this.dataPlane.stop();
    // Best effort: this node no longer serves Ingresses (the status writers drop its address).
    await Promise.race([
      this.opts.client.patch(refs.nodes, '', this.opts.nodeName, 'merge', { metadata: { annotations: { [httpPortAnnotation]: null, [httpsPortAnnotation]: null } } }).catch(() => {}),
      new Promise((r) => setTimeout(r, 1_000).unref()),
    ]);
  }

  private scheduleRebuild(): void {
    if (this.rebuildPending || this.stopped) return;
    this.rebuildPending = true;
    // One rebuild per burst of events (a rollout changes many objects at once).
    setImmediate(() => {
      this.rebuildPending = false;
      this.rebuild();
    });
  }

  private rebuild(): void {
    this.dataPlane.update(this.routingInputs());
  }

  /** The served Ingresses and the Services, EndpointSlices and TLS Secrets they name. */
  private routingInputs(): RoutingInputs {
    const selection = new ClassSelection(this.classes.list());
    const ingresses = this.ingresses.list().filter((i) => selection.serves(i) && !i.metadata.deletionTimestamp);
    const wanted = new Set<string>();
    new RouteTable(ingresses).forEachRoute((r) => {
      if (r.backend.service) wanted.add(`${r.backend.namespace}/${r.backend.service}`);
    });
    const services = this.services.list().filter((s) => wanted.has(`${s.metadata.namespace}/${s.metadata.name}`));
    const slices = this.slices.list().filter((s) => wanted.has(`${s.metadata.namespace}/${s.metadata.labels?.[serviceNameLabel]}`));
    const secrets: KubeObject[] = [];
    for (const i of ingresses) {
      for (const t of i.spec?.tls ?? []) {
        const s = t?.secretName ? this.secrets.get(i.metadata.namespace!, t.secretName) : undefined;
        if (s && !secrets.includes(s)) secrets.push(s);
      }
    }
    return { ingresses: ingresses.map(lean), services: services.map(lean), slices: slices.map(lean), secrets: secrets.map(lean) };
  }

  private async annotateNode(): Promise<void> {
    const annotations = {
      [httpPortAnnotation]: this.ports.http === undefined ? null : String(this.ports.http),
      [httpsPortAnnotation]: this.ports.https === undefined ? null : String(this.ports.https),
    };
    try {
      await this.opts.client.patch(refs.nodes, '', this.opts.nodeName, 'merge', { metadata: { annotations } });
    } catch (e) {
      if (this.stopped) return;
      this.log(`cannot annotate node ${this.opts.nodeName} with the ingress ports (${(e as Error).message}); retrying`);
      this.annotateTimer = setTimeout(() => void this.annotateNode(), 2_000);
      this.annotateTimer.unref();
    }
  }

  /** status.loadBalancer.ingress: the address of every node serving Ingresses, sorted. */
  private loadBalancerIngress(): Record<string, string>[] {
    const addresses = new Set<string>();
    for (const n of this.nodes.list()) {
      const a = n.metadata.annotations ?? {};
      if (!a[httpPortAnnotation] && !a[httpsPortAnnotation]) continue;
      const internal = (n.status?.addresses ?? []).find((x: any) => x.type === 'InternalIP')?.address;
      if (internal) addresses.add(internal);
    }
    return [...addresses].sort().map((a): Record<string, string> => (isIP(a) ? { ip: a } : { hostname: a }));
  }

  private async syncStatus(key: string): Promise<void> {
    const [ns, name] = key.split('/');
    const ing = this.ingresses.get(ns, name);
    if (!ing || ing.metadata.deletionTimestamp) return;
    const current: Record<string, string>[] = ing.status?.loadBalancer?.ingress ?? [];
    const ours = this.loadBalancerIngress();
    let desired: Record<string, string>[];
    if (new ClassSelection(this.classes.list()).serves(ing)) desired = ours;
    else {
      // No longer ours: clear what we wrote, never another controller's addresses.
      const mine = new Set(ours.map((o) => o.ip ?? o.hostname));
      if (!current.length || !current.every((c) => mine.has(c.ip ?? c.hostname))) return;
      desired = [];
    }
    if (JSON.stringify(current) === JSON.stringify(desired)) return;
    await this.opts.client.patch(refs.ingresses, ns, name, 'merge', { status: { loadBalancer: { ingress: desired.length ? desired : null } } }, { subresource: 'status' });
  }
}
