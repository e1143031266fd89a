// The Node strategy: allocatable defaults to capacity; taints, pod CIDRs and status quantities are
// validated, and podCIDRs/providerID may only be set once.
import { fe, FieldPath, type FieldError } from '../field-errors.js';
import type { Strategy } from '../resource-type.js';
import { labelValueErrors } from '../label-names.js';
import { validateCoreObjectMeta } from './core-meta.js';
import { parseQuantityAt, validateResourceQuantityValue } from './resource-validation.js';
import { validateTaintEffect } from './scheduling-validation.js';
import { isObj, list, listAt, qualifiedName, str, validCIDR, type Obj } from './shape.js';
import { isIP } from 'node:net';

export function defaultNode(node: Obj): void {
  const status = node.status;
  if (isObj(status) && isObj(status.capacity) && (status.allocatable === undefined || status.allocatable === null)) {
    status.allocatable = { ...status.capacity };
  }
}

function validateTaints(taints: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const unique = new Map<string, Set<string>>();
  listAt(taints, path, errs).forEach((t, i) => {
    const ip = path.index(i);
    if (!isObj(t)) {
      errs.push(fe.invalid(ip, t, 'must be an object'));
      return;
    }
    errs.push(...qualifiedName(str(t.key), ip.child('key')));
    const valueErrs = labelValueErrors(str(t.value));
    if (valueErrs.length) errs.push(fe.invalid(ip.child('value'), str(t.value), valueErrs.join(';')));
    errs.push(...validateTaintEffect(t.effect, false, ip.child('effect')));
    const keys = unique.get(str(t.effect)) ?? new Set<string>();
    if (keys.has(str(t.key))) {
      errs.push({ ...fe.duplicate(ip, t), detail: 'taints must be unique by key and effect pair' });
      return;
    }
    keys.add(str(t.key));
    unique.set(str(t.effect), keys);
  });
  return errs;
}

function validateResourceList(list: unknown, path: FieldPath, errs: FieldError[]): void {
  if (!isObj(list)) return;
  for (const [k, v] of Object.entries(list)) {
    const p = path.child(k);
    const q = parseQuantityAt(v, p, errs);
    if (q) errs.push(...validateResourceQuantityValue(k, q, p));
  }
}

export function validateNode(node: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObj(node.spec) ? node.spec : {};
  // Upstream reports taint errors under metadata.taints.
  errs.push(...validateTaints(spec.taints, FieldPath.root('metadata').child('taints')));
  const status = isObj(node.status) ? node.status : {};
  validateResourceList(status.capacity, FieldPath.root('status').child('capacity'), errs);
  validateResourceList(status.allocatable, FieldPath.root('status').child('allocatable'), errs);
  const cidrsPath = FieldPath.root('spec').child('podCIDRs');
  const cidrs = listAt(spec.podCIDRs, cidrsPath, errs);
  cidrs.forEach((c, i) => errs.push(...validCIDR(c, cidrsPath.index(i))));
  if (cidrs.length > 1) {
    const fam = (c: unknown) => isIP(str(c).split('/')[0]);
    if (cidrs.length > 2 || fam(cidrs[0]) === fam(cidrs[1])) errs.push(fe.invalid(cidrsPath, cidrs, 'may specify no more than one CIDR for each IP family'));
    const seen = new Set<string>();
    cidrs.forEach((c, i) => {
      if (seen.has(str(c))) errs.push(fe.duplicate(cidrsPath.index(i), c));
      seen.add(str(c));
    });
  }
  return errs;
}

export function validateNodeUpdate(node: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObj(node.spec) ? node.spec : {};
  const oldSpec = isObj(old.spec) ? old.spec : {};
  const addresses = new Set<string>();
  list(node.status?.addresses).forEach((a, i) => {
    const key = JSON.stringify(a);
    if (addresses.has(key)) errs.push(fe.duplicate(FieldPath.root('status').child('addresses').index(i), a));
    addresses.add(key);
  });
  const oldCidrs = list(oldSpec.podCIDRs);
  const newCidrs = list(spec.podCIDRs);
  if (oldCidrs.length > 0 && (oldCidrs.length !== newCidrs.length || oldCidrs.some((c, i) => c !== newCidrs[i]))) {
    errs.push(fe.forbidden(FieldPath.root('spec').child('podCIDRs'), 'node updates may not change podCIDR except from "" to valid'));
  }
  if (str(oldSpec.providerID) && oldSpec.providerID !== spec.providerID) {
    errs.push(fe.forbidden(FieldPath.root('spec').child('providerID'), 'node updates may not change providerID except from "" to valid'));
  }
  if ((spec.externalID ?? '') !== (oldSpec.externalID ?? '')) errs.push(fe.forbidden(FieldPath.root('spec').child('externalID'), 'may not be updated'));
  return errs;
}

export const nodeStrategy: Strategy = {
  defaults(node) {
    defaultNode(node);
  },

  validate(node) {
    return [...validateCoreObjectMeta(node), ...validateNode(node)];
  },

  validateUpdate(node, old) {
    return validateNodeUpdate(node, old);
  },
};
