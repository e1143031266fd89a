// Scheduling constraints of a PodSpec: tolerations, node and pod (anti-)affinity, topology spread
// constraints, scheduling gates and readiness gates.
import { fe, type FieldError, type FieldPath } from '../field-errors.js';
import { labelValueErrors } from '../label-names.js';
import { validateLabelSelector } from '../labels.js';
import { nameErrors } from '../meta-validation.js';
import { isInt, isObj, listAt, objAt, qualifiedName, str, type Obj } from './shape.js';

export const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function validateTaintEffect(effect: unknown, allowEmpty: boolean, path: FieldPath): FieldError[] {
  if (!allowEmpty && (effect === undefined || effect === null || effect === '')) return [fe.required(path, '')];
  if (typeof effect === 'string' && taintEffects.includes(effect)) return [];
  return [fe.notSupported(path, effect ?? '', taintEffects)];
}

export function validateTolerations(tolerations: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const [i, t] of listAt(tolerations, path, errs).entries()) {
    const ip = path.index(i);
    if (!isObj(t)) {
      errs.push(fe.invalid(ip, t, 'must be an object'));
      continue;
    }
    const key = str(t.key);
    if (key) errs.push(...qualifiedName(key, ip.child('key')));
    const op = t.operator ?? '';
    if (!key && op !== 'Exists') {
      errs.push(fe.invalid(ip.child('operator'), op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== 'NoExecute') {
      errs.push(fe.invalid(ip.child('effect'), t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && !isInt(t.tolerationSeconds)) {
      errs.push(fe.invalid(ip.child('tolerationSeconds'), t.tolerationSeconds, 'must be an integer'));
    }
    const value = str(t.value);
    if (op === 'Equal' || op === '') {
      const msgs = labelValueErrors(value);
      if (msgs.length) errs.push(fe.invalid(ip.child('operator'), value, msgs.join(';')));
    } else if (op === 'Exists') {
      if (value) errs.push(fe.invalid(ip.child('operator'), value, "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(fe.notSupported(ip.child('operator'), op, ['Equal', 'Exists']));
    }
    if (t.effect !== undefined && t.effect !== null && t.effect !== '') errs.push(...validateTaintEffect(t.effect, true, ip.child('effect')));
  }
  return errs;
}

function validateNodeSelectorRequirement(rq: unknown, path: FieldPath, checkValues: boolean): FieldError[] {
  if (!isObj(rq)) return [fe.invalid(path, rq, 'must be an object')];
  const errs: FieldError[] = [];
  const values = Array.isArray(rq.values) ? rq.values : [];
  switch (rq.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(fe.required(path.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(fe.forbidden(path.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) errs.push(fe.required(path.child('values'), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      break;
    default:
      errs.push(fe.invalid(path.child('operator'), rq.operator ?? '', 'not a valid selector operator'));
  }
  errs.push(...qualifiedName(str(rq.key), path.child('key')));
  if (checkValues) {
    values.forEach((v: unknown, i: number) => {
      for (const m of labelValueErrors(str(v))) errs.push(fe.invalid(path.child('values').index(i), v, m));
    });
  }
  return errs;
}

function validateNodeFieldSelectorRequirement(rq: unknown, path: FieldPath): FieldError[] {
  if (!isObj(rq)) return [fe.invalid(path, rq, 'must be an object')];
  const errs: FieldError[] = [];
  const values = Array.isArray(rq.values) ? rq.values : [];
  if (rq.operator === 'In' || rq.operator === 'NotIn') {
    if (values.length !== 1) errs.push(fe.required(path.child('values'), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
  } else {
    errs.push(fe.invalid(path.child('operator'), rq.operator ?? '', 'not a valid selector operator'));
  }
  if (rq.key !== 'metadata.name') errs.push(fe.invalid(path.child('key'), rq.key ?? '', 'not a valid field selector key'));
  else {
    values.forEach((v: unknown, i: number) => {
      for (const m of nameErrors('dns1123-subdomain', str(v))) errs.push(fe.invalid(path.child('values').index(i), v, m));
    });
  }
  return errs;
}

function validateNodeSelectorTerm(term: unknown, checkValues: boolean, path: FieldPath): FieldError[] {
  if (!isObj(term)) return [fe.invalid(path, term, 'must be an object')];
  const errs: FieldError[] = [];
  for (const [j, rq] of listAt(term.matchExpressions, path.child('matchExpressions'), errs).entries()) {
    errs.push(...validateNodeSelectorRequirement(rq, path.child('matchExpressions').index(j), checkValues));
  }
  for (const [j, rq] of listAt(term.matchFields, path.child('matchFields'), errs).entries()) {
    errs.push(...validateNodeFieldSelectorRequirement(rq, path.child('matchFields').index(j)));
  }
  return errs;
}

/** A NodeSelector (required node affinity, PV node affinity): at least one term. */
export function validateNodeSelector(ns: Obj, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const tp = path.child('nodeSelectorTerms');
  const terms = listAt(ns.nodeSelectorTerms, tp, errs);
  if (errs.length) return errs;
  if (terms.length === 0) return [fe.required(tp, 'must have at least one node selector term')];
  terms.forEach((t, i) => errs.push(...validateNodeSelectorTerm(t, true, tp.index(i))));
  return errs;
}

function validateWeight(w: unknown, path: FieldPath): FieldError[] {
  return isInt(w) && w > 0 && w <= 100 ? [] : [fe.invalid(path, w ?? 0, 'must be in the range 1-100')];
}

function validatePodAffinityTerm(term: unknown, path: FieldPath): FieldError[] {
  if (!isObj(term)) return [fe.invalid(path, term, 'must be an object')];
  const errs: FieldError[] = [];
  errs.push(...validateLabelSelector(isObj(term.labelSelector) ? term.labelSelector : undefined, path.child('labelSelector')));
  errs.push(...validateLabelSelector(isObj(term.namespaceSelector) ? term.namespaceSelector : undefined, path.child('namespaceSelector')));
  for (const n of Array.isArray(term.namespaces) ? term.namespaces : []) {
    for (const m of nameErrors('dns1123-label', str(n))) errs.push(fe.invalid(path.child('namespace'), n, m));
  }
  const topologyKey = str(term.topologyKey);
  if (!topologyKey) errs.push(fe.required(path.child('topologyKey'), 'can not be empty'));
  errs.push(...qualifiedName(topologyKey, path.child('topologyKey')));
  return errs;
}

function validatePodAffinityKind(a: Obj, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const req = path.child('requiredDuringSchedulingIgnoredDuringExecution');
  listAt(a.requiredDuringSchedulingIgnoredDuringExecution, req, errs).forEach((t, i) => errs.push(...validatePodAffinityTerm(t, req.index(i))));
  const pref = path.child('preferredDuringSchedulingIgnoredDuringExecution');
  listAt(a.preferredDuringSchedulingIgnoredDuringExecution, pref, errs).forEach((t, i) => {
    const ip = pref.index(i);
    if (!isObj(t)) {
      errs.push(fe.invalid(ip, t, 'must be an object'));
      return;
    }
    errs.push(...validateWeight(t.weight, ip.child('weight')));
    errs.push(...validatePodAffinityTerm(t.podAffinityTerm, ip.child('podAffinityTerm')));
  });
  return errs;
}

export function validateAffinity(affinity: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const a = objAt(affinity, path, errs);
  if (!a) return errs;
  const na = objAt(a.nodeAffinity, path.child('nodeAffinity'), errs);
  if (na) {
    const np = path.child('nodeAffinity');
    const req = objAt(na.requiredDuringSchedulingIgnoredDuringExecution, np.child('requiredDuringSchedulingIgnoredDuringExecution'), errs);
    if (req) errs.push(...validateNodeSelector(req, np.child('requiredDuringSchedulingIgnoredDuringExecution')));
    const pref = np.child('preferredDuringSchedulingIgnoredDuringExecution');
    listAt(na.preferredDuringSchedulingIgnoredDuringExecution, pref, errs).forEach((t, i) => {
      const ip = pref.index(i);
      if (!isObj(t)) {
        errs.push(fe.invalid(ip, t, 'must be an object'));
        return;
      }
      errs.push(...validateWeight(t.weight, ip.child('weight')));
      // Preferred terms may use invalid label values: they can still match when the cluster has one node.
      errs.push(...validateNodeSelectorTerm(t.preference, false, ip.child('preference')));
    });
  }
  const pa = objAt(a.podAffinity, path.child('podAffinity'), errs);
  if (pa) errs.push(...validatePodAffinityKind(pa, path.child('podAffinity')));
  const paa = objAt(a.podAntiAffinity, path.child('podAntiAffinity'), errs);
  if (paa) errs.push(...validatePodAffinityKind(paa, path.child('podAntiAffinity')));
  return errs;
}

export function validateTopologySpreadConstraints(constraints: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const items = listAt(constraints, path, errs);
  items.forEach((c, i) => {
    const ip = path.index(i);
    if (!isObj(c)) {
      errs.push(fe.invalid(ip, c, 'must be an object'));
      return;
    }
    if (!isInt(c.maxSkew) || c.maxSkew <= 0) errs.push(fe.invalid(ip.child('maxSkew'), c.maxSkew ?? 0, 'must be greater than zero'));
    if (!str(c.topologyKey)) errs.push(fe.required(ip.child('topologyKey'), 'can not be empty'));
    if (c.whenUnsatisfiable !== 'DoNotSchedule' && c.whenUnsatisfiable !== 'ScheduleAnyway') {
      errs.push(fe.notSupported(ip.child('whenUnsatisfiable'), c.whenUnsatisfiable ?? '', ['DoNotSchedule', 'ScheduleAnyway']));
    }
    for (const rest of items.slice(i + 1)) {
      if (isObj(rest) && rest.topologyKey === c.topologyKey && rest.whenUnsatisfiable === c.whenUnsatisfiable) {
        errs.push(fe.duplicate(ip.child('{topologyKey, whenUnsatisfiable}'), `{${str(c.topologyKey)}, ${str(c.whenUnsatisfiable)}}`));
        break;
      }
    }
    if (c.minDomains !== undefined && c.minDomains !== null) {
      if (!isInt(c.minDomains) || c.minDomains <= 0) errs.push(fe.invalid(ip.child('minDomains'), c.minDomains, 'must be greater than zero'));
      if (c.whenUnsatisfiable !== 'DoNotSchedule') {
        errs.push(fe.invalid(ip.child('minDomains'), c.minDomains, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${str(c.whenUnsatisfiable)}`));
      }
    }
    for (const f of ['nodeAffinityPolicy', 'nodeTaintsPolicy']) {
      if (c[f] !== undefined && c[f] !== null && c[f] !== 'Honor' && c[f] !== 'Ignore') errs.push(fe.notSupported(ip.child(f), c[f], ['Honor', 'Ignore']));
    }
    errs.push(...validateLabelSelector(isObj(c.labelSelector) ? c.labelSelector : undefined, ip.child('labelSelector')));
  });
  return errs;
}

export function validateSchedulingGates(gates: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  listAt(gates, path, errs).forEach((g, i) => {
    const name = isObj(g) ? str(g.name) : '';
    errs.push(...qualifiedName(name, path.index(i)));
    if (seen.has(name)) errs.push(fe.duplicate(path.index(i), name));
    seen.add(name);
  });
  return errs;
}

export function validateReadinessGates(gates: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  listAt(gates, path, errs).forEach((g, i) => {
    errs.push(...qualifiedName(isObj(g) ? str(g.conditionType) : '', path.index(i).child('conditionType')));
  });
  return errs;
}
