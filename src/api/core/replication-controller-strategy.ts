// The ReplicationController strategy: selector and labels default from the template's labels,
// replicas to 1; the template must match the selector and restart Always.
import { fe, FieldPath, type FieldError } from '../field-errors.js';
import type { Strategy } from '../resource-type.js';
import { selectorFromMap } from '../labels.js';
import { validateCoreObjectMeta } from './core-meta.js';
import { defaultPodTemplateSpec } from './pod-defaults.js';
import { validatePodTemplateSpec } from './pod-validation.js';
import { isObj, nonNegative, stringMapAt, type Obj } from './shape.js';

export function defaultReplicationController(rc: Obj): void {
  if (rc.spec === undefined || rc.spec === null) rc.spec = {};
  const spec = rc.spec;
  if (!isObj(spec)) return;
  const tpl = isObj(spec.template) ? spec.template : undefined;
  const labels = tpl && isObj(tpl.metadata) && isObj(tpl.metadata.labels) ? tpl.metadata.labels : undefined;
  if (labels) {
    if (!isObj(spec.selector) || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
    if (isObj(rc.metadata) && (!isObj(rc.metadata.labels) || Object.keys(rc.metadata.labels).length === 0)) rc.metadata.labels = { ...labels };
  }
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1;
  if (tpl) defaultPodTemplateSpec(tpl);
}

const specPath = FieldPath.root('spec');

export function validateReplicationController(rc: Obj): FieldError[] {
  if (!isObj(rc.spec)) return [fe.invalid(specPath, rc.spec ?? null, 'must be an object')];
  const spec = rc.spec;
  const errs: FieldError[] = [];
  nonNegative(spec.minReadySeconds, specPath.child('minReadySeconds'), errs);
  const selector = Object.fromEntries(stringMapAt(spec.selector, specPath.child('selector'), errs));
  if (Object.keys(selector).length === 0) errs.push(fe.required(specPath.child('selector'), ''));
  nonNegative(spec.replicas, specPath.child('replicas'), errs);
  const tp = specPath.child('template');
  const tpl = spec.template;
  if (tpl === undefined || tpl === null) {
    errs.push(fe.required(tp, ''));
    return errs;
  }
  if (!isObj(tpl)) {
    errs.push(fe.invalid(tp, tpl, 'must be an object'));
    return errs;
  }
  const labels = isObj(tpl.metadata) && isObj(tpl.metadata.labels) ? tpl.metadata.labels : {};
  if (Object.keys(selector).length > 0 && !selectorFromMap(selector).matches(labels)) {
    errs.push(fe.invalid(tp.child('metadata', 'labels'), labels, '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec(tpl, tp));
  const restartPolicy = isObj(tpl.spec) ? tpl.spec.restartPolicy : undefined;
  if (restartPolicy !== 'Always') errs.push(fe.notSupported(tp.child('spec', 'restartPolicy'), restartPolicy ?? '', ['Always']));
  if (isObj(tpl.spec) && tpl.spec.activeDeadlineSeconds !== undefined && tpl.spec.activeDeadlineSeconds !== null) {
    errs.push(fe.forbidden(tp.child('spec', 'activeDeadlineSeconds'), 'activeDeadlineSeconds in ReplicationController is not Supported'));
  }
  return errs;
}

export const replicationControllerStrategy: Strategy = {
  defaults(rc) {
    defaultReplicationController(rc);
  },

  prepareForCreate(rc) {
    rc.status = { replicas: 0 };
  },

  validate(rc) {
    return [...validateCoreObjectMeta(rc), ...validateReplicationController(rc)];
  },
};
