// Unknown fields in a request body, found against the kind's OpenAPI schema: what upstream's strict decoding
// reports under fieldValidation=Strict (400 `strict decoding error: unknown field "spec.replicas2"`) or Warn
// (a Warning header per field). The schema walk is type-check.ts's, which finds type errors in the same pass.
import { findUndeclaredFields } from './type-check.js';

/**
 * Paths of the fields in `obj` that the schema of apiVersion/kind does not declare, in document order
 * (e.g. "spec.replicas2", "spec.template.spec.containers[0].imagee"). Empty for kinds without a schema.
 * A value of the wrong type (a string where an object belongs) is not descended into.
 */
export function findUnknownFields(apiVersion: string, kind: string, obj: unknown): string[] {
  return findUndeclaredFields(apiVersion, kind, obj);
}
