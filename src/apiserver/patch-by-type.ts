// Applies a PATCH body of any supported content type to the current object.
import { isObject, type KubeObject } from '../api/object.js';
import { ApiError, errors } from '../api/status.js';
import { applyJsonPatch } from './patch/json-patch.js';
import { applyMergePatch } from './patch/merge-patch.js';
import { applyStrategicMergePatch } from './patch/strategic-merge-patch.js';
import { applyServerSideApply } from './patch/apply-patch.js';
import { PatchError } from './patch/patch-error.js';

export const patchMediaTypes = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;
export type PatchMediaType = (typeof patchMediaTypes)[number];

/** The object a server-side apply creates when nothing exists yet (directives and nulls cleaned up). */
export function objectFromApply(applied: unknown, gvk: { group: string; version: string; kind: string }): unknown {
  if (!isObject(applied)) throw errors.badRequest('the apply configuration must be an object');
  return applyServerSideApply(undefined, applied as KubeObject, gvk);
}

export function isPatchMediaType(t: string): t is PatchMediaType {
  return (patchMediaTypes as readonly string[]).includes(t);
}

export function applyPatchByType(
  type: PatchMediaType, current: KubeObject | Record<string, unknown>, patch: unknown, gvk: { group: string; version: string; kind: string },
): unknown {
  try {
    switch (type) {
      case 'application/json-patch+json':
        return applyJsonPatch(current, patch);
      case 'application/merge-patch+json':
        return applyMergePatch(current, patch);
      case 'application/strategic-merge-patch+json':
        return applyStrategicMergePatch(current, patch, gvk);
      case 'application/apply-patch+yaml':
        if (!isObject(patch)) throw errors.badRequest('the apply configuration must be an object');
        return applyServerSideApply(current as KubeObject, patch as KubeObject, gvk);
    }
  } catch (e: unknown) {
    if (e instanceof PatchError) throw new ApiError(e.code, e.reason, e.message);
    throw e;
  }
}
