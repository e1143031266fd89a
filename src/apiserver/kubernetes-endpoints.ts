// The `kubernetes` Service's Endpoints and EndpointSlice name this API server's address and port
// (upstream's endpoint reconciler): written at start, so a restart on another port corrects them, and
// checked again every 10 seconds, so they come back if deleted. As upstream, the Endpoints carry
// skip-mirror and the EndpointSlice (named like the Service) only the service-name label.
import { ApiError } from '../api/status.js';
import type { KubeObject } from '../api/object.js';
import type { Registry } from '../api/registry.js';
import type { ResourceType } from '../api/resource-type.js';
import type { ResourceService } from './resource-service.js';

const name = 'kubernetes';
const namespace = 'default';
const intervalMs = 10_000;

export class KubernetesEndpoints {
  private timer?: NodeJS.Timeout;
  private readonly endpoints: ResourceType;
  private readonly slices: ResourceType;

  constructor(
    private readonly service: ResourceService,
    registry: Registry,
    /** Where pods reach the API server (DNAT of the Service's ClusterIP leads there). */
    private readonly ip: string,
    private readonly port: number,
  ) {
    this.endpoints = registry.resource('', 'v1', 'endpoints')!;
    this.slices = registry.resource('discovery.k8s.io', 'v1', 'endpointslices')!;
  }

  /** Writes them now and then keeps them; a failure is reported, never fatal to the server. */
  async start(): Promise<void> {
    await this.reconcile().catch((e) => process.stderr.write(`nanokube: cannot write the kubernetes Service's endpoints: ${(e as Error).message}\n`));
    this.timer = setInterval(() => {
      this.reconcile().catch((e) => process.env.NANOKUBE_DEBUG && console.error('kubernetes endpoints:', e));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async reconcile(): Promise<void> {
    const port = { name: 'https', port: this.port, protocol: 'TCP' };
    await this.ensure(this.endpoints, {
      apiVersion: 'v1', kind: 'Endpoints',
      metadata: { name, namespace, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets: [{ addresses: [{ ip: this.ip }], ports: [port] }],
    }, (o) => ({ labels: o.metadata.labels, subsets: o.subsets }));
    await this.ensure(this.slices, {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { name, namespace, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [this.ip], conditions: { ready: true } }],
      ports: [port],
    }, (o) => ({ labels: o.metadata.labels, addressType: o.addressType, endpoints: o.endpoints, ports: o.ports }));
  }

  /** Creates the object, or rewrites it when the fields `compared` picks differ from the desired ones. */
  private async ensure(rt: ResourceType, desired: KubeObject, compared: (o: KubeObject) => unknown): Promise<void> {
    let current: KubeObject | undefined;
    try {
      current = await this.service.get(rt, namespace, name);
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
    if (!current) {
      await this.service.create(rt, namespace, desired);
      return;
    }
    if (JSON.stringify(compared(current)) === JSON.stringify(compared(desired))) return;
    await this.service.update(rt, namespace, name, { ...desired, metadata: { ...current.metadata, labels: desired.metadata.labels } });
  }
}
