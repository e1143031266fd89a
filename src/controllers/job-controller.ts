// The Job controller: runs pods to completion with completions and parallelism (NonIndexed and
// Indexed), backoffLimit with exponential re-creation delay, activeDeadlineSeconds, suspend,
// podFailurePolicy and ttlSecondsAfterFinished. Finished pods are counted exactly once: they carry
// the job-tracking finalizer until their UID is recorded in status.uncountedTerminatedPods.
import { clone, nowTimestamp, type KubeObject } from '../api/object.js';
import { ApiError } from '../api/status.js';
import { selectorFromLabelSelector } from '../api/labels.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { Informer, cacheKey } from '../client/informer.js';
import { WorkQueue } from '../client/work-queue.js';
import { EventRecorder } from '../client/event-recorder.js';
import { formatIndexes, parseIndexes } from './job-indexes.js';
import { evaluateFailurePolicy } from './pod-failure-policy.js';

const refs = {
  jobs: { group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true },
  pods: { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true },
} satisfies Record<string, ResourceRef>;

export const trackingFinalizer = 'batch.kubernetes.io/job-tracking';
export const completionIndexAnnotation = 'batch.kubernetes.io/job-completion-index';
const podBackoffBaseMs = 10_000;
const podBackoffMaxMs = 360_000;

export interface JobControllerOptions {
  now?: () => number;
  /** Base of the exponential pod re-creation delay after failures (upstream 10 s). */
  backoffBaseMs?: number;
}

function condition(job: KubeObject, type: string): any {
  return (job.status?.conditions ?? []).find((c: any) => c.type === type);
}

export function jobFinished(job: KubeObject): boolean {
  return ['Complete', 'Failed'].some((t) => condition(job, t)?.status === 'True');
}

function podFinished(pod: KubeObject): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

function podIndex(pod: KubeObject): number | undefined {
  const v = pod.metadata.annotations?.[completionIndexAnnotation];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

function podReady(pod: KubeObject): boolean {
  return (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
}

function restarts(pod: KubeObject): number {
  return [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].reduce((s: number, c: any) => s + (c.restartCount ?? 0), 0);
}

export class JobController {
  private readonly jobs: Informer;
  private readonly pods: Informer;
  private readonly queue = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 30_000 });
  private readonly events: EventRecorder;
  /** Pods created or deleted but not yet seen by the informer, per job (upstream's expectations). */
  private readonly expecting = new Map<string, { names: Set<string>; until: number }>();
  private readonly lastFailure = new Map<string, number>();
  private readonly now: () => number;
  private readonly backoffBase: number;

  constructor(
    private readonly client: ApiClient,
    opts: JobControllerOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.backoffBase = opts.backoffBaseMs ?? podBackoffBaseMs;
    this.events = new EventRecorder(client, { component: 'job-controller' });
    this.jobs = new Informer(client, refs.jobs);
    this.pods = new Informer(client, refs.pods);
    const jobKey = (j: KubeObject) => this.queue.add(cacheKey(j));
    this.jobs.on({ add: jobKey, update: (_o, n) => jobKey(n), delete: (j) => this.expecting.delete(cacheKey(j)) });
    const podChanged = (p: KubeObject) => {
      const owner = p.metadata.ownerReferences?.find((o) => o.controller && o.kind === 'Job');
      if (!owner) return;
      const key = `${p.metadata.namespace}/${owner.name}`;
      this.expecting.get(key)?.names.delete(p.metadata.name!);
      this.queue.add(key);
    };
    this.pods.on({ add: podChanged, update: (_o, n) => podChanged(n), delete: podChanged });
  }

  async start(): Promise<void> {
    await Promise.all([this.jobs.start(), this.pods.start()]);
    this.queue.run(4, (key) => this.sync(key));
  }

  stop(): void {
    this.queue.stop();
    this.jobs.stop();
    this.pods.stop();
  }

  private podsOf(job: KubeObject): KubeObject[] {
    const selector = selectorFromLabelSelector(job.spec?.selector);
    return this.pods.list(job.metadata.namespace).filter((p) =>
      selector.matches(p.metadata.labels) && p.metadata.ownerReferences?.some((o) => o.controller && o.uid === job.metadata.uid));
  }

  private async sync(key: string): Promise<void> {
    const [ns, name] = key.split('/');
    const cached = this.jobs.get(ns, name);
    if (!cached) return;
    // Without a selector the Job's pods cannot be found again; never create pods blind.
    if (!cached.spec?.selector || selectorFromLabelSelector(cached.spec.selector).empty()) return;
    const job = clone(cached);
    const pods = this.podsOf(job);
    const status: any = job.status ?? {};
    const before = JSON.stringify(status);

    await this.trackFinishedPods(job, status, pods);

    if (jobFinished(job)) {
      await this.cleanupAfterFinish(job, pods, status);
      if (JSON.stringify(status) !== before) await this.writeStatus(job, status);
      return;
    }

    const now = this.now();
    const suspended = !!job.spec?.suspend;
    const active = pods.filter((p) => !podFinished(p) && !p.metadata.deletionTimestamp);
    if (!suspended && !status.startTime) status.startTime = nowTimestamp(new Date(now));

    const failure = this.failureReason(job, status, active, pods, now);
    if (failure) {
      await this.deletePods(job, active, 'Deleted pod');
      setCondition(status, 'FailureTarget', 'True', failure.reason, failure.message, now);
      setCondition(status, 'Failed', 'True', failure.reason, failure.message, now);
      this.events.warning(job, failure.reason, failure.message);
    } else if (this.succeeded(job, status, active)) {
      setCondition(status, 'SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods', now);
      setCondition(status, 'Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods', now);
      status.completionTime = nowTimestamp(new Date(now));
      this.events.normal(job, 'Completed', 'Job completed');
    } else if (suspended) {
      await this.deletePods(job, active, 'Deleted pod');
      if (condition(job, 'Suspended')?.status !== 'True') {
        setCondition(status, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now);
        this.events.normal(job, 'Suspended', 'Job suspended');
      }
      delete status.startTime;
    } else {
      if (condition(job, 'Suspended')?.status === 'True') {
        setCondition(status, 'Suspended', 'False', 'JobResumed', 'Job resumed', now);
        this.events.normal(job, 'Resumed', 'Job resumed');
      }
      await this.manageActive(job, status, active, now);
      const deadline = job.spec?.activeDeadlineSeconds;
      if (deadline && status.startTime) this.queue.addAfter(key, Date.parse(status.startTime) + deadline * 1000 - now + 50);
    }
    const stillActive = this.podsOf(job).filter((p) => !podFinished(p) && !p.metadata.deletionTimestamp);
    status.active = stillActive.length;
    status.ready = stillActive.filter(podReady).length;
    status.terminating = this.podsOf(job).filter((p) => p.metadata.deletionTimestamp && !podFinished(p)).length;
    status.succeeded ??= 0;
    status.failed ??= 0;
    if (JSON.stringify(status) !== before) await this.writeStatus(job, status);
  }

  /**
   * Counts each finished pod exactly once: record its UID as uncounted, drop its finalizer, then
   * fold it into succeeded/failed (and completedIndexes).
   */
  private async trackFinishedPods(job: KubeObject, status: any, pods: KubeObject[]): Promise<void> {
    const uncounted = { succeeded: [...(status.uncountedTerminatedPods?.succeeded ?? [])], failed: [...(status.uncountedTerminatedPods?.failed ?? [])] };
    let recorded = false;
    const ignored: KubeObject[] = [];
    for (const pod of pods) {
      if (!pod.metadata.finalizers?.includes(trackingFinalizer)) continue;
      const uid = pod.metadata.uid!;
      if (uncounted.succeeded.includes(uid) || uncounted.failed.includes(uid)) continue;
      if (pod.status?.phase === 'Succeeded') {
        uncounted.succeeded.push(uid);
        recorded = true;
      } else if (pod.status?.phase === 'Failed' || pod.metadata.deletionTimestamp) {
        const verdict = evaluateFailurePolicy(job.spec?.podFailurePolicy, pod);
        if (verdict.action === 'Ignore') {
          ignored.push(pod);
          continue;
        }
        if (verdict.action === 'FailJob') status.__failJob = verdict.message;
        uncounted.failed.push(uid);
        this.lastFailure.set(cacheKey(job), this.now());
        recorded = true;
      }
    }
    if (recorded) {
      status.uncountedTerminatedPods = uncounted;
      await this.writeStatus(job, status);
    }
    const byUid = new Map(pods.map((p) => [p.metadata.uid!, p]));
    for (const pod of [...[...uncounted.succeeded, ...uncounted.failed].map((u) => byUid.get(u)).filter((p): p is KubeObject => !!p), ...ignored]) {
      if (pod.metadata.finalizers?.includes(trackingFinalizer)) await this.removeFinalizer(pod);
    }
    if (uncounted.succeeded.length + uncounted.failed.length === 0) {
      status.uncountedTerminatedPods ??= {};
      return;
    }
    status.succeeded = (status.succeeded ?? 0) + uncounted.succeeded.length;
    status.failed = (status.failed ?? 0) + uncounted.failed.length;
    if (job.spec?.completionMode === 'Indexed') {
      const done = parseIndexes(status.completedIndexes);
      for (const uid of uncounted.succeeded) {
        const i = byUid.get(uid) ? podIndex(byUid.get(uid)!) : undefined;
        if (i !== undefined && i < (job.spec.completions ?? 0)) done.add(i);
      }
      status.completedIndexes = formatIndexes(done);
      status.succeeded = done.size;
    }
    status.uncountedTerminatedPods = {};
    await this.writeStatus(job, status);
  }

  private failureReason(job: KubeObject, status: any, active: KubeObject[], _pods: KubeObject[], now: number): { reason: string; message: string } | undefined {
    if (status.__failJob) {
      const message = status.__failJob;
      delete status.__failJob;
      return { reason: 'PodFailurePolicy', message };
    }
    const limit = job.spec?.backoffLimit ?? 6;
    const restartsInPlace = job.spec?.template?.spec?.restartPolicy === 'OnFailure' ? active.reduce((s, p) => s + restarts(p), 0) : 0;
    if ((status.failed ?? 0) + restartsInPlace > limit) {
      return { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    }
    const deadline = job.spec?.activeDeadlineSeconds;
    if (deadline && status.startTime && now - Date.parse(status.startTime) >= deadline * 1000) {
      return { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    }
    return undefined;
  }

  private succeeded(job: KubeObject, status: any, active: KubeObject[]): boolean {
    const completions = job.spec?.completions;
    const succeeded = status.succeeded ?? 0;
    if (job.spec?.completionMode === 'Indexed') return succeeded >= (completions ?? 0);
    if (completions === undefined || completions === null) return succeeded > 0 && active.length === 0;
    return succeeded >= completions;
  }

  private async manageActive(job: KubeObject, status: any, active: KubeObject[], now: number): Promise<void> {
    const key = cacheKey(job);
    const exp = this.expecting.get(key);
    if (exp && exp.names.size > 0 && exp.until > now) return; // wait until the informer has caught up
    const parallelism = job.spec?.parallelism ?? 1;
    const completions = job.spec?.completions;
    const succeeded = status.succeeded ?? 0;
    let toCreate: (number | undefined)[] = [];
    if (job.spec?.completionMode === 'Indexed') {
      const done = parseIndexes(status.completedIndexes);
      const running = new Set(active.map(podIndex));
      const missing: number[] = [];
      for (let i = 0; i < (completions ?? 0); i++) if (!done.has(i) && !running.has(i)) missing.push(i);
      toCreate = missing.slice(0, Math.max(0, parallelism - active.length));
    } else {
      let want = completions === undefined || completions === null ? (succeeded > 0 ? 0 : parallelism) : Math.min(parallelism, completions - succeeded);
      want = Math.max(0, want);
      if (active.length > want) {
        const extra = [...active].sort((a, b) => Number(podReady(a)) - Number(podReady(b)) || (a.metadata.creationTimestamp! > b.metadata.creationTimestamp! ? -1 : 1));
        await this.deletePods(job, extra.slice(0, active.length - want), 'Deleted pod');
        return;
      }
      toCreate = Array.from({ length: want - active.length }, () => undefined);
    }
    if (toCreate.length === 0) return;
    // After failures, new pods wait 10 s × 2^(failures−1), at most 6 minutes (upstream's back-off).
    const failed = status.failed ?? 0;
    const last = this.lastFailure.get(key);
    if (failed > 0 && last !== undefined) {
      const delay = Math.min(this.backoffBase * 2 ** (failed - 1), podBackoffMaxMs);
      if (now < last + delay) {
        this.queue.addAfter(key, last + delay - now + 10);
        return;
      }
    }
    const names = new Set<string>();
    this.expecting.set(key, { names, until: now + 30_000 });
    for (const index of toCreate) {
      try {
        const pod = await this.client.create(refs.pods, job.metadata.namespace!, this.podFor(job, index));
        names.add(pod.metadata.name!);
        if (this.pods.get(pod.metadata.namespace!, pod.metadata.name!)) names.delete(pod.metadata.name!);
        this.events.normal(job, 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
      } catch (e) {
        this.events.warning(job, 'FailedCreate', `Error creating: ${(e as Error).message}`);
        throw e;
      }
    }
  }

  private podFor(job: KubeObject, index: number | undefined): KubeObject {
    const tpl = clone(job.spec.template ?? {});
    const meta = tpl.metadata ?? {};
    const name = job.metadata.name!;
    const pod: KubeObject = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        generateName: index === undefined ? `${name}-` : `${name}-${index}-`,
        labels: { ...(meta.labels ?? {}) },
        annotations: { ...(meta.annotations ?? {}) },
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name, uid: job.metadata.uid!, controller: true, blockOwnerDeletion: true }],
        finalizers: [trackingFinalizer],
      },
      spec: tpl.spec ?? {},
    };
    if (index !== undefined) {
      pod.metadata.annotations![completionIndexAnnotation] = String(index);
      pod.metadata.labels![completionIndexAnnotation] = String(index);
      pod.spec.hostname ??= `${name}-${index}`;
      const env = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${completionIndexAnnotation}']` } } };
      for (const c of [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])]) c.env = [...(c.env ?? []), env];
    }
    return pod;
  }

  private async deletePods(job: KubeObject, pods: KubeObject[], verb: string): Promise<void> {
    for (const pod of pods) {
      try {
        await this.client.delete(refs.pods, pod.metadata.namespace!, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
        this.events.normal(job, 'SuccessfulDelete', `${verb}: ${pod.metadata.name}`);
      } catch (e) {
        if (!(e instanceof ApiError && (e.code === 404 || e.code === 409))) throw e;
      }
    }
  }

  private async removeFinalizer(pod: KubeObject): Promise<void> {
    const finalizers = (pod.metadata.finalizers ?? []).filter((f) => f !== trackingFinalizer);
    try {
      await this.client.patch(refs.pods, pod.metadata.namespace!, pod.metadata.name!, 'merge', {
        metadata: { finalizers: finalizers.length ? finalizers : null, resourceVersion: pod.metadata.resourceVersion },
      });
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
  }

  /** A finished Job: leftover active pods go, tracked pods lose their finalizer, TTL deletes the Job. */
  private async cleanupAfterFinish(job: KubeObject, pods: KubeObject[], _status: any): Promise<void> {
    await this.deletePods(job, pods.filter((p) => !podFinished(p) && !p.metadata.deletionTimestamp), 'Deleted pod');
    for (const p of pods) if (p.metadata.finalizers?.includes(trackingFinalizer) && (podFinished(p) || p.metadata.deletionTimestamp)) await this.removeFinalizer(p);
    const ttl = job.spec?.ttlSecondsAfterFinished;
    if (ttl === undefined || ttl === null) return;
    const finished = condition(job, 'Complete')?.status === 'True' ? condition(job, 'Complete') : condition(job, 'Failed');
    const at = Date.parse(finished?.lastTransitionTime ?? nowTimestamp()) + ttl * 1000;
    if (this.now() >= at) {
      try {
        await this.client.delete(refs.jobs, job.metadata.namespace!, job.metadata.name!, { propagationPolicy: 'Foreground', preconditions: { uid: job.metadata.uid } });
      } catch (e) {
        if (!(e instanceof ApiError && (e.code === 404 || e.code === 409))) throw e;
      }
    } else this.queue.addAfter(cacheKey(job), at - this.now() + 10);
  }

  private async writeStatus(job: KubeObject, status: any): Promise<void> {
    const { __failJob: _f, ...clean } = status;
    const updated = await this.client.update(refs.jobs, job.metadata.namespace!, { ...job, status: clean }, { subresource: 'status' });
    job.metadata.resourceVersion = updated.metadata.resourceVersion;
    job.status = updated.status;
  }
}

function setCondition(status: any, type: string, value: 'True' | 'False', reason: string, message: string, now: number): void {
  const conditions: any[] = status.conditions ?? [];
  const existing = conditions.find((c) => c.type === type);
  const ts = nowTimestamp(new Date(now));
  if (existing) {
    if (existing.status !== value) existing.lastTransitionTime = ts;
    Object.assign(existing, { status: value, reason, message, lastProbeTime: ts });
  } else {
    conditions.push({ type, status: value, reason, message, lastProbeTime: ts, lastTransitionTime: ts });
  }
  status.conditions = conditions;
}
