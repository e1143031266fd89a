// Keeps the endpoints of the kube-dns Service equal to the nodes that answer DNS: every Ready node
// whose agent published its DNS address (the dns.nanokube.io/address annotation; nodes with the host
// runtime run no DNS and publish none). The Service has no selector, so the Endpoints and
// EndpointSlice controllers leave it alone; this one writes an Endpoints object (skip-mirror, as
// nothing needs to mirror it) and one EndpointSlice under its own managed-by value. A kube-dns
// Service given a selector (a CoreDNS Deployment of the user's) is left to those controllers.
import type { KubeObject } from '../api/object.js';
import { ignoreNotFound } from '../api/status.js';
import { isIpv4 } from '../api/ipv4-cidr.js';
import { dnsPort, kubeDnsName, kubeDnsNamespace, nodeDnsAddressAnnotation } from '../api/core/cluster-dns.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { Informer } from '../client/informer.js';
import { WorkQueue } from '../client/work-queue.js';
import { managesEndpoints } from './service-backends.js';
import { serviceNameLabel } from './endpointslice-controller.js';

const refs = {
  services: { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  nodes: { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false },
  endpoints: { group: '', version: 'v1', kind: 'Endpoints', plural: 'endpoints', namespaced: true },
  slices: { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true },
} satisfies Record<string, ResourceRef>;

const managedByLabel = 'endpointslice.kubernetes.io/managed-by';
const managedBy = 'cluster-dns-controller.nanokube.io';
const key = `${kubeDnsNamespace}/${kubeDnsName}`;

function nodeReady(node: KubeObject): boolean {
  return (node.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
}

/** The nodes answering DNS, by address. */
function dnsServers(nodes: KubeObject[]): { ip: string; nodeName: string }[] {
  return nodes
    .filter((n) => nodeReady(n) && !n.metadata.deletionTimestamp && isIpv4(n.metadata.annotations?.[nodeDnsAddressAnnotation]))
    .map((n) => ({ ip: n.metadata.annotations![nodeDnsAddressAnnotation], nodeName: n.metadata.name! }))
    .sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
}

export class ClusterDnsEndpointsController {
  private readonly services: Informer;
  private readonly nodes: Informer;
  private readonly endpoints: Informer;
  private readonly slices: Informer;
  private readonly queue = new WorkQueue();

  constructor(private readonly client: ApiClient) {
    this.services = new Informer(client, refs.services, { namespace: kubeDnsNamespace });
    this.nodes = new Informer(client, refs.nodes);
    this.endpoints = new Informer(client, refs.endpoints, { namespace: kubeDnsNamespace });
    this.slices = new Informer(client, refs.slices, { namespace: kubeDnsNamespace, labelSelector: `${managedByLabel}=${managedBy}` });
    const enqueue = () => this.queue.add(key);
    const ours = (o: KubeObject) => o.metadata.name === kubeDnsName && enqueue();
    this.services.on({ add: ours, update: (_o, n) => ours(n), delete: ours });
    this.endpoints.on({ update: (_o, n) => ours(n), delete: ours });
    this.slices.on({ update: enqueue, delete: enqueue });
    // Only what decides the set counts: readiness and the published address.
    const changed = (o: KubeObject, n: KubeObject) => JSON.stringify(dnsServers([o])) !== JSON.stringify(dnsServers([n])) && enqueue();
    this.nodes.on({ add: enqueue, update: changed, delete: enqueue });
  }

  async start(): Promise<void> {
    await Promise.all([this.services.start(), this.nodes.start(), this.endpoints.start(), this.slices.start()]);
    this.queue.run(1, () => this.sync());
  }

  stop(): void {
    this.queue.stop();
    for (const i of [this.services, this.nodes, this.endpoints, this.slices]) i.stop();
  }

  private async sync(): Promise<void> {
    const svc = this.services.get(kubeDnsNamespace, kubeDnsName);
    // Gone: the Endpoints controller removes the Endpoints, the garbage collector the slice (owned by the Service).
    if (!svc || managesEndpoints(svc) || svc.spec?.type === 'ExternalName') return;
    const servers = dnsServers(this.nodes.list());
    // The Service's ports whose target is where the nodes answer.
    const ports = (svc.spec?.ports ?? [])
      .filter((p: any) => (p.protocol ?? 'TCP') !== 'SCTP' && Number(p.targetPort ?? p.port) === dnsPort)
      .map((p: any) => ({ ...(p.name ? { name: p.name } : {}), port: dnsPort, protocol: p.protocol ?? 'TCP' }));
    await this.syncEndpoints(svc, servers, ports);
    await this.syncSlice(svc, servers, ports);
  }

  private async syncEndpoints(svc: KubeObject, servers: { ip: string; nodeName: string }[], ports: unknown[]): Promise<void> {
    const labels = { ...(svc.metadata.labels ?? {}), 'endpointslice.kubernetes.io/skip-mirror': 'true' };
    const subsets = servers.length && ports.length ? [{ addresses: servers.map((s) => ({ ip: s.ip, nodeName: s.nodeName })), ports }] : [];
    const existing = this.endpoints.get(kubeDnsNamespace, kubeDnsName);
    if (existing && JSON.stringify(existing.subsets ?? []) === JSON.stringify(subsets) && JSON.stringify(existing.metadata.labels ?? {}) === JSON.stringify(labels)) return;
    const obj: KubeObject = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: kubeDnsName, namespace: kubeDnsNamespace, labels }, subsets };
    if (existing) await ignoreNotFound(this.client.update(refs.endpoints, kubeDnsNamespace, { ...obj, metadata: { ...existing.metadata, labels } }));
    else await this.client.create(refs.endpoints, kubeDnsNamespace, obj);
  }

  private async syncSlice(svc: KubeObject, servers: { ip: string; nodeName: string }[], ports: unknown[]): Promise<void> {
    const labels = { ...(svc.metadata.labels ?? {}), [serviceNameLabel]: kubeDnsName, [managedByLabel]: managedBy };
    const desired = {
      addressType: 'IPv4',
      endpoints: servers.map((s) => ({ addresses: [s.ip], conditions: { ready: true, serving: true, terminating: false }, nodeName: s.nodeName })),
      ports,
    };
    const existing = this.slices.get(kubeDnsNamespace, kubeDnsName);
    const same = (o: KubeObject) => JSON.stringify([o.endpoints ?? [], o.ports ?? [], o.metadata.labels ?? {}]) === JSON.stringify([desired.endpoints, desired.ports, labels]);
    if (existing && same(existing)) return;
    if (existing) {
      await ignoreNotFound(this.client.update(refs.slices, kubeDnsNamespace, { ...existing, ...desired, metadata: { ...existing.metadata, labels } }));
      return;
    }
    await this.client.create(refs.slices, kubeDnsNamespace, {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: {
        name: kubeDnsName, namespace: kubeDnsNamespace, labels,
        ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: kubeDnsName, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      ...desired,
    });
  }
}
