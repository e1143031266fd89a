// PodSpec and PodTemplateSpec validation (upstream's ValidatePodSpec / ValidatePodTemplateSpec), plus
// the checks that apply only to Pod objects: pod-specific annotations, create-only rules and updates.
import { fe, type FieldError, type FieldPath } from '../field-errors.js';
import { FieldPath as Path } from '../field-errors.js';
import { validateLabels } from '../labels.js';
import { qualifiedNameErrors } from '../label-names.js';
import {
  validateContainers, validateContainersOnlyForPod, validateEphemeralContainers, validateInitContainers, type ContainerContext,
} from './container-validation.js';
import { defaultPod } from './pod-defaults.js';
import { validateResourceRequirements } from './resource-validation.js';
import {
  validateAffinity, validateReadinessGates, validateSchedulingGates, validateTolerations, validateTopologySpreadConstraints,
} from './scheduling-validation.js';
import { podHostUsers, validatePodSecurityContext } from './security-context-validation.js';
import {
  clone, deepEqual, diffText, dns1123Label, dns1123Subdomain, inclusiveRangeError, isInt, isObj, list, listAt, objAt, str,
  validIP, type Obj,
} from './shape.js';
import { validateVolumes } from './volume-validation.js';

export const restartPolicies = ['Always', 'OnFailure', 'Never'];
export const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const maxInt32 = 2147483647;

export interface PodSpecOptions {
  /** The pod's name: generic ephemeral volumes derive PVC names from it. */
  podName?: string;
  /** True for Pod objects (stricter hostNetwork ports), false for PodSpecs embedded in templates. */
  resourceIsPod?: boolean;
}

const dnsSubdomainWithUnderscoreRe = /^[_a-z0-9]([-_a-z0-9]*[a-z0-9])?(\.[_a-z0-9]([-_a-z0-9]*[a-z0-9])?)*$/;

function validateDNSConfig(spec: Obj, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const cfg = spec.dnsConfig;
  if (spec.dnsPolicy === 'None') {
    if (cfg === undefined || cfg === null) return [fe.required(path, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (isObj(cfg) && list(cfg.nameservers).length === 0) {
      return [fe.required(path.child('nameservers'), 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
    }
  }
  const c = objAt(cfg, path, errs);
  if (!c) return errs;
  const nameservers = listAt(c.nameservers, path.child('nameservers'), errs);
  if (nameservers.length > 3) errs.push(fe.invalid(path.child('nameservers'), nameservers, 'must not have more than 3 nameservers'));
  nameservers.forEach((ns, i) => errs.push(...validIP(ns, path.child('nameservers').index(i))));
  const searches = listAt(c.searches, path.child('searches'), errs);
  if (searches.length > 32) errs.push(fe.invalid(path.child('searches'), searches, 'must not have more than 32 search paths'));
  if (searches.map(str).join(' ').length > 2048) {
    errs.push(fe.invalid(path.child('searches'), searches, 'must not have more than 2048 characters (including spaces) in the search list'));
  }
  searches.forEach((s, i) => {
    // RelaxedDNSSearchValidation (on by default in 1.33): "." and underscores are allowed.
    const v = str(s);
    if (v === '.') return;
    const trimmed = v.replace(/\.$/, '');
    if (trimmed.length > 253 || !dnsSubdomainWithUnderscoreRe.test(trimmed)) {
      errs.push(fe.invalid(path.child('searches').index(i), trimmed,
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '_', '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[_a-z0-9]([-_a-z0-9]*[a-z0-9])?(\\.[_a-z0-9]([-_a-z0-9]*[a-z0-9])?)*')"));
    }
  });
  listAt(c.options, path.child('options'), errs).forEach((o, i) => {
    if (!isObj(o) || !str(o.name)) errs.push(fe.required(path.child('options').index(i), 'must not be empty'));
  });
  return errs;
}

function validateHostNetworkPorts(spec: Obj, resourceIsPod: boolean, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (spec.hostNetwork !== true) return errs;
  list(spec.containers).forEach((c, i) => {
    if (!isObj(c)) return;
    list(c.ports).forEach((p, j) => {
      if (!isObj(p)) return;
      const hp = p.hostPort ?? 0;
      const cp = p.containerPort ?? 0;
      if ((resourceIsPod || hp !== 0) && hp !== cp) {
        errs.push(fe.invalid(path.child('containers').index(i).child('ports').index(j).child('hostPort'), hp, 'must match `containerPort` when `hostNetwork` is true'));
      }
    });
  });
  return errs;
}

function nameField(v: unknown, path: FieldPath, check: (s: string, p: FieldPath) => FieldError[]): FieldError[] {
  if (v === undefined || v === null || v === '') return [];
  if (typeof v !== 'string') return [fe.invalid(path, v, 'must be a string')];
  return check(v, path);
}

/** Upstream's ValidatePodSpec. `path` is where the spec sits ("spec", "spec.template.spec", ...). */
export function validatePodSpec(spec: any, path: FieldPath, opts: PodSpecOptions = {}): FieldError[] {
  if (spec === undefined || spec === null) return [fe.required(path.child('containers'), '')];
  if (!isObj(spec)) return [fe.invalid(path, spec, 'must be an object')];
  const errs: FieldError[] = [];
  const tgps = spec.terminationGracePeriodSeconds;
  if (tgps === undefined || tgps === null) errs.push(fe.required(path.child('terminationGracePeriodSeconds'), ''));
  else if (!isInt(tgps)) errs.push(fe.invalid(path.child('terminationGracePeriodSeconds'), tgps, 'must be an integer'));
  const { names: volumes, errs: volErrs } = validateVolumes(spec.volumes, opts.podName, path.child('volumes'));
  errs.push(...volErrs);
  const ctx: ContainerContext = {
    volumes,
    gracePeriod: isInt(tgps) ? tgps : undefined,
    restartPolicy: str(spec.restartPolicy),
    hostUsers: podHostUsers(spec),
  };
  errs.push(...validateContainers(spec.containers, ctx, path.child('containers')));
  errs.push(...validateInitContainers(spec.initContainers, spec.containers, ctx, path.child('initContainers')));
  errs.push(...validateEphemeralContainers(spec.ephemeralContainers, spec.containers, spec.initContainers, ctx, path.child('ephemeralContainers')));
  errs.push(...validateHostNetworkPorts(spec, !!opts.resourceIsPod, path));
  const rp = spec.restartPolicy;
  if (rp === undefined || rp === null || rp === '') errs.push(fe.required(path.child('restartPolicy'), ''));
  else if (!restartPolicies.includes(rp)) errs.push(fe.notSupported(path.child('restartPolicy'), rp, restartPolicies));
  const dp = spec.dnsPolicy;
  if (dp === undefined || dp === null || dp === '') errs.push(fe.required(path.child('dnsPolicy'), ''));
  else if (!dnsPolicies.includes(dp)) errs.push(fe.notSupported(path.child('dnsPolicy'), dp, dnsPolicies));
  if (spec.nodeSelector !== undefined && spec.nodeSelector !== null) {
    if (!isObj(spec.nodeSelector)) errs.push(fe.invalid(path.child('nodeSelector'), spec.nodeSelector, 'must be a map of strings'));
    else errs.push(...validateLabels(spec.nodeSelector, path.child('nodeSelector')));
  }
  errs.push(...validatePodSecurityContext(spec.securityContext, spec, path.child('securityContext')));
  listAt(spec.imagePullSecrets, path.child('imagePullSecrets'), errs).forEach((s, i) => {
    if (!isObj(s) || Object.keys(s).some((k) => k !== 'name')) errs.push(fe.invalid(path.child('imagePullSecrets').index(i), s, 'only name may be set'));
  });
  errs.push(...validateAffinity(spec.affinity, path.child('affinity')));
  errs.push(...validateDNSConfig(spec, path.child('dnsConfig')));
  errs.push(...validateReadinessGates(spec.readinessGates, path.child('readinessGates')));
  errs.push(...validateSchedulingGates(spec.schedulingGates, path.child('schedulingGates')));
  errs.push(...validateTopologySpreadConstraints(spec.topologySpreadConstraints, path.child('topologySpreadConstraints')));
  if (spec.hostUsers === false) {
    for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) {
      if (spec[f] === true) errs.push(fe.forbidden(path.child(f === 'hostNetwork' ? f : f.replace('host', 'Host')), 'when `pod.Spec.HostUsers` is false'));
    }
  }
  errs.push(...nameField(spec.serviceAccountName, path.child('serviceAccountName'), dns1123Subdomain));
  errs.push(...nameField(spec.nodeName, path.child('nodeName'), dns1123Subdomain));
  const ads = spec.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null) {
    if (!isInt(ads) || ads < 1 || ads > maxInt32) errs.push(fe.invalid(path.child('activeDeadlineSeconds'), ads, inclusiveRangeError(1, maxInt32)));
  }
  errs.push(...nameField(spec.hostname, path.child('hostname'), dns1123Label));
  errs.push(...nameField(spec.subdomain, path.child('subdomain'), dns1123Label));
  errs.push(...validateTolerations(spec.tolerations, path.child('tolerations')));
  listAt(spec.hostAliases, path.child('hostAliases'), errs).forEach((ha, i) => {
    const ip = path.child('hostAliases').index(i);
    if (!isObj(ha)) {
      errs.push(fe.invalid(ip, ha, 'must be an object'));
      return;
    }
    errs.push(...validIP(ha.ip, ip.child('ip')));
    listAt(ha.hostnames, ip.child('hostnames'), errs).forEach((h, j) => errs.push(...dns1123Subdomain(str(h), ip.child('hostnames').index(j))));
  });
  errs.push(...nameField(spec.priorityClassName, path.child('priorityClassName'), dns1123Subdomain));
  if (spec.runtimeClassName !== undefined && spec.runtimeClassName !== null) {
    errs.push(...dns1123Subdomain(str(spec.runtimeClassName), path.child('runtimeClassName')));
  }
  const pp = spec.preemptionPolicy;
  if (pp !== undefined && pp !== null) {
    if (pp === '') errs.push(fe.required(path.child('preemptionPolicy'), ''));
    else if (pp !== 'PreemptLowerPriority' && pp !== 'Never') errs.push(fe.notSupported(path.child('preemptionPolicy'), pp, ['PreemptLowerPriority', 'Never']));
  }
  if (spec.overhead !== undefined && spec.overhead !== null) {
    // Upstream checks the overhead as container limits, so its errors read "spec.overhead.limits[cpu]".
    errs.push(...validateResourceRequirements({ limits: spec.overhead }, path.child('overhead')));
  }
  const os = objAt(spec.os, path.child('os'), errs);
  if (os) {
    if (!str(os.name)) errs.push(fe.required(path.child('os').child('name'), 'cannot be empty'));
    else if (os.name !== 'linux' && os.name !== 'windows') errs.push(fe.notSupported(path.child('os'), os.name, ['linux', 'windows']));
  }
  return errs;
}

const totalAnnotationSizeLimit = 256 * 1024;

export function validateAnnotations(annotations: unknown, path: FieldPath): FieldError[] {
  if (annotations === undefined || annotations === null) return [];
  if (!isObj(annotations)) return [fe.invalid(path, annotations, 'must be a map of strings')];
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const m of qualifiedNameErrors(k.toLowerCase())) errs.push(fe.invalid(path, k, m));
    if (typeof v !== 'string') errs.push(fe.invalid(path.key(k), v, 'must be a string'));
    size += k.length + String(v).length;
  }
  if (size > totalAnnotationSizeLimit) errs.push(fe.tooLong(path, totalAnnotationSizeLimit));
  return errs;
}

const mirrorPodAnnotation = 'kubernetes.io/config.mirror';
const deletionCostAnnotation = 'controller.kubernetes.io/pod-deletion-cost';

/** Upstream's ValidatePodSpecificAnnotations: mirror pods need a node, the deletion cost is an int32. */
export function validatePodSpecificAnnotations(annotations: unknown, spec: unknown, path: FieldPath, allowInvalidDeletionCost = false): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(annotations)) return errs;
  const s = isObj(spec) ? spec : {};
  if (Object.hasOwn(annotations, mirrorPodAnnotation) && !str(s.nodeName)) {
    errs.push(fe.invalid(path.key(mirrorPodAnnotation), annotations[mirrorPodAnnotation], 'must set spec.nodeName if mirror pod annotation is set'));
  }
  if (!allowInvalidDeletionCost && Object.hasOwn(annotations, deletionCostAnnotation)) {
    const v = annotations[deletionCostAnnotation];
    const n = typeof v === 'string' && /^[+-]?\d+$/.test(v.trim()) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < -2147483648 || n > maxInt32) errs.push(fe.invalid(path.key(deletionCostAnnotation), v, 'must be a 32bit integer'));
  }
  return errs;
}

/** Upstream's ValidatePodTemplateSpec: template labels and annotations, then the spec. */
export function validatePodTemplateSpec(tpl: any, path: FieldPath): FieldError[] {
  if (tpl === undefined || tpl === null) return [fe.required(path, '')];
  if (!isObj(tpl)) return [fe.invalid(path, tpl, 'must be an object')];
  const errs: FieldError[] = [];
  const meta = objAt(tpl.metadata, path.child('metadata'), errs) ?? {};
  if (meta.labels !== undefined && meta.labels !== null && !isObj(meta.labels)) errs.push(fe.invalid(path.child('labels'), meta.labels, 'must be a map of strings'));
  else errs.push(...validateLabels(meta.labels, path.child('labels')));
  errs.push(...validateAnnotations(meta.annotations, path.child('annotations')));
  errs.push(...validatePodSpecificAnnotations(meta.annotations, tpl.spec, path.child('annotations')));
  errs.push(...validatePodSpec(tpl.spec, path.child('spec')));
  if (isObj(tpl.spec) && list(tpl.spec.ephemeralContainers).length > 0) {
    errs.push(fe.forbidden(path.child('spec').child('ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

// ---- Pod objects ----

const specPath = Path.root('spec');

/** Everything a Pod is checked for on create and update (metadata is checked generically before). */
export function validatePod(pod: Obj, allowInvalidDeletionCost = false): FieldError[] {
  const meta = isObj(pod.metadata) ? pod.metadata : {};
  const errs = validatePodSpecificAnnotations(meta.annotations, pod.spec, Path.root('metadata').child('annotations'), allowInvalidDeletionCost);
  errs.push(...validatePodSpec(pod.spec, specPath, { podName: str(meta.name) || undefined, resourceIsPod: true }));
  if (isObj(pod.spec)) {
    errs.push(...validateContainersOnlyForPod(pod.spec.containers, specPath.child('containers')));
    errs.push(...validateContainersOnlyForPod(pod.spec.initContainers, specPath.child('initContainers')));
  }
  return errs;
}

export function validatePodCreate(pod: Obj): FieldError[] {
  const errs = validatePod(pod);
  const spec = isObj(pod.spec) ? pod.spec : {};
  if (list(spec.ephemeralContainers).length > 0) errs.push(fe.forbidden(specPath.child('ephemeralContainers'), 'cannot be set on create'));
  if (str(spec.nodeName) && list(spec.schedulingGates).length > 0) {
    errs.push(fe.forbidden(specPath.child('nodeName'), 'cannot be set until all schedulingGates have been cleared'));
  }
  return errs;
}

const updatablePodSpecFields = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

function validateContainerUpdates(next: unknown[], prev: unknown[], path: FieldPath): { errs: FieldError[]; stop: boolean } {
  if (next.length !== prev.length) return { errs: [fe.forbidden(path, 'pod updates may not add or remove containers')], stop: true };
  const errs: FieldError[] = [];
  next.forEach((c, i) => {
    const image = isObj(c) ? c.image : undefined;
    if (typeof image !== 'string' || image.length === 0) errs.push(fe.required(path.index(i).child('image'), ''));
    else if (image.trim() !== image) errs.push(fe.invalid(path.index(i).child('image'), image, 'must not have leading or trailing whitespace'));
  });
  return { errs, stop: false };
}

function onlyAddedTolerations(next: unknown[], prev: unknown[], path: FieldPath): FieldError[] {
  for (const old of prev) {
    const found = next.some((t) => {
      if (!isObj(t) || !isObj(old)) return deepEqual(t, old);
      // tolerationSeconds may change.
      const { tolerationSeconds: _a, ...restNew } = t;
      const { tolerationSeconds: _b, ...restOld } = old;
      return deepEqual(restNew, restOld);
    });
    if (!found) return [fe.forbidden(path, 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return validateTolerations(next, path);
}

function onlyDeletedSchedulingGates(next: unknown[], prev: unknown[], path: FieldPath): FieldError[] {
  const oldNames = new Set(prev.map((g) => (isObj(g) ? str(g.name) : '')));
  const errs: FieldError[] = [];
  next.forEach((g, i) => {
    const name = isObj(g) ? str(g.name) : '';
    if (!oldNames.has(name)) errs.push(fe.forbidden(path.index(i).child('name'), `only deletion is allowed, but found new scheduling gate '${name}'`));
  });
  return errs;
}

/** Upstream's ValidatePodSpecificAnnotationUpdates: the mirror pod annotation can be neither added nor changed. */
function validatePodAnnotationUpdates(pod: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const mp = Path.root('metadata').child('annotations');
  const na = isObj(pod.metadata?.annotations) ? pod.metadata.annotations : {};
  const oa = isObj(old.metadata?.annotations) ? old.metadata.annotations : {};
  if (Object.hasOwn(oa, mirrorPodAnnotation) && na[mirrorPodAnnotation] !== oa[mirrorPodAnnotation]) {
    errs.push(fe.forbidden(mp.key(mirrorPodAnnotation), 'may not remove or update mirror pod annotation'));
  }
  if (!Object.hasOwn(oa, mirrorPodAnnotation) && Object.hasOwn(na, mirrorPodAnnotation)) {
    errs.push(fe.forbidden(mp.key(mirrorPodAnnotation), 'may not add mirror pod annotation'));
  }
  return errs;
}

/**
 * Upstream's ValidatePodStatusUpdate, as far as nanokube checks a pod's status: its metadata. The spec
 * of a status write is the stored one, so it is not validated again.
 */
export function validatePodStatusUpdate(pod: Obj, old: Obj): FieldError[] {
  return validatePodAnnotationUpdates(pod, old);
}

/** Upstream's ValidatePodUpdate, minus the metadata and full-spec checks `validatePod` already made. */
export function validatePodUpdate(pod: Obj, old: Obj): FieldError[] {
  const errs = validatePodAnnotationUpdates(pod, old);
  // Compare defaulted copies, so objects stored before a default existed are not reported as changed.
  const next = defaultedSpec(pod);
  const prev = defaultedSpec(old);
  if (!isObj(next) || !isObj(prev)) return errs;
  for (const f of ['containers', 'initContainers'] as const) {
    const r = validateContainerUpdates(list(next[f]), list(prev[f]), specPath.child(f));
    errs.push(...r.errs);
    if (r.stop) return errs;
  }
  const ads = next.activeDeadlineSeconds;
  const oldAds = prev.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null) {
    if (!isInt(ads) || ads < 0 || ads > maxInt32) {
      errs.push(fe.invalid(specPath.child('activeDeadlineSeconds'), ads, inclusiveRangeError(0, maxInt32)));
      return errs;
    }
    if (isInt(oldAds) && oldAds < ads) {
      errs.push(fe.invalid(specPath.child('activeDeadlineSeconds'), ads, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (oldAds !== undefined && oldAds !== null) {
    errs.push(fe.invalid(specPath.child('activeDeadlineSeconds'), null, 'must not update from a positive integer to nil value'));
  }
  errs.push(...onlyAddedTolerations(list(next.tolerations), list(prev.tolerations), specPath.child('tolerations')));
  errs.push(...onlyDeletedSchedulingGates(list(next.schedulingGates), list(prev.schedulingGates), specPath.child('schedulingGates')));
  if (deepEqual(next, prev)) return errs;
  const munged: Obj = clone(next);
  list(munged.containers).forEach((c, i) => {
    if (isObj(c) && isObj(prev.containers[i])) c.image = prev.containers[i].image;
  });
  list(munged.initContainers).forEach((c, i) => {
    if (isObj(c) && isObj(prev.initContainers[i])) c.image = prev.initContainers[i].image;
  });
  munged.activeDeadlineSeconds = prev.activeDeadlineSeconds;
  munged.schedulingGates = prev.schedulingGates;
  munged.tolerations = prev.tolerations;
  if (isInt(prev.terminationGracePeriodSeconds) && prev.terminationGracePeriodSeconds < 0 && munged.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = prev.terminationGracePeriodSeconds;
  }
  if (list(prev.schedulingGates).length > 0 && !deepEqual(munged.nodeSelector, prev.nodeSelector)) {
    // Gated pods may gain node selector entries (no mutations or deletions).
    const oldSel: Obj = isObj(prev.nodeSelector) ? prev.nodeSelector : {};
    const newSel: Obj = isObj(munged.nodeSelector) ? munged.nodeSelector : {};
    if (Object.entries(oldSel).some(([k, v]) => newSel[k] !== v)) {
      errs.push(fe.invalid(specPath.child('nodeSelector'), munged.nodeSelector ?? null, 'only additions to spec.nodeSelector are allowed (no mutations or deletions)'));
    }
    munged.nodeSelector = prev.nodeSelector;
  }
  for (const k of Object.keys(munged)) if (munged[k] === undefined) delete munged[k];
  if (!deepEqual(munged, prev)) {
    errs.push(fe.forbidden(specPath, `pod updates may not change fields other than ${updatablePodSpecFields.join(',')}\n${diffText('core.PodSpec', prev, munged)}`));
  }
  return errs;
}

function defaultedSpec(pod: Obj): unknown {
  const copy = clone({ spec: pod.spec });
  defaultPod(copy);
  return copy.spec;
}

/**
 * Upstream's ValidatePodEphemeralContainersUpdate, for the ephemeralcontainers subresource (which may
 * change nothing but spec.ephemeralContainers): existing ephemeral containers may be neither removed nor changed.
 */
export function validatePodEphemeralContainersUpdate(pod: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const path = specPath.child('ephemeralContainers');
  if (isObj(old.metadata?.annotations) && Object.hasOwn(old.metadata.annotations, mirrorPodAnnotation)) {
    return [fe.forbidden('', 'static pods do not support ephemeral containers')];
  }
  const next = new Map<string, unknown>();
  for (const c of list(pod.spec?.ephemeralContainers)) if (isObj(c)) next.set(str(c.name), c);
  for (const c of list(old.spec?.ephemeralContainers)) {
    if (!isObj(c)) continue;
    const name = str(c.name);
    const now = next.get(name);
    if (now === undefined) errs.push(fe.forbidden(path, `existing ephemeral containers ${JSON.stringify(name)} may not be removed\n`));
    else if (!deepEqual(now, c)) errs.push(fe.forbidden(path, `existing ephemeral containers ${JSON.stringify(name)} may not be changed\n${diffText('core.EphemeralContainer', c, now)}`));
  }
  return errs;
}
