// The ConfigMap strategy: keys are config keys, binaryData is base64, data and binaryData share no
// key, the total stays under 1MiB, and an immutable ConfigMap keeps its data.
import { fe, FieldPath, type FieldError } from '../field-errors.js';
import type { Strategy } from '../resource-type.js';
import { base64ErrorOffset, decodedLength, maxDataSize } from './config-data.js';
import { validateCoreObjectMeta } from './core-meta.js';
import { configMapKeyErrors, deepEqual, isObj, type Obj } from './shape.js';

export function validateConfigMap(cm: Obj): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  const dataPath = FieldPath.root('data');
  const binPath = FieldPath.root('binaryData');
  const bin = isObj(cm.binaryData) ? cm.binaryData : {};
  if (cm.data !== undefined && cm.data !== null && !isObj(cm.data)) errs.push(fe.invalid(dataPath, cm.data, 'must be a map of strings'));
  if (cm.binaryData !== undefined && cm.binaryData !== null && !isObj(cm.binaryData)) errs.push(fe.invalid(binPath, cm.binaryData, 'must be a map of base64 strings'));
  for (const [key, value] of Object.entries(isObj(cm.data) ? cm.data : {})) {
    for (const m of configMapKeyErrors(key)) errs.push(fe.invalid(dataPath.key(key), key, m));
    if (Object.hasOwn(bin, key)) errs.push(fe.invalid(dataPath.key(key), key, 'duplicate of key present in binaryData'));
    if (typeof value !== 'string') errs.push(fe.invalid(dataPath.key(key), value, 'must be a string'));
    else size += Buffer.byteLength(value);
  }
  for (const [key, value] of Object.entries(bin)) {
    for (const m of configMapKeyErrors(key)) errs.push(fe.invalid(binPath.key(key), key, m));
    if (typeof value !== 'string') {
      errs.push(fe.invalid(binPath.key(key), value, 'must be a base64 string'));
      continue;
    }
    const bad = base64ErrorOffset(value);
    if (bad >= 0) errs.push(fe.invalid(binPath.key(key), value.length > 64 ? `${value.slice(0, 64)}...` : value, `illegal base64 data at input byte ${bad}`));
    else size += decodedLength(value);
  }
  if (cm.immutable !== undefined && cm.immutable !== null && typeof cm.immutable !== 'boolean') errs.push(fe.invalid(FieldPath.root('immutable'), cm.immutable, 'must be a boolean'));
  if (size > maxDataSize) errs.push(fe.tooLong('', maxDataSize));
  return errs;
}

export function validateConfigMapUpdate(cm: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (old.immutable === true) {
    const msg = 'field is immutable when `immutable` is set';
    if (cm.immutable !== true) errs.push(fe.forbidden(FieldPath.root('immutable'), msg));
    if (!deepEqual(cm.data ?? {}, old.data ?? {})) errs.push(fe.forbidden(FieldPath.root('data'), msg));
    if (!deepEqual(cm.binaryData ?? {}, old.binaryData ?? {})) errs.push(fe.forbidden(FieldPath.root('binaryData'), msg));
  }
  return errs;
}

export const configMapStrategy: Strategy = {
  validate(cm) {
    return [...validateCoreObjectMeta(cm), ...validateConfigMap(cm)];
  },
  validateUpdate(cm, old) {
    return validateConfigMapUpdate(cm, old);
  },
};
