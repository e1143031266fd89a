// Validation errors rendered the way upstream's field.ErrorList renders them, so kubectl prints
// `The Pod "x" is invalid: spec.containers[0].image: Required value`.
import { ApiError } from './status.js';

export type FieldErrorType =
  | 'Required' | 'Invalid' | 'Unsupported' | 'Duplicate' | 'NotFound' | 'Forbidden' | 'TooLong' | 'TooMany' | 'Internal';

export interface FieldError {
  type: FieldErrorType;
  field: string;
  value?: unknown;
  detail?: string;
}

const typeText: Record<FieldErrorType, string> = {
  Required: 'Required value',
  Invalid: 'Invalid value',
  Unsupported: 'Unsupported value',
  Duplicate: 'Duplicate value',
  NotFound: 'Not found',
  Forbidden: 'Forbidden',
  TooLong: 'Too long',
  TooMany: 'Too many',
  Internal: 'Internal error',
};

const causeReason: Record<FieldErrorType, string> = {
  Required: 'FieldValueRequired',
  Invalid: 'FieldValueInvalid',
  Unsupported: 'FieldValueNotSupported',
  Duplicate: 'FieldValueDuplicate',
  NotFound: 'FieldValueNotFound',
  Forbidden: 'FieldValueForbidden',
  TooLong: 'FieldValueTooLong',
  TooMany: 'FieldValueTooMany',
  Internal: 'InternalError',
};

/** A field path builder: path.child('spec').child('containers').index(0).child('image'). */
export class FieldPath {
  private constructor(private readonly text: string) {}
  static root(name = ''): FieldPath {
    return new FieldPath(name);
  }
  child(name: string, ...more: string[]): FieldPath {
    let t = this.text ? `${this.text}.${name}` : name;
    for (const m of more) t = `${t}.${m}`;
    return new FieldPath(t);
  }
  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }
  key(k: string): FieldPath {
    return new FieldPath(`${this.text}[${k}]`);
  }
  toString(): string {
    return this.text;
  }
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  // Upstream prints composite values with Go's %#v; JSON is the readable equivalent.
  return JSON.stringify(v);
}

/** The text after the field path: "Required value", `Invalid value: "x": must be ...`. */
export function errorBody(e: FieldError): string {
  const t = typeText[e.type];
  let s: string;
  if (e.type === 'Required' || e.type === 'Forbidden' || e.type === 'TooLong' || e.type === 'Internal' || e.value === undefined) {
    s = t;
  } else {
    s = `${t}: ${formatValue(e.value)}`;
  }
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

export function errorString(e: FieldError): string {
  return `${e.field}: ${errorBody(e)}`;
}

const p = (f: FieldPath | string) => String(f);
export const fe = {
  required: (f: FieldPath | string, detail?: string): FieldError => ({ type: 'Required', field: p(f), detail }),
  invalid: (f: FieldPath | string, value: unknown, detail?: string): FieldError => ({ type: 'Invalid', field: p(f), value, detail }),
  notSupported: (f: FieldPath | string, value: unknown, supported: string[]): FieldError => ({
    type: 'Unsupported', field: p(f), value,
    detail: supported.length ? `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` : undefined,
  }),
  duplicate: (f: FieldPath | string, value: unknown): FieldError => ({ type: 'Duplicate', field: p(f), value }),
  notFound: (f: FieldPath | string, value: unknown): FieldError => ({ type: 'NotFound', field: p(f), value }),
  forbidden: (f: FieldPath | string, detail: string): FieldError => ({ type: 'Forbidden', field: p(f), detail }),
  tooLong: (f: FieldPath | string, max: number): FieldError => ({ type: 'TooLong', field: p(f), detail: `may not be more than ${max} bytes` }),
  tooMany: (f: FieldPath | string, actual: number, max: number): FieldError => ({ type: 'TooMany', field: p(f), value: actual, detail: `must have at most ${max} items` }),
};

/** 422 Invalid, as upstream's errors.NewInvalid. */
export function invalidError(kind: string, group: string, name: string, errs: FieldError[]): ApiError {
  const texts = errs.map(errorString);
  const aggregate = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${group ? `${kind}.${group}` : kind} "${name}" is invalid: ${aggregate}`, {
    name,
    group: group || undefined,
    kind,
    causes: errs.map((e) => ({ reason: causeReason[e.type], message: errorBody(e), field: e.field })),
  });
}
