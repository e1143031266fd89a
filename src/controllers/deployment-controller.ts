// The Deployment controller: one ReplicaSet per pod template (named and labelled by its
// pod-template-hash), rolled out with RollingUpdate or Recreate, scaled proportionally while paused
// or resized, old replica sets pruned to revisionHistoryLimit, and status and conditions kept as
// upstream's, so `kubectl rollout status|history|undo|pause|resume|restart` work.
import { clone, type KubeObject } from '../api/object.js';
import { ApiError } from '../api/status.js';
import { selectorFromLabelSelector } from '../api/labels.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { Informer, cacheKey } from '../client/informer.js';
import { WorkQueue } from '../client/work-queue.js';
import { EventRecorder } from '../client/event-recorder.js';
import { claimObjects, controllerRefOf, newControllerRef, refersToKind } from './controller-ref.js';
import { computePodTemplateHash, equalIgnoreHash, podTemplateHashLabel } from './pod-template-hash.js';
import {
  hasProgressDeadline, hasRevisionHistoryLimit, maxSurge, withDeploymentDefaults, type Deployment,
} from './deployment-spec.js';
import {
  activeReplicaSets, byRevision, findNewReplicaSet, maxRevision, revisionAnnotation, specReplicas, sumStatusReplicas,
} from './deployment-replica-sets.js';
import { setDeploymentRevision, setNewReplicaSetAnnotations, setReplicasAnnotations } from './deployment-revision.js';
import { newReplicaSetReplicas, oldReplicaSetScaleDowns, type ScaleStep } from './deployment-rolling.js';
import { isScalingEvent, scaleSteps } from './deployment-scaling.js';
import {
  calculateStatus, conditionReasons, deploymentComplete, getCondition, newCondition, progressRecheckDelay,
  rolloutStatus, sameStatus, setCondition, type DeploymentStatus,
} from './deployment-status.js';

const refs = {
  deployments: { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true },
  replicasets: { group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true },
  pods: { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true },
} satisfies Record<string, ResourceRef>;

export interface DeploymentControllerOptions {
  /** Clock for conditions and the progress deadline; tests may pin it. */
  now?: () => number;
  workers?: number;
}

/** A Deployment's replica sets for one sync: the new one (if any) and all the others. */
interface ReplicaSets {
  newRS?: KubeObject;
  oldRSs: KubeObject[];
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}

/** An empty selector would select every pod in the namespace. */
function selectsEverything(selector: NonNullable<Deployment['spec']['selector']>): boolean {
  return !Object.keys(selector.matchLabels ?? {}).length && !(selector.matchExpressions ?? []).length;
}

/** Replaces `target`'s fields with `source`'s, so every list holding `target` sees the write. */
function refresh(target: KubeObject, source: KubeObject): void {
  for (const k of Object.keys(target)) delete target[k];
  Object.assign(target, source);
}

export class DeploymentController {
  private readonly deployments: Informer;
  private readonly replicaSets: Informer;
  private readonly pods: Informer;
  private readonly queue = new WorkQueue({ baseDelayMs: 50, maxDelayMs: 30_000 });
  private readonly events: EventRecorder;
  private readonly now: () => number;
  private readonly workers: number;

  constructor(
    private readonly client: ApiClient,
    opts: DeploymentControllerOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.workers = opts.workers ?? 3;
    this.events = new EventRecorder(client, { component: 'deployment-controller' });
    this.deployments = new Informer(client, refs.deployments);
    this.replicaSets = new Informer(client, refs.replicasets);
    this.pods = new Informer(client, refs.pods);
    this.deployments.on({
      add: (d) => this.queue.add(cacheKey(d)),
      update: (_old, d) => this.queue.add(cacheKey(d)),
    });
    this.replicaSets.on({
      add: (rs) => this.replicaSetChanged(undefined, rs),
      update: (old, rs) => this.replicaSetChanged(old, rs),
      delete: (rs) => this.enqueueOwner(rs),
    });
    this.pods.on({ delete: (pod) => this.podDeleted(pod) });
  }

  async start(): Promise<void> {
    await Promise.all([this.deployments.start(), this.replicaSets.start(), this.pods.start()]);
    this.queue.run(this.workers, (key) => this.sync(key));
  }

  stop(): void {
    this.queue.stop();
    this.deployments.stop();
    this.replicaSets.stop();
    this.pods.stop();
  }

  // ---- event handlers: they only enqueue keys ----

  private ownerOf(rs: KubeObject, ref = controllerRefOf(rs)): KubeObject | undefined {
    if (!refersToKind(ref, refs.deployments)) return undefined;
    const d = this.deployments.get(rs.metadata.namespace ?? '', ref.name);
    return d?.metadata.uid === ref.uid ? d : undefined;
  }

  private enqueueOwner(rs: KubeObject): void {
    const d = this.ownerOf(rs);
    if (d) this.queue.add(cacheKey(d));
  }

  private replicaSetChanged(old: KubeObject | undefined, rs: KubeObject): void {
    const oldRef = old && controllerRefOf(old);
    const ref = controllerRefOf(rs);
    if (oldRef && oldRef.uid !== ref?.uid) {
      const previous = this.ownerOf(old!, oldRef);
      if (previous) this.queue.add(cacheKey(previous));
    }
    if (ref) return this.enqueueOwner(rs);
    const labelsChanged = JSON.stringify(old?.metadata.labels ?? {}) !== JSON.stringify(rs.metadata.labels ?? {});
    if (old && !labelsChanged && !oldRef) return;
    // An orphan: every Deployment that selects it may adopt it.
    for (const d of this.deployments.list(rs.metadata.namespace)) {
      const selector = selectorFromLabelSelector(d.spec?.selector);
      if (!selector.empty() && selector.matches(rs.metadata.labels)) this.queue.add(cacheKey(d));
    }
  }

  /** Recreate waits for the old pods to be gone: their deletion is what lets it go on. */
  private podDeleted(pod: KubeObject): void {
    const ref = controllerRefOf(pod);
    if (!refersToKind(ref, refs.replicasets)) return;
    const rs = this.replicaSets.get(pod.metadata.namespace ?? '', ref.name);
    if (!rs || rs.metadata.uid !== ref.uid) return;
    const d = this.ownerOf(rs);
    if (d?.spec?.strategy?.type === 'Recreate') this.queue.add(cacheKey(d));
  }

  // ---- reconcile ----

  private async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const cached = this.deployments.get(ns, name);
    if (!cached) return;
    const d = withDeploymentDefaults(cached);
    // Validation requires a selector; without one there is nothing this Deployment could select.
    if (!d.spec.selector) return;
    if (selectsEverything(d.spec.selector)) {
      this.events.warning(d, 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        d.status.observedGeneration = d.metadata.generation;
        await this.writeStatus(d);
      }
      return;
    }
    const rsList = await this.claimReplicaSets(d);
    if (d.metadata.deletionTimestamp) {
      const { newRS, oldRSs } = await this.replicaSetsAndSyncRevision(d, rsList, false);
      return this.syncStatus(d, [...oldRSs, newRS], newRS);
    }
    await this.checkPausedConditions(d);
    if (d.spec.paused) return this.syncScale(d, rsList);
    const current = await this.replicaSetsAndSyncRevision(d, rsList, false);
    if (isScalingEvent(d, [...current.oldRSs, current.newRS])) return this.syncScale(d, rsList);
    if (d.spec.strategy.type === 'Recreate') return this.rolloutRecreate(d, rsList);
    return this.rolloutRolling(d, rsList);
  }

  /** The replica sets this Deployment controls, after adoption and release; copies, updated in place by later writes. */
  private async claimReplicaSets(d: Deployment): Promise<KubeObject[]> {
    const claimed = await claimObjects({
      client: this.client, owner: d, ownerRef: refs.deployments, ref: refs.replicasets,
      selector: selectorFromLabelSelector(d.spec.selector),
      objects: this.replicaSets.list(d.metadata.namespace),
    });
    return claimed.map((rs) => clone(rs));
  }

  /** Status writes go through the status subresource (which also keeps metadata such as the revision annotation). */
  private async writeStatus(d: Deployment): Promise<void> {
    const updated = await this.client.update(refs.deployments, d.metadata.namespace!, d, { subresource: 'status' });
    d.metadata.resourceVersion = updated.metadata.resourceVersion;
  }

  private async setStatusIfChanged(d: Deployment, status: DeploymentStatus): Promise<boolean> {
    if (sameStatus(d.status, status)) return false;
    d.status = status;
    await this.writeStatus(d);
    return true;
  }

  /** Paused and resumed are reported in the Progressing condition (unless the rollout already timed out). */
  private async checkPausedConditions(d: Deployment): Promise<void> {
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, 'Progressing');
    if (cond?.reason === conditionReasons.progressDeadlineExceeded) return;
    const pausedShown = cond?.reason === conditionReasons.deploymentPaused;
    if (d.spec.paused && !pausedShown) {
      setCondition(d.status, newCondition('Progressing', 'Unknown', conditionReasons.deploymentPaused, 'Deployment is paused', this.now()));
    } else if (!d.spec.paused && pausedShown) {
      setCondition(d.status, newCondition('Progressing', 'Unknown', conditionReasons.deploymentResumed, 'Deployment is resumed', this.now()));
    } else return;
    await this.writeStatus(d);
  }

  /**
   * Splits the replica sets into the new one and the old ones, bringing the new one's revision
   * (max of the old + 1) and annotations up to date, and creating it when asked to.
   */
  private async replicaSetsAndSyncRevision(d: Deployment, rsList: KubeObject[], create: boolean): Promise<ReplicaSets> {
    const existing = findNewReplicaSet(d.spec.template, rsList);
    const oldRSs = rsList.filter((rs) => rs !== existing);
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) {
      await this.syncExistingNewReplicaSet(d, existing, newRevision);
      return { newRS: existing, oldRSs };
    }
    if (!create) return { oldRSs };
    const created = await this.createNewReplicaSet(d, oldRSs, newRevision);
    rsList.push(created);
    return { newRS: created, oldRSs };
  }

  private async syncExistingNewReplicaSet(d: Deployment, rs: KubeObject, newRevision: number): Promise<void> {
    const copy = clone(rs);
    const annotationsChanged = setNewReplicaSetAnnotations(d, copy, newRevision, true, 0, 0);
    if (annotationsChanged || (copy.spec.minReadySeconds ?? 0) !== d.spec.minReadySeconds) {
      copy.spec.minReadySeconds = d.spec.minReadySeconds;
      refresh(rs, await this.client.update(refs.replicasets, d.metadata.namespace!, copy));
      // The Deployment's revision follows on the next sync, triggered by this update.
      return;
    }
    let needsUpdate = setDeploymentRevision(d, copy.metadata.annotations?.[revisionAnnotation] ?? '');
    if (hasProgressDeadline(d) && !getCondition(d.status, 'Progressing')) {
      setCondition(d.status, newCondition('Progressing', 'True', conditionReasons.foundNewReplicaSet, `Found new replica set "${rs.metadata.name}"`, this.now()));
      needsUpdate = true;
    }
    if (needsUpdate) await this.writeStatus(d);
  }

  private async createNewReplicaSet(d: Deployment, oldRSs: KubeObject[], newRevision: number): Promise<KubeObject> {
    const ns = d.metadata.namespace!;
    const hash = computePodTemplateHash(d.spec.template, d.status.collisionCount);
    const template = clone(d.spec.template ?? {});
    template.metadata ??= {};
    template.metadata.labels = { ...(template.metadata.labels ?? {}), [podTemplateHashLabel]: hash };
    const selector = clone(d.spec.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [podTemplateHashLabel]: hash };
    const rs: KubeObject = {
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`, namespace: ns,
        labels: { ...template.metadata.labels },
        ownerReferences: [newControllerRef(d, refs.deployments)],
      },
      spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds, selector, template },
    };
    const replicas = newReplicaSetReplicas(d, [...oldRSs, rs], rs);
    rs.spec.replicas = replicas;
    setNewReplicaSetAnnotations(d, rs, newRevision, false, d.spec.replicas, d.spec.replicas + maxSurge(d));

    let created: KubeObject;
    let alreadyExisted = false;
    try {
      created = await this.client.create(refs.replicasets, ns, rs);
    } catch (e) {
      if (e instanceof ApiError && e.code === 409 && e.reason === 'AlreadyExists') {
        const found = await this.client.get(refs.replicasets, ns, rs.metadata.name!);
        if (controllerRefOf(found)?.uid !== d.metadata.uid || !equalIgnoreHash(d.spec.template, found.spec?.template)) {
          // Another replica set has this name: a different hash input resolves the clash.
          d.status.collisionCount = (d.status.collisionCount ?? 0) + 1;
          await this.writeStatus(d);
          throw e;
        }
        // Our own, not yet in the cache.
        created = found;
        alreadyExisted = true;
      } else {
        const msg = `Failed to create new replica set "${rs.metadata.name}": ${(e as Error).message}`;
        if (hasProgressDeadline(d)) {
          setCondition(d.status, newCondition('Progressing', 'False', conditionReasons.replicaSetCreateError, msg, this.now()));
          await this.writeStatus(d).catch(() => undefined);
        }
        this.events.warning(d, conditionReasons.replicaSetCreateError, msg);
        throw e;
      }
    }
    if (!alreadyExisted && replicas > 0) {
      this.events.normal(d, 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${replicas}`);
    }
    let needsUpdate = setDeploymentRevision(d, String(newRevision));
    if (!alreadyExisted && hasProgressDeadline(d)) {
      setCondition(d.status, newCondition('Progressing', 'True', conditionReasons.newReplicaSetCreated, `Created new replica set "${created.metadata.name}"`, this.now()));
      needsUpdate = true;
    }
    if (needsUpdate) await this.writeStatus(d);
    return clone(created);
  }

  // ---- scaling ----

  /** Resizes `rs` (and refreshes its replica-count annotations); true when its size changed. */
  private async scaleReplicaSet(d: Deployment, rs: KubeObject, replicas: number, operation: string): Promise<boolean> {
    const copy = clone(rs);
    const oldScale = specReplicas(rs);
    const sizeChanged = oldScale !== replicas;
    const annotationsChanged = setReplicasAnnotations(copy, d.spec.replicas, d.spec.replicas + maxSurge(d));
    if (!sizeChanged && !annotationsChanged) return false;
    copy.spec.replicas = replicas;
    refresh(rs, await this.client.update(refs.replicasets, d.metadata.namespace!, copy));
    if (!sizeChanged) return false;
    this.events.normal(d, 'ScalingReplicaSet', `Scaled ${operation} replica set ${rs.metadata.name} from ${oldScale} to ${replicas}`);
    return true;
  }

  private async applyStep(d: Deployment, step: ScaleStep): Promise<boolean> {
    if (step.operation !== undefined) return this.scaleReplicaSet(d, step.rs, step.replicas, step.operation);
    const current = specReplicas(step.rs);
    if (current === step.replicas) return false;
    return this.scaleReplicaSet(d, step.rs, step.replicas, current < step.replicas ? 'up' : 'down');
  }

  private async applySteps(d: Deployment, steps: ScaleStep[]): Promise<boolean> {
    let scaled = false;
    for (const step of steps) if (await this.applyStep(d, step)) scaled = true;
    return scaled;
  }

  /** Paused or resized: scale without rolling out, then report (no progress estimate). */
  private async syncScale(d: Deployment, rsList: KubeObject[]): Promise<void> {
    const { newRS, oldRSs } = await this.replicaSetsAndSyncRevision(d, rsList, false);
    await this.applySteps(d, scaleSteps(d, newRS, oldRSs));
    if (d.spec.paused) await this.cleanupOldReplicaSets(d, oldRSs);
    await this.syncStatus(d, [...oldRSs, newRS], newRS);
  }

  // ---- strategies ----

  private async rolloutRolling(d: Deployment, rsList: KubeObject[]): Promise<void> {
    const { newRS, oldRSs } = await this.replicaSetsAndSyncRevision(d, rsList, true);
    const allRSs = [...oldRSs, newRS!];
    if (await this.reconcileNewReplicaSet(d, allRSs, newRS!)) return this.syncRolloutStatus(d, allRSs, newRS);
    const scaleDowns = oldReplicaSetScaleDowns(d, allRSs, activeReplicaSets(oldRSs), newRS!);
    if (await this.applySteps(d, scaleDowns)) return this.syncRolloutStatus(d, allRSs, newRS);
    if (deploymentComplete(d, d.status)) await this.cleanupOldReplicaSets(d, oldRSs);
    await this.syncRolloutStatus(d, allRSs, newRS);
  }

  private async reconcileNewReplicaSet(d: Deployment, allRSs: KubeObject[], newRS: KubeObject): Promise<boolean> {
    const current = specReplicas(newRS);
    if (current === d.spec.replicas) return false;
    const target = current > d.spec.replicas ? d.spec.replicas : newReplicaSetReplicas(d, allRSs, newRS);
    return this.applyStep(d, { rs: newRS, replicas: target });
  }

  /** Scale every old replica set to zero, wait until their pods are gone, then bring up the new one. */
  private async rolloutRecreate(d: Deployment, rsList: KubeObject[]): Promise<void> {
    let { newRS, oldRSs } = await this.replicaSetsAndSyncRevision(d, rsList, false);
    const scaledDown = await this.applySteps(d, activeReplicaSets(oldRSs).map((rs) => ({ rs, replicas: 0 })));
    if (scaledDown || this.oldPodsRunning(d, newRS, oldRSs)) return this.syncRolloutStatus(d, [...oldRSs, newRS], newRS);
    if (!newRS) ({ newRS, oldRSs } = await this.replicaSetsAndSyncRevision(d, rsList, true));
    await this.applyStep(d, { rs: newRS!, replicas: d.spec.replicas });
    if (deploymentComplete(d, d.status)) await this.cleanupOldReplicaSets(d, oldRSs);
    await this.syncRolloutStatus(d, [...oldRSs, newRS], newRS);
  }

  /** Old replica sets still report pods, or pods they own have not finished (terminating ones included). */
  private oldPodsRunning(d: Deployment, newRS: KubeObject | undefined, oldRSs: KubeObject[]): boolean {
    if (sumStatusReplicas(oldRSs) > 0) return true;
    const oldUids = new Set(oldRSs.filter((rs) => rs !== newRS).map((rs) => rs.metadata.uid));
    return this.pods.list(d.metadata.namespace).some((pod) => {
      const ref = controllerRefOf(pod);
      if (!ref || !oldUids.has(ref.uid)) return false;
      return pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
    });
  }

  /** Deletes the oldest revisions beyond revisionHistoryLimit, only those fully scaled down and settled. */
  private async cleanupOldReplicaSets(d: Deployment, oldRSs: KubeObject[]): Promise<void> {
    if (!hasRevisionHistoryLimit(d)) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp).sort(byRevision);
    const excess = cleanable.length - d.spec.revisionHistoryLimit!;
    for (const rs of cleanable.slice(0, Math.max(0, excess))) {
      const settled = (rs.status?.replicas ?? 0) === 0 && specReplicas(rs) === 0
        && (rs.metadata.generation ?? 0) <= (rs.status?.observedGeneration ?? 0);
      if (!settled) continue;
      try {
        await this.client.delete(refs.replicasets, rs.metadata.namespace!, rs.metadata.name!);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
  }

  // ---- status ----

  private async syncStatus(d: Deployment, allRSs: (KubeObject | undefined)[], newRS: KubeObject | undefined): Promise<void> {
    await this.setStatusIfChanged(d, calculateStatus(d, allRSs, newRS, this.now()));
  }

  private async syncRolloutStatus(d: Deployment, allRSs: (KubeObject | undefined)[], newRS: KubeObject | undefined): Promise<void> {
    const now = this.now();
    const status = rolloutStatus(d, allRSs, newRS, now);
    if (await this.setStatusIfChanged(d, status)) return;
    // Nothing moved: look again when the progress deadline would pass.
    const delay = progressRecheckDelay(d, status, now);
    if (delay !== undefined) this.queue.addAfter(cacheKey(d), delay);
  }
}
