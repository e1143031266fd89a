// What upstream's decoder rejects in a request body before anything else sees it: a value of the wrong JSON
// type for its field (`spec.containers: "x"`, `replicas: "three"`, `metadata.labels: []`), an integer that is
// fractional or out of range, a timestamp that is not RFC 3339, a quantity that does not parse. The messages are
// the ones Go's encoding/json (and metav1.Time, resource.Quantity) write, e.g.
//   json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container
// The same walk finds the fields the schema does not declare (strict decoding's unknown fields), so a request
// body is inspected once. Schemas are compiled once per kind into a tree of small nodes; a body without
// problems is walked without building any string or object (paths are only rendered for a finding).
import { Quantity } from '../api/quantity.js';
import { loadSchemas, schemaNameForKind, schemaRefPrefix, type Schema } from './openapi-schemas.js';

/** A value upstream's JSON decoding refuses. */
export interface TypeMismatch {
  /** Go's error text, e.g. `json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container`. */
  message: string;
  /** Where the value is, with list indices and map keys: "spec.containers", "spec.template.spec.containers[0].ports[1].containerPort". */
  path: string;
}

/** Problems found in one body; `undefined` from checkDecoding means none. */
export interface DecodeProblems {
  /** The error upstream's decoder returns (the first one in document order, or the one that stopped it). */
  typeError?: TypeMismatch;
  /** Undeclared fields, as strict decoding reports them ("spec.replicas2"), in document order. */
  unknownFields: string[];
}

// ---- compiled schema nodes ----

const ANY = 0; // free-form (RawExtension, JSON, FieldsV1, preserve-unknown-fields): anything goes
const STRING = 1;
const INT32 = 2;
const INT64 = 3;
const FLOAT = 4;
const BOOL = 5;
const INT_OR_STRING = 6;
const QUANTITY = 7;
const TIME = 8; // metav1.Time: RFC 3339
const MICRO_TIME = 9; // metav1.MicroTime: RFC 3339 with exactly six fractional digits
const STRUCT = 10;
const LIST = 11;
const MAP = 12;

class TypeNode {
  /** STRUCT: declared fields. */
  fields: Map<string, TypeNode> | undefined = undefined;
  /** LIST items, MAP values. */
  elem: TypeNode | undefined = undefined;
  constructor(
    readonly kind: number,
    /** The Go type as its errors print it: "v1.PodSpec", "[]v1.Container", "map[string]string", "int32". */
    readonly goType: string,
    /** STRUCT: the Go struct name ("PodSpec"), the prefix of "Go struct field PodSpec.spec.containers". */
    readonly structName = '',
  ) {}
}

const anyNode = new TypeNode(ANY, 'interface {}');
const scalars = {
  string: new TypeNode(STRING, 'string'),
  int32: new TypeNode(INT32, 'int32'),
  int64: new TypeNode(INT64, 'int64'),
  float64: new TypeNode(FLOAT, 'float64'),
  bool: new TypeNode(BOOL, 'bool'),
};

const INT_OR_STRING_NAME = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY_NAME = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const TIME_NAME = 'io.k8s.apimachinery.pkg.apis.meta.v1.Time';
const MICRO_TIME_NAME = 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime';

/** "io.k8s.api.core.v1.PodSpec" → "v1.PodSpec" (Go prints a named type with its package's name). */
function goTypeName(schemaName: string): string {
  const dot = schemaName.lastIndexOf('.');
  const pkgDot = schemaName.lastIndexOf('.', dot - 1);
  return schemaName.slice(pkgDot + 1);
}

// Shared across kinds: compiled named schemas (recursive ones, like JSONSchemaProps, refer to themselves).
const namedNodes = new Map<string, TypeNode>();
const kindNodes = new Map<string, Map<string, TypeNode | null>>(); // apiVersion → kind → root; null without a schema

function compileNamed(schemas: Record<string, Schema>, name: string): TypeNode {
  const known = namedNodes.get(name);
  if (known) return known;
  const schema = schemas[name];
  let node: TypeNode;
  if (!schema) node = anyNode;
  else if (name === INT_OR_STRING_NAME || schema['x-kubernetes-int-or-string']) node = new TypeNode(INT_OR_STRING, 'intstr.IntOrString');
  else if (name === QUANTITY_NAME) node = new TypeNode(QUANTITY, 'resource.Quantity');
  else if (name === TIME_NAME) node = new TypeNode(TIME, 'v1.Time');
  else if (name === MICRO_TIME_NAME) node = new TypeNode(MICRO_TIME, 'v1.MicroTime');
  else if (schema.properties && !schema['x-kubernetes-preserve-unknown-fields']) {
    const goType = goTypeName(name);
    node = new TypeNode(STRUCT, goType, goType.slice(goType.indexOf('.') + 1));
    // Registered before its fields are compiled so that a self-reference finds it.
    namedNodes.set(name, node);
    const fields = new Map<string, TypeNode>();
    for (const [field, sub] of Object.entries(schema.properties)) fields.set(field, compile(schemas, sub));
    node.fields = fields;
    return node;
  } else {
    node = compile(schemas, schema);
    // Free-form declarations keep their own name (runtime.RawExtension); aliases of scalars print as the scalar.
    if (node.kind === ANY) node = new TypeNode(ANY, goTypeName(name));
  }
  namedNodes.set(name, node);
  return node;
}

function compile(schemas: Record<string, Schema>, schema: Schema): TypeNode {
  if (schema.$ref) return schema.$ref.startsWith(schemaRefPrefix) ? compileNamed(schemas, schema.$ref.slice(schemaRefPrefix.length)) : anyNode;
  if (schema.allOf?.length === 1 && !schema.properties) return compile(schemas, schema.allOf[0]);
  if (schema['x-kubernetes-preserve-unknown-fields']) return anyNode;
  if (schema['x-kubernetes-int-or-string']) return new TypeNode(INT_OR_STRING, 'intstr.IntOrString');
  if (schema.properties) {
    const node = new TypeNode(STRUCT, 'struct', '');
    node.fields = new Map(Object.entries(schema.properties).map(([field, sub]) => [field, compile(schemas, sub)]));
    return node;
  }
  switch (schema.type) {
    case 'string': return scalars.string;
    case 'boolean': return scalars.bool;
    case 'number': return scalars.float64;
    case 'integer': return schema.format === 'int64' ? scalars.int64 : scalars.int32;
    case 'array': {
      if (!schema.items) return anyNode;
      const items = compile(schemas, schema.items);
      const node = new TypeNode(LIST, `[]${items.goType}`);
      node.elem = items;
      return node;
    }
    case 'object': {
      if (!schema.additionalProperties) return anyNode;
      const values = compile(schemas, schema.additionalProperties);
      const node = new TypeNode(MAP, `map[string]${values.goType}`);
      node.elem = values;
      return node;
    }
  }
  return anyNode;
}

function nodeOfKind(apiVersion: string, kind: string): TypeNode | null {
  let kinds = kindNodes.get(apiVersion);
  if (!kinds) kindNodes.set(apiVersion, (kinds = new Map()));
  let node = kinds.get(kind);
  if (node === undefined) {
    const name = schemaNameForKind(apiVersion, kind);
    node = name ? compileNamed(loadSchemas(), name) : null;
    kinds.set(kind, node);
  }
  return node;
}

// ---- the walk ----
// State of the current walk, module-wide so that recursion passes only what changes. Walks are synchronous
// and never nest, so one set serves every call.

const SEG_FIELD = 0;
const SEG_INDEX = 1;
const SEG_KEY = 2;
const segKinds: number[] = [];
const segNames: string[] = [];
const segIndexes: number[] = [];

/** Go's json decoder refuses documents nested deeper than this (in practice the stack runs out first, see run). */
const maxDepth = 10_000;

let collectUnknown = false;
let collectAll = false;
let unknown: string[] | undefined;
let firstError: TypeMismatch | undefined;
let allErrors: TypeMismatch[] | undefined;
let stopped = false;

/** The path as strict decoding writes it: fields joined by ".", list items as "[i]", map keys as ".key". */
function indexedPath(depth: number, last?: string): string {
  let out = '';
  for (let i = 0; i < depth; i++) {
    if (segKinds[i] === SEG_INDEX) out += `[${segIndexes[i]}]`;
    else out += out ? `.${segNames[i]}` : segNames[i];
  }
  if (last !== undefined) out += out ? `.${last}` : last;
  return out;
}

/** The path as Go's decoder keeps it: only struct fields (no indices, no map keys). */
function goFieldPath(depth: number): string {
  let out = '';
  for (let i = 0; i < depth; i++) if (segKinds[i] === SEG_FIELD) out += out ? `.${segNames[i]}` : segNames[i];
  return out;
}

/**
 * Records an error. Go keeps decoding after a type error and returns the first one, unless something fails
 * outright (a custom unmarshaler: Time, Quantity, IntOrString), which is returned at once.
 */
function report(message: string, depth: number, fatal: boolean): void {
  const mismatch: TypeMismatch = { message, path: indexedPath(depth) };
  if (collectAll) {
    (allErrors ??= []).push(mismatch);
    return;
  }
  if (fatal) {
    firstError = mismatch;
    stopped = true;
  } else firstError ??= mismatch;
}

/** An *UnmarshalTypeError with the decoder's context: the innermost struct and the field path. */
function typeError(value: string, goType: string, depth: number, struct: string, fatal = false): void {
  const field = goFieldPath(depth);
  const message = struct || field
    ? `json: cannot unmarshal ${value} into Go struct field ${struct}.${field} of type ${goType}`
    : `json: cannot unmarshal ${value} into Go value of type ${goType}`;
  report(message, depth, fatal);
}

/** How Go's decoder names a JSON value in its errors. */
function describe(v: unknown): string {
  switch (typeof v) {
    case 'string': return 'string';
    case 'number': return 'number';
    case 'boolean': return 'bool';
    default: return Array.isArray(v) ? 'array' : 'object';
  }
}

function isInt(v: number, bits: 32 | 64): boolean {
  if (!Number.isInteger(v)) return false;
  return bits === 32 ? v >= -2147483648 && v <= 2147483647 : v >= -9223372036854775808 && v < 9223372036854775808;
}

// Canonical quantities ("100m", "1.5Gi", "128974848") are accepted without parsing; others go through Quantity.parse.
const plainQuantity = /^[0-9]+(?:\.[0-9]+)?(?:[numkMGTPE]|[KMGTPE]i)?$/;

function walk(node: TypeNode, v: unknown, depth: number, struct: string): void {
  if (v === null || v === undefined) return; // null decodes as the zero value anywhere
  switch (node.kind) {
    case ANY:
      return;
    case STRING:
      if (typeof v !== 'string') typeError(describe(v), 'string', depth, struct);
      return;
    case INT32:
    case INT64: {
      const bits = node.kind === INT32 ? 32 : 64;
      if (typeof v === 'number') {
        if (!isInt(v, bits)) typeError(`number ${String(v)}`, node.goType, depth, struct);
      } else typeError(describe(v), node.goType, depth, struct);
      return;
    }
    case FLOAT:
      if (typeof v !== 'number') typeError(describe(v), 'float64', depth, struct);
      return;
    case BOOL:
      if (typeof v !== 'boolean') typeError(describe(v), 'bool', depth, struct);
      return;
    case INT_OR_STRING:
      // IntOrString.UnmarshalJSON: a string, or else json.Unmarshal into its int32.
      if (typeof v === 'string') return;
      if (typeof v === 'number') {
        if (!isInt(v, 32)) typeError(`number ${String(v)}`, 'int32', depth, struct, true);
      } else typeError(describe(v), 'int32', depth, struct, true);
      return;
    case QUANTITY:
      // Quantity.UnmarshalJSON parses the JSON text (a number's, or a string's between the quotes). Any other
      // text (true, {…}, […]) fails ParseQuantity's format check, as "" does.
      if (typeof v === 'number' || (typeof v === 'string' && plainQuantity.test(v))) return;
      try {
        Quantity.parse(typeof v === 'string' ? v : '');
      } catch (e) {
        report((e as Error).message, depth, true);
      }
      return;
    case TIME:
    case MICRO_TIME: {
      // metav1.Time.UnmarshalJSON: json.Unmarshal into a string, then time.Parse(RFC3339 or RFC3339Micro).
      if (typeof v !== 'string') {
        typeError(describe(v), 'string', depth, struct, true);
        return;
      }
      const micro = node.kind === MICRO_TIME;
      if (wellFormedTime(v, micro)) return;
      const err = parseTime(v, micro);
      if (err) report(err, depth, true);
      return;
    }
    case STRUCT: {
      if (typeof v !== 'object' || Array.isArray(v)) {
        typeError(describe(v), node.goType, depth, struct);
        return;
      }
      if (depth >= maxDepth) return tooDeep(depth);
      const fields = node.fields!;
      const obj = v as Record<string, unknown>;
      for (const key in obj) {
        const sub = fields.get(key);
        if (sub === undefined) {
          if (collectUnknown && !firstError) (unknown ??= []).push(indexedPath(depth, key));
          continue;
        }
        if (sub.kind === ANY) continue;
        segKinds[depth] = SEG_FIELD;
        segNames[depth] = key;
        walk(sub, obj[key], depth + 1, node.structName);
        if (stopped) return;
      }
      return;
    }
    case LIST: {
      if (!Array.isArray(v)) {
        typeError(describe(v), node.goType, depth, struct);
        return;
      }
      const items = node.elem!;
      if (items.kind === ANY || v.length === 0) return;
      if (depth >= maxDepth) return tooDeep(depth);
      segKinds[depth] = SEG_INDEX;
      for (let i = 0; i < v.length; i++) {
        segIndexes[depth] = i;
        walk(items, v[i], depth + 1, struct);
        if (stopped) return;
      }
      return;
    }
    case MAP: {
      if (typeof v !== 'object' || Array.isArray(v)) {
        typeError(describe(v), node.goType, depth, struct);
        return;
      }
      const values = node.elem!;
      if (values.kind === ANY) return;
      if (depth >= maxDepth) return tooDeep(depth);
      const obj = v as Record<string, unknown>;
      for (const key in obj) {
        segKinds[depth] = SEG_KEY;
        segNames[depth] = key;
        walk(values, obj[key], depth + 1, struct);
        if (stopped) return;
      }
      return;
    }
  }
}

function tooDeep(depth: number): void {
  report('json: exceeded max depth', depth, true);
  stopped = true;
}

function run(apiVersion: string, kind: string, obj: unknown, unknownFields: boolean, all: boolean): void {
  const root = nodeOfKind(apiVersion, kind);
  collectUnknown = unknownFields;
  collectAll = all;
  unknown = undefined;
  firstError = undefined;
  allErrors = undefined;
  stopped = false;
  if (root) {
    try {
      walk(root, obj, 0, '');
    } catch (e) {
      // The stack gives out (a frame per level) before maxDepth; such a body is refused the same way.
      if (!(e instanceof RangeError)) throw e;
      firstError = { message: 'json: exceeded max depth', path: '' };
    }
  }
}

/**
 * The decoding problems of `obj` as apiVersion/kind: the type error upstream's decoder would return, and (when
 * `unknownFields` is set, for fieldValidation Strict or Warn) the undeclared fields. Undefined when there are
 * none, or the kind has no schema.
 */
export function checkDecoding(apiVersion: string, kind: string, obj: unknown, unknownFields = true): DecodeProblems | undefined {
  run(apiVersion, kind, obj, unknownFields, false);
  const typeErr = firstError;
  const fields = unknown;
  firstError = undefined;
  unknown = undefined;
  if (!typeErr && !fields) return undefined;
  return typeErr ? { typeError: typeErr, unknownFields: [] } : { unknownFields: fields! };
}

/** The first value of the wrong type, as upstream's decoder reports it; undefined when the body decodes. */
export function findTypeError(apiVersion: string, kind: string, obj: unknown): TypeMismatch | undefined {
  return checkDecoding(apiVersion, kind, obj, false)?.typeError;
}

/** Every value of the wrong type, in document order (the decoder itself reports only the first). */
export function findTypeErrors(apiVersion: string, kind: string, obj: unknown): TypeMismatch[] {
  run(apiVersion, kind, obj, false, true);
  const out = allErrors ?? (firstError ? [firstError] : []);
  allErrors = undefined;
  firstError = undefined;
  return out;
}

/** Paths of the undeclared fields of `obj` (strict decoding's unknown fields), in document order. */
export function findUndeclaredFields(apiVersion: string, kind: string, obj: unknown): string[] {
  run(apiVersion, kind, obj, true, true);
  const out = unknown ?? [];
  unknown = undefined;
  allErrors = undefined;
  return out;
}

/** The BadRequest message of a body the decoder refused: `Pod in version "v1" cannot be handled as a Pod: …`. */
export function decodeErrorMessage(kind: string, version: string, err: string): string {
  return `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: ${err}`;
}

/** strict decoding's error text for unknown fields: `strict decoding error: unknown field "spec.foo", unknown field "x"`. */
export function strictDecodingError(fields: string[]): string {
  return `strict decoding error: ${fields.map((f) => `unknown field ${JSON.stringify(f)}`).join(', ')}`;
}

// ---- Go's time.Parse for RFC 3339 and RFC 3339 with microseconds, with its error messages ----

const RFC3339 = '2006-01-02T15:04:05Z07:00';
const RFC3339_MICRO = '2006-01-02T15:04:05.000000Z07:00';
/** The layouts as Go's parser walks them: a literal prefix, then an element. */
const chunksRFC3339: [string, string][] = [['', '2006'], ['-', '01'], ['-', '02'], ['T', '15'], [':', '04'], [':', '05'], ['', 'Z07:00']];
const chunksMicro: [string, string][] = [...chunksRFC3339.slice(0, 6), ['', '.000000'], ['', 'Z07:00']];

/** Go's time-package quoting: non-ASCII and control bytes as \xNN. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c >= 0x80) {
      for (const b of Buffer.from(ch, 'utf8')) out += `\\x${b.toString(16).padStart(2, '0')}`;
    } else {
      if (ch === '"' || ch === '\\') out += '\\';
      out += ch;
    }
  }
  return `${out}"`;
}

const isDigitAt = (s: string, i: number) => i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57;

/** getnum: one or two digits (exactly two when fixed); undefined when there are none. */
function getnum(s: string, fixed: boolean): [number, string] | undefined {
  if (!isDigitAt(s, 0)) return undefined;
  if (!isDigitAt(s, 1)) return fixed ? undefined : [s.charCodeAt(0) - 48, s.slice(1)];
  return [(s.charCodeAt(0) - 48) * 10 + s.charCodeAt(1) - 48, s.slice(2)];
}

/** atoi: an optional sign and digits only. */
function atoi(s: string): number | undefined {
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (!/^[0-9]*$/.test(s)) return undefined;
  const n = s === '' ? 0 : Number(s);
  return neg ? -n : n;
}

/** parseNanoseconds: value starts with "." or "," and has nbytes of fraction (sign included); [error?, range?]. */
function nanosecondsError(value: string, nbytes: number): 'bad' | 'range' | undefined {
  if (value[0] !== '.' && value[0] !== ',') return 'bad';
  const n = atoi(value.slice(1, Math.min(nbytes, 10)));
  if (n === undefined) return 'bad';
  return n < 0 ? 'range' : undefined;
}

function daysIn(month: number, year: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

const timeShape = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const microTimeShape = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(?:Z|[+-]\d{2}:\d{2})$/;
const num2 = (s: string, i: number) => (s.charCodeAt(i) - 48) * 10 + s.charCodeAt(i + 1) - 48;

/** The fast path: the usual form of a timestamp, with its fields in range (anything else goes to parseTime). */
function wellFormedTime(v: string, micro: boolean): boolean {
  if (!(micro ? microTimeShape : timeShape).test(v)) return false;
  const year = num2(v, 0) * 100 + num2(v, 2);
  const month = num2(v, 5);
  const day = num2(v, 8);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(month, year)) return false;
  if (num2(v, 11) > 23 || num2(v, 14) > 59 || num2(v, 17) > 59) return false;
  if (v[v.length - 1] !== 'Z' && (num2(v, v.length - 5) > 24 || num2(v, v.length - 2) > 60)) return false;
  return true;
}

/** undefined when Go's time.Parse accepts `value` in the layout; otherwise its error text. */
export function parseTime(value: string, micro = false): string | undefined {
  const layout = micro ? RFC3339_MICRO : RFC3339;
  const chunks = micro ? chunksMicro : chunksRFC3339;
  const cannot = (layoutElem: string, valueElem: string) =>
    `parsing time ${goQuote(value)} as ${goQuote(layout)}: cannot parse ${goQuote(valueElem)} as ${goQuote(layoutElem)}`;
  const outOfRange = (what: string) => `parsing time ${goQuote(value)}: ${what} out of range`;
  let s = value;
  let year = 0;
  let month = -1;
  let day = -1;
  for (let c = 0; c < chunks.length; c++) {
    const [prefix, std] = chunks[c];
    if (prefix) {
      if (s[0] !== prefix) return cannot(prefix, s);
      s = s.slice(1);
    }
    const hold = s;
    let bad = false;
    let range = '';
    switch (std) {
      case '2006': {
        const y = s.length >= 4 && isDigitAt(s, 0) ? atoi(s.slice(0, 4)) : undefined;
        if (y === undefined) bad = true;
        else {
          year = y;
          s = s.slice(4);
        }
        break;
      }
      case '01':
      case '02':
      case '15':
      case '04': {
        const r = getnum(s, std !== '15');
        if (!r) {
          bad = true;
          break;
        }
        [, s] = r;
        const n = r[0];
        if (std === '01') {
          month = n;
          if (n <= 0 || n > 12) range = 'month';
        } else if (std === '02') day = n;
        else if (std === '15' && n >= 24) range = 'hour';
        else if (std === '04' && n >= 60) range = 'minute';
        break;
      }
      case '05': {
        const r = getnum(s, true);
        if (!r) {
          bad = true;
          break;
        }
        [, s] = r;
        if (r[0] >= 60) {
          range = 'second';
          break;
        }
        // A fraction the layout does not have is taken here, whatever its length.
        if (s.length >= 2 && (s[0] === '.' || s[0] === ',') && isDigitAt(s, 1) && chunks[c + 1][1] !== '.000000') {
          let n = 2;
          while (isDigitAt(s, n)) n++;
          const e = nanosecondsError(s, n);
          if (e === 'range') range = 'fractional second';
          else if (e) bad = true;
          s = s.slice(n);
        }
        break;
      }
      case '.000000': {
        if (s.length < 7) {
          bad = true;
          break;
        }
        const e = nanosecondsError(s, 7);
        if (e === 'range') range = 'fractional second';
        else if (e) bad = true;
        s = s.slice(7);
        break;
      }
      case 'Z07:00': {
        if (s[0] === 'Z') {
          s = s.slice(1);
          break;
        }
        if (s.length < 6 || s[3] !== ':') {
          bad = true;
          break;
        }
        const sign = s[0];
        const hh = getnum(s.slice(1, 3), true);
        const mm = hh && getnum(s.slice(4, 6), true);
        s = s.slice(6);
        if (!hh || !mm) bad = true;
        else {
          if (hh[0] > 24) range = 'time zone offset hour';
          if (mm[0] > 60) range = 'time zone offset minute';
        }
        if (sign !== '+' && sign !== '-') bad = true;
        break;
      }
    }
    if (range) return outOfRange(range);
    if (bad) return cannot(std, hold);
  }
  if (s.length > 0) return `parsing time ${goQuote(value)}: extra text: ${goQuote(s)}`;
  if (day < 1 || day > daysIn(month, year)) return outOfRange('day');
  return undefined;
}
