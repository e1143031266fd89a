// coordination.k8s.io/v1 Lease: ValidateLeaseSpec (no defaults).
import type { KubeObject } from '../object.js';
import type { Strategy } from '../resource-type.js';
import { FieldPath, fe, type FieldError } from '../field-errors.js';
import { qualifiedNameErrors } from '../label-names.js';
import { intAt, isObj, isSet, strAt } from '../spec-validation.js';

const leaseStrategies = ['OldestEmulationVersion'];

export function validateLease(obj: KubeObject): FieldError[] {
  const path = FieldPath.root('spec');
  const spec = obj.spec ?? {};
  if (!isObj(spec)) return [fe.invalid(path, spec, 'must be an object')];
  const errs: FieldError[] = [];
  const duration = intAt(spec.leaseDurationSeconds, path.child('leaseDurationSeconds'), errs);
  if (duration !== undefined && duration <= 0) errs.push(fe.invalid(path.child('leaseDurationSeconds'), duration, 'must be greater than 0'));
  const transitions = intAt(spec.leaseTransitions, path.child('leaseTransitions'), errs);
  if (transitions !== undefined && transitions < 0) errs.push(fe.invalid(path.child('leaseTransitions'), transitions, 'must be greater than or equal to 0'));
  if (isSet(spec.strategy)) {
    // A Kubernetes-defined name, or a prefixed (qualified) one.
    const strategy = strAt(spec.strategy, path.child('strategy'), errs);
    if (!strategy.includes('/')) {
      if (!leaseStrategies.includes(strategy)) errs.push(fe.notSupported(path.child('strategy'), strategy, leaseStrategies));
    } else for (const m of qualifiedNameErrors(strategy)) errs.push(fe.invalid(path.child('strategy'), strategy, m));
  }
  if (typeof spec.preferredHolder === 'string' && spec.preferredHolder !== '' && !spec.strategy) {
    errs.push(fe.forbidden(path.child('preferredHolder'), 'may only be specified if `strategy` is defined'));
  }
  return errs;
}

export const leaseStrategy: Strategy = {
  validate: validateLease,
};
