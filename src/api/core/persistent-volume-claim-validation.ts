// PersistentVolumeClaimSpec validation (also used for ephemeral volume claim templates) and the
// update rules of claims: the spec is fixed once created, except requests of bound claims may grow.
import { fe, FieldPath, type FieldError } from '../field-errors.js';
import { validateLabelSelector } from '../labels.js';
import { Quantity } from '../quantity.js';
import { parseQuantityAt, validatePositiveQuantity, validateResourceQuantityValue } from './resource-validation.js';
import { clone, deepEqual, diffText, dns1123Subdomain, isObj, listAt, objAt, str, type Obj } from './shape.js';
import { nameErrors } from '../meta-validation.js';

export const supportedAccessModes = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
export const supportedVolumeModes = ['Block', 'Filesystem'];

export function validateAccessModes(modes: unknown, path: FieldPath, errs: FieldError[], requiredDetail: string): void {
  const items = listAt(modes, path, errs);
  if (items.length === 0 && (modes === undefined || modes === null || Array.isArray(modes))) errs.push(fe.required(path, requiredDetail));
  let rwop = false;
  let other = false;
  for (const m of items) {
    if (!supportedAccessModes.includes(m)) errs.push(fe.notSupported(path, m, supportedAccessModes));
    if (m === 'ReadWriteOncePod') rwop = true;
    else if (supportedAccessModes.includes(m)) other = true;
  }
  if (rwop && other) errs.push(fe.forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
}

function validateDataSource(ds: Obj, path: FieldPath, withNamespace: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!str(ds.name)) errs.push(fe.required(path.child('name'), ''));
  if (!str(ds.kind)) errs.push(fe.required(path.child('kind'), ''));
  const apiGroup = str(ds.apiGroup);
  if (!apiGroup && ds.kind !== 'PersistentVolumeClaim') errs.push(fe.invalid(path, ds.kind ?? '', "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
  if (apiGroup) errs.push(...dns1123Subdomain(apiGroup, path.child('apiGroup')));
  if (withNamespace && str(ds.namespace)) {
    for (const m of nameErrors('dns1123-label', ds.namespace)) errs.push(fe.invalid(path.child('namespace'), ds.namespace, m));
  }
  return errs;
}

export function validatePersistentVolumeClaimSpec(spec: Obj, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  validateAccessModes(spec.accessModes, path.child('accessModes'), errs, 'at least 1 access mode is required');
  if (spec.selector !== undefined && spec.selector !== null) {
    if (!isObj(spec.selector)) errs.push(fe.invalid(path.child('selector'), spec.selector, 'must be an object'));
    else errs.push(...validateLabelSelector(spec.selector, path.child('selector')));
  }
  const resources = objAt(spec.resources, path.child('resources'), errs) ?? {};
  const requests = objAt(resources.requests, path.child('resources').child('requests'), errs) ?? {};
  const storagePath = path.child('resources').key('storage');
  if (!Object.hasOwn(requests, 'storage')) {
    errs.push(fe.required(storagePath, ''));
  } else {
    const q = parseQuantityAt(requests.storage, storagePath, errs);
    if (q) {
      const positive = validatePositiveQuantity(q, storagePath);
      errs.push(...(positive.length ? positive : validateResourceQuantityValue('storage', q, storagePath)));
    }
  }
  if (typeof spec.storageClassName === 'string' && spec.storageClassName) errs.push(...dns1123Subdomain(spec.storageClassName, path.child('storageClassName')));
  if (spec.volumeMode !== undefined && spec.volumeMode !== null && !supportedVolumeModes.includes(spec.volumeMode)) {
    errs.push(fe.notSupported(path.child('volumeMode'), spec.volumeMode, supportedVolumeModes));
  }
  const ds = objAt(spec.dataSource, path.child('dataSource'), errs);
  if (ds) errs.push(...validateDataSource(ds, path.child('dataSource'), false));
  const dsr = objAt(spec.dataSourceRef, path.child('dataSourceRef'), errs);
  if (dsr) errs.push(...validateDataSource(dsr, path.child('dataSourceRef'), true));
  if (dsr && str(dsr.namespace)) {
    if (ds) errs.push(fe.invalid(path, path.child('dataSource').toString(), 'may not be specified when dataSourceRef.namespace is specified'));
  } else if (ds && dsr) {
    if ((ds.apiGroup ?? null) !== (dsr.apiGroup ?? null) || ds.kind !== dsr.kind || ds.name !== dsr.name) {
      errs.push(fe.invalid(path, path.child('dataSource').toString(), 'must match dataSourceRef'));
    }
  }
  if (typeof spec.volumeAttributesClassName === 'string' && spec.volumeAttributesClassName) {
    errs.push(...dns1123Subdomain(spec.volumeAttributesClassName, path.child('volumeAttributesClassName')));
  }
  return errs;
}

function storageOf(obj: Obj, field: 'spec' | 'status'): Quantity | undefined {
  const v = field === 'spec' ? obj.spec?.resources?.requests?.storage : obj.status?.capacity?.storage;
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try {
    return Quantity.parse(v);
  } catch {
    return undefined;
  }
}

const betaStorageClassAnnotation = 'volume.beta.kubernetes.io/storage-class';

/** ValidatePersistentVolumeClaimUpdate (RecoverVolumeExpansionFailure on, as in 1.33). */
export function validatePersistentVolumeClaimUpdate(pvc: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const next: Obj = clone(isObj(pvc.spec) ? pvc.spec : {});
  const prev: Obj = clone(isObj(old.spec) ? old.spec : {});
  // volumeName may be set once (by the binder).
  if (!str(prev.volumeName)) prev.volumeName = next.volumeName;
  // A claim without a class may get one (matching its beta annotation, if any).
  const oldAnn = old.metadata?.annotations?.[betaStorageClassAnnotation];
  if ((prev.storageClassName === undefined || prev.storageClassName === null) && typeof next.storageClassName === 'string'
    && (oldAnn === undefined || oldAnn === next.storageClassName)) {
    prev.storageClassName = next.storageClassName;
  }
  const newAnn = pvc.metadata?.annotations?.[betaStorageClassAnnotation];
  if (oldAnn !== newAnn) {
    errs.push(fe.invalid(FieldPath.root('metadata').child('annotations').child(betaStorageClassAnnotation), newAnn ?? '', 'field is immutable'));
  }
  const bound = pvc.status?.phase === 'Bound';
  if (bound && isObj(next.resources) && isObj(next.resources.requests)) {
    if (isObj(prev.resources) && isObj(prev.resources.requests)) next.resources.requests.storage = prev.resources.requests.storage;
    else delete next.resources.requests.storage;
  }
  if (bound && next.volumeAttributesClassName !== undefined) next.volumeAttributesClassName = prev.volumeAttributesClassName;
  for (const k of Object.keys(next)) if (next[k] === undefined) delete next[k];
  for (const k of Object.keys(prev)) if (prev[k] === undefined) delete prev[k];
  if (!deepEqual(next, prev)) {
    errs.push(fe.forbidden(FieldPath.root('spec'),
      `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${diffText('core.PersistentVolumeClaimSpec', prev, next)}`));
  }
  const newSize = storageOf(pvc, 'spec');
  const oldSize = storageOf(old, 'spec');
  const statusSize = storageOf(old, 'status');
  if (newSize && oldSize && newSize.cmp(oldSize) < 0 && statusSize && newSize.cmp(statusSize) <= 0) {
    errs.push(fe.forbidden(FieldPath.root('spec').child('resources', 'requests', 'storage'), 'field can not be less than status.capacity'));
  }
  if (!deepEqual(pvc.spec?.volumeMode, old.spec?.volumeMode)) {
    errs.push(fe.invalid(FieldPath.root('volumeMode'), pvc.spec?.volumeMode ?? null, 'field is immutable'));
  }
  return errs;
}
