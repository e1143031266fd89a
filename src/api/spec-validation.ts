// Shape-tolerant helpers shared by the non-core strategies (apps, batch, networking, discovery,
// coordination, events, storage), with apimachinery's messages. Request bodies are arbitrary JSON
// (upstream's typed decoder would have refused a wrong shape with a 400); here a wrong shape becomes
// a field error, never a thrown TypeError.
import { fe, type FieldError, type FieldPath } from './field-errors.js';
import { selectorFromLabelSelector, validateLabelSelector, type LabelSelector, type Selector } from './labels.js';
import { nameErrors } from './meta-validation.js';
import { dns1123SubdomainErrors } from './label-names.js';

export type Obj = Record<string, any>;

export const isNegativeErrorMsg = 'must be greater than or equal to 0';
export const fieldImmutableErrorMsg = 'field is immutable';
export const maxInt32 = 2147483647;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Present in the JSON sense: neither absent nor null (a Go nil pointer). */
export function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

export function list(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}

export function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** The object at parent[key], created empty when absent (defaulting); undefined when it has the wrong shape. */
export function ensureObj(parent: Obj, key: string): Obj | undefined {
  if (!isSet(parent[key])) parent[key] = {};
  return isObj(parent[key]) ? parent[key] : undefined;
}

/** Reports a present value that is not an object; returns it when it is one. */
export function objAt(v: unknown, path: FieldPath, errs: FieldError[]): Obj | undefined {
  if (!isSet(v)) return undefined;
  if (!isObj(v)) {
    errs.push(fe.invalid(path, v, 'must be an object'));
    return undefined;
  }
  return v;
}

/** Reports a present value that is not a list; returns the items to walk. */
export function listAt(v: unknown, path: FieldPath, errs: FieldError[]): any[] {
  if (!isSet(v)) return [];
  if (!Array.isArray(v)) {
    errs.push(fe.invalid(path, v, 'must be a list'));
    return [];
  }
  return v;
}

/** Reports a present value that is not a string; returns the string ('' when absent or wrong). */
export function strAt(v: unknown, path: FieldPath, errs: FieldError[]): string {
  if (!isSet(v)) return '';
  if (typeof v !== 'string') {
    errs.push(fe.invalid(path, v, 'must be a string'));
    return '';
  }
  return v;
}

/** Reports a present value that is not an integer; returns it or undefined. */
export function intAt(v: unknown, path: FieldPath, errs: FieldError[]): number | undefined {
  if (!isSet(v)) return undefined;
  if (!isInt(v)) {
    errs.push(fe.invalid(path, v, 'must be an integer'));
    return undefined;
  }
  return v;
}

/** Reports a present value that is not a boolean. */
export function boolAt(v: unknown, path: FieldPath, errs: FieldError[]): boolean | undefined {
  if (!isSet(v)) return undefined;
  if (typeof v !== 'boolean') {
    errs.push(fe.invalid(path, v, 'must be a boolean'));
    return undefined;
  }
  return v;
}

/** ValidateNonnegativeField for an optional integer. */
export function nonNegative(v: unknown, path: FieldPath, errs: FieldError[]): number | undefined {
  const n = intAt(v, path, errs);
  if (n !== undefined && n < 0) errs.push(fe.invalid(path, n, isNegativeErrorMsg));
  return n;
}

/** Reports a present value that is not a map of strings; returns the string entries. */
export function stringMapAt(v: unknown, path: FieldPath, errs: FieldError[]): [string, string][] {
  if (!isSet(v)) return [];
  if (!isObj(v)) {
    errs.push(fe.invalid(path, v, 'must be a map of strings'));
    return [];
  }
  const out: [string, string][] = [];
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') errs.push(fe.invalid(path.key(k), val, 'must be a string'));
    else out.push([k, val]);
  }
  return out;
}

export function dns1123LabelErrors(value: string): string[] {
  return nameErrors('dns1123-label', value);
}

/** IsDomainPrefixedPath ("acme.io/foo"): IngressClass controllers, Job managedBy. */
export function domainPrefixedPathErrors(value: string, path: FieldPath): FieldError[] {
  if (value.length === 0) return [fe.required(path, '')];
  const slash = value.indexOf('/');
  if (slash <= 0 || slash === value.length - 1) return [fe.invalid(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const host = value.slice(0, slash);
  const rest = value.slice(slash + 1);
  const errs = dns1123SubdomainErrors(host).map((m) => fe.invalid(path, host, m));
  if (!/^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/.test(rest)) {
    errs.push(fe.invalid(path, rest, "must be a valid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')"));
  }
  return errs;
}

/**
 * apimachinery's Semantic.DeepEqual over JSON: absent and null are the same (a nil pointer), and an
 * empty list or map equals an absent one.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  const blank = (v: unknown) => !isSet(v) || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).every((k) => !isSet(v[k])));
  if (blank(a) && blank(b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => semanticEqual(x, b[i]));
  }
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!semanticEqual(a[k], b[k])) return false;
    return true;
  }
  return a === b;
}

/** JSON with object keys sorted, so that key order does not count as a difference. */
function canonicalJSON(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJSON).join(',')}]`;
  if (isObj(v)) return `{${Object.keys(v).filter((k) => v[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJSON(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** ValidateImmutableField; `exact` compares the JSON as is (raw data such as a ControllerRevision's). */
export function immutable(value: unknown, old: unknown, path: FieldPath, exact = false): FieldError[] {
  const same = exact ? canonicalJSON(value ?? null) === canonicalJSON(old ?? null) : semanticEqual(value, old);
  return same ? [] : [fe.invalid(path, value ?? null, fieldImmutableErrorMsg)];
}

export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

// ---- IntOrString "int or percent" values (maxSurge, maxUnavailable) ----

const percentErrorMsg = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

function percentValue(v: unknown): number | undefined {
  return typeof v === 'string' && /^[0-9]+%$/.test(v) ? Number(v.slice(0, -1)) : undefined;
}

/** ValidatePositiveIntOrPercent. */
export function validateIntOrPercent(v: unknown, path: FieldPath): FieldError[] {
  if (typeof v === 'string') return percentValue(v) === undefined ? [fe.invalid(path, v, percentErrorMsg)] : [];
  if (isInt(v)) return v < 0 ? [fe.invalid(path, v, isNegativeErrorMsg)] : [];
  return [fe.invalid(path, v ?? null, "must be an integer or percentage (e.g '5%%')")];
}

/** getIntOrPercentValue: the percentage, else the integer (a non-numeric string counts as 0, as IntValue does). */
export function intOrPercentValue(v: unknown): number {
  const p = percentValue(v);
  if (p !== undefined) return p;
  if (isInt(v)) return v;
  if (typeof v === 'string' && /^[+-]?\d+$/.test(v)) return Number(v);
  return 0;
}

/** IsNotMoreThan100Percent. */
export function notMoreThan100Percent(v: unknown, path: FieldPath): FieldError[] {
  const p = percentValue(v);
  return p !== undefined && p > 100 ? [fe.invalid(path, v, 'must not be greater than 100%')] : [];
}

// ---- label selectors ----

/** Shape errors a LabelSelector can have before its content is checked. */
function selectorShapeErrors(ls: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(ls)) return [fe.invalid(path, ls, 'must be an object')];
  stringMapAt(ls.matchLabels, path.child('matchLabels'), errs);
  for (const [i, e] of listAt(ls.matchExpressions, path.child('matchExpressions'), errs).entries()) {
    const p = path.child('matchExpressions').index(i);
    if (!isObj(e)) {
      errs.push(fe.invalid(p, e, 'must be an object'));
      continue;
    }
    strAt(e.key, p.child('key'), errs);
    strAt(e.operator, p.child('operator'), errs);
    for (const [j, v] of listAt(e.values, p.child('values'), errs).entries()) strAt(v, p.child('values').index(j), errs);
  }
  return errs;
}

/**
 * ValidateLabelSelector plus LabelSelectorAsSelector: the field errors, and the selector when it can be
 * built (undefined when it cannot; an absent selector gives the selector that matches nothing).
 */
export function checkLabelSelector(ls: unknown, path: FieldPath): { errs: FieldError[]; selector?: Selector } {
  if (!isSet(ls)) return { errs: [], selector: selectorFromLabelSelector(null) };
  const shape = selectorShapeErrors(ls, path);
  if (shape.length) return { errs: shape };
  const errs = validateLabelSelector(ls as LabelSelector, path);
  if (errs.length) return { errs };
  try {
    return { errs, selector: selectorFromLabelSelector(ls as LabelSelector) };
  } catch {
    return { errs };
  }
}

export function selectorIsEmpty(ls: unknown): boolean {
  return isObj(ls) && Object.keys(isObj(ls.matchLabels) ? ls.matchLabels : {}).length + list(ls.matchExpressions).length === 0;
}

export function templateLabels(tpl: unknown): Record<string, string> | undefined {
  return isObj(tpl) && isObj(tpl.metadata) && isObj(tpl.metadata.labels) ? tpl.metadata.labels : undefined;
}

export const selectorMismatchMsg = '`selector` does not match template `labels`';

// ---- ports and host names ----

/** IsValidPortNum. */
export function portNumErrors(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : ['must be between 1 and 65535, inclusive'];
}

/** IsValidPortName (IANA_SVC_NAME). */
export function portNameErrors(name: string): string[] {
  const errs: string[] = [];
  if (name.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  else if (!/[a-z]/.test(name)) errs.push('must contain at least one letter (a-z)');
  if (name.includes('--')) errs.push('must not contain consecutive hyphens');
  if (name.length > 0 && (name.startsWith('-') || name.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

const wildcardSubdomainFmt = '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';

/** IsWildcardDNS1123Subdomain: "*." and then a DNS subdomain. */
export function wildcardDNS1123SubdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push('must be no more than 253 characters');
  if (!new RegExp(`^${wildcardSubdomainFmt}$`).test(value)) {
    errs.push("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '" + wildcardSubdomainFmt + "')");
  }
  return errs;
}
