// Table columns and cells for batch/v1 kinds, as upstream's server-side printers render them.
import type { TablePrinter } from '../resource-type.js';
import {
  NONE, ageColumn, boolPtrString, containerCells, containersColumn, formatLabelSelector, humanDuration, imagesColumn,
  nameColumn, selectorColumn, since, timeOf,
} from '../printing.js';

function hasTrueCondition(obj: any, type: string): boolean {
  const c = (obj.status?.conditions ?? []).find((x: any) => x.type === type);
  return c?.status === 'True';
}

/** The Status column (upstream 1.30+): terminal conditions first, then deletion, suspension, pending failure. */
function jobStatus(job: any): string {
  if (hasTrueCondition(job, 'Complete')) return 'Complete';
  if (hasTrueCondition(job, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (hasTrueCondition(job, 'Suspended')) return 'Suspended';
  if (hasTrueCondition(job, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

/** "succeeded/completions"; a job without completions needs one success, done by up to `parallelism` pods. */
function jobCompletions(job: any): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec?.completions != null) return `${succeeded}/${job.spec.completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** Run time so far, or start to completion; empty before the job starts. */
function jobDuration(job: any, now: Date): string {
  const start = timeOf(job.status?.startTime);
  if (start === undefined) return '';
  const end = timeOf(job.status?.completionTime) ?? now.getTime();
  return humanDuration(end - start);
}

const job: TablePrinter = {
  columns: [
    nameColumn,
    { name: 'Status', type: 'string', description: 'Status of the job.' },
    { name: 'Completions', type: 'string', description: 'Succeeded pods out of the completions wanted.' },
    { name: 'Duration', type: 'string', description: 'Time the job took, or has taken so far.' },
    ageColumn, containersColumn, imagesColumn, selectorColumn,
  ],
  cells(obj, now) {
    const [names, images] = containerCells(obj.spec?.template?.spec?.containers);
    return [
      obj.metadata.name, jobStatus(obj), jobCompletions(obj), jobDuration(obj, now), since(obj.metadata.creationTimestamp, now),
      names, images, formatLabelSelector(obj.spec?.selector),
    ];
  },
};

const cronJob: TablePrinter = {
  columns: [
    nameColumn,
    { name: 'Schedule', type: 'string', description: 'The cron schedule.' },
    { name: 'Timezone', type: 'string', description: 'Time zone the schedule is read in.' },
    { name: 'Suspend', type: 'boolean', description: 'Whether new runs are suspended.' },
    { name: 'Active', type: 'integer', description: 'Number of running jobs.' },
    { name: 'Last Schedule', type: 'string', description: 'Time since a job was last scheduled.' },
    ageColumn, containersColumn, imagesColumn, selectorColumn,
  ],
  cells(obj, now) {
    const template = obj.spec?.jobTemplate?.spec;
    const [names, images] = containerCells(template?.template?.spec?.containers);
    const last = obj.status?.lastScheduleTime ? since(obj.status.lastScheduleTime, now) : NONE;
    return [
      obj.metadata.name, obj.spec?.schedule ?? '', obj.spec?.timeZone ?? NONE, boolPtrString(obj.spec?.suspend),
      (obj.status?.active ?? []).length, last, since(obj.metadata.creationTimestamp, now),
      names, images, formatLabelSelector(template?.selector),
    ];
  },
};

export const printers: Record<string, TablePrinter> = {
  Job: job,
  CronJob: cronJob,
};
