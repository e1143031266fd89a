// The node agent (kubelet): registers its Node, renews its Lease, runs the pods bound to it and
// serves their logs, exec and port-forward to the API server.
import fs from 'node:fs';
import path from 'node:path';
import type { KubeObject } from '../api/object.js';
import { ApiError, undefinedIfNotFound } from '../api/status.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { Informer } from '../client/informer.js';
import { EventRecorder } from '../client/event-recorder.js';
import { BusyGate } from '../client/busy-gate.js';
import type { ContainerHandle, Runtime } from './runtime/runtime.js';
import { PodWorker } from './pod-worker.js';
import { nodeCapacity, nodeObject, nodeStatus, type NodeIdentity } from './node-info.js';
import type { EnvSources } from './container-env.js';
import { serviceEnvVars, servicesForPod } from './service-env.js';
import { VolumeManager } from './volumes/volume-manager.js';
import { ServiceAccountTokenCache } from './service-account-token-cache.js';

const refs = {
  nodes: { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false },
  pods: { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true },
  leases: { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true },
  configmaps: { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  secrets: { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
  services: { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true },
} satisfies Record<string, ResourceRef>;

export const leaseDurationSeconds = 40;
const leaseRenewMs = 10_000;
const statusUpdateMs = 10_000;

export interface NodeAgentOptions {
  client: ApiClient;
  runtime: Runtime;
  nodeName: string;
  address: string;
  dataDir: string;
  /** The port the kubelet API listens on (reported in the Node's daemonEndpoints). */
  kubeletPort: number;
  labels?: Record<string, string>;
  maxLogBytes?: number;
  maxLogFiles?: number;
}

export class NodeAgent {
  readonly workers = new Map<string, PodWorker>();
  private readonly pods: Informer;
  private readonly services: Informer;
  private readonly events: EventRecorder;
  /** Pod status writes in flight: the kubelet's events wait for them. */
  private readonly statusWrites = new BusyGate();
  private readonly timers: NodeJS.Timeout[] = [];
  private node?: KubeObject;
  private adoptable = new Map<string, ContainerHandle[]>();
  private stopped = false;
  readonly identity: NodeIdentity;
  readonly volumes: VolumeManager;
  private readonly tokens: ServiceAccountTokenCache;

  constructor(private readonly opts: NodeAgentOptions) {
    this.identity = { name: opts.nodeName, address: opts.address, dataDir: opts.dataDir, kubeletPort: opts.kubeletPort, labels: opts.labels };
    this.events = new EventRecorder(opts.client, { component: 'kubelet', host: opts.nodeName }, { yieldTo: () => this.statusWrites.whenIdle() });
    this.pods = new Informer(opts.client, refs.pods, { fieldSelector: `spec.nodeName=${opts.nodeName}` });
    this.pods.on({
      add: (p) => this.onPod(p),
      update: (_o, p) => this.onPod(p),
      delete: (p) => {
        this.tokens.forget(p.metadata.uid!);
        const w = this.workers.get(p.metadata.uid!);
        if (w) void w.forceStop();
        else void this.volumes.tearDown(p.metadata.uid!); // a finished pod without a worker
      },
    });
    this.services = new Informer(opts.client, refs.services);
    this.tokens = new ServiceAccountTokenCache(opts.client);
    this.volumes = new VolumeManager({
      client: opts.client, dataDir: opts.dataDir, nodeAddresses: [opts.address], node: () => this.node,
      sources: () => this.envSources(),
      onSizeLimitExceeded: (uid, message) => this.workers.get(uid)?.evict(message),
    });
    fs.mkdirSync(this.logDir, { recursive: true });
  }

  get logDir(): string {
    return path.join(this.opts.dataDir, 'pods');
  }

  get nodeName(): string {
    return this.opts.nodeName;
  }

  /** The container runtime (the kubelet's exec, attach and port-forward use it). */
  get runtime(): Runtime {
    return this.opts.runtime;
  }

  async start(): Promise<void> {
    await this.register();
    await this.renewLease();
    for (const h of await this.opts.runtime.listContainers()) {
      (this.adoptable.get(h.podUid) ?? this.adoptable.set(h.podUid, []).get(h.podUid)!).push(h);
    }
    await this.services.start();
    await this.pods.start();
    await this.removeOrphans();
    this.volumes.start();
    this.every(leaseRenewMs, () => this.renewLease());
    this.every(statusUpdateMs, () => this.updateStatus());
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.volumes.stop();
    this.pods.stop();
    this.services.stop();
  }

  private every(ms: number, fn: () => Promise<void>): void {
    const t = setInterval(() => {
      if (!this.stopped) fn().catch((e) => process.env.NANOKUBE_DEBUG && console.error('node agent:', e));
    }, ms);
    t.unref?.();
    this.timers.push(t);
  }

  private async register(): Promise<void> {
    const desired = nodeObject(this.identity);
    try {
      this.node = await this.opts.client.create(refs.nodes, '', desired);
      this.events.normal(this.node, 'RegisteredNode', `Node ${this.nodeName} event: Registered Node ${this.nodeName} in Controller`);
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409)) throw e;
      this.node = await this.opts.client.patch(refs.nodes, '', this.nodeName, 'merge', { metadata: { labels: desired.metadata.labels } });
    }
    await this.updateStatus();
    this.events.normal(this.node!, 'Starting', 'Starting kubelet.');
    this.events.normal(this.node!, 'NodeReady', `Node ${this.nodeName} status is now: NodeReady`);
  }

  async updateStatus(): Promise<void> {
    const status = nodeStatus(this.identity, this.node);
    this.node = await this.opts.client.patch(refs.nodes, '', this.nodeName, 'merge', { status }, { subresource: 'status' });
  }

  private async renewLease(): Promise<void> {
    const now = new Date().toISOString().replace('Z', '000Z'); // MicroTime
    const spec = { holderIdentity: this.nodeName, leaseDurationSeconds, renewTime: now };
    try {
      await this.opts.client.patch(refs.leases, 'kube-node-lease', this.nodeName, 'merge', { spec });
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
      await this.opts.client.create(refs.leases, 'kube-node-lease', {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
        metadata: {
          name: this.nodeName,
          ownerReferences: this.node ? [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: this.node.metadata.uid! }] : undefined,
        },
        spec: { ...spec, acquireTime: now },
      });
    }
  }

  private envSources(): EnvSources {
    const get = (ref: ResourceRef, ns: string, name: string) => undefinedIfNotFound(this.opts.client.get(ref, ns, name));
    return {
      configMap: (ns, name) => get(refs.configmaps, ns, name),
      secret: (ns, name) => get(refs.secrets, ns, name),
      serviceEnv: async (pod) => serviceEnvVars(servicesForPod(pod, this.services.list())),
      nodeAllocatable: (this.node?.status?.allocatable as Record<string, string>) ?? nodeCapacity(this.opts.dataDir),
      serviceAccountToken: (pod, audience, expirationSeconds) => this.tokens.token(pod, audience, expirationSeconds),
    };
  }

  private onPod(pod: KubeObject): void {
    if (this.stopped) return;
    const uid = pod.metadata.uid!;
    let w = this.workers.get(uid);
    if (!w) {
      const adopted = this.adoptable.get(uid) ?? [];
      this.adoptable.delete(uid);
      const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
      // A finished pod with nothing of it left here needs no worker unless it is being deleted.
      if (finished && adopted.length === 0 && !pod.metadata.deletionTimestamp) return;
      w = new PodWorker(pod, {
        runtime: this.opts.runtime,
        client: this.opts.client,
        events: this.events,
        statusWrites: this.statusWrites,
        envSources: this.envSources(),
        nodeName: this.nodeName,
        nodeIp: this.opts.address,
        logDir: this.logDir,
        maxLogBytes: this.opts.maxLogBytes ?? 10 * 1024 * 1024,
        maxLogFiles: this.opts.maxLogFiles ?? 5,
        volumes: this.volumes,
        onRemoved: (id) => this.workers.delete(id),
      }, adopted);
      this.workers.set(uid, w);
      w.kick();
      return;
    }
    w.update(pod);
  }

  /** Containers of pods that no longer exist (deleted while the agent was down) are stopped. */
  private async removeOrphans(): Promise<void> {
    const known = new Set(this.pods.list().map((p) => p.metadata.uid));
    for (const [uid, handles] of this.adoptable) {
      if (known.has(uid)) continue;
      for (const h of handles) this.opts.runtime.signal(uid, h.name, h.attempt, 'SIGKILL');
      await Promise.all(handles.map((h) => h.exited));
      await this.opts.runtime.removeSandbox(uid);
      this.adoptable.delete(uid);
    }
    await this.opts.runtime.pruneSandboxes?.(known as Set<string>);
    await this.volumes.removeOrphans(known as Set<string>);
  }

  /** The worker for a pod by namespace/name (logs, exec). */
  worker(namespace: string, name: string): PodWorker | undefined {
    for (const w of this.workers.values()) {
      const m = w.podObject.metadata;
      if (m.namespace === namespace && m.name === name) return w;
    }
    return undefined;
  }
}
