// JSON patch (RFC 6902, application/json-patch+json) as the apiserver applies it: with the
// gopkg.in/evanphx/json-patch.v4 library, whose departures from the RFC clients can observe:
// - `replace` of a missing object member adds it (only a missing parent or array index fails);
// - negative array indices count from the end (-1 is the last element);
// - an op without `value` writes null, and `copy` from a missing member copies null;
// - a path without a leading "/" addresses the last token in the root ("a/b" is "/b").
// A body that is not a list of operations is a 400 with the decoder's message; an operation that
// does not apply is a 422 whose message is the generic one upstream sends (the cause is kept in
// PatchError.detail for logs).
import { clone, isObject } from '../../api/object.js';
import { PatchError, jsonKindName } from './patch-error.js';

const maxOperations = 10000;
const notAppliedMessage = 'the server rejected our request due to an error in our request';

type Container = Record<string, unknown> | unknown[];
type Operation = Record<string, unknown>;

export function applyJsonPatch(doc: unknown, ops: unknown): unknown {
  const operations = decodePatch(ops);
  let result = clone(doc);
  for (const op of operations) {
    result = applyOperation(result, op);
  }
  return result;
}

function decodePatch(ops: unknown): Operation[] {
  if (ops === null) return [];
  if (!Array.isArray(ops)) {
    throw new PatchError(400, `json: cannot unmarshal ${jsonKindName(ops)} into Go value of type jsonpatch.Patch`);
  }
  for (const op of ops) {
    if (op !== null && !isObject(op)) {
      throw new PatchError(400, `json: cannot unmarshal ${jsonKindName(op)} into Go value of type jsonpatch.Operation`);
    }
  }
  if (ops.length > maxOperations) {
    throw new PatchError(413, `The allowed maximum operations in a JSON patch is ${maxOperations}, got ${ops.length}`);
  }
  // A null operation decodes to an empty one, which fails later as an unknown kind.
  return ops.map((op) => (op ?? {}) as Operation);
}

function notApplied(detail: string): never {
  throw new PatchError(422, notAppliedMessage, detail);
}

/** Applies one operation; returns the document, which only a whole-document replace swaps. */
function applyOperation(doc: unknown, op: Operation): unknown {
  const kind = typeof op.op === 'string' ? op.op : 'unknown';
  switch (kind) {
    case 'add': {
      const { container, key } = target(doc, stringField(op, 'path', 'add operation failed to decode path'), 'add');
      addAt(container, key, valueOf(op));
      return doc;
    }
    case 'remove': {
      const { container, key } = target(doc, stringField(op, 'path', 'remove operation failed to decode path'), 'remove');
      removeAt(container, key);
      return doc;
    }
    case 'replace':
      return replace(doc, op);
    case 'move': {
      const from = stringField(op, 'from', 'move operation failed to decode from');
      const source = target(doc, from, 'move', 'from ');
      const value = getAt(source.container, source.key);
      removeAt(source.container, source.key);
      const destination = target(doc, stringField(op, 'path', 'move operation failed to decode path'), 'move', 'destination ');
      addAt(destination.container, destination.key, value);
      return doc;
    }
    case 'copy': {
      const from = stringField(op, 'from', 'copy operation failed to decode from');
      const source = target(doc, from, 'copy', 'from ');
      const value = clone(getAt(source.container, source.key));
      const destination = target(doc, stringField(op, 'path', 'copy operation failed to decode path'), 'copy', 'destination ');
      addAt(destination.container, destination.key, value);
      return doc;
    }
    case 'test':
      test(doc, op);
      return doc;
    default:
      return notApplied(`Unexpected kind: ${kind}`);
  }
}

function replace(doc: unknown, op: Operation): unknown {
  const path = stringField(op, 'path', 'replace operation failed to decode path');
  const value = valueOf(op);
  if (path === '') {
    if (!isObject(value) && !Array.isArray(value)) notApplied('replace operation value must be object or array');
    return value;
  }
  const { container, key } = target(doc, path, 'replace');
  if (Array.isArray(container)) {
    container[arrayIndex(container, key, container.length - 1)] = value;
  } else {
    container[key] = value;
  }
  return doc;
}

function test(doc: unknown, op: Operation): void {
  const path = stringField(op, 'path', 'test operation failed to decode path');
  const failed = () => notApplied(`testing value ${path} failed: test failed`);
  if (path === '') {
    if (!jsonEqual(doc, op.value)) failed();
    return;
  }
  const found = findContainer(doc, path);
  if (!found) notApplied(`test operation does not apply: is missing path: ${path}: missing value`);
  const actual = getAt(found.container, found.key);
  // A missing member and a null one are the same to the library.
  if (actual === null) {
    if (op.value !== null && op.value !== undefined) failed();
    return;
  }
  if (!('value' in op) || !jsonEqual(actual, op.value)) failed();
}

function stringField(op: Operation, field: 'path' | 'from', failure: string): string {
  const v = op[field];
  if (typeof v !== 'string') notApplied(`${failure}: missing value`);
  return v;
}

function valueOf(op: Operation): unknown {
  return op.value === undefined ? null : op.value;
}

/** The container the path's last token lives in, or a 422 naming the operation. */
function target(doc: unknown, path: string, opName: string, which = ''): { container: Container; key: string } {
  const found = findContainer(doc, path);
  if (!found) {
    const shown = opName === 'add' || opName === 'remove' ? `"${path}"` : path;
    notApplied(`${opName} operation does not apply: doc is missing ${which}path: ${shown}: missing value`);
  }
  return found;
}

function findContainer(doc: unknown, path: string): { container: Container; key: string } | undefined {
  const tokens = path.split('/');
  if (tokens.length < 2) return undefined;
  let current: unknown = doc;
  for (const token of tokens.slice(1, -1)) {
    if (!isContainer(current)) return undefined;
    const key = decodeToken(token);
    let next: unknown;
    if (Array.isArray(current)) {
      const index = parseIndex(key);
      if (index === undefined || index < -current.length || index >= current.length) return undefined;
      next = current[index < 0 ? index + current.length : index];
    } else {
      next = Object.hasOwn(current, key) ? current[key] : undefined;
    }
    current = next;
  }
  if (!isContainer(current)) return undefined;
  return { container: current, key: decodeToken(tokens[tokens.length - 1]) };
}

function isContainer(v: unknown): v is Container {
  return isObject(v) || Array.isArray(v);
}

// RFC 6901: "~1" is "/" and "~0" is "~", decoded in one left-to-right pass.
function decodeToken(token: string): string {
  return token.replace(/~[01]/g, (escape) => (escape === '~1' ? '/' : '~'));
}

// strconv.Atoi: an optional sign and decimal digits.
function parseIndex(key: string): number | undefined {
  return /^[+-]?\d+$/.test(key) ? Number(key) : undefined;
}

/** Resolves an array index, negative ones counting from the end; `last` is the highest valid index. */
function arrayIndex(array: unknown[], key: string, last: number): number {
  const index = parseIndex(key);
  if (index === undefined) notApplied(`strconv.Atoi: parsing "${key}": invalid syntax`);
  const size = last + 1;
  if (index > last || index < -size) notApplied(`Unable to access invalid index: ${index}: invalid index referenced`);
  return index < 0 ? index + size : index;
}

function getAt(container: Container, key: string): unknown {
  if (Array.isArray(container)) return container[arrayIndex(container, key, container.length - 1)] ?? null;
  return Object.hasOwn(container, key) ? container[key] ?? null : null;
}

function addAt(container: Container, key: string, value: unknown): void {
  if (!Array.isArray(container)) {
    container[key] = value;
  } else if (key === '-') {
    container.push(value);
  } else {
    container.splice(arrayIndex(container, key, container.length), 0, value);
  }
}

function removeAt(container: Container, key: string): void {
  if (Array.isArray(container)) {
    container.splice(arrayIndex(container, key, container.length - 1), 1);
  } else if (Object.hasOwn(container, key)) {
    delete container[key];
  } else {
    notApplied(`Unable to remove nonexistent key: ${key}: missing value`);
  }
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return a === b;
}
