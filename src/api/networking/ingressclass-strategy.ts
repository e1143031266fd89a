// networking.k8s.io/v1 IngressClass: SetDefaults_IngressClass (parameters.scope Cluster) and
// ValidateIngressClass(Update): a domain-prefixed, immutable controller and valid parameters.
import type { KubeObject } from '../object.js';
import type { Strategy } from '../resource-type.js';
import { FieldPath, fe, type FieldError } from '../field-errors.js';
import { nameErrors } from '../meta-validation.js';
import { domainPrefixedPathErrors, immutable, isObj, isSet, objAt, strAt } from '../spec-validation.js';
import { validateTypedLocalObjectReference } from './ingress-strategy.js';

const maxControllerLength = 250;
const scopes = ['Cluster', 'Namespace'];

export function defaultIngressClass(obj: KubeObject): void {
  const params = isObj(obj.spec) ? obj.spec.parameters : undefined;
  if (isObj(params) && !isSet(params.scope)) params.scope = 'Cluster';
}

function validateParameters(params: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const p = objAt(params, path, errs);
  if (!p) return errs;
  errs.push(...validateTypedLocalObjectReference(p, path));
  if (!isSet(p.scope)) return [...errs, fe.required(path.child('scope'), '')];
  const scope = strAt(p.scope, path.child('scope'), errs);
  if (!scopes.includes(scope)) {
    errs.push(fe.notSupported(path.child('scope'), scope, scopes));
    return errs;
  }
  if (scope === 'Namespace') {
    if (!isSet(p.namespace)) errs.push(fe.required(path.child('namespace'), "`parameters.scope` is set to 'Namespace'"));
    else {
      const ns = strAt(p.namespace, path.child('namespace'), errs);
      for (const m of nameErrors('dns1123-label', ns)) errs.push(fe.invalid(path.child('namespace'), ns, m));
    }
  }
  if (scope === 'Cluster' && isSet(p.namespace)) errs.push(fe.forbidden(path.child('namespace'), "`parameters.scope` is set to 'Cluster'"));
  return errs;
}

export function validateIngressClass(obj: KubeObject): FieldError[] {
  const path = FieldPath.root('spec');
  const spec = obj.spec ?? {};
  if (!isObj(spec)) return [fe.invalid(path, spec, 'must be an object')];
  const errs: FieldError[] = [];
  const controller = strAt(spec.controller, path.child('controller'), errs);
  if (controller.length > maxControllerLength) errs.push(fe.tooLong(path.child('controller'), maxControllerLength));
  errs.push(...domainPrefixedPathErrors(controller, path.child('controller')));
  if (isSet(spec.parameters)) errs.push(...validateParameters(spec.parameters, path.child('parameters')));
  return errs;
}

export const ingressClassStrategy: Strategy = {
  defaults: defaultIngressClass,
  validate: validateIngressClass,
  validateUpdate: (obj, old) => immutable(obj.spec?.controller, old.spec?.controller, FieldPath.root('spec').child('controller')),
};
