// Pod volumes: DNS-1123 label names, unique, exactly one source each, and the required fields of
// the common sources (hostPath, emptyDir, secret, configMap, persistentVolumeClaim, nfs, downwardAPI,
// projected, csi, ephemeral). Other sources are counted but their fields are not checked.
import { fe, type FieldError, type FieldPath } from '../field-errors.js';
import { Quantity } from '../quantity.js';
import { volumeSourceFields } from './pod-defaults.js';
import { validatePersistentVolumeClaimSpec } from './persistent-volume-claim-validation.js';
import {
  dns1123Label, dns1123Subdomain, isInt, isObj, listAt, localDescendingPath, localNonReservedPath,
  noBacksteps, objAt, qualifiedName, str, type Obj,
} from './shape.js';
import { validateLabels } from '../labels.js';

const fileModeErrorMsg = 'must be a number between 0 and 0777 (octal), both inclusive';

export const supportedHostPathTypes = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

function validateMode(v: unknown, path: FieldPath, errs: FieldError[]): void {
  if (v === undefined || v === null) return;
  if (!isInt(v) || v > 0o777 || v < 0) errs.push(fe.invalid(path, v, fileModeErrorMsg));
}

function validateKeyToPath(kp: unknown, path: FieldPath, errs: FieldError[]): string | undefined {
  if (!isObj(kp)) {
    errs.push(fe.invalid(path, kp, 'must be an object'));
    return undefined;
  }
  if (!str(kp.key)) errs.push(fe.required(path.child('key'), ''));
  const p = str(kp.path);
  if (!p) errs.push(fe.required(path.child('path'), ''));
  errs.push(...localNonReservedPath(p, path.child('path')));
  validateMode(kp.mode, path.child('mode'), errs);
  return p || undefined;
}

const volumeDownwardAPIFieldPaths = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];

/** ObjectFieldSelector, shared with env valueFrom.fieldRef (which allows a different set of paths). */
export function validateObjectFieldSelector(ref: unknown, allowed: string[], path: FieldPath): FieldError[] {
  if (!isObj(ref)) return [fe.invalid(path, ref, 'must be an object')];
  const apiVersion = str(ref.apiVersion);
  const fieldPath = str(ref.fieldPath);
  if (!apiVersion) return [fe.required(path.child('apiVersion'), '')];
  if (!fieldPath) return [fe.required(path.child('fieldPath'), '')];
  if (apiVersion !== 'v1') return [fe.invalid(path.child('fieldPath'), fieldPath, `error converting fieldPath: unsupported pod version: ${apiVersion}`)];
  const sub = /^([^[]+)\['(.*)'\]$/.exec(fieldPath);
  if (sub) {
    const [, base, key] = sub;
    if (base === 'metadata.annotations') return qualifiedName(key.toLowerCase(), path);
    if (base === 'metadata.labels') return qualifiedName(key, path);
    return [fe.invalid(path.child('fieldPath'), fieldPath, `error converting fieldPath: field label does not support subscript: ${fieldPath}`)];
  }
  const known = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName',
    'spec.restartPolicy', 'spec.serviceAccountName', 'spec.schedulerName', 'status.phase', 'status.hostIP', 'status.hostIPs',
    'status.podIP', 'status.podIPs', 'spec.host'];
  if (!known.includes(fieldPath)) return [fe.invalid(path.child('fieldPath'), fieldPath, `error converting fieldPath: field label not supported: ${fieldPath}`)];
  const internal = fieldPath === 'spec.host' ? 'spec.nodeName' : fieldPath;
  if (!allowed.includes(internal)) return [fe.notSupported(path.child('fieldPath'), internal, [...allowed].sort())];
  return [];
}

const resourceFieldPaths = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];

const divisors: Record<string, string[]> = {
  cpu: ['1m', '1'],
  memory: ['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei'],
};

/** ResourceFieldSelector for env vars (volume=false) and downward API files (volume=true: containerName required). */
export function validateResourceFieldSelector(ref: unknown, volume: boolean, path: FieldPath): FieldError[] {
  if (!isObj(ref)) return [fe.invalid(path, ref, 'must be an object')];
  const errs: FieldError[] = [];
  const resource = str(ref.resource);
  if (volume && !str(ref.containerName)) errs.push(fe.required(path.child('containerName'), ''));
  else if (!resource) errs.push(fe.required(path.child('resource'), ''));
  else if (!resourceFieldPaths.includes(resource) && !resource.startsWith('requests.hugepages-') && !resource.startsWith('limits.hugepages-')) {
    errs.push(fe.notSupported(path.child('resource'), resource, resourceFieldPaths));
  }
  if (ref.divisor !== undefined && ref.divisor !== null && ref.divisor !== '0' && ref.divisor !== 0) {
    let canonical: string | undefined;
    try {
      canonical = Quantity.parse(ref.divisor).toString();
    } catch {
      errs.push(fe.invalid(path.child('divisor'), ref.divisor, 'must be a quantity'));
    }
    if (canonical !== undefined) {
      const kind = resource.endsWith('.cpu') ? 'cpu' : resource.endsWith('.memory') ? 'memory' : resource.endsWith('.ephemeral-storage') ? 'local ephemeral storage' : resource.includes('hugepages-') ? 'hugepages' : '';
      const allowed = kind === 'cpu' ? divisors.cpu : kind ? divisors.memory : undefined;
      if (allowed && !allowed.includes(canonical)) {
        errs.push(fe.invalid(path.child('divisor'), resource, `only divisor's values ${allowed.join(', ')} are supported with the ${kind} resource`));
      }
    }
  }
  return errs;
}

function validateDownwardAPIFile(file: unknown, path: FieldPath, errs: FieldError[]): string | undefined {
  if (!isObj(file)) {
    errs.push(fe.invalid(path, file, 'must be an object'));
    return undefined;
  }
  const p = str(file.path);
  if (!p) errs.push(fe.required(path.child('path'), ''));
  errs.push(...localNonReservedPath(p, path.child('path')));
  if (file.fieldRef !== undefined && file.fieldRef !== null) {
    errs.push(...validateObjectFieldSelector(file.fieldRef, volumeDownwardAPIFieldPaths, path.child('fieldRef')));
    if (file.resourceFieldRef !== undefined && file.resourceFieldRef !== null) {
      errs.push(fe.invalid(path, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
    }
  } else if (file.resourceFieldRef !== undefined && file.resourceFieldRef !== null) {
    errs.push(...validateResourceFieldSelector(file.resourceFieldRef, true, path.child('resourceFieldRef')));
  } else {
    errs.push(fe.required(path, 'one of fieldRef and resourceFieldRef is required'));
  }
  validateMode(file.mode, path.child('mode'), errs);
  return p || undefined;
}

function validateProjected(src: Obj, path: FieldPath, errs: FieldError[]): void {
  validateMode(src.defaultMode, path.child('defaultMode'), errs);
  const seen = new Set<string>();
  const addPath = (p: string | undefined, value: unknown) => {
    if (!p) return;
    if (seen.has(p)) errs.push(fe.invalid(path, value, 'conflicting duplicate paths'));
    seen.add(p);
  };
  for (const [i, s] of listAt(src.sources, path.child('sources'), errs).entries()) {
    const sp = path.child('sources').index(i);
    if (!isObj(s)) {
      errs.push(fe.invalid(sp, s, 'must be an object'));
      continue;
    }
    let n = 0;
    for (const kind of ['secret', 'configMap'] as const) {
      const ref = objAt(s[kind], sp.child(kind), errs);
      if (!ref) continue;
      n++;
      if (!str(ref.name)) errs.push(fe.required(sp.child(kind).child('name'), ''));
      for (const [j, kp] of listAt(ref.items, sp.child(kind).child('items'), errs).entries()) {
        addPath(validateKeyToPath(kp, sp.child(kind).child('items').index(j), errs), ref.name);
      }
    }
    const dapi = objAt(s.downwardAPI, sp.child('downwardAPI'), errs);
    if (dapi) {
      n++;
      for (const item of listAt(dapi.items, sp.child('downwardAPI').child('items'), errs)) {
        const p = validateDownwardAPIFile(item, sp.child('downwardAPI'), errs);
        addPath(p, p);
      }
    }
    const sat = objAt(s.serviceAccountToken, sp.child('serviceAccountToken'), errs);
    if (sat) {
      n++;
      const exp = sat.expirationSeconds;
      if (isInt(exp) && exp < 600) errs.push(fe.invalid(sp.child('serviceAccountToken').child('expirationSeconds'), exp, 'may not specify a duration less than 10 minutes'));
      if (isInt(exp) && exp > 2 ** 32) errs.push(fe.invalid(sp.child('serviceAccountToken').child('expirationSeconds'), exp, 'may not specify a duration larger than 2^32 seconds'));
      if (!str(sat.path)) errs.push(fe.required(path.child('path'), ''));
      else errs.push(...localNonReservedPath(sat.path, path.child('path')));
    }
    const ctb = objAt(s.clusterTrustBundle, sp.child('clusterTrustBundle'), errs);
    if (ctb) {
      n++;
      if (!str(ctb.path)) errs.push(fe.required(sp.child('clusterTrustBundle').child('path'), ''));
      else addPath(ctb.path, ctb.path);
    }
    if (n > 1) errs.push(fe.forbidden(sp, 'may not specify more than 1 volume type per source'));
  }
}

function validateSource(kind: string, src: Obj, name: string, podName: string | undefined, path: FieldPath, errs: FieldError[]): void {
  const req = (field: string) => {
    if (src[field] === undefined || src[field] === null || src[field] === '' || (Array.isArray(src[field]) && src[field].length === 0)) {
      errs.push(fe.required(path.child(field), ''));
      return false;
    }
    return true;
  };
  switch (kind) {
    case 'hostPath':
      if (!req('path')) return;
      errs.push(...noBacksteps(str(src.path), path.child('path')));
      if (src.type !== undefined && src.type !== null && !supportedHostPathTypes.includes(src.type)) {
        errs.push(fe.notSupported(path.child('type'), src.type, supportedHostPathTypes));
      }
      return;
    case 'emptyDir':
      if (src.sizeLimit !== undefined && src.sizeLimit !== null) {
        try {
          if (Quantity.parse(src.sizeLimit).cmp(Quantity.parse('0')) < 0) {
            errs.push(fe.forbidden(path.child('sizeLimit'), 'SizeLimit field must be a valid resource quantity'));
          }
        } catch (e) {
          errs.push(fe.invalid(path.child('sizeLimit'), src.sizeLimit, (e as Error).message));
        }
      }
      if (src.medium !== undefined && src.medium !== null && typeof src.medium !== 'string') errs.push(fe.invalid(path.child('medium'), src.medium, 'must be a string'));
      return;
    case 'secret':
    case 'configMap': {
      req(kind === 'secret' ? 'secretName' : 'name');
      validateMode(src.defaultMode, path.child('defaultMode'), errs);
      for (const [i, kp] of listAt(src.items, path.child('items'), errs).entries()) validateKeyToPath(kp, path.child('items').index(i), errs);
      return;
    }
    case 'persistentVolumeClaim':
      req('claimName');
      return;
    case 'nfs':
      req('server');
      req('path');
      if (!str(src.path).startsWith('/')) errs.push(fe.invalid(path.child('path'), src.path ?? '', 'must be an absolute path'));
      return;
    case 'gitRepo':
      req('repository');
      errs.push(...localDescendingPath(str(src.directory), path.child('directory')));
      return;
    case 'downwardAPI':
      validateMode(src.defaultMode, path.child('defaultMode'), errs);
      for (const item of listAt(src.items, path.child('items'), errs)) validateDownwardAPIFile(item, path, errs);
      return;
    case 'projected':
      validateProjected(src, path, errs);
      return;
    case 'csi': {
      const driver = str(src.driver);
      if (!driver) errs.push(fe.required(path.child('driver'), ''));
      if (driver.length > 63) errs.push(fe.tooLong(path.child('driver'), 63));
      errs.push(...dns1123Subdomain(driver.toLowerCase(), path.child('driver')).map((e) => ({ ...e, value: driver })));
      return;
    }
    case 'ephemeral': {
      const tpl = objAt(src.volumeClaimTemplate, path.child('volumeClaimTemplate'), errs);
      if (!tpl) {
        if (src.volumeClaimTemplate === undefined || src.volumeClaimTemplate === null) errs.push(fe.required(path.child('volumeClaimTemplate'), ''));
        return;
      }
      const tp = path.child('volumeClaimTemplate');
      const meta = isObj(tpl.metadata) ? tpl.metadata : {};
      errs.push(...validateLabels(meta.labels, tp.child('metadata').child('labels')));
      const spec = objAt(tpl.spec, tp.child('spec'), errs) ?? {};
      errs.push(...validatePersistentVolumeClaimSpec(spec, tp.child('spec')));
      if (podName && name) {
        const pvcName = `${podName}-${name}`;
        for (const e of dns1123Subdomain(pvcName, path.child('name'))) {
          errs.push(fe.invalid(path.child('name'), name, `PVC name ${JSON.stringify(pvcName)}: ${e.detail}`));
        }
      }
      return;
    }
    case 'iscsi':
      req('targetPortal');
      req('iqn');
      return;
    case 'rbd':
      req('monitors');
      req('image');
      return;
    case 'cephfs':
      req('monitors');
      return;
    case 'glusterfs':
      req('endpoints');
      req('path');
      return;
    case 'image':
      if (podName !== undefined) req('reference');
      if (src.pullPolicy !== undefined && !['Always', 'IfNotPresent', 'Never'].includes(src.pullPolicy)) {
        errs.push(fe.notSupported(path.child('pullPolicy'), src.pullPolicy, ['Always', 'IfNotPresent', 'Never']));
      }
      return;
    default:
      return;
  }
}

/** The names of the valid volumes (for volumeMounts) and the errors of all of them. */
export function validateVolumes(volumes: unknown, podName: string | undefined, path: FieldPath): { names: Map<string, Obj>; errs: FieldError[] } {
  const errs: FieldError[] = [];
  const names = new Map<string, Obj>();
  const seen = new Set<string>();
  const ephemeralClaims = new Set<string>();
  const items = listAt(volumes, path, errs);
  if (podName) for (const v of items) if (isObj(v) && isObj(v.ephemeral)) ephemeralClaims.add(`${podName}-${str(v.name)}`);
  for (const [i, vol] of items.entries()) {
    const ip = path.index(i);
    if (!isObj(vol)) {
      errs.push(fe.invalid(ip, vol, 'must be an object'));
      continue;
    }
    const el: FieldError[] = [];
    const name = typeof vol.name === 'string' ? vol.name : '';
    let n = 0;
    for (const kind of volumeSourceFields) {
      const src = vol[kind];
      if (src === undefined || src === null) continue;
      const sp = ip.child(kind);
      if (n > 0) {
        el.push(fe.forbidden(sp, 'may not specify more than 1 volume type'));
        continue;
      }
      n++;
      if (!isObj(src)) el.push(fe.invalid(sp, src, 'must be an object'));
      else validateSource(kind, src, name, podName, sp, el);
    }
    if (n === 0) el.push(fe.required(ip, 'must specify a volume type'));
    if (vol.name !== undefined && vol.name !== null && typeof vol.name !== 'string') el.push(fe.invalid(ip.child('name'), vol.name, 'must be a string'));
    else if (!name) el.push(fe.required(ip.child('name'), ''));
    else el.push(...dns1123Label(name, ip.child('name')));
    if (seen.has(name)) el.push(fe.duplicate(ip.child('name'), name));
    if (el.length === 0) {
      seen.add(name);
      names.set(name, vol);
    } else {
      errs.push(...el);
    }
    if (isObj(vol.persistentVolumeClaim) && ephemeralClaims.has(str(vol.persistentVolumeClaim.claimName))) {
      errs.push(fe.invalid(ip.child('persistentVolumeClaim').child('claimName'), vol.persistentVolumeClaim.claimName,
        'must not reference a PVC that gets created for an ephemeral volume'));
    }
  }
  return { names, errs };
}
