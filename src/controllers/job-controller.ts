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
const podBackoffMaxMs = 600_000;

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
  /**
   * Pods (by UID, per job) whose tracking finalizer this controller removed but whose informer copy
   * may still carry it: a stale copy must not be counted again (upstream's finalizer expectations).
   */
  private readonly finalizersRemoved = new Map<string, Set<string>>();
  /** Failures since the last success and when the latest happened, per job (upstream's backoff record). */
  private readonly backoff = new Map<string, { failuresAfterSuccess: number; lastFailure: number }>();
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
    this.jobs.on({ add: jobKey, update: (_o, n) => jobKey(n), delete: (j) => {
      this.expecting.delete(cacheKey(j));
      this.backoff.delete(cacheKey(j));
      this.finalizersRemoved.delete(cacheKey(j));
      jobKey(j); // its pods lose their finalizer
    } });
    const podChanged = (p: KubeObject, gone = false) => {
      const owner = p.metadata.ownerReferences?.find((o) => o.controller && o.kind === 'Job');
      if (!owner) return;
      const key = `${p.metadata.namespace}/${owner.name}`;
      this.expecting.get(key)?.names.delete(p.metadata.name!);
      if (gone || !p.metadata.finalizers?.includes(trackingFinalizer)) this.finalizersRemoved.get(key)?.delete(p.metadata.uid!);
      this.queue.add(key);
    };
    this.pods.on({ add: (p) => podChanged(p), update: (_o, n) => podChanged(n), delete: (p) => podChanged(p, true) });
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

  /** Re-examine every Job now (tests that move the clock call this). */
  resync(): void {
    for (const j of this.jobs.list()) this.queue.add(cacheKey(j));
  }

  private podsOf(job: KubeObject): KubeObject[] {
    const selector = selectorFromLabelSelector(job.spec?.selector);
    return this.pods.list(job.metadata.namespace).filter((p) =>
      selector.matches(p.metadata.labels) && p.metadata.ownerReferences?.some((o) => o.controller && o.uid === job.metadata.uid));
  }

  private async sync(key: string): Promise<void> {
    const [ns, name] = key.split('/');
    const cached = this.jobs.get(ns, name);
    // The pods of a deleted (or deleting) Job must not be kept by the tracking finalizer.
    if (!cached || cached.metadata.deletionTimestamp) {
      const orphans = this.pods.list(ns).filter((p) => p.metadata.finalizers?.includes(trackingFinalizer)
        && p.metadata.ownerReferences?.some((o) => o.controller && o.kind === 'Job' && o.name === name && (!cached || o.uid === cached.metadata.uid)));
      for (const pod of orphans) await this.removeFinalizer(pod);
      return;
    }
    // Without a selector the Job's pods cannot be found again; never create pods blind.
    if (!cached.spec?.selector || selectorFromLabelSelector(cached.spec.selector).empty()) return;
    const job = clone(cached);
    const pods = this.podsOf(job);
    const status: any = job.status ?? {};
    const before = JSON.stringify(status);

    if (jobFinished(job)) {
      await this.trackFinishedPods(job, status, pods);
      await this.cleanupAfterFinish(job, pods);
      if (JSON.stringify(status) !== before) await this.writeStatus(job, status);
      return;
    }

    const now = this.now();
    const suspended = !!job.spec?.suspend;
    // A pod whose finalizer this controller removed has finished (or is going) even if the cache lags.
    const isActive = (p: KubeObject) => !podFinished(p) && !p.metadata.deletionTimestamp && !this.finalizersRemoved.get(key)?.has(p.metadata.uid!);
    const active = () => this.podsOf(job).filter(isActive);
    if (!suspended && !status.startTime) status.startTime = nowTimestamp(new Date(now));

    // A Job that reached its end first records FailureTarget (or SuccessCriteriaMet), then removes its
    // remaining pods, and only when none is left running gets its terminal condition, as upstream.
    let target = condition(job, 'FailureTarget')?.status === 'True' ? condition(job, 'FailureTarget') : undefined;
    const failJob = await this.trackFinishedPods(job, status, pods);
    if (!target) {
      const failure = failJob ? { reason: 'PodFailurePolicy', message: failJob } : this.failureReason(job, status, active(), now);
      if (failure) {
        setCondition(status, 'FailureTarget', 'True', failure.reason, failure.message, now);
        await this.writeStatus(job, status);
        target = condition(job, 'FailureTarget');
      }
    }
    if (target) {
      await this.deletePods(job, active(), false);
      await this.trackFinishedPods(job, status, this.podsOf(job));
      const remaining = this.podsOf(job).filter((p) => !podFinished(p));
      if (remaining.length === 0 && countsSettled(status)) {
        setCondition(status, 'Failed', 'True', target.reason, target.message, now);
        this.events.warning(job, target.reason, target.message);
      } else {
        // Pods still terminating; their informer updates bring the Job back.
        this.queue.addAfter(key, 1000);
      }
    } else if (this.succeeded(job, status, active())) {
      setCondition(status, 'SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods', now);
      setCondition(status, 'Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods', now);
      status.completionTime = nowTimestamp(new Date(now));
      this.events.normal(job, 'Completed', 'Job completed');
    } else if (suspended) {
      // Pods of a suspended Job are not failures: their finalizer goes before they do.
      await this.deletePods(job, active(), true);
      if (condition(job, 'Suspended')?.status !== 'True') {
        setCondition(status, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now);
        this.events.normal(job, 'Suspended', 'Job suspended');
      }
    } else {
      if (condition(job, 'Suspended')?.status === 'True') {
        setCondition(status, 'Suspended', 'False', 'JobResumed', 'Job resumed', now);
        this.events.normal(job, 'Resumed', 'Job resumed');
        // activeDeadlineSeconds counts time continuously active: a resumed Job starts again.
        status.startTime = nowTimestamp(new Date(now));
      }
      await this.manageActive(job, status, active(), now);
      const deadline = job.spec?.activeDeadlineSeconds;
      if (deadline && status.startTime) this.queue.addAfter(key, Date.parse(status.startTime) + deadline * 1000 - now + 50);
    }
    const current = this.podsOf(job);
    const stillActive = current.filter(isActive);
    setCount(status, 'active', stillActive.length);
    status.ready = stillActive.filter(podReady).length;
    status.terminating = current.filter((p) => p.metadata.deletionTimestamp && !podFinished(p)).length;
    setCount(status, 'succeeded', status.succeeded ?? 0);
    setCount(status, 'failed', status.failed ?? 0);
    status.uncountedTerminatedPods ??= {};
    if (JSON.stringify(status) !== before) await this.writeStatus(job, status);
  }

  /**
   * Counts each finished pod exactly once: record its UID as uncounted, drop its finalizer, then
   * fold it into succeeded/failed (and completedIndexes). A deleted pod that did not succeed is a
   * failure (it may never reach the Failed phase). Returns the message of a podFailurePolicy FailJob
   * rule that matched.
   */
  private async trackFinishedPods(job: KubeObject, status: any, pods: KubeObject[]): Promise<string | undefined> {
    const key = cacheKey(job);
    const uncounted = { succeeded: [...(status.uncountedTerminatedPods?.succeeded ?? [])], failed: [...(status.uncountedTerminatedPods?.failed ?? [])] };
    let recorded = false;
    let failJob: string | undefined;
    const release: KubeObject[] = [];
    // A controller that restarted rebuilds the record from the finished pods still there.
    const known = this.backoff.get(key);
    const backoff = known ?? this.backoffFromPods(job, pods);
    const removed = this.finalizersRemoved.get(key);
    for (const pod of pods) {
      if (!pod.metadata.finalizers?.includes(trackingFinalizer)) continue;
      const uid = pod.metadata.uid!;
      // Already counted (or let go) and its finalizer removed; this copy of it is stale.
      if (removed?.has(uid)) continue;
      if (uncounted.succeeded.includes(uid) || uncounted.failed.includes(uid)) {
        // Recorded before a restart: its finalizer still has to go, and a FailJob verdict still holds.
        if (uncounted.failed.includes(uid)) {
          const verdict = evaluateFailurePolicy(job.spec?.podFailurePolicy, pod);
          if (verdict.action === 'FailJob') failJob ??= verdict.message;
        }
        release.push(pod);
        continue;
      }
      if (pod.status?.phase === 'Succeeded') {
        uncounted.succeeded.push(uid);
        if (known) backoff.failuresAfterSuccess = 0;
      } else if (pod.status?.phase === 'Failed' || pod.metadata.deletionTimestamp) {
        const verdict = evaluateFailurePolicy(job.spec?.podFailurePolicy, pod);
        if (verdict.action === 'Ignore') {
          release.push(pod);
          continue;
        }
        if (verdict.action === 'FailJob') failJob ??= verdict.message;
        uncounted.failed.push(uid);
        if (known) {
          backoff.failuresAfterSuccess++;
          backoff.lastFailure = Math.max(backoff.lastFailure, finishTime(pod) ?? this.now());
        }
      } else continue;
      recorded = true;
      release.push(pod);
    }
    this.backoff.set(key, backoff);
    if (recorded) {
      status.uncountedTerminatedPods = uncounted;
      await this.writeStatus(job, status);
    }
    for (const pod of release) await this.removeFinalizer(pod);
    if (uncounted.succeeded.length + uncounted.failed.length === 0) return failJob;
    const byUid = new Map(pods.map((p) => [p.metadata.uid!, p]));
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
    return failJob;
  }

  /** Failures since the last success, in the order the pods finished (upstream's backoff record). */
  private backoffFromPods(job: KubeObject, pods: KubeObject[]): { failuresAfterSuccess: number; lastFailure: number } {
    const record = { failuresAfterSuccess: 0, lastFailure: 0 };
    const finished = pods.filter(podFinished).map((p) => ({ p, at: finishTime(p) ?? this.now() })).sort((a, b) => a.at - b.at);
    for (const { p, at } of finished) {
      if (p.status?.phase === 'Succeeded') record.failuresAfterSuccess = 0;
      else if (evaluateFailurePolicy(job.spec?.podFailurePolicy, p).action !== 'Ignore') {
        record.failuresAfterSuccess++;
        record.lastFailure = Math.max(record.lastFailure, at);
      }
    }
    return record;
  }

  private failureReason(job: KubeObject, status: any, active: KubeObject[], now: number): { reason: string; message: string } | undefined {
    const limit = job.spec?.backoffLimit ?? 6;
    if ((status.failed ?? 0) > limit || pastBackoffLimitOnFailure(job, active, limit)) {
      return { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    }
    const deadline = job.spec?.activeDeadlineSeconds;
    if (deadline && status.startTime && !job.spec?.suspend && now - Date.parse(status.startTime) >= deadline * 1000) {
      return { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    }
    return undefined;
  }

  private succeeded(job: KubeObject, status: any, active: KubeObject[]): boolean {
    const completions = job.spec?.completions;
    const succeeded = status.succeeded ?? 0;
    if (job.spec?.completionMode === 'Indexed') return succeeded >= (completions ?? 0) && active.length === 0;
    if (completions === undefined || completions === null) return succeeded > 0 && active.length === 0;
    return succeeded >= completions && active.length === 0;
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
      // Without completions, one success ends the Job once the pods still running finish on their own.
      let want = completions === undefined || completions === null ? (succeeded > 0 ? active.length : parallelism) : Math.min(parallelism, completions - succeeded);
      want = Math.max(0, want);
      if (active.length > want) {
        const extra = [...active].sort((a, b) => Number(podReady(a)) - Number(podReady(b)) || (a.metadata.creationTimestamp! > b.metadata.creationTimestamp! ? -1 : 1));
        await this.deletePods(job, extra.slice(0, active.length - want), true);
        return;
      }
      toCreate = Array.from({ length: want - active.length }, () => undefined);
    }
    if (toCreate.length === 0) return;
    // After failures, new pods wait 10 s × 2^(failures since the last success − 1), at most 10
    // minutes (upstream's pod failure back-off).
    const backoff = this.backoff.get(key);
    if (backoff && backoff.failuresAfterSuccess > 0) {
      const last = backoff.lastFailure;
      const delay = Math.min(this.backoffBase * 2 ** (backoff.failuresAfterSuccess - 1), podBackoffMaxMs);
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

  /**
   * Deletes pods. `uncounted` pods (suspension, scale-down) lose the tracking finalizer first, so they
   * are not failures; pods of a failing Job keep it and are counted as failed.
   */
  private async deletePods(job: KubeObject, pods: KubeObject[], uncounted: boolean): Promise<void> {
    for (const pod of pods) {
      try {
        if (uncounted) await this.removeFinalizer(pod);
        await this.client.delete(refs.pods, pod.metadata.namespace!, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
        this.events.normal(job, 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
      } catch (e) {
        if (!(e instanceof ApiError && (e.code === 404 || e.code === 409))) throw e;
      }
    }
  }

  private async removeFinalizer(pod: KubeObject): Promise<void> {
    if (!pod.metadata.finalizers?.includes(trackingFinalizer)) return;
    const finalizers = (pod.metadata.finalizers ?? []).filter((f) => f !== trackingFinalizer);
    const owner = pod.metadata.ownerReferences?.find((o) => o.controller && o.kind === 'Job');
    const key = owner && `${pod.metadata.namespace}/${owner.name}`;
    const removed = key ? (this.finalizersRemoved.get(key) ?? this.finalizersRemoved.set(key, new Set()).get(key)!) : undefined;
    removed?.add(pod.metadata.uid!);
    try {
      await this.client.patch(refs.pods, pod.metadata.namespace!, pod.metadata.name!, 'merge', {
        metadata: { finalizers: finalizers.length ? finalizers : null },
      });
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) {
        removed?.delete(pod.metadata.uid!);
        return;
      }
      // Not removed: the pod must be looked at again.
      removed?.delete(pod.metadata.uid!);
      throw e;
    }
  }

  /** A finished Job: leftover active pods go, tracked pods lose their finalizer, TTL deletes the Job. */
  private async cleanupAfterFinish(job: KubeObject, pods: KubeObject[]): Promise<void> {
    const counted = this.finalizersRemoved.get(cacheKey(job));
    await this.deletePods(job, pods.filter((p) => !podFinished(p) && !p.metadata.deletionTimestamp && !counted?.has(p.metadata.uid!)), true);
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
    const updated = await this.client.update(refs.jobs, job.metadata.namespace!, { ...job, status }, { subresource: 'status' });
    job.metadata.resourceVersion = updated.metadata.resourceVersion;
    job.status = updated.status;
  }
}

/** Whether every finished pod recorded in uncountedTerminatedPods has been folded into the counters. */
function countsSettled(status: any): boolean {
  const u = status.uncountedTerminatedPods ?? {};
  return (u.succeeded?.length ?? 0) + (u.failed?.length ?? 0) === 0;
}

/** active, succeeded and failed are omitempty upstream: zero is left out. */
function setCount(status: any, field: string, n: number): void {
  if (n) status[field] = n;
  else delete status[field];
}

/** When a pod's containers stopped (the latest), for the back-off after a failure. */
function finishTime(pod: KubeObject): number | undefined {
  const times = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]
    .map((c: any) => Date.parse(c.state?.terminated?.finishedAt ?? ''))
    .filter((t: number) => !Number.isNaN(t));
  return times.length ? Math.max(...times) : undefined;
}

/** Under restartPolicy OnFailure the node restarts containers in place; those restarts count towards backoffLimit. */
function pastBackoffLimitOnFailure(job: KubeObject, active: KubeObject[], limit: number): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  const n = active.filter((p) => p.status?.phase === 'Running' || p.status?.phase === 'Pending' || !p.status?.phase).reduce((s, p) => s + restarts(p), 0);
  return limit === 0 ? n > 0 : n >= limit;
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
