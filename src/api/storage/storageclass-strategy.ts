// storage.k8s.io/v1 StorageClass: SetDefaults_StorageClass (reclaimPolicy Delete, volumeBindingMode
// Immediate) and ValidateStorageClass(Update).
import type { KubeObject } from '../object.js';
import type { Strategy } from '../resource-type.js';
import { FieldPath, fe, type FieldError } from '../field-errors.js';
import { qualifiedNameErrors } from '../label-names.js';
import { immutable, isObj, isSet, listAt, semanticEqual, stringMapAt, strAt } from '../spec-validation.js';

const reclaimPolicies = ['Delete', 'Retain'];
const bindingModes = ['Immediate', 'WaitForFirstConsumer'];
const maxParameterSize = 256 * 1024;
const maxParameters = 512;

export function defaultStorageClass(obj: KubeObject): void {
  if (!isSet(obj.reclaimPolicy)) obj.reclaimPolicy = 'Delete';
  if (!isSet(obj.volumeBindingMode)) obj.volumeBindingMode = 'Immediate';
}

function validateAllowedTopologies(terms: any[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const seen: Record<string, string[]>[] = [];
  terms.forEach((term, i) => {
    const exprPath = path.index(i).child('matchLabelExpressions');
    const exprs = listAt(isObj(term) ? term.matchLabelExpressions : undefined, exprPath, errs);
    const byKey: Record<string, string[]> = {};
    exprs.forEach((req, j) => {
      const p = exprPath.index(j);
      if (!isObj(req)) {
        errs.push(fe.invalid(p, req, 'must be an object'));
        return;
      }
      const values = listAt(req.values, p.child('values'), errs);
      if (values.length === 0) errs.push(fe.required(p.child('values'), ''));
      const set = new Set<string>();
      values.forEach((v, k) => {
        if (set.has(v)) errs.push(fe.duplicate(p.child('values').index(k), v));
        set.add(v);
      });
      const key = strAt(req.key, p.child('key'), errs);
      for (const m of qualifiedNameErrors(key)) errs.push(fe.invalid(p.child('key'), key, m));
      if (Object.hasOwn(byKey, key)) errs.push(fe.duplicate(p.child('key'), key));
      byKey[key] = [...set].sort();
    });
    if (seen.some((s) => semanticEqual(s, byKey))) errs.push(fe.duplicate(exprPath, ''));
    seen.push(byKey);
  });
  return errs;
}

export function validateStorageClass(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const provisionerPath = FieldPath.root('provisioner');
  const provisioner = strAt(obj.provisioner, provisionerPath, errs);
  if (provisioner.length === 0) {
    if (!isSet(obj.provisioner) || obj.provisioner === '') errs.push(fe.required(provisionerPath, ''));
  } else for (const m of qualifiedNameErrors(provisioner.toLowerCase())) errs.push(fe.invalid(provisionerPath, provisioner.toLowerCase(), m));
  const paramsPath = FieldPath.root('parameters');
  const params = stringMapAt(obj.parameters, paramsPath, errs);
  if (params.length > maxParameters) errs.push(fe.tooLong(paramsPath, maxParameters));
  else {
    let size = 0;
    for (const [k, v] of params) {
      if (k.length < 1) errs.push(fe.invalid(paramsPath, k, 'field can not be empty.'));
      size += k.length + v.length;
    }
    if (size > maxParameterSize) errs.push(fe.tooLong(paramsPath, maxParameterSize));
  }
  if (obj.reclaimPolicy && !reclaimPolicies.includes(obj.reclaimPolicy)) {
    errs.push(fe.notSupported(FieldPath.root('reclaimPolicy'), obj.reclaimPolicy, reclaimPolicies));
  }
  if (!isSet(obj.volumeBindingMode)) errs.push(fe.required(FieldPath.root('volumeBindingMode'), ''));
  else if (!bindingModes.includes(obj.volumeBindingMode)) errs.push(fe.notSupported(FieldPath.root('volumeBindingMode'), obj.volumeBindingMode, bindingModes));
  errs.push(...validateAllowedTopologies(listAt(obj.allowedTopologies, FieldPath.root('allowedTopologies'), errs), FieldPath.root('allowedTopologies')));
  return errs;
}

export function validateStorageClassUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (!semanticEqual(obj.parameters, old.parameters)) errs.push(fe.forbidden(FieldPath.root('parameters'), 'updates to parameters are forbidden.'));
  if (obj.provisioner !== old.provisioner) errs.push(fe.forbidden(FieldPath.root('provisioner'), 'updates to provisioner are forbidden.'));
  // The stored object may predate the reclaimPolicy default.
  if (obj.reclaimPolicy !== (old.reclaimPolicy ?? 'Delete')) errs.push(fe.forbidden(FieldPath.root('reclaimPolicy'), 'updates to reclaimPolicy are forbidden.'));
  errs.push(...immutable(obj.volumeBindingMode, old.volumeBindingMode ?? 'Immediate', FieldPath.root('volumeBindingMode')));
  return errs;
}

export const storageClassStrategy: Strategy = {
  defaults: defaultStorageClass,
  validate: validateStorageClass,
  validateUpdate: validateStorageClassUpdate,
};
