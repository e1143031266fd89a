// batch/v1 Job: SetDefaults_Job, the registry strategy's selector generation (PrepareForCreate) and
// ValidateJob / ValidateJobUpdate.
import type { KubeObject } from '../object.js';
import type { Strategy } from '../resource-type.js';
import { FieldPath, fe, type FieldError } from '../field-errors.js';
import { defaultPodTemplateSpec } from '../core/pod-defaults.js';
import {
  checkLabelSelector, clone, dns1123LabelErrors, ensureObj, immutable, isObj, isSet, list, maxInt32, selectorMismatchMsg, semanticEqual,
  templateLabels, type Obj,
} from '../spec-validation.js';
import { validateJobSpec } from './job-spec.js';

export const controllerUidLabel = 'batch.kubernetes.io/controller-uid';
export const jobNameLabel = 'batch.kubernetes.io/job-name';
export const legacyControllerUidLabel = 'controller-uid';
export const legacyJobNameLabel = 'job-name';

function hasEntries(m: unknown): boolean {
  return isObj(m) && Object.keys(m).length > 0;
}

export function defaultJob(obj: KubeObject): void {
  const spec = ensureObj(obj, 'spec');
  if (!spec) return;
  // A non-parallel job may leave both unset; then both are 1.
  if (!isSet(spec.completions) && !isSet(spec.parallelism)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  if (!isSet(spec.parallelism)) spec.parallelism = 1;
  if (!isSet(spec.backoffLimit)) spec.backoffLimit = isSet(spec.backoffLimitPerIndex) ? maxInt32 : 6;
  if (!isSet(spec.template)) spec.template = {};
  // A Job without labels takes its pod template's.
  const labels = templateLabels(spec.template);
  if (labels && isObj(obj.metadata) && !hasEntries(obj.metadata.labels)) obj.metadata.labels = { ...labels };
  if (!isSet(spec.completionMode)) spec.completionMode = 'NonIndexed';
  if (!isSet(spec.suspend)) spec.suspend = false;
  if (isObj(spec.podFailurePolicy)) {
    for (const rule of list(spec.podFailurePolicy.rules)) {
      if (!isObj(rule)) continue;
      for (const pattern of list(rule.onPodConditions)) if (isObj(pattern) && !pattern.status) pattern.status = 'True';
    }
  }
  if (!isSet(spec.podReplacementPolicy)) spec.podReplacementPolicy = isSet(spec.podFailurePolicy) ? 'Failed' : 'TerminatingOrFailed';
  if (!isSet(spec.manualSelector)) spec.manualSelector = false;
  defaultPodTemplateSpec(spec.template);
}

/**
 * generateSelector: unless manualSelector is true, the template gets labels naming this Job (its uid and
 * name, legacy and batch.kubernetes.io/ forms) and the selector matches the uid. A user's conflicting
 * value is kept and then rejected by validation.
 */
export function generateSelector(obj: KubeObject): void {
  const spec = obj.spec;
  if (!isObj(spec) || spec.manualSelector === true) return;
  const tpl = ensureObj(spec, 'template');
  const meta = tpl && ensureObj(tpl, 'metadata');
  const labels = meta && ensureObj(meta, 'labels');
  if (!labels) return;
  const before = { ...labels };
  const name = obj.metadata.name ?? '';
  const uid = obj.metadata.uid ?? '';
  for (const key of [legacyJobNameLabel, jobNameLabel]) if (!Object.hasOwn(labels, key)) labels[key] = name;
  for (const key of [legacyControllerUidLabel, controllerUidLabel]) if (!Object.hasOwn(labels, key)) labels[key] = uid;
  const selector = ensureObj(spec, 'selector');
  const matchLabels = selector && ensureObj(selector, 'matchLabels');
  if (matchLabels && !Object.hasOwn(matchLabels, controllerUidLabel)) matchLabels[controllerUidLabel] = uid;
  // Upstream's Job labels default to the very same map as the template's, so they see these labels too.
  const jobLabels = obj.metadata.labels;
  if (!hasEntries(jobLabels) || semanticEqual(jobLabels, before)) obj.metadata.labels = { ...labels };
}

/** ValidateHasLabel. */
function hasLabel(labels: Obj | undefined, path: FieldPath, key: string, expected: string): FieldError[] {
  const p = path.child('labels').key(key);
  if (!labels || !Object.hasOwn(labels, key)) return [fe.required(p, expected)];
  return labels[key] === expected ? [] : [fe.invalid(p, labels, `must be '${expected}'`)];
}

/** validateGeneratedSelector: a generated selector and the template's labels must name this Job. */
function validateGeneratedSelector(obj: KubeObject, requirePrefixedLabels: boolean): FieldError[] {
  const spec = obj.spec;
  if (!isObj(spec) || spec.manualSelector === true || !isSet(spec.selector)) return [];
  const errs: FieldError[] = [];
  const uid = obj.metadata.uid ?? '';
  const name = obj.metadata.name ?? '';
  if (!uid) errs.push(fe.required(FieldPath.root('metadata').child('uid'), ''));
  const metaPath = FieldPath.root('spec').child('template', 'metadata');
  const labels = templateLabels(spec.template);
  errs.push(...hasLabel(labels, metaPath, legacyControllerUidLabel, uid));
  errs.push(...hasLabel(labels, metaPath, legacyJobNameLabel, name));
  const expected: Record<string, string> = {};
  if (requirePrefixedLabels) {
    errs.push(...hasLabel(labels, metaPath, controllerUidLabel, uid));
    errs.push(...hasLabel(labels, metaPath, jobNameLabel, name));
    expected[controllerUidLabel] = uid;
    expected[jobNameLabel] = name;
  }
  expected[legacyControllerUidLabel] = uid;
  expected[legacyJobNameLabel] = name;
  const { selector } = checkLabelSelector(spec.selector, FieldPath.root('spec').child('selector'));
  if (selector && !selector.matches(expected)) errs.push(fe.invalid(FieldPath.root('spec').child('selector'), spec.selector, '`selector` not auto-generated'));
  return errs;
}

/** ValidateJob: the generated selector, the spec, its selector against the template, and the pod hostnames of an Indexed Job. */
export function validateJob(obj: KubeObject, old?: KubeObject): FieldError[] {
  const path = FieldPath.root('spec');
  const spec = obj.spec;
  // Jobs created before the batch.kubernetes.io/ labels existed are not required to have them.
  const oldLabels = old ? templateLabels(old.spec?.template) : undefined;
  const requirePrefixed = !old || (!!oldLabels && Object.hasOwn(oldLabels, jobNameLabel) && Object.hasOwn(oldLabels, controllerUidLabel));
  const errs = validateGeneratedSelector(obj, requirePrefixed);
  errs.push(...validateJobSpec(spec, path));
  if (!isObj(spec)) return errs;
  if (!isSet(spec.selector)) errs.push(fe.required(path.child('selector'), ''));
  const checked = checkLabelSelector(spec.selector, path.child('selector'));
  errs.push(...checked.errs);
  const labels = templateLabels(spec.template);
  if (checked.selector && !checked.selector.matches(labels)) {
    errs.push(fe.invalid(path.child('template', 'metadata', 'labels'), labels ?? null, selectorMismatchMsg));
  }
  if (spec.completionMode === 'Indexed' && typeof spec.completions === 'number' && spec.completions > 0) {
    // Indexed pods are named <job>-<index>; the largest must still be a DNS label.
    const name = obj.metadata.name ?? '';
    const hostname = `${name}-${spec.completions - 1}`;
    if (dns1123LabelErrors(hostname).length > 0) {
      errs.push(fe.invalid(FieldPath.root('metadata').child('name'), name, `will not able to create pod with invalid DNS label: ${hostname}`));
    }
  }
  return errs;
}

/** The template may change only in scheduling directives, and only while the Job is suspended and never started. */
function validateTemplateUpdate(spec: Obj, oldSpec: Obj, old: KubeObject, path: FieldPath): FieldError[] {
  let oldTpl = oldSpec.template;
  const tpl = spec.template;
  const mutable = oldSpec.suspend === true && !isSet(old.status?.startTime);
  if (mutable && isObj(tpl) && isObj(oldTpl)) {
    oldTpl = clone(oldTpl);
    const podSpec: Obj = isObj(tpl.spec) ? tpl.spec : {};
    if (!isObj(oldTpl.spec)) oldTpl.spec = {};
    const oldPodSpec: Obj = oldTpl.spec;
    if (!isSet(podSpec.affinity) && isObj(oldPodSpec.affinity)) {
      delete oldPodSpec.affinity.nodeAffinity;
      if (Object.values(oldPodSpec.affinity).every((v) => !isSet(v))) delete oldPodSpec.affinity;
    } else if (isObj(podSpec.affinity) && !isSet(oldPodSpec.affinity)) {
      oldPodSpec.affinity = { nodeAffinity: podSpec.affinity.nodeAffinity };
    } else if (isObj(podSpec.affinity) && isObj(oldPodSpec.affinity)) {
      oldPodSpec.affinity.nodeAffinity = podSpec.affinity.nodeAffinity;
    }
    oldPodSpec.nodeSelector = podSpec.nodeSelector;
    oldPodSpec.tolerations = podSpec.tolerations;
    oldPodSpec.schedulingGates = podSpec.schedulingGates;
    const meta: Obj = isObj(tpl.metadata) ? tpl.metadata : {};
    oldTpl.metadata = { ...(isObj(oldTpl.metadata) ? oldTpl.metadata : {}), annotations: meta.annotations, labels: meta.labels };
  }
  return immutable(tpl, oldTpl, path.child('template'));
}

/** ValidateJobSpecUpdate's immutability rules (the spec itself is validated by validateJob). */
export function validateJobUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const path = FieldPath.root('spec');
  const spec = obj.spec;
  // An untouched spec (a status update) changes nothing, whatever defaults the stored Job predates.
  if (semanticEqual(spec, old.spec)) return [];
  // The stored object is compared as upstream reads it back: defaulted.
  const oldDefaulted = clone(old);
  defaultJob(oldDefaulted);
  const oldSpec = oldDefaulted.spec;
  if (!isObj(spec) || !isObj(oldSpec)) return [];
  const errs: FieldError[] = [];
  // Completions are immutable, except that an Indexed Job may scale completions together with parallelism.
  if (spec.completionMode !== 'Indexed') errs.push(...immutable(spec.completions, oldSpec.completions, path.child('completions')));
  else if (!semanticEqual(spec.completions, oldSpec.completions) && isSet(spec.completions) && spec.completions !== spec.parallelism) {
    errs.push(fe.invalid(path.child('completions'), spec.completions, 'can only be modified in tandem with spec.parallelism'));
  }
  errs.push(...immutable(spec.selector, oldSpec.selector, path.child('selector')));
  errs.push(...validateTemplateUpdate(spec, oldSpec, old, path));
  for (const f of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy']) {
    errs.push(...immutable(spec[f], oldSpec[f], path.child(f)));
  }
  return errs;
}

/** The warning upstream gives for a name that is not a DNS label (it becomes part of pod names and hostnames). */
export function dnsLabelNameWarnings(obj: KubeObject): string[] {
  const msgs = dns1123LabelErrors(obj.metadata.name ?? '');
  if (!obj.metadata.name || msgs.length === 0) return [];
  return [`metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [${msgs.join(' ')}]`];
}

export const jobStrategy: Strategy = {
  defaults: defaultJob,
  prepareForCreate(obj) {
    generateSelector(obj);
    obj.status = {};
  },
  validate: (obj, ctx) => validateJob(obj, ctx.old),
  validateUpdate: validateJobUpdate,
  warnings: dnsLabelNameWarnings,
};
