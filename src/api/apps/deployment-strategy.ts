// apps/v1 Deployment: SetDefaults_Deployment, ValidateDeployment(Update) and the registry strategy
// (status reset on create, selector immutable under apps/v1).
import type { KubeObject } from '../object.js';
import type { Strategy } from '../resource-type.js';
import { FieldPath, fe, type FieldError } from '../field-errors.js';
import {
  boolAt, ensureObj, immutable, intOrPercentValue, isObj, isSet, nonNegative, notMoreThan100Percent, validateIntOrPercent, type Obj,
} from '../spec-validation.js';
import { defaultSpecTemplate, resetStatus, validateRequiredSelector, validateTemplateForReplicaSet } from './workload-common.js';

export function defaultDeployment(obj: KubeObject): void {
  const spec = ensureObj(obj, 'spec');
  if (!spec) return;
  if (!isSet(spec.replicas)) spec.replicas = 1;
  const strategy = ensureObj(spec, 'strategy');
  if (strategy) {
    if (!strategy.type) strategy.type = 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      const ru = ensureObj(strategy, 'rollingUpdate');
      if (ru) {
        if (!isSet(ru.maxUnavailable)) ru.maxUnavailable = '25%';
        if (!isSet(ru.maxSurge)) ru.maxSurge = '25%';
      }
    }
  }
  if (!isSet(spec.revisionHistoryLimit)) spec.revisionHistoryLimit = 10;
  if (!isSet(spec.progressDeadlineSeconds)) spec.progressDeadlineSeconds = 600;
  defaultSpecTemplate(spec);
}

function validateRollingUpdateDeployment(ru: Obj, path: FieldPath): FieldError[] {
  const errs = [
    ...validateIntOrPercent(ru.maxUnavailable, path.child('maxUnavailable')),
    ...validateIntOrPercent(ru.maxSurge, path.child('maxSurge')),
  ];
  if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
    errs.push(fe.invalid(path.child('maxUnavailable'), ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
  }
  errs.push(...notMoreThan100Percent(ru.maxUnavailable, path.child('maxUnavailable')));
  return errs;
}

export function validateDeploymentStrategy(strategy: unknown, path: FieldPath): FieldError[] {
  if (!isObj(strategy)) return [fe.invalid(path, strategy ?? null, 'must be an object')];
  switch (strategy.type) {
    case 'Recreate':
      return isSet(strategy.rollingUpdate)
        ? [fe.forbidden(path.child('rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'")]
        : [];
    case 'RollingUpdate':
      if (!isSet(strategy.rollingUpdate)) return [fe.required(path.child('rollingUpdate'), 'this should be defaulted and never be nil')];
      if (!isObj(strategy.rollingUpdate)) return [fe.invalid(path.child('rollingUpdate'), strategy.rollingUpdate, 'must be an object')];
      return validateRollingUpdateDeployment(strategy.rollingUpdate, path.child('rollingUpdate'));
    default:
      return [fe.notSupported(path, strategy, ['Recreate', 'RollingUpdate'])];
  }
}

export function validateDeploymentSpec(spec: unknown, path: FieldPath): FieldError[] {
  if (!isObj(spec)) return [fe.invalid(path, spec ?? null, 'must be an object')];
  const errs: FieldError[] = [];
  nonNegative(spec.replicas, path.child('replicas'), errs);
  const selector = validateRequiredSelector(spec.selector, path.child('selector'), 'deployment', errs);
  if (selector) errs.push(...validateTemplateForReplicaSet(spec.template, selector, path.child('template')));
  errs.push(...validateDeploymentStrategy(spec.strategy, path.child('strategy')));
  const minReady = nonNegative(spec.minReadySeconds, path.child('minReadySeconds'), errs) ?? 0;
  nonNegative(spec.revisionHistoryLimit, path.child('revisionHistoryLimit'), errs);
  const deadline = nonNegative(spec.progressDeadlineSeconds, path.child('progressDeadlineSeconds'), errs);
  if (deadline !== undefined && deadline <= minReady) {
    errs.push(fe.invalid(path.child('progressDeadlineSeconds'), deadline, 'must be greater than minReadySeconds'));
  }
  boolAt(spec.paused, path.child('paused'), errs);
  return errs;
}

export const deploymentStrategy: Strategy = {
  defaults: defaultDeployment,
  prepareForCreate: resetStatus,
  validate: (obj) => validateDeploymentSpec(obj.spec, FieldPath.root('spec')),
  validateUpdate: (obj, old) => immutable(obj.spec?.selector, old.spec?.selector, FieldPath.root('spec').child('selector')),
};
