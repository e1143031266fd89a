// The PersistentVolume strategy: reclaim policy Retain and volumeMode Filesystem by default, a new
// volume is Pending; capacity (storage only), access modes and exactly one volume source are
// required, and the source, volumeMode and node affinity are fixed once set.
import { fe, FieldPath, type FieldError } from '../field-errors.js';
import type { Strategy } from '../resource-type.js';
import { nowTimestamp } from '../object.js';
import { validateCoreObjectMeta } from './core-meta.js';
import { supportedVolumeModes, validateAccessModes } from './persistent-volume-claim-validation.js';
import { canonicalResourceList } from './quantity-defaults.js';
import { parseQuantityAt, validatePositiveQuantity } from './resource-validation.js';
import { validateNodeSelector } from './scheduling-validation.js';
import { deepEqual, diffText, dns1123Subdomain, isObj, noBacksteps, objAt, str, type Obj } from './shape.js';
import { supportedHostPathTypes } from './volume-validation.js';

export const persistentVolumeSourceFields = [
  'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'glusterfs', 'flocker', 'nfs', 'rbd', 'quobyte', 'cephfs', 'iscsi',
  'cinder', 'fc', 'flexVolume', 'azureFile', 'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk', 'scaleIO',
  'local', 'storageos', 'csi',
];

const reclaimPolicies = ['Delete', 'Recycle', 'Retain'];

export function defaultPersistentVolume(pv: Obj): void {
  if (pv.spec === undefined || pv.spec === null) pv.spec = {};
  const spec = pv.spec;
  if (!isObj(spec)) return;
  if (!spec.persistentVolumeReclaimPolicy) spec.persistentVolumeReclaimPolicy = 'Retain';
  if (spec.volumeMode === undefined || spec.volumeMode === null) spec.volumeMode = 'Filesystem';
  canonicalResourceList(spec.capacity);
  if (isObj(spec.hostPath) && (spec.hostPath.type === undefined || spec.hostPath.type === null)) spec.hostPath.type = '';
}

function validateSource(kind: string, src: Obj, path: FieldPath, spec: Obj, errs: FieldError[]): void {
  const req = (f: string, detail = '') => {
    if (src[f] === undefined || src[f] === null || src[f] === '' || (Array.isArray(src[f]) && src[f].length === 0)) errs.push(fe.required(path.child(f), detail));
  };
  switch (kind) {
    case 'hostPath':
      req('path');
      errs.push(...noBacksteps(str(src.path), path.child('path')));
      if (src.type !== undefined && src.type !== null && !supportedHostPathTypes.includes(src.type)) errs.push(fe.notSupported(path.child('type'), src.type, supportedHostPathTypes));
      break;
    case 'local':
      req('path');
      errs.push(...noBacksteps(str(src.path), path.child('path')));
      if (!isObj(spec.nodeAffinity)) errs.push(fe.required(FieldPath.root('spec').child('nodeAffinity'), 'Local volume requires node affinity'));
      break;
    case 'nfs':
      req('server');
      req('path');
      if (!str(src.path).startsWith('/')) errs.push(fe.invalid(path.child('path'), src.path ?? '', 'must be an absolute path'));
      break;
    case 'csi':
      req('driver');
      req('volumeHandle');
      break;
    case 'iscsi':
      req('targetPortal');
      req('iqn');
      break;
    case 'rbd':
      req('monitors');
      req('image');
      break;
    case 'cephfs':
      req('monitors');
      break;
    case 'glusterfs':
      req('endpoints');
      req('path');
      break;
    default:
      break;
  }
}

export function validatePersistentVolume(pv: Obj): FieldError[] {
  const sp = FieldPath.root('spec');
  if (!isObj(pv.spec)) return [fe.invalid(sp, pv.spec ?? null, 'must be an object')];
  const spec = pv.spec;
  const errs: FieldError[] = [];
  validateAccessModes(spec.accessModes, sp.child('accessModes'), errs, '');
  const capPath = sp.child('capacity');
  const capacity = objAt(spec.capacity, capPath, errs) ?? {};
  if (Object.keys(capacity).length === 0) errs.push(fe.required(capPath, ''));
  if (!Object.hasOwn(capacity, 'storage') || Object.keys(capacity).length > 1) errs.push(fe.notSupported(capPath, capacity, ['storage']));
  for (const [r, v] of Object.entries(capacity)) {
    const q = parseQuantityAt(v, capPath.key(r), errs);
    if (q) errs.push(...validatePositiveQuantity(q, capPath.key(r)));
  }
  const rp = spec.persistentVolumeReclaimPolicy;
  if (rp && !reclaimPolicies.includes(rp)) errs.push(fe.notSupported(sp.child('persistentVolumeReclaimPolicy'), rp, reclaimPolicies));
  const na = objAt(spec.nodeAffinity, sp.child('nodeAffinity'), errs);
  if (na) {
    const req = objAt(na.required, sp.child('nodeAffinity').child('required'), errs);
    if (req) errs.push(...validateNodeSelector(req, sp.child('nodeAffinity').child('required')));
    else errs.push(fe.required(sp.child('nodeAffinity').child('required'), 'must specify required node constraints'));
  }
  let n = 0;
  for (const kind of persistentVolumeSourceFields) {
    const src = spec[kind];
    if (src === undefined || src === null) continue;
    const p = sp.child(kind);
    if (n > 0 && kind !== 'flexVolume') {
      errs.push(fe.forbidden(p, 'may not specify more than 1 volume type'));
      continue;
    }
    n++;
    if (!isObj(src)) errs.push(fe.invalid(p, src, 'must be an object'));
    else validateSource(kind, src, p, spec, errs);
  }
  if (n === 0) errs.push(fe.required(sp, 'must specify a volume type'));
  if (isObj(spec.hostPath) && str(spec.hostPath.path).replace(/\/+$/, '') === '' && str(spec.hostPath.path).startsWith('/') && rp === 'Recycle') {
    errs.push(fe.forbidden(sp.child('persistentVolumeReclaimPolicy'), "may not be 'recycle' for a hostPath mount of '/'"));
  }
  if (typeof spec.storageClassName === 'string' && spec.storageClassName) errs.push(...dns1123Subdomain(spec.storageClassName, sp.child('storageClassName')));
  if (spec.volumeMode !== undefined && spec.volumeMode !== null && !supportedVolumeModes.includes(spec.volumeMode)) {
    errs.push(fe.notSupported(sp.child('volumeMode'), spec.volumeMode, supportedVolumeModes));
  }
  return errs;
}

function sourceOf(spec: Obj): Obj {
  return Object.fromEntries(persistentVolumeSourceFields.filter((f) => spec[f] !== undefined && spec[f] !== null).map((f) => [f, spec[f]]));
}

export function validatePersistentVolumeUpdate(pv: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObj(pv.spec) ? pv.spec : {};
  const oldSpec = isObj(old.spec) ? old.spec : {};
  const next = sourceOf(spec);
  const prev = sourceOf(oldSpec);
  // A CSI volume may gain a controllerExpandSecretRef.
  if (isObj(prev.csi) && isObj(next.csi) && !prev.csi.controllerExpandSecretRef && next.csi.controllerExpandSecretRef) {
    next.csi = { ...next.csi };
    delete next.csi.controllerExpandSecretRef;
  }
  if (!deepEqual(next, prev)) {
    errs.push(fe.forbidden(FieldPath.root('spec').child('persistentvolumesource'),
      `spec.persistentvolumesource is immutable after creation\n${diffText('core.PersistentVolumeSource', prev, next)}`));
  }
  if (!deepEqual(spec.volumeMode, oldSpec.volumeMode)) errs.push(fe.invalid(FieldPath.root('volumeMode'), spec.volumeMode ?? null, 'field is immutable'));
  if (oldSpec.nodeAffinity !== undefined && oldSpec.nodeAffinity !== null && !deepEqual(spec.nodeAffinity, oldSpec.nodeAffinity)) {
    errs.push(fe.invalid(FieldPath.root('nodeAffinity'), spec.nodeAffinity ?? null, 'field is immutable, except for updating from beta label to GA'));
  }
  return errs;
}

export const persistentVolumeStrategy: Strategy = {
  defaults(pv) {
    defaultPersistentVolume(pv);
  },

  prepareForCreate(pv) {
    pv.status = { phase: 'Pending', lastPhaseTransitionTime: nowTimestamp() };
  },

  validate(pv) {
    return [...validateCoreObjectMeta(pv), ...validatePersistentVolume(pv)];
  },

  validateUpdate(pv, old) {
    return validatePersistentVolumeUpdate(pv, old);
  },
};
