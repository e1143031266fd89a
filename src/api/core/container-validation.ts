// Containers and init containers of a PodSpec: names, images, ports, env, volume mounts, pull policy,
// resources, security context, probes and hooks, with upstream's messages and field paths.
import { fe, type FieldError, type FieldPath } from '../field-errors.js';
import { validateLifecycle, validateProbe } from './probe-validation.js';
import { validateResourceRequirements } from './resource-validation.js';
import { validateContainerSecurityContext } from './security-context-validation.js';
import { validateObjectFieldSelector, validateResourceFieldSelector } from './volume-validation.js';
import {
  configMapKeyErrors, dns1123Label, dns1123Subdomain, envVarNameErrors, intAt, isObj, listAt, localDescendingPath, objAt,
  portNameErrors, portNumErrors, str, strAt, type Obj,
} from './shape.js';
import { dns1123SubdomainErrors } from '../label-names.js';

export const supportedPortProtocols = ['SCTP', 'TCP', 'UDP'];

/** What container validation needs from the rest of the pod. */
export interface ContainerContext {
  volumes: Map<string, Obj>;
  gracePeriod: number | undefined;
  restartPolicy: string;
  hostUsers: boolean;
}

function validateContainerPorts(ports: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  for (const [i, port] of listAt(ports, path, errs).entries()) {
    const ip = path.index(i);
    if (!isObj(port)) {
      errs.push(fe.invalid(ip, port, 'must be an object'));
      continue;
    }
    const name = strAt(port.name, ip.child('name'), errs);
    if (name) {
      const msgs = portNameErrors(name);
      if (msgs.length) for (const m of msgs) errs.push(fe.invalid(ip.child('name'), name, m));
      else if (names.has(name)) errs.push(fe.duplicate(ip.child('name'), name));
      else names.add(name);
    }
    const cp = intAt(port.containerPort, ip.child('containerPort'), errs);
    if (port.containerPort === undefined || port.containerPort === null || cp === 0) errs.push(fe.required(ip.child('containerPort'), ''));
    else if (cp !== undefined) for (const m of portNumErrors(cp)) errs.push(fe.invalid(ip.child('containerPort'), cp, m));
    const hp = intAt(port.hostPort, ip.child('hostPort'), errs);
    if (hp) for (const m of portNumErrors(hp)) errs.push(fe.invalid(ip.child('hostPort'), hp, m));
    if (port.protocol === undefined || port.protocol === null || port.protocol === '') errs.push(fe.required(ip.child('protocol'), ''));
    else if (!supportedPortProtocols.includes(port.protocol)) errs.push(fe.notSupported(ip.child('protocol'), port.protocol, supportedPortProtocols));
  }
  return errs;
}

const envFieldPaths = [
  'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP',
  'status.hostIPs', 'status.podIP', 'status.podIPs',
];

function validateKeySelector(sel: unknown, path: FieldPath, errs: FieldError[]): void {
  if (!isObj(sel)) {
    errs.push(fe.invalid(path, sel, 'must be an object'));
    return;
  }
  const name = str(sel.name);
  for (const m of dns1123SubdomainErrors(name)) errs.push(fe.invalid(path.child('name'), name, m));
  const key = str(sel.key);
  if (!key) errs.push(fe.required(path.child('key'), ''));
  else for (const m of configMapKeyErrors(key)) errs.push(fe.invalid(path.child('key'), key, m));
}

function validateEnvVarValueFrom(ev: Obj, path: FieldPath, errs: FieldError[]): void {
  const vf = objAt(ev.valueFrom, path, errs);
  if (!vf) return;
  let n = 0;
  const has = (k: string) => vf[k] !== undefined && vf[k] !== null;
  if (has('fieldRef')) {
    n++;
    errs.push(...validateObjectFieldSelector(vf.fieldRef, envFieldPaths, path.child('fieldRef')));
  }
  if (has('resourceFieldRef')) {
    n++;
    errs.push(...validateResourceFieldSelector(vf.resourceFieldRef, false, path.child('resourceFieldRef')));
  }
  if (has('configMapKeyRef')) {
    n++;
    validateKeySelector(vf.configMapKeyRef, path.child('configMapKeyRef'), errs);
  }
  if (has('secretKeyRef')) {
    n++;
    validateKeySelector(vf.secretKeyRef, path.child('secretKeyRef'), errs);
  }
  if (n === 0) errs.push(fe.invalid(path, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  else if (typeof ev.value === 'string' && ev.value.length > 0) errs.push(fe.invalid(path, '', 'may not be specified when `value` is not empty'));
  else if (n > 1) errs.push(fe.invalid(path, '', 'may not have more than one field specified at a time'));
}

export function validateEnv(env: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const [i, ev] of listAt(env, path, errs).entries()) {
    const ip = path.index(i);
    if (!isObj(ev)) {
      errs.push(fe.invalid(ip, ev, 'must be an object'));
      continue;
    }
    const name = strAt(ev.name, ip.child('name'), errs);
    if (!name) {
      if (typeof ev.name !== 'string' || ev.name === '') errs.push(fe.required(ip.child('name'), ''));
    } else {
      for (const m of envVarNameErrors(name)) errs.push(fe.invalid(ip.child('name'), name, m));
    }
    if (ev.value !== undefined && ev.value !== null && typeof ev.value !== 'string') errs.push(fe.invalid(ip.child('value'), ev.value, 'must be a string'));
    validateEnvVarValueFrom(ev, ip.child('valueFrom'), errs);
  }
  return errs;
}

function validateEnvFrom(envFrom: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const [i, ef] of listAt(envFrom, path, errs).entries()) {
    const ip = path.index(i);
    if (!isObj(ef)) {
      errs.push(fe.invalid(ip, ef, 'must be an object'));
      continue;
    }
    const prefix = strAt(ef.prefix, ip.child('prefix'), errs);
    if (prefix) for (const m of envVarNameErrors(prefix)) errs.push(fe.invalid(ip.child('prefix'), prefix, m));
    let n = 0;
    for (const kind of ['configMapRef', 'secretRef']) {
      const ref = objAt(ef[kind], ip.child(kind), errs);
      if (ef[kind] === undefined || ef[kind] === null) continue;
      n++;
      if (!ref) continue;
      const name = str(ref.name);
      // Names checked as a prefix: a trailing dash is allowed.
      if (!name) errs.push(fe.required(ip.child(kind).child('name'), ''));
      else for (const e of dns1123Subdomain(name.replace(/-+$/, '') || 'a', ip.child(kind).child('name'))) errs.push({ ...e, value: name });
    }
    if (n === 0) errs.push(fe.invalid(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (n > 1) errs.push(fe.invalid(path, '', 'may not have more than one field specified at a time'));
  }
  return errs;
}

function validateVolumeMounts(c: Obj, ctx: ContainerContext, devices: Map<string, string>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const mountPoints = new Set<string>();
  for (const [i, m] of listAt(c.volumeMounts, path, errs).entries()) {
    const ip = path.index(i);
    if (!isObj(m)) {
      errs.push(fe.invalid(ip, m, 'must be an object'));
      continue;
    }
    const name = str(m.name);
    const mountPath = str(m.mountPath);
    if (!name) errs.push(fe.required(ip.child('name'), ''));
    if (!ctx.volumes.has(name)) errs.push(fe.notFound(ip.child('name'), name));
    if (!mountPath) errs.push(fe.required(ip.child('mountPath'), ''));
    if (mountPoints.has(mountPath)) errs.push(fe.invalid(ip.child('mountPath'), mountPath, 'must be unique'));
    mountPoints.add(mountPath);
    if (devices.has(name)) errs.push(fe.invalid(ip.child('name'), name, 'must not already exist in volumeDevices'));
    if ([...devices.values()].includes(mountPath)) errs.push(fe.invalid(ip.child('mountPath'), mountPath, 'must not already exist as a path in volumeDevices'));
    const subPath = str(m.subPath);
    const subPathExpr = str(m.subPathExpr);
    if (subPath) errs.push(...localDescendingPath(subPath, path.child('subPath')));
    if (subPathExpr) {
      if (subPath) errs.push(fe.invalid(ip.child('subPathExpr'), subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      errs.push(...localDescendingPath(subPathExpr, path.child('subPathExpr')));
    }
    const prop = m.mountPropagation;
    if (prop !== undefined && prop !== null) {
      const supported = ['Bidirectional', 'HostToContainer', 'None'];
      if (!supported.includes(prop)) errs.push(fe.notSupported(path.child('mountPropagation'), prop, supported));
      const privileged = isObj(c.securityContext) && c.securityContext.privileged === true;
      if (prop === 'Bidirectional' && !privileged) {
        errs.push(fe.forbidden(path.child('mountPropagation'), 'Bidirectional mount propagation is available only to privileged containers'));
      }
    }
    const rro = m.recursiveReadOnly;
    if (rro !== undefined && rro !== null) {
      const rp = path.child('recursiveReadOnly');
      if (rro === 'Enabled' || rro === 'IfPossible') {
        if (m.readOnly !== true) errs.push(fe.forbidden(rp, 'may only be specified when readOnly is true'));
        if (prop !== undefined && prop !== null && prop !== 'None') errs.push(fe.forbidden(rp, 'may only be specified when mountPropagation is None or not specified'));
      } else if (rro !== 'Disabled') {
        errs.push(fe.notSupported(rp, rro, ['Disabled', 'Enabled', 'IfPossible']));
      }
    }
  }
  return errs;
}

function validateVolumeDevices(c: Obj, ctx: ContainerContext, mounts: Map<string, string>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  const paths = new Set<string>();
  for (const [i, d] of listAt(c.volumeDevices, path, errs).entries()) {
    const ip = path.index(i);
    if (!isObj(d)) {
      errs.push(fe.invalid(ip, d, 'must be an object'));
      continue;
    }
    const name = str(d.name);
    const devicePath = str(d.devicePath);
    const vol = ctx.volumes.get(name);
    if (!name) errs.push(fe.required(ip.child('name'), ''));
    if (names.has(name)) errs.push(fe.invalid(ip.child('name'), name, 'must be unique'));
    if (vol && !vol.persistentVolumeClaim && !vol.ephemeral) {
      errs.push(fe.invalid(ip.child('name'), name, 'can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode'));
    }
    if (!vol) errs.push(fe.notFound(ip.child('name'), name));
    if (!devicePath) errs.push(fe.required(ip.child('devicePath'), ''));
    if (paths.has(devicePath)) errs.push(fe.invalid(ip.child('devicePath'), devicePath, 'must be unique'));
    if (devicePath && devicePath.split('/').includes('..')) errs.push(fe.invalid(ip.child('devicePath'), devicePath, "can not contain backsteps ('..')"));
    else paths.add(devicePath);
    if (mounts.has(name)) errs.push(fe.invalid(ip.child('name'), name, 'must not already exist in volumeMounts'));
    if ([...mounts.values()].includes(devicePath)) errs.push(fe.invalid(ip.child('devicePath'), devicePath, 'must not already exist as a path in volumeMounts'));
    if (name) names.add(name);
  }
  return errs;
}

const pullPolicies = ['Always', 'IfNotPresent', 'Never'];

function validateResizePolicy(policies: unknown, restartPolicy: string, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  for (const [i, p] of listAt(policies, path, errs).entries()) {
    if (!isObj(p)) {
      errs.push(fe.invalid(path.index(i), p, 'must be an object'));
      continue;
    }
    if (seen.has(p.resourceName)) errs.push(fe.duplicate(path.index(i), p.resourceName));
    seen.add(p.resourceName);
    if (!p.resourceName) errs.push(fe.required(path, ''));
    else if (p.resourceName !== 'cpu' && p.resourceName !== 'memory') errs.push(fe.notSupported(path, p.resourceName, ['cpu', 'memory']));
    if (!p.restartPolicy) errs.push(fe.required(path, ''));
    else if (p.restartPolicy !== 'NotRequired' && p.restartPolicy !== 'RestartContainer') {
      errs.push(fe.notSupported(path, p.restartPolicy, ['NotRequired', 'RestartContainer']));
    }
    if (restartPolicy === 'Never' && p.restartPolicy !== 'NotRequired') {
      errs.push(fe.invalid(path, p.restartPolicy, "must be 'NotRequired' when `restartPolicy` is 'Never'"));
    }
  }
  return errs;
}

function mapOf(items: unknown, key: string, value: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const x of Array.isArray(items) ? items : []) if (isObj(x)) m.set(str(x[key]), str(x[value]));
  return m;
}

/** Checks every kind of container shares (upstream's validateContainerCommon). */
function validateContainerCommon(c: Obj, ctx: ContainerContext, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const name = strAt(c.name, path.child('name'), errs);
  if (!name) {
    if (typeof c.name !== 'string' || c.name === '') errs.push(fe.required(path.child('name'), ''));
  } else errs.push(...dns1123Label(name, path.child('name')));
  const image = strAt(c.image, path.child('image'), errs);
  if (!image && (typeof c.image !== 'string' || c.image === '')) errs.push(fe.required(path.child('image'), ''));
  const tmp = c.terminationMessagePolicy;
  if (tmp === undefined || tmp === null || tmp === '') errs.push(fe.required(path.child('terminationMessagePolicy'), ''));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError') errs.push(fe.notSupported(path.child('terminationMessagePolicy'), tmp, ['File', 'FallbackToLogsOnError']));
  for (const f of ['command', 'args']) {
    const items = listAt(c[f], path.child(f), errs);
    items.forEach((x, i) => {
      if (typeof x !== 'string') errs.push(fe.invalid(path.child(f).index(i), x, 'must be a string'));
    });
  }
  strAt(c.workingDir, path.child('workingDir'), errs);
  const mounts = mapOf(c.volumeMounts, 'name', 'mountPath');
  const devices = mapOf(c.volumeDevices, 'name', 'devicePath');
  errs.push(...validateContainerPorts(c.ports, path.child('ports')));
  errs.push(...validateEnv(c.env, path.child('env')));
  errs.push(...validateEnvFrom(c.envFrom, path.child('envFrom')));
  errs.push(...validateVolumeMounts(c, ctx, devices, path.child('volumeMounts')));
  errs.push(...validateVolumeDevices(c, ctx, mounts, path.child('volumeDevices')));
  const pp = c.imagePullPolicy;
  if (pp === undefined || pp === null || pp === '') errs.push(fe.required(path.child('imagePullPolicy'), ''));
  else if (!pullPolicies.includes(pp)) errs.push(fe.notSupported(path.child('imagePullPolicy'), pp, pullPolicies));
  errs.push(...validateResourceRequirements(c.resources, path.child('resources')));
  errs.push(...validateResizePolicy(c.resizePolicy, ctx.restartPolicy, path.child('resizePolicy')));
  errs.push(...validateContainerSecurityContext(c.securityContext, ctx.hostUsers, path.child('securityContext')));
  return errs;
}

function hostPortConflicts(containers: unknown[], path: FieldPath, seen = new Set<string>()): FieldError[] {
  const errs: FieldError[] = [];
  containers.forEach((c, ci) => {
    if (!isObj(c)) return;
    list(c.ports).forEach((p: unknown, pi: number) => {
      if (!isObj(p) || !p.hostPort) return;
      const key = `${str(p.protocol)}/${str(p.hostIP)}/${p.hostPort}`;
      if (seen.has(key)) errs.push(fe.duplicate(path.index(ci).child('ports').index(pi).child('hostPort'), key));
      else seen.add(key);
    });
  });
  return errs;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** spec.containers: at least one, unique names, probes and hooks allowed, no restartPolicy. */
export function validateContainers(containers: unknown, ctx: ContainerContext, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const items = listAt(containers, path, errs);
  if (errs.length) return errs;
  if (items.length === 0) return [fe.required(path, '')];
  const names = new Set<string>();
  items.forEach((c, i) => {
    const ip = path.index(i);
    if (!isObj(c)) {
      errs.push(fe.invalid(ip, c, 'must be an object'));
      return;
    }
    errs.push(...validateContainerCommon(c, ctx, ip));
    const name = str(c.name);
    if (names.has(name)) errs.push(fe.duplicate(ip.child('name'), name));
    else names.add(name);
    if (c.lifecycle !== undefined && c.lifecycle !== null) errs.push(...validateLifecycle(c.lifecycle, ctx.gracePeriod, ip.child('lifecycle')));
    errs.push(...validateProbe(c.livenessProbe, 'liveness', ctx.gracePeriod, ip.child('livenessProbe')));
    errs.push(...validateProbe(c.readinessProbe, 'readiness', ctx.gracePeriod, ip.child('readinessProbe')));
    errs.push(...validateProbe(c.startupProbe, 'startup', ctx.gracePeriod, ip.child('startupProbe')));
    if (c.restartPolicy !== undefined && c.restartPolicy !== null) errs.push(fe.forbidden(ip.child('restartPolicy'), 'may not be set for non-init containers'));
  });
  errs.push(...hostPortConflicts(items, path));
  return errs;
}

/** spec.initContainers: names unique with the app containers too; only sidecars (restartPolicy Always) may have probes and hooks. */
export function validateInitContainers(initContainers: unknown, containers: unknown, ctx: ContainerContext, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>(list(containers).map((c) => (isObj(c) ? str(c.name) : '')));
  listAt(initContainers, path, errs).forEach((c, i) => {
    const ip = path.index(i);
    if (!isObj(c)) {
      errs.push(fe.invalid(ip, c, 'must be an object'));
      return;
    }
    errs.push(...validateContainerCommon(c, ctx, ip));
    let restartAlways = false;
    if (c.restartPolicy !== undefined && c.restartPolicy !== null) {
      if (c.restartPolicy !== 'Always') errs.push(fe.notSupported(ip.child('restartPolicy'), c.restartPolicy, ['Always']));
      restartAlways = c.restartPolicy === 'Always';
    }
    const name = str(c.name);
    if (names.has(name)) errs.push(fe.duplicate(ip.child('name'), name));
    else if (name) names.add(name);
    errs.push(...hostPortConflicts([c], path));
    if (restartAlways) {
      if (c.lifecycle !== undefined && c.lifecycle !== null) errs.push(...validateLifecycle(c.lifecycle, ctx.gracePeriod, ip.child('lifecycle')));
      errs.push(...validateProbe(c.livenessProbe, 'liveness', ctx.gracePeriod, ip.child('livenessProbe')));
      errs.push(...validateProbe(c.readinessProbe, 'readiness', ctx.gracePeriod, ip.child('readinessProbe')));
      errs.push(...validateProbe(c.startupProbe, 'startup', ctx.gracePeriod, ip.child('startupProbe')));
    } else {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (c[f] !== undefined && c[f] !== null) errs.push(fe.forbidden(ip.child(f), 'may not be set for init containers without restartPolicy=Always'));
      }
    }
    const rp = c.resizePolicy;
    if (Array.isArray(rp) && rp.length > 0 && !restartAlways) errs.push(fe.invalid(ip.child('resizePolicy'), rp, 'must not be set for init containers'));
  });
  return errs;
}

/** Pod-only (not template) container checks: no whitespace around the image. */
export function validateContainersOnlyForPod(containers: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  list(containers).forEach((c, i) => {
    if (isObj(c) && typeof c.image === 'string' && c.image !== c.image.trim()) {
      errs.push(fe.invalid(path.index(i).child('image'), c.image, 'must not have leading or trailing whitespace'));
    }
  });
  return errs;
}

const ephemeralForbiddenFields = ['ports', 'resources', 'resizePolicy', 'lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe', 'restartPolicy'];

/** spec.ephemeralContainers (added through the ephemeralcontainers subresource, as by `kubectl debug`). */
export function validateEphemeralContainers(ephemeral: unknown, containers: unknown, initContainers: unknown, ctx: ContainerContext, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const names = (v: unknown) => list(v).map((c) => (isObj(c) ? str(c.name) : ''));
  const others = new Set([...names(containers), ...names(initContainers)]);
  const all = new Set(others);
  listAt(ephemeral, path, errs).forEach((c, i) => {
    const ip = path.index(i);
    if (!isObj(c)) {
      errs.push(fe.invalid(ip, c, 'must be an object'));
      return;
    }
    errs.push(...validateContainerCommon(c, ctx, ip));
    if (typeof c.image === 'string' && c.image !== c.image.trim()) errs.push(fe.invalid(ip.child('image'), c.image, 'must not have leading or trailing whitespace'));
    const name = str(c.name);
    if (all.has(name)) errs.push(fe.duplicate(ip.child('name'), name));
    else all.add(name);
    const target = str(c.targetContainerName);
    if (target && !others.has(target)) errs.push(fe.notFound(ip.child('targetContainerName'), target));
    for (const f of ephemeralForbiddenFields) {
      const v = c[f];
      const set = v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0) && !(f === 'resources' && isObj(v) && Object.keys(v).length === 0);
      if (set) errs.push(fe.forbidden(ip.child(f), 'cannot be set for an Ephemeral Container'));
    }
    list(c.volumeMounts).forEach((m, j) => {
      if (!isObj(m)) return;
      if (str(m.subPath)) errs.push(fe.forbidden(ip.child('volumeMounts').index(j).child('subPath'), 'cannot be set for an Ephemeral Container'));
      if (str(m.subPathExpr)) errs.push(fe.forbidden(ip.child('volumeMounts').index(j).child('subPathExpr'), 'cannot be set for an Ephemeral Container'));
    });
  });
  return errs;
}
