// The scheduler: binds each pending pod to the best feasible node, or leaves it Pending with
// PodScheduled=False and a FailedScheduling event saying why. Unschedulable pods are retried with
// back-off and whenever nodes or pods change.
import { nowTimestamp, type KubeObject } from '../api/object.js';
import { ApiError } from '../api/status.js';
import { podRequests } from '../api/pod-resources.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { Informer, cacheKey } from '../client/informer.js';
import { WorkQueue } from '../client/work-queue.js';
import { EventRecorder } from '../client/event-recorder.js';
import { BusyGate } from '../client/busy-gate.js';
import { NodeUsageIndex } from './node-usage.js';
import { filterNode, scoreNode, unschedulableMessage } from './fit.js';
import { claimProblem, volumesProblemOnNode, type VolumeObjects } from './volume-binding.js';

const podsRef: ResourceRef = { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true };
const nodesRef: ResourceRef = { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false };
const claimsRef: ResourceRef = { group: '', version: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true };
const volumesRef: ResourceRef = { group: '', version: 'v1', kind: 'PersistentVolume', plural: 'persistentvolumes', namespaced: false };
const classesRef: ResourceRef = { group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass', plural: 'storageclasses', namespaced: false };
const defaultClassAnnotation = 'storageclass.kubernetes.io/is-default-class';

export const defaultSchedulerName = 'default-scheduler';

export interface SchedulerOptions {
  /** The spec.schedulerName whose pods this scheduler places (upstream's profile name). */
  schedulerName?: string;
  /**
   * Bindings in flight at once. As upstream's binding cycle, binding runs apart from choosing a
   * node (the choice is assumed in the node usage meanwhile), so one API round trip per pod does
   * not bound throughput.
   */
  maxBindsInFlight?: number;
}

export class Scheduler {
  readonly pods: Informer;
  readonly nodes: Informer;
  private readonly claims: Informer;
  private readonly volumes: Informer;
  private readonly classes: Informer;
  private readonly volumeObjects: VolumeObjects;
  private readonly queue = new WorkQueue({ baseDelayMs: 1000, maxDelayMs: 10_000 });
  private readonly usage = new NodeUsageIndex();
  /** Pods bound by us that the informer has not shown bound yet. */
  private readonly assumed = new Map<string, string>();
  private readonly unschedulable = new Set<string>();
  private readonly events: EventRecorder;
  private rotation = 0;
  private readonly schedulerName: string;
  private readonly maxBindsInFlight: number;
  private bindsInFlight = 0;
  private bindSlotWaiters: (() => void)[] = [];
  /** Bindings in flight: the scheduler's events wait for them. */
  private readonly binds = new BusyGate();

  constructor(private readonly client: ApiClient, opts: SchedulerOptions = {}) {
    this.schedulerName = opts.schedulerName ?? defaultSchedulerName;
    this.maxBindsInFlight = opts.maxBindsInFlight ?? 16;
    this.events = new EventRecorder(client, { component: this.schedulerName }, { yieldTo: () => this.binds.whenIdle() });
    this.pods = new Informer(client, podsRef);
    this.nodes = new Informer(client, nodesRef);
    this.pods.on({
      add: (p) => this.onPod(p),
      update: (_o, p) => this.onPod(p),
      delete: (p) => {
        const key = cacheKey(p);
        this.usage.remove(key);
        this.assumed.delete(key);
        this.retryUnschedulable();
      },
    });
    this.nodes.on({ add: () => this.retryUnschedulable(), update: () => this.retryUnschedulable() });
    this.claims = new Informer(client, claimsRef);
    this.volumes = new Informer(client, volumesRef);
    this.classes = new Informer(client, classesRef);
    for (const i of [this.claims, this.volumes, this.classes]) {
      i.on({ add: () => this.retryUnschedulable(), update: () => this.retryUnschedulable(), delete: () => this.retryUnschedulable() });
    }
    this.volumeObjects = {
      claim: (ns, n) => this.claims.get(ns, n),
      volume: (n) => this.volumes.get('', n),
      volumes: () => this.volumes.list(),
      storageClass: (n) => this.classes.get('', n),
      defaultStorageClass: () => this.classes.list().find((c) => c.metadata.annotations?.[defaultClassAnnotation] === 'true'),
    };
  }

  async start(): Promise<void> {
    await Promise.all([this.nodes.start(), this.pods.start(), this.claims.start(), this.volumes.start(), this.classes.start()]);
    this.queue.run(1, (key) => this.scheduleOne(key));
  }

  stop(): void {
    this.queue.stop();
    this.pods.stop();
    this.nodes.stop();
    this.claims.stop();
    this.volumes.stop();
    this.classes.stop();
  }

  private onPod(pod: KubeObject): void {
    const key = cacheKey(pod);
    if (pod.spec?.nodeName) {
      this.assumed.delete(key);
      this.unschedulable.delete(key);
      const counted = this.usage.has(key);
      this.usage.set(key, pod);
      // A pod that finished frees its node's resources and host ports for the pods waiting.
      if (counted && !this.usage.has(key)) this.retryUnschedulable();
      return;
    }
    const assumedNode = this.assumed.get(key);
    if (assumedNode) this.usage.set(key, pod, assumedNode);
    else if (this.isOurs(pod)) this.queue.add(key);
  }

  private isOurs(pod: KubeObject): boolean {
    return !pod.spec?.nodeName && !pod.metadata.deletionTimestamp && (pod.spec?.schedulerName ?? defaultSchedulerName) === this.schedulerName;
  }

  private retryUnschedulable(): void {
    for (const key of this.unschedulable) this.queue.add(key);
  }

  private async scheduleOne(key: string): Promise<void> {
    const [ns, name] = key.split('/');
    const pod = this.pods.get(ns, name);
    if (!pod || !this.isOurs(pod) || this.assumed.has(key)) return;
    const nodes = this.nodes.list();
    const requests = podRequests(pod.spec);
    const failures: string[][] = [];
    const feasible: KubeObject[] = [];
    const claims = claimProblem(pod, this.volumeObjects);
    if (claims && 'message' in claims) {
      this.unschedulable.add(key);
      await this.reportUnschedulable(pod, `0/${nodes.length} nodes are available: ${claims.message}.`);
      throw new Error('unschedulable');
    }
    for (const node of nodes) {
      const f = claims ? [claims.reason] : filterNode(pod, node, this.usage.usage(node.metadata.name!), requests);
      const volumeProblem = f.length === 0 ? volumesProblemOnNode(pod, node, this.volumeObjects) : undefined;
      if (volumeProblem) f.push(volumeProblem);
      if (f.length === 0) feasible.push(node);
      else failures.push(f);
    }
    if (feasible.length === 0) {
      this.unschedulable.add(key);
      await this.reportUnschedulable(pod, unschedulableMessage(nodes.length, failures));
      throw new Error('unschedulable'); // back-off retry, as upstream's podBackoffQ
    }
    const maxAffinity = (pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])
      .reduce((s: number, p: any) => s + (p.weight ?? 0), 0);
    let best: KubeObject | undefined;
    let bestScore = -Infinity;
    // Start from a rotating offset so equal scores spread pods across nodes.
    this.rotation = (this.rotation + 1) % feasible.length;
    for (let i = 0; i < feasible.length; i++) {
      const node = feasible[(i + this.rotation) % feasible.length];
      const s = scoreNode(pod, node, this.usage.usage(node.metadata.name!), requests, maxAffinity);
      if (s > bestScore) {
        bestScore = s;
        best = node;
      }
    }
    const nodeName = best!.metadata.name!;
    this.assumed.set(key, nodeName);
    this.usage.set(key, pod, nodeName);
    this.unschedulable.delete(key);
    while (this.bindsInFlight >= this.maxBindsInFlight) await new Promise<void>((r) => this.bindSlotWaiters.push(r));
    this.bindsInFlight++;
    void this.bind(key, pod, nodeName).finally(() => {
      this.bindsInFlight--;
      this.bindSlotWaiters.shift()?.();
    });
  }

  /** The binding cycle: on failure the assumption is undone and the pod tried again. */
  private async bind(key: string, pod: KubeObject, nodeName: string): Promise<void> {
    const ns = pod.metadata.namespace!;
    const name = pod.metadata.name!;
    try {
      await this.binds.run(() => this.client.post(podsRef, ns, name, 'binding', {
        apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace: ns, uid: pod.metadata.uid }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
      }));
      this.events.normal(pod, 'Scheduled', `Successfully assigned ${ns}/${name} to ${nodeName}`);
    } catch (e) {
      if (this.assumed.get(key) === nodeName) {
        this.assumed.delete(key);
        this.usage.remove(key);
      }
      if (e instanceof ApiError && (e.code === 404 || e.code === 409)) return; // gone, or bound by someone else
      if (process.env.NANOKUBE_DEBUG) console.error(`scheduler: binding ${key}:`, e);
      this.queue.addRateLimited(key);
    }
  }

  private async reportUnschedulable(pod: KubeObject, message: string): Promise<void> {
    const current = (pod.status?.conditions ?? []).find((c: any) => c.type === 'PodScheduled');
    if (current?.status !== 'False' || current.message !== message) {
      const condition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: nowTimestamp() };
      const others = (pod.status?.conditions ?? []).filter((c: any) => c.type !== 'PodScheduled');
      try {
        await this.client.patch(podsRef, pod.metadata.namespace!, pod.metadata.name!, 'merge', { status: { conditions: [...others, condition] } }, { subresource: 'status' });
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    this.events.warning(pod, 'FailedScheduling', message);
  }
}
