// batch/v1 CronJob: SetDefaults_CronJob, ValidateCronJobCreate / ValidateCronJobUpdate and the
// registry strategy.
import type { KubeObject } from '../object.js';
import type { Strategy } from '../resource-type.js';
import { FieldPath, fe, type FieldError } from '../field-errors.js';
import { defaultPodTemplateSpec } from '../core/pod-defaults.js';
import { ensureObj, isObj, isSet, nonNegative, objAt, strAt } from '../spec-validation.js';
import { cronScheduleError, loadLocationError } from './cron-schedule.js';
import { validateJobSpec } from './job-spec.js';
import { dnsLabelNameWarnings } from './job-strategy.js';

/** The controller names each Job <cronjob>-<11 characters>, and Job names are at most 63 characters. */
const maxCronJobNameLength = 63 - 11;

export function defaultCronJob(obj: KubeObject): void {
  const spec = ensureObj(obj, 'spec');
  if (!spec) return;
  if (!spec.concurrencyPolicy) spec.concurrencyPolicy = 'Allow';
  if (!isSet(spec.suspend)) spec.suspend = false;
  if (!isSet(spec.successfulJobsHistoryLimit)) spec.successfulJobsHistoryLimit = 3;
  if (!isSet(spec.failedJobsHistoryLimit)) spec.failedJobsHistoryLimit = 1;
  // Only the pod template inside is defaulted: SetDefaults_Job applies to Job objects, not to a
  // JobTemplateSpec (the Job the controller creates from it is defaulted then).
  const jobTemplate = ensureObj(spec, 'jobTemplate');
  const jobSpec = jobTemplate && ensureObj(jobTemplate, 'spec');
  if (jobSpec) {
    if (!isSet(jobSpec.template)) jobSpec.template = {};
    defaultPodTemplateSpec(jobSpec.template);
  }
}

/** validateTimeZone. */
export function timeZoneErrors(timeZone: unknown, path: FieldPath): FieldError[] {
  if (!isSet(timeZone)) return [];
  if (typeof timeZone !== 'string') return [fe.invalid(path, timeZone, 'must be a string')];
  if (timeZone.length === 0) return [fe.invalid(path, timeZone, 'timeZone must be nil or non-empty string')];
  for (const part of timeZone.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !/^[A-Za-z.\-_0-9+]{1,14}$/.test(part)) {
      return [fe.invalid(path, timeZone, `unknown time zone ${timeZone}`)];
    }
  }
  const errs: FieldError[] = [];
  if (timeZone.toLowerCase() === 'local') {
    errs.push(fe.invalid(path, timeZone, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  }
  const err = loadLocationError(timeZone);
  if (err) errs.push(fe.invalid(path, timeZone, err));
  return errs;
}

function validateSchedule(schedule: string, allowTZInSchedule: boolean, timeZone: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const err = cronScheduleError(schedule);
  if (err) errs.push(fe.invalid(path, schedule, err));
  if (allowTZInSchedule && schedule.includes('TZ') && isSet(timeZone)) {
    errs.push(fe.invalid(path, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  } else if (!allowTZInSchedule && schedule.includes('TZ')) {
    errs.push(fe.invalid(path, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  return errs;
}

function validateConcurrencyPolicy(policy: unknown, path: FieldPath): FieldError[] {
  if (policy === 'Allow' || policy === 'Forbid' || policy === 'Replace') return [];
  if (!policy) return [fe.required(path, '')];
  return [fe.notSupported(path, policy, ['Allow', 'Forbid', 'Replace'])];
}

/** ValidateJobTemplateSpec: a JobSpec whose selector the Job's creation will generate. */
export function validateJobTemplateSpec(jobTemplate: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  // The template is a struct upstream: an absent one is the empty one.
  const tpl = isSet(jobTemplate) ? objAt(jobTemplate, path, errs) : {};
  if (!tpl) return errs;
  const specPath = path.child('spec');
  errs.push(...validateJobSpec(tpl.spec ?? {}, specPath));
  if (isObj(tpl.spec)) {
    if (isSet(tpl.spec.selector)) errs.push(fe.invalid(specPath.child('selector'), tpl.spec.selector, '`selector` will be auto-generated'));
    if (tpl.spec.manualSelector === true) errs.push(fe.notSupported(specPath.child('manualSelector'), true, ['nil', 'false']));
  }
  return errs;
}

/** validateCronJobSpec, plus the name length limit on create (ValidateCronJobCreate). */
export function validateCronJob(obj: KubeObject, old?: KubeObject): FieldError[] {
  const path = FieldPath.root('spec');
  const spec = obj.spec;
  if (!isObj(spec)) return [fe.invalid(path, spec ?? null, 'must be an object')];
  const oldSpec = old && isObj(old.spec) ? old.spec : undefined;
  const errs: FieldError[] = [];
  const schedule = strAt(spec.schedule, path.child('schedule'), errs);
  if (!isSet(spec.schedule) || spec.schedule === '') errs.push(fe.required(path.child('schedule'), ''));
  else if (schedule) {
    // A TZ= schedule stored before the timeZone field existed may still be updated.
    const allowTZ = !!oldSpec && typeof oldSpec.schedule === 'string' && oldSpec.schedule.includes('TZ');
    errs.push(...validateSchedule(schedule, allowTZ, spec.timeZone, path.child('schedule')));
  }
  nonNegative(spec.startingDeadlineSeconds, path.child('startingDeadlineSeconds'), errs);
  if (!oldSpec || oldSpec.timeZone !== spec.timeZone) errs.push(...timeZoneErrors(spec.timeZone, path.child('timeZone')));
  errs.push(...validateConcurrencyPolicy(spec.concurrencyPolicy, path.child('concurrencyPolicy')));
  errs.push(...validateJobTemplateSpec(spec.jobTemplate, path.child('jobTemplate')));
  nonNegative(spec.successfulJobsHistoryLimit, path.child('successfulJobsHistoryLimit'), errs);
  nonNegative(spec.failedJobsHistoryLimit, path.child('failedJobsHistoryLimit'), errs);
  // Only on create, so that CronJobs with longer names from older releases can still be updated.
  const name = obj.metadata.name ?? '';
  if (!old && name.length > maxCronJobNameLength) {
    errs.push(fe.invalid(FieldPath.root('metadata').child('name'), name, `must be no more than ${maxCronJobNameLength} characters`));
  }
  return errs;
}

export const cronJobStrategy: Strategy = {
  defaults: defaultCronJob,
  prepareForCreate(obj) {
    obj.status = {};
  },
  validate: (obj, ctx) => validateCronJob(obj, ctx.old),
  warnings(obj) {
    const warnings = dnsLabelNameWarnings(obj);
    const schedule = obj.spec?.schedule;
    if (typeof schedule === 'string' && schedule.includes('TZ')) {
      warnings.push(`cronjob.spec.schedule: CRON_TZ or TZ used in ${schedule} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`);
    }
    return warnings;
  },
};
