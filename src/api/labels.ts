// Label selectors as upstream's labels and metav1 packages: the string syntax of `-l`/labelSelector,
// LabelSelector (matchLabels + matchExpressions) and map selectors, matched against label sets.
import { FieldPath, fe, type FieldError } from './field-errors.js';
import { qualifiedNameErrors, labelValueErrors } from './label-names.js';

export type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Equals' | 'NotEquals' | 'Gt' | 'Lt';

export interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

export interface Selector {
  requirements: Requirement[];
  matches(labels: Record<string, string> | undefined): boolean;
  empty(): boolean;
  toString(): string;
}

function matchOne(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = labels[r.key];
  switch (r.operator) {
    case 'In':
    case 'Equals':
      return has && r.values.includes(v);
    case 'NotIn':
    case 'NotEquals':
      return !has || !r.values.includes(v);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || !/^-?\d+$/.test(v)) return false;
      return r.operator === 'Gt' ? Number(v) > Number(r.values[0]) : Number(v) < Number(r.values[0]);
    }
  }
}

function requirementString(r: Requirement): string {
  switch (r.operator) {
    case 'Equals':
      return `${r.key}=${r.values[0]}`;
    case 'NotEquals':
      return `${r.key}!=${r.values[0]}`;
    case 'In':
      return `${r.key} in (${[...r.values].sort().join(',')})`;
    case 'NotIn':
      return `${r.key} notin (${[...r.values].sort().join(',')})`;
    case 'Exists':
      return r.key;
    case 'DoesNotExist':
      return `!${r.key}`;
    case 'Gt':
      return `${r.key}>${r.values[0]}`;
    case 'Lt':
      return `${r.key}<${r.values[0]}`;
  }
}

function makeSelector(requirements: Requirement[], matchesNothing = false): Selector {
  // Upstream sorts requirements by key for a stable string form.
  const sorted = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    requirements: sorted,
    matches: (labels) => !matchesNothing && sorted.every((r) => matchOne(r, labels ?? {})),
    empty: () => !matchesNothing && sorted.length === 0,
    toString: () => sorted.map(requirementString).join(','),
  };
}

/** Splits on commas outside parentheses. */
function splitTerms(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter((t) => t.length > 0);
}

function checkKey(key: string, text: string): void {
  const errs = qualifiedNameErrors(key);
  if (errs.length) throw new Error(`unable to parse requirement: invalid label key "${key}": ${errs.join('; ')}`);
  if (!key) throw new Error(`unable to parse requirement: found '', expected: identifier in "${text}"`);
}

function checkValue(value: string): void {
  const errs = labelValueErrors(value);
  if (errs.length) throw new Error(`unable to parse requirement: invalid label value: "${value}": at key: ${errs.join('; ')}`);
}

function parseTerm(term: string): Requirement {
  let m = /^!\s*([^\s=!<>(),]+)$/.exec(term);
  if (m) {
    checkKey(m[1], term);
    return { key: m[1], operator: 'DoesNotExist', values: [] };
  }
  m = /^([^\s=!<>(),]+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(term);
  if (m) {
    checkKey(m[1], term);
    const values = m[3].split(',').map((v) => v.trim());
    if (m[2] === 'in' && values.length === 1 && values[0] === '') throw new Error(`for 'in', 'notin' operators, values set can't be empty`);
    for (const v of values) checkValue(v);
    return { key: m[1], operator: m[2] === 'in' ? 'In' : 'NotIn', values };
  }
  m = /^([^\s=!<>(),]+)\s*(==|=|!=|<|>)\s*([^\s=!<>(),]*)$/.exec(term);
  if (m) {
    checkKey(m[1], term);
    checkValue(m[3]);
    const op: Operator = m[2] === '!=' ? 'NotEquals' : m[2] === '<' ? 'Lt' : m[2] === '>' ? 'Gt' : 'Equals';
    if ((op === 'Gt' || op === 'Lt') && !/^-?\d+$/.test(m[3])) throw new Error(`for 'Gt', 'Lt' operators, the value must be an integer`);
    return { key: m[1], operator: op, values: [m[3]] };
  }
  m = /^([^\s=!<>(),]+)$/.exec(term);
  if (m) {
    checkKey(m[1], term);
    return { key: m[1], operator: 'Exists', values: [] };
  }
  throw new Error(`unable to parse requirement: found unexpected input in "${term}"`);
}

/** The `labelSelector` query syntax: `a=b,c!=d,e in (x,y),f notin (z),g,!h`. */
export function parseSelector(text: string): Selector {
  return makeSelector(splitTerms(text).map(parseTerm));
}

/** ReplicationController and Service selectors: a map, every pair must match. */
export function selectorFromMap(m: Record<string, string> | undefined | null): Selector {
  return makeSelector(Object.entries(m ?? {}).map(([key, v]) => ({ key, operator: 'Equals' as Operator, values: [v] })));
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** metav1.LabelSelectorAsSelector: nil selects nothing, an empty one selects everything. */
export function selectorFromLabelSelector(ls: LabelSelector | undefined | null): Selector {
  if (!ls) return makeSelector([], true);
  const reqs: Requirement[] = Object.entries(ls.matchLabels ?? {}).map(([key, v]) => ({ key, operator: 'In' as Operator, values: [v] }));
  for (const e of ls.matchExpressions ?? []) {
    const op = e.operator as Operator;
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(op)) throw new Error(`"${e.operator}" is not a valid label selector operator`);
    reqs.push({ key: e.key, operator: op, values: [...(e.values ?? [])] });
  }
  return makeSelector(reqs);
}

/** The string form kubectl and the scale subresource use (metav1.FormatLabelSelector without "<none>"). */
export function labelSelectorToString(ls: LabelSelector | undefined | null): string {
  return selectorFromLabelSelector(ls).toString();
}

export function validateLabels(labels: Record<string, string> | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const msg of qualifiedNameErrors(k)) errs.push(fe.invalid(path, k, msg));
    if (typeof v !== 'string') {
      errs.push(fe.invalid(path.key(k), v, 'must be a string'));
      continue;
    }
    for (const msg of labelValueErrors(v)) errs.push(fe.invalid(path.key(k), v, msg));
  }
  return errs;
}

export function validateLabelSelector(ls: LabelSelector | undefined | null, path: FieldPath): FieldError[] {
  if (!ls) return [];
  const errs = validateLabels(ls.matchLabels, path.child('matchLabels'));
  for (const [i, e] of (ls.matchExpressions ?? []).entries()) {
    const p = path.child('matchExpressions').index(i);
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator)) {
      errs.push(fe.invalid(p.child('operator'), e.operator, 'not a valid selector operator'));
    } else if ((e.operator === 'In' || e.operator === 'NotIn') && !(e.values ?? []).length) {
      errs.push(fe.required(p.child('values'), 'must be specified when `operator` is \'In\' or \'NotIn\''));
    } else if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && (e.values ?? []).length) {
      errs.push(fe.forbidden(p.child('values'), 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\''));
    }
    for (const msg of qualifiedNameErrors(e.key ?? '')) errs.push(fe.invalid(p.child('key'), e.key, msg));
  }
  return errs;
}
