// apps/v1 ReplicaSet: SetDefaults_ReplicaSet, ValidateReplicaSet(Update) and the registry strategy.
import type { KubeObject } from '../object.js';
import type { Strategy } from '../resource-type.js';
import { FieldPath, fe, type FieldError } from '../field-errors.js';
import { ensureObj, immutable, isObj, isSet, nonNegative } from '../spec-validation.js';
import { defaultSpecTemplate, resetStatus, validateRequiredSelector, validateTemplateForReplicaSet } from './workload-common.js';

export function defaultReplicaSet(obj: KubeObject): void {
  const spec = ensureObj(obj, 'spec');
  if (!spec) return;
  if (!isSet(spec.replicas)) spec.replicas = 1;
  defaultSpecTemplate(spec);
}

export function validateReplicaSetSpec(spec: unknown, path: FieldPath): FieldError[] {
  if (!isObj(spec)) return [fe.invalid(path, spec ?? null, 'must be an object')];
  const errs: FieldError[] = [];
  nonNegative(spec.replicas, path.child('replicas'), errs);
  nonNegative(spec.minReadySeconds, path.child('minReadySeconds'), errs);
  // Upstream's message says "deployment" here too.
  const selector = validateRequiredSelector(spec.selector, path.child('selector'), 'deployment', errs);
  if (selector) errs.push(...validateTemplateForReplicaSet(spec.template, selector, path.child('template')));
  return errs;
}

export const replicaSetStrategy: Strategy = {
  defaults: defaultReplicaSet,
  prepareForCreate: resetStatus,
  validate: (obj) => validateReplicaSetSpec(obj.spec, FieldPath.root('spec')),
  validateUpdate: (obj, old) => immutable(obj.spec?.selector, old.spec?.selector, FieldPath.root('spec').child('selector')),
};
