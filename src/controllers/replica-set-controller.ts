// The ReplicaSet and ReplicationController controller (one implementation, as upstream): keeps
// `replicas` active pods from the template, adopting orphans its selector matches and releasing pods
// whose labels stop matching; expectations keep a burst of syncs from creating or deleting twice;
// status counts replicas, fully labeled, ready and available (minReadySeconds) pods.
import { clone, nowTimestamp, type KubeObject } from '../api/object.js';
import { ApiError } from '../api/status.js';
import { selectorFromLabelSelector, selectorFromMap, type Selector } from '../api/labels.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { Informer, cacheKey } from '../client/informer.js';
import { WorkQueue } from '../client/work-queue.js';
import { EventRecorder } from '../client/event-recorder.js';
import { ControllerExpectations } from './expectations.js';
import { claimObjects, controllerRefOf, newControllerRef, refersToKind } from './controller-ref.js';
import { isPodActive, isPodAvailable, isPodReady, msUntilAvailable, podsToDelete } from './active-pods.js';

export type ReplicaControllerKind = 'ReplicaSet' | 'ReplicationController';

const podsRef: ResourceRef = { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true };

const ownerRefs: Record<ReplicaControllerKind, ResourceRef> = {
  ReplicaSet: { group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true },
  ReplicationController: { group: '', version: 'v1', kind: 'ReplicationController', plural: 'replicationcontrollers', namespaced: true },
};

const components: Record<ReplicaControllerKind, string> = {
  ReplicaSet: 'replicaset-controller',
  ReplicationController: 'replication-controller',
};

const statusFields = ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'] as const;

/** Upstream's BurstReplicas: the most pods one sync creates or deletes. */
const burstReplicas = 500;

export interface ReplicaSetControllerOptions {
  /** Clock for availability (minReadySeconds) and expectations; tests may pin it. */
  now?: () => number;
  workers?: number;
}

/** The pods an owner selects: a LabelSelector for ReplicaSets, a map (defaulting to the template labels) for RCs. */
function selectorOf(kind: ReplicaControllerKind, owner: KubeObject): Selector {
  if (kind === 'ReplicaSet') return selectorFromLabelSelector(owner.spec?.selector);
  const map = owner.spec?.selector;
  return selectorFromMap(map && Object.keys(map).length ? map : owner.spec?.template?.metadata?.labels);
}

function podKey(pod: KubeObject): string {
  return `${pod.metadata.namespace}/${pod.metadata.name}`;
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Runs `count` calls in batches of 1, 2, 4, … so a template that cannot be created fails once,
 * not `count` times. Stops after the first batch with a failure.
 */
async function slowStartBatch(count: number, call: () => Promise<void>): Promise<{ successes: number; error?: unknown }> {
  let successes = 0;
  let remaining = count;
  for (let batch = Math.min(remaining, 1); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => call()));
    successes += results.filter((r) => r.status === 'fulfilled').length;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) return { successes, error: failed.reason };
    remaining -= batch;
  }
  return { successes };
}

interface ReplicaStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaFailureCondition[];
  [other: string]: unknown;
}

interface ReplicaFailureCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export class ReplicaSetController {
  readonly ref: ResourceRef;
  private readonly owners: Informer;
  private readonly pods: Informer;
  private readonly queue = new WorkQueue({ baseDelayMs: 50, maxDelayMs: 30_000 });
  private readonly events: EventRecorder;
  private readonly expectations: ControllerExpectations;
  private readonly now: () => number;
  private readonly workers: number;

  constructor(
    private readonly client: ApiClient,
    readonly kind: ReplicaControllerKind,
    opts: ReplicaSetControllerOptions = {},
  ) {
    this.ref = ownerRefs[kind];
    this.now = opts.now ?? Date.now;
    this.workers = opts.workers ?? 3;
    this.expectations = new ControllerExpectations(this.now);
    this.events = new EventRecorder(client, { component: components[kind] });
    this.owners = new Informer(client, this.ref);
    this.pods = new Informer(client, podsRef);
    this.owners.on({
      add: (o) => this.queue.add(cacheKey(o)),
      update: (_old, o) => this.queue.add(cacheKey(o)),
      delete: (o) => {
        this.expectations.delete(cacheKey(o));
        this.queue.add(cacheKey(o));
      },
    });
    this.pods.on({
      add: (p) => this.podAdded(p),
      update: (old, cur) => this.podUpdated(old, cur),
      delete: (p) => this.podDeleted(p),
    });
  }

  async start(): Promise<void> {
    await Promise.all([this.owners.start(), this.pods.start()]);
    this.queue.run(this.workers, (key) => this.sync(key));
  }

  stop(): void {
    this.queue.stop();
    this.owners.stop();
    this.pods.stop();
  }

  // ---- event handlers: they only enqueue keys (and account for expectations) ----

  /** The owner a controller reference points at, if it is ours and still the same object. */
  private resolveOwner(pod: KubeObject, ref = controllerRefOf(pod)): KubeObject | undefined {
    if (!refersToKind(ref, this.ref)) return undefined;
    const owner = this.owners.get(pod.metadata.namespace ?? '', ref.name);
    return owner?.metadata.uid === ref.uid ? owner : undefined;
  }

  /** Orphans wake every owner whose selector matches them: one of them may adopt. */
  private enqueueMatchingOwners(pod: KubeObject): void {
    for (const owner of this.owners.list(pod.metadata.namespace)) {
      if (selectorOf(this.kind, owner).matches(pod.metadata.labels)) this.queue.add(cacheKey(owner));
    }
  }

  private podAdded(pod: KubeObject): void {
    if (pod.metadata.deletionTimestamp) return this.podDeleted(pod);
    const ref = controllerRefOf(pod);
    if (ref) {
      const owner = this.resolveOwner(pod, ref);
      if (!owner) return;
      this.expectations.creationObserved(cacheKey(owner));
      this.queue.add(cacheKey(owner));
      return;
    }
    this.enqueueMatchingOwners(pod);
  }

  private podUpdated(old: KubeObject, cur: KubeObject): void {
    const labelsChanged = JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(cur.metadata.labels ?? {});
    if (cur.metadata.deletionTimestamp) {
      // A terminating pod is as good as deleted; its old labels may have matched another owner.
      this.podDeleted(cur);
      if (labelsChanged) this.podDeleted(old);
      return;
    }
    const oldRef = controllerRefOf(old);
    const curRef = controllerRefOf(cur);
    const refChanged = oldRef?.uid !== curRef?.uid;
    if (refChanged && oldRef) {
      const previous = this.resolveOwner(old, oldRef);
      if (previous) this.queue.add(cacheKey(previous));
    }
    if (curRef) {
      const owner = this.resolveOwner(cur, curRef);
      if (owner) this.queue.add(cacheKey(owner));
      return;
    }
    if (labelsChanged || refChanged) this.enqueueMatchingOwners(cur);
  }

  private podDeleted(pod: KubeObject): void {
    const owner = this.resolveOwner(pod);
    if (!owner) return;
    this.expectations.deletionObserved(cacheKey(owner), podKey(pod));
    this.queue.add(cacheKey(owner));
  }

  // ---- reconcile ----

  private async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const owner = this.owners.get(ns, name);
    if (!owner) {
      this.expectations.delete(key);
      return;
    }
    const needsSync = this.expectations.satisfied(key);
    const selector = selectorOf(this.kind, owner);
    const pods = await claimObjects({
      client: this.client, owner, ownerRef: this.ref, selector, ref: podsRef,
      objects: this.pods.list(ns).filter(isPodActive),
    });
    let manageError: unknown;
    if (needsSync && !owner.metadata.deletionTimestamp) {
      try {
        await this.manageReplicas(key, owner, pods);
      } catch (e) {
        manageError = e;
      }
    }
    await this.writeStatus(owner, this.calculateStatus(owner, pods, manageError));
    if (manageError) throw manageError;
    this.requeueForAvailability(key, owner, pods);
  }

  private desiredReplicas(owner: KubeObject): number {
    return owner.spec?.replicas ?? 1;
  }

  private async manageReplicas(key: string, owner: KubeObject, pods: KubeObject[]): Promise<void> {
    const diff = pods.length - this.desiredReplicas(owner);
    if (diff < 0) {
      const count = Math.min(-diff, burstReplicas);
      this.expectations.expectCreations(key, count);
      const { successes, error } = await slowStartBatch(count, () => this.createPod(owner));
      // Pods never created (skipped or failed) will never be observed.
      for (let i = successes; i < count; i++) this.expectations.creationObserved(key);
      if (error) throw error;
    } else if (diff > 0) {
      const count = Math.min(diff, burstReplicas);
      const victims = podsToDelete(pods, this.relatedPods(owner), count, this.now());
      this.expectations.expectDeletions(key, victims.map(podKey));
      const results = await Promise.allSettled(victims.map((p) => this.deletePod(key, owner, p)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  /** Pods of this owner and of its siblings (owners with the same controller, e.g. one Deployment). */
  private relatedPods(owner: KubeObject): KubeObject[] {
    const parent = controllerRefOf(owner);
    const siblings = parent
      ? this.owners.list(owner.metadata.namespace).filter((o) => controllerRefOf(o)?.uid === parent.uid)
      : [owner];
    const selectors = siblings.map((o) => selectorOf(this.kind, o));
    return this.pods.list(owner.metadata.namespace).filter((p) => selectors.some((s) => s.matches(p.metadata.labels)));
  }

  private async createPod(owner: KubeObject): Promise<void> {
    const template = owner.spec?.template ?? {};
    const labels = { ...(template.metadata?.labels ?? {}) };
    if (!Object.keys(labels).length) throw new Error('unable to create pods, no labels');
    const metadata: KubeObject['metadata'] = {
      generateName: `${owner.metadata.name}-`,
      labels,
      ownerReferences: [newControllerRef(owner, this.ref)],
    };
    if (template.metadata?.annotations) metadata.annotations = { ...template.metadata.annotations };
    if (template.metadata?.finalizers) metadata.finalizers = [...template.metadata.finalizers];
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata, spec: clone(template.spec ?? {}) };
    try {
      const created = await this.client.create(podsRef, owner.metadata.namespace!, pod);
      this.events.normal(owner, 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
    } catch (e) {
      this.events.warning(owner, 'FailedCreate', `Error creating: ${errorMessage(e)}`);
      throw e;
    }
  }

  private async deletePod(key: string, owner: KubeObject, pod: KubeObject): Promise<void> {
    try {
      await this.client.delete(podsRef, pod.metadata.namespace!, pod.metadata.name!);
      this.events.normal(owner, 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
    } catch (e) {
      // The informer will not observe a deletion that did not happen (or happened before).
      this.expectations.deletionObserved(key, podKey(pod));
      if (e instanceof ApiError && e.code === 404) return;
      this.events.warning(owner, 'FailedDelete', `Error deleting: ${errorMessage(e)}`);
      throw e;
    }
  }

  private calculateStatus(owner: KubeObject, pods: KubeObject[], manageError: unknown): ReplicaStatus {
    const now = this.now();
    const minReadySeconds = owner.spec?.minReadySeconds ?? 0;
    const templateLabels = selectorFromMap(owner.spec?.template?.metadata?.labels);
    let conditions: ReplicaFailureCondition[] = clone(owner.status?.conditions ?? []);
    const failure = conditions.find((c) => c.type === 'ReplicaFailure');
    if (manageError && !failure) {
      const reason = pods.length < this.desiredReplicas(owner) ? 'FailedCreate' : 'FailedDelete';
      conditions.push({ type: 'ReplicaFailure', status: 'True', lastTransitionTime: nowTimestamp(new Date(now)), reason, message: errorMessage(manageError) });
    } else if (!manageError && failure) {
      conditions = conditions.filter((c) => c !== failure);
    }
    const status: ReplicaStatus = { ...clone(owner.status ?? {}), replicas: pods.length };
    // Zero counts are omitted, as upstream's omitempty fields are.
    const counts: Record<string, number> = {
      fullyLabeledReplicas: pods.filter((p) => templateLabels.matches(p.metadata.labels)).length,
      readyReplicas: pods.filter(isPodReady).length,
      availableReplicas: pods.filter((p) => isPodAvailable(p, minReadySeconds, now)).length,
      observedGeneration: owner.metadata.generation ?? 0,
    };
    for (const [field, n] of Object.entries(counts)) {
      if (n) status[field] = n;
      else delete status[field];
    }
    if (conditions.length) status.conditions = conditions;
    else delete status.conditions;
    return status;
  }

  /** Writes status through the status subresource, and only when it changed. */
  private async writeStatus(owner: KubeObject, status: ReplicaStatus): Promise<void> {
    const current = owner.status ?? {};
    const unchanged = statusFields.every((f) => (current[f] ?? 0) === (status[f] ?? 0))
      && JSON.stringify(current.conditions ?? []) === JSON.stringify(status.conditions ?? []);
    if (unchanged) return;
    try {
      await this.client.update(this.ref, owner.metadata.namespace!, { ...clone(owner), status }, { subresource: 'status' });
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return;
      throw e;
    }
  }

  /** Ready pods become available minReadySeconds later without any event: look again then. */
  private requeueForAvailability(key: string, owner: KubeObject, pods: KubeObject[]): void {
    const minReadySeconds = owner.spec?.minReadySeconds ?? 0;
    if (!minReadySeconds) return;
    const now = this.now();
    const waits = pods.map((p) => msUntilAvailable(p, minReadySeconds, now)).filter((ms): ms is number => ms !== undefined);
    if (waits.length) this.queue.addAfter(key, Math.min(...waits));
  }
}
