// events.k8s.io/v1 Event: upstream's ValidateEventCreate / ValidateEventUpdate for the events.k8s.io
// API (legacy checks plus the strict ones). As upstream reports them, the paths are the internal
// (core) field names: involvedObject for regarding, message for note, source for deprecatedSource.
import type { KubeObject } from '../object.js';
import type { Strategy } from '../resource-type.js';
import { FieldPath, fe, type FieldError } from '../field-errors.js';
import { dns1123SubdomainErrors, qualifiedNameErrors } from '../label-names.js';
import { immutable, isObj, isSet, type Obj } from '../spec-validation.js';

const reportingInstanceLengthLimit = 128;
const actionLengthLimit = 128;
const reasonLengthLimit = 128;
const noteLengthLimit = 1024;

const p = (name: string) => FieldPath.root(name);
const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** legacyValidateEvent for an event that has eventTime (events.k8s.io always does, or is rejected). */
function legacyErrors(e: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const namespace = e.metadata.namespace ?? '';
  const regarding: Obj = isObj(e.regarding) ? e.regarding : {};
  if (!isSet(e.eventTime)) {
    // Without eventTime the involved object's namespace must be the event's (or empty, in default).
    const ns = str(regarding.namespace);
    if (ns === '' ? namespace !== '' && namespace !== 'default' : namespace !== ns) {
      errs.push(fe.invalid(p('involvedObject').child('namespace'), ns, 'does not match event.namespace'));
    }
  } else {
    if (str(regarding.namespace) === '' && namespace !== 'default' && namespace !== 'kube-system') {
      errs.push(fe.invalid(p('involvedObject').child('namespace'), str(regarding.namespace), 'does not match event.namespace'));
    }
    const controller = str(e.reportingController);
    if (controller.length === 0) errs.push(fe.required(p('reportingController'), ''));
    for (const m of qualifiedNameErrors(controller)) errs.push(fe.invalid(p('reportingController'), controller, m));
    const instance = str(e.reportingInstance);
    if (instance.length === 0) errs.push(fe.required(p('reportingInstance'), ''));
    if (instance.length > reportingInstanceLengthLimit) errs.push(fe.invalid(p('reportingInstance'), '', `can have at most ${reportingInstanceLengthLimit} characters`));
    const action = str(e.action);
    if (action.length === 0) errs.push(fe.required(p('action'), ''));
    if (action.length > actionLengthLimit) errs.push(fe.invalid(p('action'), '', `can have at most ${actionLengthLimit} characters`));
    const reason = str(e.reason);
    if (reason.length === 0) errs.push(fe.required(p('reason'), ''));
    if (reason.length > reasonLengthLimit) errs.push(fe.invalid(p('reason'), '', `can have at most ${reasonLengthLimit} characters`));
    if (str(e.note).length > noteLengthLimit) errs.push(fe.invalid(p('message'), '', `can have at most ${noteLengthLimit} characters`));
  }
  for (const m of dns1123SubdomainErrors(namespace)) errs.push(fe.invalid(p('namespace'), namespace, m));
  return errs;
}

function seriesErrors(e: KubeObject): FieldError[] {
  if (!isSet(e.series)) return [];
  const series: Obj = isObj(e.series) ? e.series : {};
  const errs: FieldError[] = [];
  if (!(typeof series.count === 'number' && series.count >= 2)) errs.push(fe.invalid(p('series.count'), '', 'should be at least 2'));
  if (!isSet(series.lastObservedTime)) errs.push(fe.required(p('series.lastObservedTime'), ''));
  return errs;
}

/** ValidateEventCreate for events.k8s.io/v1. */
export function validateEventCreate(e: KubeObject): FieldError[] {
  const errs = legacyErrors(e);
  const name = e.metadata.name ?? '';
  if (name) for (const m of dns1123SubdomainErrors(name)) errs.push(fe.invalid(p('metadata').child('name'), name, m));
  errs.push(...seriesErrors(e));
  if (!isSet(e.eventTime)) errs.push(fe.required(p('eventTime'), ''));
  if (e.type !== 'Normal' && e.type !== 'Warning') errs.push(fe.invalid(p('type'), '', `has invalid value: ${str(e.type)}`));
  if (isSet(e.deprecatedFirstTimestamp)) errs.push(fe.invalid(p('deprecatedFirstTimestamp'), '', 'needs to be unset'));
  if (isSet(e.deprecatedLastTimestamp)) errs.push(fe.invalid(p('deprecatedLastTimestamp'), '', 'needs to be unset'));
  if (isSet(e.deprecatedCount) && e.deprecatedCount !== 0) errs.push(fe.invalid(p('deprecatedCount'), '', 'needs to be unset'));
  const source: Obj = isObj(e.deprecatedSource) ? e.deprecatedSource : {};
  if (str(source.component) !== '' || str(source.host) !== '') errs.push(fe.invalid(p('deprecatedSource'), '', 'needs to be unset'));
  return errs;
}

/** ValidateEventUpdate for events.k8s.io/v1: only the series may move on. */
export function validateEventUpdate(e: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (JSON.stringify(e.series ?? null) !== JSON.stringify(old.series ?? null)) errs.push(...seriesErrors(e));
  errs.push(...immutable(e.regarding, old.regarding, p('involvedObject')));
  errs.push(...immutable(e.reason, old.reason, p('reason')));
  errs.push(...immutable(e.note, old.note, p('message')));
  errs.push(...immutable(e.deprecatedSource, old.deprecatedSource, p('source')));
  errs.push(...immutable(e.deprecatedFirstTimestamp, old.deprecatedFirstTimestamp, p('firstTimestamp')));
  errs.push(...immutable(e.deprecatedLastTimestamp, old.deprecatedLastTimestamp, p('lastTimestamp')));
  errs.push(...immutable(e.deprecatedCount, old.deprecatedCount, p('count')));
  errs.push(...immutable(e.type, old.type, p('type')));
  // eventTime is compared at microsecond precision.
  const micros = (t: unknown) => {
    const m = typeof t === 'string' ? /^([^.]*?)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$/i.exec(t) : null;
    if (!m) return NaN;
    return Date.parse(`${m[1]}${m[3] ?? ''}`) * 1000 + Number((m[2] ?? '').slice(0, 6).padEnd(6, '0'));
  };
  const t = micros(e.eventTime);
  const ot = micros(old.eventTime);
  if (!(t === ot || (Number.isNaN(t) && Number.isNaN(ot) && e.eventTime === old.eventTime))) {
    errs.push(fe.invalid(p('eventTime'), e.eventTime ?? null, 'field is immutable'));
  }
  return errs;
}

export const eventStrategy: Strategy = {
  validate: (e, ctx) => (ctx.old ? legacyErrors(e) : validateEventCreate(e)),
  validateUpdate: validateEventUpdate,
};
