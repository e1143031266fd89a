// Pod and container security contexts: user and group ids, seccomp and AppArmor profiles, procMount,
// sysctls, fsGroupChangePolicy, and the combinations upstream forbids.
import { fe, type FieldError, type FieldPath } from '../field-errors.js';
import { inclusiveRangeError, isInt, isObj, list, listAt, localDescendingPath, objAt, str, type Obj } from './shape.js';

const maxId = 2147483647;

function validId(v: unknown, path: FieldPath, errs: FieldError[]): void {
  if (v === undefined || v === null) return;
  if (!isInt(v)) errs.push(fe.invalid(path, v, 'must be an integer'));
  else if (v < 0 || v > maxId) errs.push(fe.invalid(path, v, inclusiveRangeError(0, maxId)));
}

function validateSeccompProfile(sp: unknown, path: FieldPath, errs: FieldError[]): void {
  const p = objAt(sp, path, errs);
  if (!p) return;
  const type = p.type;
  if (type === undefined || type === null || type === '') errs.push(fe.required(path.child('type'), 'type is required when seccompProfile is set'));
  else if (!['Localhost', 'RuntimeDefault', 'Unconfined'].includes(type)) errs.push(fe.notSupported(path.child('type'), type, ['Localhost', 'RuntimeDefault', 'Unconfined']));
  if (type === 'Localhost') {
    if (p.localhostProfile === undefined || p.localhostProfile === null) errs.push(fe.required(path.child('localhostProfile'), 'must be set when seccomp type is Localhost'));
    else errs.push(...localDescendingPath(str(p.localhostProfile), path.child('localhostProfile')));
  } else if (p.localhostProfile !== undefined && p.localhostProfile !== null) {
    errs.push(fe.invalid(path.child('localhostProfile'), p, 'can only be set when seccomp type is Localhost'));
  }
}

function validateAppArmorProfile(ap: unknown, path: FieldPath, errs: FieldError[]): void {
  const p = objAt(ap, path, errs);
  if (!p) return;
  switch (p.type) {
    case 'Localhost': {
      const lp = p.localhostProfile;
      if (lp === undefined || lp === null || str(lp).trim() === '') errs.push(fe.required(path.child('localhostProfile'), 'must be set when AppArmor type is Localhost'));
      else if (str(lp).trim() !== lp) errs.push(fe.invalid(path.child('localhostProfile'), lp, 'must not be padded with whitespace'));
      break;
    }
    case 'RuntimeDefault':
    case 'Unconfined':
      if (p.localhostProfile !== undefined && p.localhostProfile !== null) {
        errs.push(fe.invalid(path.child('localhostProfile'), p.localhostProfile, 'can only be set when AppArmor type is Localhost'));
      }
      break;
    case undefined:
    case null:
    case '':
      errs.push(fe.required(path.child('type'), 'type is required when appArmorProfile is set'));
      break;
    default:
      errs.push(fe.notSupported(path.child('type'), p.type, ['Localhost', 'RuntimeDefault', 'Unconfined']));
  }
}

/** A container's securityContext; hostUsers is the pod's (true unless spec.securityContext.hostUsers is false). */
export function validateContainerSecurityContext(sc: unknown, hostUsers: boolean, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const s = objAt(sc, path, errs);
  if (!s) return errs;
  validId(s.runAsUser, path.child('runAsUser'), errs);
  validId(s.runAsGroup, path.child('runAsGroup'), errs);
  if (s.procMount !== undefined && s.procMount !== null) {
    if (s.procMount !== 'Default' && s.procMount !== 'Unmasked') errs.push(fe.notSupported(path.child('procMount'), s.procMount, ['Default', 'Unmasked']));
    if (hostUsers && s.procMount === 'Unmasked') errs.push(fe.invalid(path.child('procMount'), s.procMount, '`hostUsers` must be false to use `Unmasked`'));
  }
  validateSeccompProfile(s.seccompProfile, path.child('seccompProfile'), errs);
  if (s.allowPrivilegeEscalation === false) {
    if (s.privileged === true) errs.push(fe.invalid(path, s, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    if (isObj(s.capabilities) && list(s.capabilities.add).includes('CAP_SYS_ADMIN')) {
      errs.push(fe.invalid(path, s, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
    }
  }
  validateAppArmorProfile(s.appArmorProfile, path.child('appArmorProfile'), errs);
  return errs;
}

const sysctlRe = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/;

function validateSysctls(sc: Obj, path: FieldPath, errs: FieldError[]): void {
  const names = new Set<string>();
  for (const [i, s] of listAt(sc.sysctls, path, errs).entries()) {
    const np = path.index(i).child('name');
    const name = isObj(s) ? str(s.name) : '';
    if (!name) errs.push(fe.required(np, ''));
    else if (name.length > 253 || !sysctlRe.test(name)) {
      errs.push(fe.invalid(np, name, `must have at most 253 characters and match regex ${sysctlRe.source}`));
    } else if (names.has(name)) errs.push(fe.duplicate(np, name));
    if (name && sc.hostNetwork === true && (name.startsWith('net.') || name.startsWith('net/'))) {
      errs.push(fe.invalid(np, name, "may not be specified when 'hostNetwork' is true"));
    }
    names.add(name);
  }
}

/** spec.securityContext of a PodSpec. */
export function validatePodSecurityContext(sc: unknown, spec: Obj, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const s = objAt(sc, path, errs);
  if (!s) return errs;
  validId(s.fsGroup, path.child('fsGroup'), errs);
  validId(s.runAsUser, path.child('runAsUser'), errs);
  validId(s.runAsGroup, path.child('runAsGroup'), errs);
  for (const [i, g] of listAt(s.supplementalGroups, path.child('supplementalGroups'), errs).entries()) validId(g, path.child('supplementalGroups').index(i), errs);
  if (s.shareProcessNamespace === true && spec.hostPID === true) {
    errs.push(fe.invalid(path.child('shareProcessNamespace'), true, 'ShareProcessNamespace and HostPID cannot both be enabled'));
  }
  if (s.sysctls !== undefined && s.sysctls !== null) validateSysctls({ ...s, hostNetwork: spec.hostNetwork }, path.child('sysctls'), errs);
  if (s.fsGroupChangePolicy !== undefined && s.fsGroupChangePolicy !== null && !['Always', 'OnRootMismatch'].includes(s.fsGroupChangePolicy)) {
    errs.push(fe.notSupported(path.child('fsGroupChangePolicy'), s.fsGroupChangePolicy, ['Always', 'OnRootMismatch']));
  }
  validateSeccompProfile(s.seccompProfile, path.child('seccompProfile'), errs);
  validateAppArmorProfile(s.appArmorProfile, path.child('appArmorProfile'), errs);
  if (s.supplementalGroupsPolicy !== undefined && s.supplementalGroupsPolicy !== null && !['Merge', 'Strict'].includes(s.supplementalGroupsPolicy)) {
    errs.push(fe.notSupported(path.child('supplementalGroupsPolicy'), s.supplementalGroupsPolicy, ['Merge', 'Strict']));
  }
  if (s.seLinuxChangePolicy !== undefined && s.seLinuxChangePolicy !== null && !['MountOption', 'Recursive'].includes(s.seLinuxChangePolicy)) {
    errs.push(fe.notSupported(path.child('seLinuxChangePolicy'), s.seLinuxChangePolicy, ['MountOption', 'Recursive']));
  }
  return errs;
}

/** hostUsers defaults to true: only an explicit false turns user namespaces on. */
export function podHostUsers(spec: Obj): boolean {
  return spec.hostUsers !== false;
}
