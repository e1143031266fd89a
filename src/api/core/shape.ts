// Small, shape-tolerant helpers shared by the core/v1 defaulting and validation files. Request bodies
// are arbitrary JSON (upstream's typed decoder would have rejected a wrong shape with a 400); here a
// wrong shape must become a field error, never a thrown TypeError, so every walk goes through these.
import { isIP } from 'node:net';
import { fe, type FieldError, type FieldPath } from '../field-errors.js';
import { nameErrors } from '../meta-validation.js';
import { dns1123SubdomainErrors, qualifiedNameErrors } from '../label-names.js';
import { isObj, portNameErrors, portNumErrors } from '../spec-validation.js';

// The shape walkers are shared with the other groups' strategies.
export {
  clone, fieldImmutableErrorMsg, intAt, isInt, isNegativeErrorMsg, isObj, list, listAt, nonNegative, objAt,
  portNameErrors, portNumErrors, strAt, stringMapAt, type Obj,
} from '../spec-validation.js';

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

// ---- apimachinery's validation helpers, with their messages ----

export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

/** An IntOrString port: a number 1..65535 or an IANA service name. */
export function validatePortNumOrName(port: unknown, path: FieldPath): FieldError[] {
  // An unset IntOrString is the integer 0.
  if (port === undefined || port === null) port = 0;
  if (typeof port === 'number') {
    if (!Number.isInteger(port)) return [fe.invalid(path, port, 'must be an integer')];
    return portNumErrors(port).map((m) => fe.invalid(path, port, m));
  }
  if (typeof port === 'string') return portNameErrors(port).map((m) => fe.invalid(path, port, m));
  return [fe.invalid(path, port, 'must be an integer or a string')];
}

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

function chDirPrefixErrors(value: string): string[] {
  if (value === '.') return ["must not be '.'"];
  if (value === '..') return ["must not be '..'"];
  if (value.startsWith('..')) return ["must not start with '..'"];
  return [];
}

export function envVarNameErrors(value: string): string[] {
  const errs: string[] = [];
  if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(value)) {
    errs.push(regexError(
      "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
      '[-._a-zA-Z][-._a-zA-Z0-9]*', 'my.env-name', 'MY_ENV.NAME', 'MyEnvName1'));
  }
  return [...errs, ...chDirPrefixErrors(value)];
}

export function configMapKeyErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push('must be no more than 253 characters');
  if (!/^[-._a-zA-Z0-9]+$/.test(value)) {
    errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", '[-._a-zA-Z0-9]+', 'key.name', 'KEY_NAME', 'key-name'));
  }
  return [...errs, ...chDirPrefixErrors(value)];
}

export function httpHeaderNameErrors(value: string): string[] {
  return /^[-A-Za-z0-9]+$/.test(value)
    ? []
    : [regexError("a valid HTTP header must consist of alphanumeric characters or '-'", '[-A-Za-z0-9]+', 'X-Header-Name')];
}

export function dns1123Label(value: string, path: FieldPath): FieldError[] {
  return nameErrors('dns1123-label', value).map((m) => fe.invalid(path, value, m));
}

export function dns1123Subdomain(value: string, path: FieldPath): FieldError[] {
  return dns1123SubdomainErrors(value).map((m) => fe.invalid(path, value, m));
}

export function qualifiedName(value: string, path: FieldPath): FieldError[] {
  return qualifiedNameErrors(value).map((m) => fe.invalid(path, value, m));
}

export function validIP(value: unknown, path: FieldPath): FieldError[] {
  if (typeof value === 'string' && isIP(value) !== 0) return [];
  return [fe.invalid(path, value ?? '', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
}

export function validCIDR(value: unknown, path: FieldPath): FieldError[] {
  if (typeof value === 'string') {
    const m = /^(.+)\/(\d{1,3})$/.exec(value);
    if (m) {
      const family = isIP(m[1]);
      const bits = Number(m[2]);
      if ((family === 4 && bits <= 32) || (family === 6 && bits <= 128)) return [];
    }
  }
  return [fe.invalid(path, value ?? '', 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')];
}

/** Relative path without ".." elements (upstream's validateLocalDescendingPath). */
export function localDescendingPath(target: string, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (target.startsWith('/')) errs.push(fe.invalid(path, target, 'must be a relative path'));
  errs.push(...noBacksteps(target, path));
  return errs;
}

export function noBacksteps(target: string, path: FieldPath): FieldError[] {
  return target.split(/[\\/]/).includes('..') ? [fe.invalid(path, target, "must not contain '..'")] : [];
}

export function localNonReservedPath(target: string, path: FieldPath): FieldError[] {
  const errs = localDescendingPath(target, path);
  if (target.startsWith('..') && !target.startsWith('../')) errs.push(fe.invalid(path, target, "must not start with '..'"));
  return errs;
}

// ---- structural comparison and a readable diff for "may not change" messages ----

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * A short diff of two values in the spirit of the go-cmp output upstream appends to its
 * "may not change" messages: one "-"/"+" pair per changed leaf, at most `max` of them.
 */
export function diffText(typeName: string, before: unknown, after: unknown, max = 10): string {
  const lines: string[] = [];
  const walk = (a: unknown, b: unknown, p: string) => {
    if (lines.length >= max * 2 || deepEqual(a, b)) return;
    if (isObj(a) && isObj(b)) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[k], b[k], p ? `${p}.${k}` : k);
      return;
    }
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      a.forEach((x, i) => walk(x, b[i], `${p}[${i}]`));
      return;
    }
    if (a !== undefined) lines.push(`- \t${p}: ${JSON.stringify(a)}`);
    if (b !== undefined) lines.push(`+ \t${p}: ${JSON.stringify(b)}`);
  };
  walk(before, after, '');
  return [`  ${typeName}{`, ...lines, '  }', ''].join('\n');
}

