// JSON merge patch (RFC 7386, application/merge-patch+json): objects merge recursively, null
// removes a member, anything else (lists included) replaces the target.
import { clone, isObject } from '../../api/object.js';
import { PatchError } from './patch-error.js';

/**
 * Applies a merge patch to a stored object. The apiserver only takes an object as the patch: null
 * and scalars are rejected as upstream rejects them ("Invalid JSON Patch", 400), and so are lists,
 * which upstream would turn into a document that fails to decode.
 */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (!isObject(patch)) throw new PatchError(400, 'Invalid JSON Patch');
  return mergePatchValue(doc, patch);
}

/** RFC 7386 MergePatch(target, patch) for any JSON values; the inputs are left untouched. */
export function mergePatchValue(target: unknown, patch: unknown): unknown {
  return mergeInto(clone(target), patch);
}

// `target` is a private copy, so it is updated in place.
function mergeInto(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const result = isObject(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergeInto(result[key], value);
  }
  return result;
}
