// What the apps/v1 workload kinds share: their pod template's defaults, the selector checks and
// upstream's ValidatePodTemplateSpecForReplicaSet.
import { fe, type FieldError, type FieldPath } from '../field-errors.js';
import type { Selector } from '../labels.js';
import { defaultPodTemplateSpec } from '../core/pod-defaults.js';
import { validatePodTemplateSpec } from '../core/pod-validation.js';
import { checkLabelSelector, isObj, isSet, selectorIsEmpty, selectorMismatchMsg, templateLabels, type Obj } from '../spec-validation.js';

/** spec.template gets the PodSpec defaults (a missing template is the zero value, defaulted like any other). */
export function defaultSpecTemplate(spec: Obj): void {
  if (!isSet(spec.template)) spec.template = {};
  defaultPodTemplateSpec(spec.template);
}

/**
 * spec.selector of a ReplicaSet or Deployment: required, valid and not empty. Returns the selector the
 * template is checked against, or undefined when it cannot be built ("invalid label selector").
 */
export function validateRequiredSelector(ls: unknown, path: FieldPath, kindWord: string, errs: FieldError[]): Selector | undefined {
  if (!isSet(ls)) errs.push(fe.required(path, ''));
  const checked = checkLabelSelector(ls, path);
  errs.push(...checked.errs);
  if (isObj(ls) && selectorIsEmpty(ls)) errs.push(fe.invalid(path, ls, `empty selector is invalid for ${kindWord}`));
  if (!checked.selector) errs.push(fe.invalid(path, ls, 'invalid label selector'));
  return checked.selector;
}

function templatePodSpec(tpl: unknown): Obj {
  return isObj(tpl) && isObj(tpl.spec) ? tpl.spec : {};
}

/** RestartPolicy Always and no activeDeadlineSeconds: what every long-running workload's template needs. */
export function validateLongRunningTemplate(tpl: unknown, path: FieldPath, kind: string): FieldError[] {
  const errs: FieldError[] = [];
  const podSpec = templatePodSpec(tpl);
  if (podSpec.restartPolicy !== 'Always') errs.push(fe.notSupported(path.child('spec', 'restartPolicy'), podSpec.restartPolicy ?? '', ['Always']));
  if (isSet(podSpec.activeDeadlineSeconds)) {
    errs.push(fe.forbidden(path.child('spec', 'activeDeadlineSeconds'), `activeDeadlineSeconds in ${kind} is not Supported`));
  }
  return errs;
}

/** ValidatePodTemplateSpecForReplicaSet: the template must carry the selected labels and be a valid Always-restarting pod. */
export function validateTemplateForReplicaSet(tpl: unknown, selector: Selector, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const labels = templateLabels(tpl);
  if (!selector.empty() && !selector.matches(labels)) errs.push(fe.invalid(path.child('metadata', 'labels'), labels ?? null, selectorMismatchMsg));
  errs.push(...validatePodTemplateSpec(tpl, path));
  errs.push(...validateLongRunningTemplate(tpl, path, 'ReplicaSet'));
  return errs;
}

/** Upstream's PrepareForCreate for kinds with status: a new object starts with an empty status. */
export function resetStatus(obj: Obj): void {
  obj.status = {};
}
