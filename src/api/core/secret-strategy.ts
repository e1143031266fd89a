// The Secret strategy: type defaults to Opaque, stringData is folded into data (as upstream's
// conversion does), data values must be base64, keys config keys, the per-type keys present, and
// type and (for immutable secrets) data fixed after creation.
import { fe, FieldPath, type FieldError } from '../field-errors.js';
import type { Strategy } from '../resource-type.js';
import { base64ErrorOffset, decodedLength, maxDataSize } from './config-data.js';
import { validateCoreObjectMeta } from './core-meta.js';
import { configMapKeyErrors, deepEqual, fieldImmutableErrorMsg, isObj, type Obj } from './shape.js';

const redacted = '<secret contents redacted>';

export function defaultSecret(secret: Obj): void {
  if (!secret.type) secret.type = 'Opaque';
  if (isObj(secret.stringData)) {
    if (secret.data === undefined || secret.data === null) secret.data = {};
    if (isObj(secret.data)) {
      for (const [k, v] of Object.entries(secret.stringData)) {
        if (typeof v !== 'string') continue;
        secret.data[k] = Buffer.from(v, 'utf8').toString('base64');
        delete secret.stringData[k];
      }
      if (Object.keys(secret.stringData).length === 0) delete secret.stringData;
    }
  }
}

function decoded(secret: Obj, key: string): Buffer | undefined {
  const v = isObj(secret.data) ? secret.data[key] : undefined;
  if (typeof v !== 'string' || base64ErrorOffset(v) >= 0) return undefined;
  return Buffer.from(v, 'base64');
}

export function validateSecret(secret: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const dataPath = FieldPath.root('data');
  if (secret.data !== undefined && secret.data !== null && !isObj(secret.data)) errs.push(fe.invalid(dataPath, redacted, 'must be a map of base64 strings'));
  if (isObj(secret.stringData)) {
    for (const [k, v] of Object.entries(secret.stringData)) errs.push(fe.invalid(FieldPath.root('stringData').key(k), v, 'must be a string'));
  } else if (secret.stringData !== undefined && secret.stringData !== null) {
    errs.push(fe.invalid(FieldPath.root('stringData'), redacted, 'must be a map of strings'));
  }
  const data = isObj(secret.data) ? secret.data : {};
  let size = 0;
  for (const [key, value] of Object.entries(data)) {
    for (const m of configMapKeyErrors(key)) errs.push(fe.invalid(dataPath.key(key), key, m));
    if (typeof value !== 'string') {
      errs.push(fe.invalid(dataPath.key(key), redacted, 'must be a base64 string'));
      continue;
    }
    const bad = base64ErrorOffset(value);
    if (bad >= 0) errs.push(fe.invalid(dataPath.key(key), redacted, `illegal base64 data at input byte ${bad}`));
    else size += decodedLength(value);
  }
  if (size > maxDataSize) errs.push(fe.tooLong(dataPath, maxDataSize));
  const has = (k: string) => Object.hasOwn(data, k);
  switch (secret.type) {
    case 'kubernetes.io/service-account-token': {
      const name = secret.metadata?.annotations?.['kubernetes.io/service-account.name'];
      if (typeof name !== 'string' || name === '') {
        errs.push(fe.required(FieldPath.root('metadata').child('annotations').key('kubernetes.io/service-account.name'), ''));
      }
      break;
    }
    case 'kubernetes.io/dockercfg':
    case 'kubernetes.io/dockerconfigjson': {
      const key = secret.type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson';
      if (!has(key)) {
        errs.push(fe.required(dataPath.key(key), ''));
        break;
      }
      const bytes = decoded(secret, key);
      if (bytes) {
        try {
          const parsed = JSON.parse(bytes.toString('utf8'));
          if (!isObj(parsed)) throw new Error(`json: cannot unmarshal ${Array.isArray(parsed) ? 'array' : typeof parsed} into Go value of type map[string]interface {}`);
        } catch (e) {
          errs.push(fe.invalid(dataPath.key(key), redacted, (e as Error).message));
        }
      }
      break;
    }
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) {
        errs.push(fe.required(dataPath.key('username'), ''));
        errs.push(fe.required(dataPath.key('password'), ''));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (!decoded(secret, 'ssh-privatekey')?.length) errs.push(fe.required(dataPath.key('ssh-privatekey'), ''));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(fe.required(dataPath.key('tls.crt'), ''));
      if (!has('tls.key')) errs.push(fe.required(dataPath.key('tls.key'), ''));
      break;
    default:
      break;
  }
  if (secret.type !== undefined && typeof secret.type !== 'string') errs.push(fe.invalid(FieldPath.root('type'), secret.type, 'must be a string'));
  if (secret.immutable !== undefined && secret.immutable !== null && typeof secret.immutable !== 'boolean') {
    errs.push(fe.invalid(FieldPath.root('immutable'), secret.immutable, 'must be a boolean'));
  }
  return errs;
}

export function validateSecretUpdate(secret: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if ((secret.type ?? '') !== (old.type ?? '')) errs.push(fe.invalid(FieldPath.root('type'), secret.type ?? '', fieldImmutableErrorMsg));
  if (old.immutable === true) {
    const msg = 'field is immutable when `immutable` is set';
    if (secret.immutable !== true) errs.push(fe.forbidden(FieldPath.root('immutable'), msg));
    if (!deepEqual(secret.data ?? {}, old.data ?? {})) errs.push(fe.forbidden(FieldPath.root('data'), msg));
  }
  return errs;
}

export const secretStrategy: Strategy = {
  defaults(secret) {
    defaultSecret(secret);
  },
  validate(secret) {
    return [...validateCoreObjectMeta(secret), ...validateSecret(secret)];
  },
  validateUpdate(secret, old) {
    return validateSecretUpdate(secret, old);
  },
};
