// apps/v1 DaemonSet: SetDefaults_DaemonSet, ValidateDaemonSet(Update) and the registry strategy, which
// also keeps the template generation (the deprecated.daemonset.template.generation annotation of v1).
import type { KubeObject } from '../object.js';
import type { Strategy } from '../resource-type.js';
import { FieldPath, fe, type FieldError } from '../field-errors.js';
import { validatePodTemplateSpec } from '../core/pod-validation.js';
import {
  checkLabelSelector, ensureObj, immutable, intOrPercentValue, isObj, isSet, nonNegative, notMoreThan100Percent, selectorIsEmpty,
  selectorMismatchMsg, semanticEqual, templateLabels, validateIntOrPercent, type Obj,
} from '../spec-validation.js';
import { defaultSpecTemplate, resetStatus, validateLongRunningTemplate } from './workload-common.js';

export const templateGenerationAnnotation = 'deprecated.daemonset.template.generation';

export function defaultDaemonSet(obj: KubeObject): void {
  const spec = ensureObj(obj, 'spec');
  if (!spec) return;
  const us = ensureObj(spec, 'updateStrategy');
  if (us) {
    if (!us.type) us.type = 'RollingUpdate';
    if (us.type === 'RollingUpdate') {
      const ru = ensureObj(us, 'rollingUpdate');
      if (ru) {
        if (!isSet(ru.maxUnavailable)) ru.maxUnavailable = 1;
        if (!isSet(ru.maxSurge)) ru.maxSurge = 0;
      }
    }
  }
  if (!isSet(spec.revisionHistoryLimit)) spec.revisionHistoryLimit = 10;
  defaultSpecTemplate(spec);
}

function validateRollingUpdateDaemonSet(ru: Obj, path: FieldPath): FieldError[] {
  const errs = [
    ...validateIntOrPercent(ru.maxUnavailable, path.child('maxUnavailable')),
    ...validateIntOrPercent(ru.maxSurge, path.child('maxSurge')),
    ...notMoreThan100Percent(ru.maxUnavailable, path.child('maxUnavailable')),
    ...notMoreThan100Percent(ru.maxSurge, path.child('maxSurge')),
  ];
  const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
  const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
  if (hasUnavailable && hasSurge) errs.push(fe.invalid(path.child('maxSurge'), ru.maxSurge, 'may not be set when maxUnavailable is non-zero'));
  else if (!hasUnavailable && !hasSurge) errs.push(fe.required(path.child('maxUnavailable'), 'cannot be 0 when maxSurge is 0'));
  return errs;
}

export function validateDaemonSetUpdateStrategy(strategy: unknown, path: FieldPath): FieldError[] {
  if (!isObj(strategy)) return [fe.invalid(path, strategy ?? null, 'must be an object')];
  switch (strategy.type) {
    case 'OnDelete':
      return [];
    case 'RollingUpdate':
      if (!isSet(strategy.rollingUpdate)) return [fe.required(path.child('rollingUpdate'), '')];
      if (!isObj(strategy.rollingUpdate)) return [fe.invalid(path.child('rollingUpdate'), strategy.rollingUpdate, 'must be an object')];
      return validateRollingUpdateDaemonSet(strategy.rollingUpdate, path.child('rollingUpdate'));
    default:
      return [fe.notSupported(path, strategy, ['RollingUpdate', 'OnDelete'])];
  }
}

export function validateDaemonSetSpec(spec: unknown, path: FieldPath): FieldError[] {
  if (!isObj(spec)) return [fe.invalid(path, spec ?? null, 'must be an object')];
  const errs: FieldError[] = [];
  const checked = checkLabelSelector(spec.selector, path.child('selector'));
  errs.push(...checked.errs);
  const labels = templateLabels(spec.template);
  if (checked.selector && !checked.selector.matches(labels)) {
    errs.push(fe.invalid(path.child('template', 'metadata', 'labels'), labels ?? null, selectorMismatchMsg));
  }
  if (isObj(spec.selector) && selectorIsEmpty(spec.selector)) errs.push(fe.invalid(path.child('selector'), spec.selector, 'empty selector is invalid for daemonset'));
  errs.push(...validatePodTemplateSpec(spec.template, path.child('template')));
  errs.push(...validateLongRunningTemplate(spec.template, path.child('template'), 'DaemonSet'));
  nonNegative(spec.minReadySeconds, path.child('minReadySeconds'), errs);
  errs.push(...validateDaemonSetUpdateStrategy(spec.updateStrategy, path.child('updateStrategy')));
  nonNegative(spec.revisionHistoryLimit, path.child('revisionHistoryLimit'), errs);
  return errs;
}

function templateGeneration(obj: KubeObject): number {
  const v = obj.metadata?.annotations?.[templateGenerationAnnotation];
  return typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : 0;
}

function setTemplateGeneration(obj: KubeObject, gen: number): void {
  const meta = obj.metadata;
  if (gen === 0) {
    if (isObj(meta.annotations)) delete meta.annotations[templateGenerationAnnotation];
    return;
  }
  if (!isObj(meta.annotations)) meta.annotations = {};
  meta.annotations[templateGenerationAnnotation] = String(gen);
}

export const daemonSetStrategy: Strategy = {
  defaults: defaultDaemonSet,
  prepareForCreate(obj) {
    resetStatus(obj);
    if (templateGeneration(obj) < 1) setTemplateGeneration(obj, 1);
  },
  prepareForUpdate(obj, old) {
    // The template generation is the server's: the stored one, bumped when the template changes.
    const changed = !semanticEqual(obj.spec?.template, old.spec?.template);
    setTemplateGeneration(obj, templateGeneration(old) + (changed ? 1 : 0));
  },
  validate: (obj) => validateDaemonSetSpec(obj.spec, FieldPath.root('spec')),
  validateUpdate: (obj, old) => immutable(obj.spec?.selector, old.spec?.selector, FieldPath.root('spec').child('selector')),
};
