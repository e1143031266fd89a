// Server-side apply (application/apply-patch+yaml), simplified: the applied configuration is merged
// into the live object with strategic merge's list rules (merge keys, sets, atomic lists), and
// fields declared retainKeys (Deployment strategy, volumes) take exactly the applied union member,
// so switching RollingUpdate to Recreate drops rollingUpdate.
//
// Known simplification: there is no managedFields tracking. Upstream prunes fields that a manager
// applied before and no longer applies; here a field removed from the applied configuration stays
// in the live object (remove it with null, or another patch), and no field-manager conflicts (409)
// are detected.
import type { KubeObject } from '../../api/object.js';
import { isObject } from '../../api/object.js';
import { fieldStrategy, rootTypeFor, type GroupVersionKind, type PatchTypeName } from './patch-strategy.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';

/** The object after applying `applied`; a new object when `live` is undefined. */
export function applyServerSideApply(live: KubeObject | undefined, applied: KubeObject, gvk: GroupVersionKind): KubeObject {
  const patch = withRetainKeysDirectives(applied, rootTypeFor(gvk));
  return applyStrategicMergePatch(live ?? {}, patch, gvk) as KubeObject;
}

/**
 * A copy of an applied map as a strategic merge patch: every value of a retainKeys field (each
 * element, for lists) names its own keys in `$retainKeys`, as client-side apply's patches do.
 */
function withRetainKeysDirectives(map: Record<string, unknown>, type: PatchTypeName | undefined): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(map)) {
    const strategy = fieldStrategy(type, key);
    const convert = (v: unknown): unknown => {
      if (!isObject(v)) return v;
      const converted = withRetainKeysDirectives(v, strategy.type);
      if (strategy.retainKeys) converted.$retainKeys = Object.keys(v).filter((k) => v[k] !== null);
      return converted;
    };
    result[key] = Array.isArray(value) ? value.map(convert) : convert(value);
  }
  return result;
}
