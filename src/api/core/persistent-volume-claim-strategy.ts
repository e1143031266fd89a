// The PersistentVolumeClaim strategy: volumeMode defaults to Filesystem, a new claim is Pending,
// and the spec is fixed once created except what the binder and resizing may change.
import { fe, FieldPath } from '../field-errors.js';
import type { Strategy } from '../resource-type.js';
import { validateCoreObjectMeta } from './core-meta.js';
import { validatePersistentVolumeClaimSpec, validatePersistentVolumeClaimUpdate } from './persistent-volume-claim-validation.js';
import { defaultPersistentVolumeClaimSpec } from './pod-defaults.js';
import { isObj } from './shape.js';

export const persistentVolumeClaimStrategy: Strategy = {
  defaults(pvc) {
    if (pvc.spec === undefined || pvc.spec === null) pvc.spec = {};
    if (isObj(pvc.spec)) defaultPersistentVolumeClaimSpec(pvc.spec);
  },

  prepareForCreate(pvc) {
    pvc.status = { phase: 'Pending' };
  },

  validate(pvc) {
    const errs = validateCoreObjectMeta(pvc);
    if (!isObj(pvc.spec)) return [...errs, fe.invalid(FieldPath.root('spec'), pvc.spec ?? null, 'must be an object')];
    return [...errs, ...validatePersistentVolumeClaimSpec(pvc.spec, FieldPath.root('spec'))];
  },

  validateUpdate(pvc, old) {
    return validatePersistentVolumeClaimUpdate(pvc, old);
  },
};
