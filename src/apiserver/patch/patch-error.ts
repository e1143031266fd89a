// A PATCH body that cannot be applied, with the HTTP code and Status reason the apiserver answers.
import type { StatusReason } from '../../api/status.js';

/** 409 is for apply conflicts; 413 for JSON patches over the operation limit. */
export type PatchErrorCode = 400 | 409 | 413 | 422 | 500;

const reasonByCode: Record<PatchErrorCode, StatusReason> = {
  400: 'BadRequest',
  409: 'Conflict',
  413: 'RequestEntityTooLarge',
  422: 'Invalid',
  // Upstream surfaces errors that are not API statuses as 500 with reason Unknown, i.e. "".
  500: '',
};

export class PatchError extends Error {
  readonly reason: StatusReason;

  /**
   * @param message what the client is told (upstream's exact text where known)
   * @param detail why, when upstream hides it behind a generic message (JSON patch failures)
   */
  constructor(readonly code: PatchErrorCode, message: string, readonly detail?: string) {
    super(message);
    this.name = 'PatchError';
    this.reason = reasonByCode[code];
  }
}

// Upstream patch errors quote decoded JSON with Go's fmt; these render values the same way so that
// messages match.

/** The Go type a decoded JSON value has (reflect.TypeOf), as it appears in messages. */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  switch (typeof v) {
    case 'object': return 'map[string]interface {}';
    case 'string': return 'string';
    case 'boolean': return 'bool';
    case 'number': return Number.isInteger(v) ? 'int64' : 'float64';
    default: return typeof v;
  }
}

/** The JSON kind encoding/json names in "cannot unmarshal X into Go value" errors. */
export function jsonKindName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/** Go's %v of a decoded JSON value: maps with sorted keys as map[k:v], slices as [a b], nil as <nil>. */
export function goValueString(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goValueString).join(' ')}]`;
  if (typeof v === 'object') {
    const entries = Object.keys(v).sort().map((k) => `${k}:${goValueString((v as Record<string, unknown>)[k])}`);
    return `map[${entries.join(' ')}]`;
  }
  if (typeof v === 'number' && !Number.isInteger(v)) return goFloatString(v);
  return String(v);
}

// %v of a float64 is %g with the shortest digits: exponent form when the exponent is below -4 or
// at least 6, written as Go does (1.5e+06, 1e-05).
function goFloatString(n: number): string {
  const exponential = n.toExponential();
  const exponent = Number(exponential.slice(exponential.indexOf('e') + 1));
  if (exponent < -4 || exponent >= 6) return exponential.replace(/e([+-])(\d)$/, 'e$10$2');
  return String(n);
}
