// What core's ValidateObjectMeta adds to the generic metadata checks: finalizer names without a
// domain must be one of the standard ones.
import { fe, FieldPath, type FieldError } from '../field-errors.js';
import type { KubeObject } from '../object.js';

const standardFinalizers = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

export function validateKubeFinalizerName(name: string, path: FieldPath): FieldError[] {
  if (name.split('/').length === 1 && !standardFinalizers.has(name)) {
    return [fe.invalid(path, name, 'name is neither a standard finalizer name nor is it fully qualified')];
  }
  return [];
}

export function validateCoreObjectMeta(obj: KubeObject): FieldError[] {
  const finalizers = obj.metadata?.finalizers;
  if (!Array.isArray(finalizers)) return [];
  const path = FieldPath.root('metadata').child('finalizers');
  return finalizers.flatMap((f, i) => (typeof f === 'string' ? validateKubeFinalizerName(f, path.index(i)) : []));
}
