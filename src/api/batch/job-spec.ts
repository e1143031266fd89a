// A JobSpec as upstream's batch validation checks it (validateJobSpec), shared by Jobs and the
// jobTemplate of CronJobs: counts and limits, completion modes, the pod failure, success and pod
// replacement policies, and a pod template whose restartPolicy is OnFailure or Never.
import { fe, type FieldError, type FieldPath } from '../field-errors.js';
import { qualifiedNameErrors } from '../label-names.js';
import { validatePodTemplateSpec } from '../core/pod-validation.js';
import { domainPrefixedPathErrors, intAt, isObj, isSet, list, listAt, nonNegative, objAt, strAt, type Obj } from '../spec-validation.js';

const maxParallelismForIndexedJob = 100_000;
const maxFailedIndexesForIndexedJob = 100_000;
const completionsSoftLimit = 100_000;
const parallelismLimitForHighCompletions = 10_000;
const maxFailedIndexesLimitForHighCompletions = 10_000;
const maxPodFailurePolicyRules = 20;
const maxPodFailurePolicyOnExitCodesValues = 255;
const maxPodFailurePolicyOnPodConditionsPatterns = 20;
const maxManagedByLength = 63;
const maxJobSuccessPolicySucceededIndexesLimit = 64 * 1024;
const maxSuccessPolicyRule = 20;

const podFailurePolicyActions = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const onExitCodesOperators = ['In', 'NotIn'];
const conditionStatuses = ['False', 'True', 'Unknown'];
const podReplacementPolicies = ['Failed', 'TerminatingOrFailed'];

/** Go's %q of a string list: ["a" "b"]. */
function quotedList(values: string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(' ')}]`;
}

function containerNames(spec: Obj): Set<string> {
  const tplSpec = isObj(spec.template) && isObj(spec.template.spec) ? spec.template.spec : {};
  const names = new Set<string>();
  for (const c of [...list(tplSpec.containers), ...list(tplSpec.initContainers)]) if (isObj(c) && typeof c.name === 'string') names.add(c.name);
  return names;
}

function validateOnExitCodes(req: Obj, path: FieldPath, names: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const operator = strAt(req.operator, path.child('operator'), errs);
  if (!operator) errs.push(fe.required(path.child('operator'), `valid values: ${quotedList(onExitCodesOperators)}`));
  else if (!onExitCodesOperators.includes(operator)) errs.push(fe.notSupported(path.child('operator'), operator, onExitCodesOperators));
  if (isSet(req.containerName) && !names.has(req.containerName)) {
    errs.push(fe.invalid(path.child('containerName'), req.containerName, 'must be one of the container or initContainer names in the pod template'));
  }
  const valuesPath = path.child('values');
  const values = listAt(req.values, valuesPath, errs);
  if (values.length === 0) errs.push(fe.invalid(valuesPath, values, 'at least one value is required'));
  else if (values.length > maxPodFailurePolicyOnExitCodesValues) errs.push(fe.tooMany(valuesPath, values.length, maxPodFailurePolicyOnExitCodesValues));
  const seen = new Set<number>();
  let ordered = true;
  values.forEach((v, j) => {
    const n = intAt(v, valuesPath.index(j), errs);
    if (n === undefined) return;
    if (operator === 'In' && n === 0) errs.push(fe.invalid(valuesPath.index(j), n, 'must not be 0 for the In operator'));
    if (seen.has(n)) errs.push(fe.duplicate(valuesPath.index(j), n));
    else seen.add(n);
    if (j > 0 && typeof values[j - 1] === 'number' && values[j - 1] > n) ordered = false;
  });
  if (!ordered) errs.push(fe.invalid(valuesPath, values, 'must be ordered'));
  return errs;
}

function validateOnPodConditions(patterns: any[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (patterns.length > maxPodFailurePolicyOnPodConditionsPatterns) errs.push(fe.tooMany(path, patterns.length, maxPodFailurePolicyOnPodConditionsPatterns));
  patterns.forEach((pattern, j) => {
    const p = path.index(j);
    if (!isObj(pattern)) {
      errs.push(fe.invalid(p, pattern, 'must be an object'));
      return;
    }
    const type = strAt(pattern.type, p.child('type'), errs);
    for (const m of qualifiedNameErrors(type)) errs.push(fe.invalid(p.child('type'), type, m));
    const status = strAt(pattern.status, p.child('status'), errs);
    if (!status) errs.push(fe.required(p.child('status'), `valid values: ${quotedList(conditionStatuses)}`));
    else if (!conditionStatuses.includes(status)) errs.push(fe.notSupported(p.child('status'), status, conditionStatuses));
  });
  return errs;
}

function validatePodFailurePolicy(spec: Obj, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const policy = objAt(spec.podFailurePolicy, path, errs);
  if (!policy) return errs;
  const rulesPath = path.child('rules');
  const rules = listAt(policy.rules, rulesPath, errs);
  if (rules.length > maxPodFailurePolicyRules) errs.push(fe.tooMany(rulesPath, rules.length, maxPodFailurePolicyRules));
  const names = containerNames(spec);
  rules.forEach((rule, i) => {
    const rulePath = rulesPath.index(i);
    if (!isObj(rule)) {
      errs.push(fe.invalid(rulePath, rule, 'must be an object'));
      return;
    }
    const actionPath = rulePath.child('action');
    const action = strAt(rule.action, actionPath, errs);
    if (!action) errs.push(fe.required(actionPath, `valid values: ${quotedList(podFailurePolicyActions)}`));
    else if (action === 'FailIndex') {
      if (!isSet(spec.backoffLimitPerIndex)) errs.push(fe.invalid(actionPath, action, 'requires the backoffLimitPerIndex to be set'));
    } else if (!podFailurePolicyActions.includes(action)) errs.push(fe.notSupported(actionPath, action, podFailurePolicyActions));
    const onExitCodes = objAt(rule.onExitCodes, rulePath.child('onExitCodes'), errs);
    if (onExitCodes) errs.push(...validateOnExitCodes(onExitCodes, rulePath.child('onExitCodes'), names));
    const onPodConditions = listAt(rule.onPodConditions, rulePath.child('onPodConditions'), errs);
    if (onPodConditions.length > 0) errs.push(...validateOnPodConditions(onPodConditions, rulePath.child('onPodConditions')));
    if (onExitCodes && onPodConditions.length > 0) errs.push(fe.invalid(rulePath, undefined, 'specifying both OnExitCodes and OnPodConditions is not supported'));
    if (!onExitCodes && onPodConditions.length === 0) errs.push(fe.invalid(rulePath, undefined, 'specifying one of OnExitCodes and OnPodConditions is required'));
  });
  return errs;
}

/** validateIndexesFormat: "1,3-5,7" within [0, completions), increasing; the number of indexes, or the error. */
export function parseIndexes(text: string, completions: number): { total: number; error?: string } {
  if (text.length === 0) return { total: 0 };
  let last: number | undefined;
  let total = 0;
  const toInt = (s: string) => (/^[+-]?\d+$/.test(s) ? Number(s) : NaN);
  for (const interval of text.split(',')) {
    const limits = interval.split('-');
    if (limits.length > 2) {
      return { total, error: `the fragment ${JSON.stringify(interval)} violates the requirement that an index interval can have at most two parts separated by '-'` };
    }
    const x = toInt(limits[0]);
    if (Number.isNaN(x)) return { total, error: `cannot convert string to integer for index: ${JSON.stringify(limits[0])}` };
    if (x >= completions) return { total, error: `too large index: ${JSON.stringify(limits[0])}` };
    if (last !== undefined && last >= x) return { total, error: `non-increasing order, previous: ${last}, current: ${x}` };
    total++;
    last = x;
    if (limits.length > 1) {
      const y = toInt(limits[1]);
      if (Number.isNaN(y)) return { total, error: `cannot convert string to integer for index: ${JSON.stringify(limits[1])}` };
      if (y >= completions) return { total, error: `too large index: ${JSON.stringify(limits[1])}` };
      if (last >= y) return { total, error: `non-increasing order, previous: ${last}, current: ${y}` };
      total += y - x;
      last = y;
    }
  }
  return { total };
}

function validateSuccessPolicy(spec: Obj, policy: Obj, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const rulesPath = path.child('rules');
  const rules = listAt(policy.rules, rulesPath, errs);
  if (rules.length === 0) errs.push(fe.required(rulesPath, 'at least one rules must be specified when the successPolicy is specified'));
  if (rules.length > maxSuccessPolicyRule) errs.push(fe.tooMany(rulesPath, rules.length, maxSuccessPolicyRule));
  const completions = typeof spec.completions === 'number' ? spec.completions : undefined;
  rules.forEach((rule, i) => {
    const rulePath = rulesPath.index(i);
    if (!isObj(rule)) {
      errs.push(fe.invalid(rulePath, rule, 'must be an object'));
      return;
    }
    if (!isSet(rule.succeededCount) && !isSet(rule.succeededIndexes)) {
      errs.push(fe.required(rulePath, 'at least one of succeededCount or succeededIndexes must be specified'));
    }
    let totalIndexes = 0;
    if (isSet(rule.succeededIndexes)) {
      const p = rulePath.child('succeededIndexes');
      const text = strAt(rule.succeededIndexes, p, errs);
      if (text.length > maxJobSuccessPolicySucceededIndexesLimit) errs.push(fe.tooLong(p, maxJobSuccessPolicySucceededIndexesLimit));
      if (completions !== undefined) {
        const parsed = parseIndexes(text, completions);
        totalIndexes = parsed.total;
        if (parsed.error) errs.push(fe.invalid(p, text, `error parsing succeededIndexes: ${parsed.error}`));
      }
    }
    if (isSet(rule.succeededCount)) {
      const p = rulePath.child('succeededCount');
      const count = nonNegative(rule.succeededCount, p, errs);
      if (count !== undefined && completions !== undefined) {
        if (count > completions) errs.push(fe.invalid(p, count, `must be less than or equal to ${completions} (the number of specified completions)`));
        if (isSet(rule.succeededIndexes) && count > totalIndexes) {
          errs.push(fe.invalid(p, count, `must be less than or equal to ${totalIndexes} (the number of indexes in the specified succeededIndexes field)`));
        }
      }
    }
  });
  return errs;
}

/** Upstream's validateJobSpec (everything but the selector). */
export function validateJobSpec(spec: unknown, path: FieldPath): FieldError[] {
  if (!isObj(spec)) return [fe.invalid(path, spec ?? null, 'must be an object')];
  const errs: FieldError[] = [];
  const parallelism = nonNegative(spec.parallelism, path.child('parallelism'), errs);
  const completions = nonNegative(spec.completions, path.child('completions'), errs);
  nonNegative(spec.activeDeadlineSeconds, path.child('activeDeadlineSeconds'), errs);
  nonNegative(spec.backoffLimit, path.child('backoffLimit'), errs);
  nonNegative(spec.ttlSecondsAfterFinished, path.child('ttlSecondsAfterFinished'), errs);
  const perIndex = nonNegative(spec.backoffLimitPerIndex, path.child('backoffLimitPerIndex'), errs);
  const maxFailed = nonNegative(spec.maxFailedIndexes, path.child('maxFailedIndexes'), errs);
  if (isSet(spec.maxFailedIndexes) && !isSet(spec.backoffLimitPerIndex)) {
    errs.push(fe.required(path.child('backoffLimitPerIndex'), 'when maxFailedIndexes is specified'));
  }
  if (isSet(spec.managedBy)) {
    const managedBy = strAt(spec.managedBy, path.child('managedBy'), errs);
    errs.push(...domainPrefixedPathErrors(managedBy, path.child('managedBy')));
    if (managedBy.length > maxManagedByLength) errs.push(fe.tooLong(path.child('managedBy'), maxManagedByLength));
  }
  const mode = spec.completionMode;
  if (isSet(mode)) {
    if (mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(fe.notSupported(path.child('completionMode'), mode, ['NonIndexed', 'Indexed']));
    if (mode === 'Indexed') {
      if (!isSet(spec.completions)) errs.push(fe.required(path.child('completions'), 'when completion mode is Indexed'));
      if (parallelism !== undefined && parallelism > maxParallelismForIndexedJob) {
        errs.push(fe.invalid(path.child('parallelism'), parallelism, `must be less than or equal to ${maxParallelismForIndexedJob} when completion mode is Indexed`));
      }
      if (completions !== undefined && maxFailed !== undefined && maxFailed > completions) {
        errs.push(fe.invalid(path.child('maxFailedIndexes'), maxFailed, 'must be less than or equal to completions'));
      }
      if (maxFailed !== undefined && maxFailed > maxFailedIndexesForIndexedJob) {
        errs.push(fe.invalid(path.child('maxFailedIndexes'), maxFailed, `must be less than or equal to ${maxFailedIndexesForIndexedJob}`));
      }
      if (completions !== undefined && completions > completionsSoftLimit && perIndex !== undefined) {
        const why = `when completions are above ${completionsSoftLimit} and used with backoff limit per index`;
        if (maxFailed === undefined) errs.push(fe.required(path.child('maxFailedIndexes'), `must be specified when completions is above ${completionsSoftLimit}`));
        if (parallelism !== undefined && parallelism > parallelismLimitForHighCompletions) {
          errs.push(fe.invalid(path.child('parallelism'), parallelism, `must be less than or equal to ${parallelismLimitForHighCompletions} ${why}`));
        }
        if (maxFailed !== undefined && maxFailed > maxFailedIndexesLimitForHighCompletions) {
          errs.push(fe.invalid(path.child('maxFailedIndexes'), maxFailed, `must be less than or equal to ${maxFailedIndexesLimitForHighCompletions} ${why}`));
        }
      }
    }
  }
  if (!isSet(mode) || mode === 'NonIndexed') {
    if (isSet(spec.backoffLimitPerIndex)) errs.push(fe.invalid(path.child('backoffLimitPerIndex'), spec.backoffLimitPerIndex, 'requires indexed completion mode'));
    if (isSet(spec.maxFailedIndexes)) errs.push(fe.invalid(path.child('maxFailedIndexes'), spec.maxFailedIndexes, 'requires indexed completion mode'));
  }
  if (isSet(spec.podFailurePolicy)) errs.push(...validatePodFailurePolicy(spec, path.child('podFailurePolicy')));
  if (isSet(spec.successPolicy)) {
    const p = path.child('successPolicy');
    if (mode !== 'Indexed') errs.push(fe.invalid(p, spec.successPolicy, 'requires indexed completion mode'));
    else {
      const policy = objAt(spec.successPolicy, p, errs);
      if (policy) errs.push(...validateSuccessPolicy(spec, policy, p));
    }
  }
  if (isSet(spec.podReplacementPolicy)) {
    const p = path.child('podReplacementPolicy');
    if (isSet(spec.podFailurePolicy)) {
      if (spec.podReplacementPolicy !== 'Failed') errs.push(fe.notSupported(p, spec.podReplacementPolicy, ['Failed']));
    } else if (!podReplacementPolicies.includes(spec.podReplacementPolicy)) {
      errs.push(fe.notSupported(p, spec.podReplacementPolicy, podReplacementPolicies));
    }
  }
  errs.push(...validatePodTemplateSpec(spec.template, path.child('template')));
  // The pod defaults make an unset restartPolicy Always, so both mean "not chosen".
  const restartPath = path.child('template', 'spec', 'restartPolicy');
  const restart = isObj(spec.template) && isObj(spec.template.spec) ? spec.template.spec.restartPolicy : undefined;
  if (restart === 'Always' || !restart) errs.push(fe.required(restartPath, 'valid values: "OnFailure", "Never"'));
  else if (restart !== 'OnFailure' && restart !== 'Never') errs.push(fe.notSupported(restartPath, restart, ['OnFailure', 'Never']));
  else if (isSet(spec.podFailurePolicy) && restart !== 'Never') {
    errs.push(fe.invalid(restartPath, restart, 'only "Never" is supported when podFailurePolicy is specified'));
  }
  return errs;
}
