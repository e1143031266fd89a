// Strategic merge patch (application/strategic-merge-patch+json) as apimachinery's strategicpatch
// applies it on the server: maps merge recursively and null deletes a key; lists whose field merges
// (patch-strategy.ts) merge by their key, other lists are replaced. Directives:
// - `$patch: replace` on a map or as a list element, `$patch: delete` on a map (empties it) or as a
//   list element (deletes the elements with that key);
// - `$retainKeys: [...]` drops the map's other keys first;
// - `$setElementOrder/<list>` gives the order of the merged list;
// - `$deleteFromPrimitiveList/<list>` removes values from a merging list of primitives.
// Upstream rejects `$patch: merge` (it is never sent); so does this.
// Errors carry upstream's codes and messages: malformed directives 400, lists of lists 422, and
// the rest (missing merge keys, mismatched types) 500 as upstream's untyped errors are.
import { clone, isObject } from '../../api/object.js';
import { PatchError, goTypeName, goValueString, jsonKindName } from './patch-error.js';
import { fieldStrategy, rootTypeFor, type FieldStrategy, type GroupVersionKind, type PatchTypeName } from './patch-strategy.js';

type JsonMap = Record<string, unknown>;

const directiveMarker = '$patch';
const retainKeysDirective = '$retainKeys';
const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList';
const setElementOrderPrefix = '$setElementOrder';

const badPatchFormatForPrimitiveList = () => new PatchError(400, 'invalid patch format of primitive list');
const badPatchFormatForRetainKeys = () => new PatchError(400, 'invalid patch format of retainKeys');
const badPatchFormatForSetElementOrderList = () => new PatchError(400, 'invalid patch format of setElementOrder list');
const noListOfLists = () => new PatchError(422, 'lists of lists are not supported');
const noMergeKey = (m: unknown, key: string) =>
  new PatchError(500, `map: ${goValueString(m)} does not contain declared merge key: ${key}`);
const badArgType = (expected: string, actual: unknown) =>
  new PatchError(500, `expected a ${expected}, but received a ${goTypeName(actual)}`);
const badPatchType = (directive: unknown, m: JsonMap) =>
  new PatchError(500, `unknown patch type: ${goValueString(directive)} in map: ${goValueString(m)}`);

export function applyStrategicMergePatch(doc: unknown, patch: unknown, gvk: GroupVersionKind): unknown {
  // The body decodes into a map: null leaves it empty, other non-objects fail to decode.
  if (patch === null) return clone(doc);
  if (!isObject(patch)) {
    throw new PatchError(400, `json: cannot unmarshal ${jsonKindName(patch)} into Go value of type map[string]interface {}`);
  }
  if (!isObject(doc)) throw new PatchError(400, 'invalid JSON document');
  // Work on copies: the merge below updates both in place, as upstream's does.
  return mergeMap(clone(doc), clone(patch), rootTypeFor(gvk));
}

function mergeMap(original: JsonMap, patch: JsonMap, type: PatchTypeName | undefined): JsonMap {
  if (Object.hasOwn(patch, directiveMarker)) return mapWithDirective(patch);
  applyRetainKeys(original, patch);
  mergeOrderedLists(original, patch, type);

  for (const [patchKey, patchValue] of Object.entries(patch)) {
    let key = patchKey;
    const isDeleteList = patchKey.startsWith(deleteFromPrimitiveListPrefix);
    if (isDeleteList) key = listKeyOf(patchKey, deleteFromPrimitiveListPrefix);

    if (patchValue === null) {
      delete original[key];
      continue;
    }
    const current = original[key];
    const strategy = fieldStrategy(type, key);
    if (Object.hasOwn(original, key) && isObject(current) && isObject(patchValue)) {
      original[key] = mergeMap(current, patchValue, strategy.type);
    } else if (Object.hasOwn(original, key) && Array.isArray(current) && Array.isArray(patchValue)) {
      original[key] = strategy.mergeList ? mergeList(current, patchValue, strategy, isDeleteList) : patchValue;
    } else if (!isDeleteList) {
      // Nothing to merge with (absent, a scalar, or another type): the patch value is taken as
      // sent, less its nulls and directives.
      setOrDelete(original, key, withoutDirectives(patchValue));
    }
  }
  return original;
}

function mapWithDirective(patch: JsonMap): JsonMap {
  const directive = patch[directiveMarker];
  if (directive === 'replace') {
    delete patch[directiveMarker];
    return withoutDirectives(patch) as JsonMap;
  }
  if (directive === 'delete') return {};
  throw badPatchType(directive, patch);
}

function setOrDelete(map: JsonMap, key: string, value: unknown): void {
  if (value === undefined) delete map[key];
  else map[key] = value;
}

/** "$setElementOrder/containers" → "containers"; a directive key without the slash is a 400. */
function listKeyOf(directiveKey: string, prefix: string): string {
  const slash = directiveKey.indexOf('/');
  if (slash < 0 || directiveKey.slice(0, slash) !== prefix) {
    throw prefix === deleteFromPrimitiveListPrefix ? badPatchFormatForPrimitiveList() : badPatchFormatForSetElementOrderList();
  }
  return directiveKey.slice(slash + 1);
}

/**
 * A patch value placed where nothing merges with it: null members go (upstream's
 * discardNullValuesFromPatch), maps carrying `$patch` go (removeDirectives), and so do the other
 * directive keys, which upstream's typed decoding drops afterwards. Undefined means "drop it".
 */
function withoutDirectives(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(withoutDirectives).filter((v) => v !== undefined);
  }
  if (!isObject(value)) return value;
  if (Object.hasOwn(value, directiveMarker)) return undefined;
  const result: JsonMap = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === null || isDirectiveKey(key)) continue;
    const cleaned = withoutDirectives(v);
    if (cleaned !== undefined) result[key] = cleaned;
  }
  return result;
}

function isDirectiveKey(key: string): boolean {
  return key === retainKeysDirective || key.startsWith(deleteFromPrimitiveListPrefix) || key.startsWith(setElementOrderPrefix);
}

function applyRetainKeys(original: JsonMap, patch: JsonMap): void {
  if (!Object.hasOwn(patch, retainKeysDirective)) return;
  const retained = patch[retainKeysDirective];
  delete patch[retainKeysDirective];
  if (!Array.isArray(retained)) throw badPatchFormatForRetainKeys();
  const keep = new Set(retained);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || key.startsWith(deleteFromPrimitiveListPrefix) || key.startsWith(setElementOrderPrefix)) continue;
    if (!keep.has(key)) throw badPatchFormatForRetainKeys();
  }
  for (const key of Object.keys(original)) {
    if (!keep.has(key)) delete original[key];
  }
}

/**
 * Merges each list named by a `$setElementOrder/<list>` directive and orders the result: items of
 * the order list as it gives them, the live object's other items around them in their live order.
 * Only merging lists are ordered; any other list is replaced by the main merge as usual.
 */
function mergeOrderedLists(original: JsonMap, patch: JsonMap, type: PatchTypeName | undefined): void {
  for (const directiveKey of Object.keys(patch)) {
    if (!directiveKey.startsWith(setElementOrderPrefix)) continue;
    const order = patch[directiveKey];
    delete patch[directiveKey];
    if (!Array.isArray(order)) throw badArgType('[]interface {}', order);
    const key = listKeyOf(directiveKey, setElementOrderPrefix);
    const strategy = fieldStrategy(type, key);
    if (!strategy.mergeList) continue;

    const foundOriginal = Object.hasOwn(original, key);
    const foundPatch = Object.hasOwn(patch, key);
    const originalList = foundOriginal ? original[key] : [];
    const patchList = foundPatch ? patch[key] : [];
    if (!Array.isArray(originalList)) throw badArgType('[]interface {}', originalList);
    if (!Array.isArray(patchList)) throw badArgType('[]interface {}', patchList);
    const mergeKey = strategy.mergeKey ?? '';
    validateAgainstOrder(patchList, order, mergeKey);

    let merged: unknown[];
    if (foundOriginal && foundPatch) merged = mergeList(originalList, patchList, strategy, false);
    else if (foundPatch) merged = withoutDirectives(patchList) as unknown[];
    else if (foundOriginal) merged = originalList;
    else continue;

    const [inOrder, serverOnly] = partitionByPresence(merged, order, mergeKey);
    const kind = elementKind([originalList, patchList]);
    original[key] = normalizeElementOrder(inOrder, serverOnly, order, originalList, mergeKey, kind);
    delete patch[key];
  }
}

/** The patch list's items (deletions aside) must appear in the order list, in the same order. */
function validateAgainstOrder(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items = mergeKey ? patchList.filter((item) => !isDeleteDirective(asMap(item))) : patchList;
  let itemIndex = 0;
  let orderIndex = 0;
  while (itemIndex < items.length && orderIndex < order.length) {
    const item = items[itemIndex];
    if (isObject(item) && Object.hasOwn(item, directiveMarker)) {
      itemIndex++;
      continue;
    }
    if (mergeKeyValueEqual(item, order[orderIndex], mergeKey)) itemIndex++;
    orderIndex++;
  }
  if (itemIndex < items.length) {
    throw new PatchError(500, `the order in patch list:\n${goValueString(patchList)}\n doesn't match ${setElementOrderPrefix} list:\n${goValueString(order)}`);
  }
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (!mergeKey) return left === right;
  const leftMap = asMap(left);
  const rightMap = asMap(right);
  if (!Object.hasOwn(leftMap, mergeKey)) throw noMergeKey(leftMap, mergeKey);
  if (!Object.hasOwn(rightMap, mergeKey)) throw noMergeKey(rightMap, mergeKey);
  return leftMap[mergeKey] === rightMap[mergeKey];
}

function asMap(v: unknown): JsonMap {
  if (!isObject(v)) throw badArgType('map[string]interface {}', v);
  return v;
}

function isDeleteDirective(item: JsonMap): boolean {
  return item[directiveMarker] === 'delete';
}

type ElementKind = 'map' | 'scalar';

/** Merges a list whose field merges: maps by the merge key, primitives as a set. */
function mergeList(original: unknown[], patch: unknown[], strategy: FieldStrategy, isDeleteList: boolean): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind([original, patch]);
  let merged: unknown[];
  let base = original;
  let patchItems = patch;
  const mergeKey = strategy.mergeKey ?? '';
  if (kind === 'scalar') {
    if (isDeleteList) return original.filter((v) => !patch.includes(v));
    merged = [...new Set([...original, ...patch])];
  } else {
    if (!mergeKey) throw new PatchError(500, 'cannot merge lists without merge key for type map');
    ({ base, patchItems } = applyListDirectives(original, patch, mergeKey));
    merged = mergeByKey(base, patchItems, mergeKey, strategy.type);
  }
  const [fromPatch, serverOnly] = partitionByPresence(merged, patchItems, mergeKey);
  return normalizeElementOrder(fromPatch, serverOnly, patchItems, base, mergeKey, kind);
}

/**
 * Handles `$patch` elements: `delete` removes the original elements with that key, `replace`
 * makes the patch's other elements the whole list. Returns the list to merge into and the
 * patch elements left to merge.
 */
function applyListDirectives(original: unknown[], patch: unknown[], mergeKey: string): { base: unknown[]; patchItems: unknown[] } {
  let base = original;
  const plainItems: unknown[] = [];
  let replace = false;
  for (const item of patch) {
    const element = asMap(item);
    if (!Object.hasOwn(element, directiveMarker)) {
      plainItems.push(item);
      continue;
    }
    switch (element[directiveMarker]) {
      case 'delete': {
        if (!Object.hasOwn(element, mergeKey)) throw noMergeKey(element, mergeKey);
        const keyValue = element[mergeKey];
        const candidates = elementsAsMaps(base);
        base = base.filter((_, i) => !(Object.hasOwn(candidates[i], mergeKey) && candidates[i][mergeKey] === keyValue));
        break;
      }
      case 'replace':
        replace = true;
        break;
      case 'merge':
        throw new PatchError(500, 'merging lists cannot yet be specified in the patch');
      default:
        throw badPatchType(element[directiveMarker], element);
    }
  }
  if (replace) return { base: withoutDirectives(plainItems) as unknown[], patchItems: [] };
  return { base, patchItems: plainItems };
}

/** A merging list's elements, which lookups by merge key require to be maps. */
function elementsAsMaps(list: unknown[]): JsonMap[] {
  return list.map((v, i) => {
    if (!isObject(v)) throw new PatchError(500, `value for key ${i} is not a map.`);
    return v;
  });
}

function mergeByKey(original: unknown[], patch: unknown[], mergeKey: string, type: PatchTypeName | undefined): unknown[] {
  const merged = [...original];
  for (const item of patch) {
    const element = asMap(item);
    if (!Object.hasOwn(element, mergeKey)) throw noMergeKey(element, mergeKey);
    const elements = elementsAsMaps(merged);
    const index = elements.findIndex((candidate) => Object.hasOwn(candidate, mergeKey) && candidate[mergeKey] === element[mergeKey]);
    if (index >= 0) merged[index] = mergeMap(elements[index], element, type);
    else merged.push(withoutDirectives(element));
  }
  return merged;
}

/** All elements of the lists are maps, or all are scalars of one Go type; lists of lists fail. */
function elementKind(lists: unknown[][]): ElementKind {
  let first: string | undefined;
  for (const list of lists) {
    for (const v of list) {
      const typeName = goTypeName(v);
      if (first === undefined) {
        if (Array.isArray(v)) throw noListOfLists();
        first = typeName;
      } else if (typeName !== first) {
        throw new PatchError(500, `list element types are not identical: ${goValueString(lists)}`);
      }
    }
  }
  return first === 'map[string]interface {}' ? 'map' : 'scalar';
}

function identity(item: unknown, mergeKey: string, kind: ElementKind): unknown {
  return kind === 'map' ? (isObject(item) ? item[mergeKey] : undefined) : item;
}

function indexIn(list: unknown[], item: unknown, mergeKey: string, kind: ElementKind): number {
  const wanted = identity(item, mergeKey, kind);
  return list.findIndex((candidate) => identity(candidate, mergeKey, kind) === wanted);
}

/** Splits items into those present in `by` (by merge key, or by value for primitives) and the rest. */
function partitionByPresence(items: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const present: unknown[] = [];
  const absent: unknown[] = [];
  const byMaps = mergeKey ? elementsAsMaps(by) : [];
  for (const item of items) {
    let found: boolean;
    if (mergeKey) {
      const map = asMap(item);
      if (!Object.hasOwn(map, mergeKey)) throw noMergeKey(map, mergeKey);
      found = byMaps.some((candidate) => Object.hasOwn(candidate, mergeKey) && candidate[mergeKey] === map[mergeKey]);
    } else {
      found = by.includes(item);
    }
    (found ? present : absent).push(item);
  }
  return [present, absent];
}

/**
 * Sorts the patch's items by `patchOrder` and the server-only items by `serverOrder`, then
 * interleaves them: a server-only item goes before a patch item only when both are in the live
 * list and it comes first there (so new items land before the remaining server-only ones).
 */
function normalizeElementOrder(
  patchItems: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string, kind: ElementKind,
): unknown[] {
  const right = sortByOrder(patchItems, patchOrder, mergeKey, kind);
  const left = sortByOrder(serverOnly, serverOrder, mergeKey, kind);
  const result: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (j >= right.length) {
      result.push(left[i++]);
    } else if (i >= left.length) {
      result.push(right[j++]);
    } else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) result.push(left[i++]);
      else result.push(right[j++]);
    }
  }
  return result;
}

/** Stable sort by position in `order`; maps must carry the merge key, deletions go last. */
function sortByOrder(items: unknown[], order: unknown[], mergeKey: string, kind: ElementKind): unknown[] {
  let toSort = items;
  let deletions: unknown[] = [];
  if (kind === 'map') {
    for (const item of [...items, ...order]) {
      const map = asMap(item);
      if (!Object.hasOwn(map, mergeKey)) throw noMergeKey(map, mergeKey);
    }
    toSort = items.filter((item) => !isDeleteDirective(item as JsonMap));
    deletions = items.filter((item) => isDeleteDirective(item as JsonMap));
  }
  const sorted = toSort
    .map((item, position) => ({ item, position, rank: indexIn(order, item, mergeKey, kind) }))
    .sort((a, b) => a.rank - b.rank || a.position - b.position)
    .map(({ item }) => item);
  return [...sorted, ...deletions];
}
