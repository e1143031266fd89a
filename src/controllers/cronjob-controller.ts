// The CronJob controller: creates a Job for each scheduled time (named <cronjob>-<minutes since
// epoch>, so a restart never creates the same run twice), honouring startingDeadlineSeconds,
// concurrencyPolicy, suspend and the history limits. The clock is injectable for tests.
import { clone, nowTimestamp, type KubeObject } from '../api/object.js';
import { ApiError } from '../api/status.js';
import { parseCronSchedule } from '../api/batch/cron-schedule.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { Informer, cacheKey } from '../client/informer.js';
import { WorkQueue } from '../client/work-queue.js';
import { EventRecorder } from '../client/event-recorder.js';
import { jobFinished } from './job-controller.js';
import { planSchedule, type SchedulePlan } from './cronjob-missed-schedules.js';

const refs = {
  cronjobs: { group: 'batch', version: 'v1', kind: 'CronJob', plural: 'cronjobs', namespaced: true },
  jobs: { group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true },
} satisfies Record<string, ResourceRef>;

export const scheduledTimestampAnnotation = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export interface CronJobControllerOptions {
  now?: () => number;
}

export function jobNameFor(cronJobName: string, scheduled: Date): string {
  return `${cronJobName}-${Math.floor(scheduled.getTime() / 60_000)}`;
}

/** Go's time.RFC1123Z in UTC: "Mon, 02 Jan 2006 15:04:05 +0000". */
function rfc1123z(t: Date): string {
  return t.toUTCString().replace('GMT', '+0000');
}

/** Go's time.RFC3339 of `t` in the CronJob's time zone (UTC without one), as upstream's scheduled-timestamp annotation. */
export function rfc3339InZone(t: Date, timeZone?: string | null): string {
  if (!timeZone || timeZone === 'UTC' || timeZone === 'Etc/UTC') return nowTimestamp(t);
  let offset: string;
  try {
    offset = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(t).find((p) => p.type === 'timeZoneName')!.value;
  } catch {
    return nowTimestamp(t);
  }
  const m = /^GMT([+-])(\d\d):(\d\d)$/.exec(offset);
  if (!m) return nowTimestamp(t);
  const ms = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000;
  return nowTimestamp(new Date(t.getTime() + ms)).replace(/Z$/, `${m[1]}${m[2]}:${m[3]}`);
}

function finishedCondition(job: KubeObject): 'Complete' | 'Failed' | undefined {
  for (const t of ['Complete', 'Failed'] as const) if ((job.status?.conditions ?? []).some((c: any) => c.type === t && c.status === 'True')) return t;
  return undefined;
}

export class CronJobController {
  private readonly cronjobs: Informer;
  private readonly jobs: Informer;
  private readonly queue = new WorkQueue({ baseDelayMs: 200, maxDelayMs: 30_000 });
  private readonly events: EventRecorder;
  private readonly now: () => number;
  /** The latest missed schedule already reported per CronJob, so a miss is said once. */
  private readonly reportedMiss = new Map<string, number>();

  constructor(
    private readonly client: ApiClient,
    opts: CronJobControllerOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.events = new EventRecorder(client, { component: 'cronjob-controller' });
    this.cronjobs = new Informer(client, refs.cronjobs);
    this.jobs = new Informer(client, refs.jobs);
    const key = (c: KubeObject) => this.queue.add(cacheKey(c));
    this.cronjobs.on({ add: key, update: (_o, n) => key(n), delete: (c) => this.reportedMiss.delete(cacheKey(c)) });
    const jobChanged = (j: KubeObject) => {
      const owner = j.metadata.ownerReferences?.find((o) => o.controller && o.kind === 'CronJob');
      if (owner) this.queue.add(`${j.metadata.namespace}/${owner.name}`);
    };
    this.jobs.on({ add: jobChanged, update: (_o, n) => jobChanged(n), delete: jobChanged });
  }

  async start(): Promise<void> {
    await Promise.all([this.cronjobs.start(), this.jobs.start()]);
    this.queue.run(2, (key) => this.sync(key));
  }

  stop(): void {
    this.queue.stop();
    this.cronjobs.stop();
    this.jobs.stop();
  }

  /** Re-examine every CronJob now (tests that move the clock call this). */
  resync(): void {
    for (const c of this.cronjobs.list()) this.queue.add(cacheKey(c));
  }

  private jobsOf(cj: KubeObject): KubeObject[] {
    return this.jobs.list(cj.metadata.namespace).filter((j) => j.metadata.ownerReferences?.some((o) => o.controller && o.uid === cj.metadata.uid));
  }

  private async sync(key: string): Promise<void> {
    const [ns, name] = key.split('/');
    const cached = this.cronjobs.get(ns, name);
    if (!cached || cached.metadata.deletionTimestamp) return;
    const cj = clone(cached);
    const status: any = cj.status ?? {};
    const before = JSON.stringify(status);
    const now = new Date(this.now());
    const jobs = this.jobsOf(cj);

    // Finished jobs leave the active list; the latest success is remembered.
    const activeRefs: any[] = [];
    for (const j of jobs) {
      const done = finishedCondition(j);
      if (!done) {
        activeRefs.push({ apiVersion: 'batch/v1', kind: 'Job', name: j.metadata.name, namespace: ns, uid: j.metadata.uid, resourceVersion: j.metadata.resourceVersion });
        continue;
      }
      const wasActive = (status.active ?? []).some((a: any) => a.uid === j.metadata.uid);
      if (wasActive) this.events.normal(cj, 'SawCompletedJob', `Saw completed job: ${j.metadata.name}, status: ${done}`);
      if (done === 'Complete' && j.status?.completionTime && (!status.lastSuccessfulTime || j.status.completionTime > status.lastSuccessfulTime)) {
        status.lastSuccessfulTime = j.status.completionTime;
      }
    }
    status.active = activeRefs.length ? activeRefs.sort((a, b) => (a.name < b.name ? -1 : 1)) : undefined;
    await this.pruneHistory(cj, jobs);

    const spec = cj.spec ?? {};
    let next: Date | undefined;
    if (!spec.suspend) {
      const earliest = new Date(Date.parse(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? now.toISOString()));
      let plan: SchedulePlan;
      try {
        plan = planSchedule(parseCronSchedule(spec.schedule, spec.timeZone ?? undefined), earliest, now, spec.startingDeadlineSeconds);
      } catch (e) {
        this.events.warning(cj, 'InvalidSchedule', `invalid schedule: ${spec.schedule} : ${(e as Error).message}`);
        return;
      }
      next = plan.next;
      if (plan.tooMany) {
        this.events.warning(cj, 'TooManyMissedTimes', `too many missed start times: ${plan.missedStarts}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`);
      }
      // A run that could not start within startingDeadlineSeconds is skipped, said once.
      if (plan.missed && this.reportedMiss.get(key) !== plan.missed.getTime()) {
        this.reportedMiss.set(key, plan.missed.getTime());
        if (!jobs.some((j) => j.metadata.name === jobNameFor(cj.metadata.name!, plan.missed!))) {
          this.events.warning(cj, 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(plan.missed)}`);
        }
      }
      const scheduled = plan.scheduled;
      if (scheduled && status.lastScheduleTime !== nowTimestamp(scheduled) && (await this.startJob(cj, scheduled, jobs, status))) {
        status.lastScheduleTime = nowTimestamp(scheduled);
      }
    }
    if (JSON.stringify(status) !== before) {
      if (status.active === undefined) delete status.active;
      try {
        await this.client.update(refs.cronjobs, ns, { ...cj, status }, { subresource: 'status' });
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    if (next) this.queue.addAfter(key, Math.max(100, next.getTime() - this.now() + 100));
  }

  /** Returns whether the scheduled run is now taken care of (created now or before, or replaced). */
  private async startJob(cj: KubeObject, scheduled: Date, jobs: KubeObject[], status: any): Promise<boolean> {
    const ns = cj.metadata.namespace!;
    const name = jobNameFor(cj.metadata.name!, scheduled);
    if (jobs.some((j) => j.metadata.name === name)) return true;
    const active = jobs.filter((j) => !jobFinished(j));
    const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && active.length > 0) {
      this.events.normal(cj, 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return false;
    }
    if (policy === 'Replace') {
      for (const j of active) {
        try {
          await this.client.delete(refs.jobs, ns, j.metadata.name!, { propagationPolicy: 'Background' });
          this.events.normal(cj, 'SuccessfulDelete', `Deleted job ${j.metadata.name}`);
        } catch (e) {
          if (!(e instanceof ApiError && e.code === 404)) throw e;
        }
      }
      status.active = undefined;
    }
    const tpl = clone(cj.spec.jobTemplate ?? {});
    const job: KubeObject = {
      apiVersion: 'batch/v1', kind: 'Job',
      metadata: {
        name,
        namespace: ns,
        labels: { ...(tpl.metadata?.labels ?? {}) },
        annotations: { ...(tpl.metadata?.annotations ?? {}), [scheduledTimestampAnnotation]: rfc3339InZone(scheduled, cj.spec?.timeZone) },
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cj.metadata.name!, uid: cj.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      spec: tpl.spec ?? {},
    };
    try {
      const created = await this.client.create(refs.jobs, ns, job);
      this.events.normal(cj, 'SuccessfulCreate', `Created job ${name}`);
      status.active = [...(status.active ?? []), { apiVersion: 'batch/v1', kind: 'Job', name, namespace: ns, uid: created.metadata.uid, resourceVersion: created.metadata.resourceVersion }];
    } catch (e) {
      // Already there: this run was created before (e.g. by this controller before a restart).
      if (!(e instanceof ApiError && e.code === 409)) {
        this.events.warning(cj, 'FailedCreate', `Error creating job: ${(e as Error).message}`);
        throw e;
      }
    }
    return true;
  }

  private async pruneHistory(cj: KubeObject, jobs: KubeObject[]): Promise<void> {
    const limits = { Complete: cj.spec?.successfulJobsHistoryLimit ?? 3, Failed: cj.spec?.failedJobsHistoryLimit ?? 1 };
    for (const kind of ['Complete', 'Failed'] as const) {
      const done = jobs.filter((j) => finishedCondition(j) === kind && !j.metadata.deletionTimestamp)
        .sort((a, b) => (a.status?.startTime ?? a.metadata.creationTimestamp ?? '').localeCompare(b.status?.startTime ?? b.metadata.creationTimestamp ?? ''));
      for (const j of done.slice(0, Math.max(0, done.length - limits[kind]))) {
        try {
          await this.client.delete(refs.jobs, j.metadata.namespace!, j.metadata.name!, { propagationPolicy: 'Background' });
          this.events.normal(cj, 'SuccessfulDelete', `Deleted job ${j.metadata.name}`);
        } catch (e) {
          if (!(e instanceof ApiError && e.code === 404)) throw e;
        }
      }
    }
  }
}
