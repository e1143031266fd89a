// Upstream's OpenAPI carries each field's strategic-merge tags as x-kubernetes-patch-strategy and
// x-kubernetes-patch-merge-key. kubectl 1.33 computes apply patches from /openapi/v3 when the kind is
// there: without the tags every list (containers, env, ports…) is replaced whole and a re-apply of an
// unchanged manifest reports "configured". The tags come from the same table the server patches with.
import { kindRootTypes, strategicFields, type FieldStrategy, type PatchTypeName } from './patch/patch-strategy.js';

/** The part of a schema object this walk reads and writes. */
export interface PatchableSchema {
  properties?: Record<string, PatchableSchema>;
  items?: PatchableSchema;
  allOf?: PatchableSchema[];
  $ref?: string;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
}

function strategyValue(s: FieldStrategy): string | undefined {
  const parts = [...(s.mergeList ? ['merge'] : []), ...(s.retainKeys ? ['retainKeys'] : [])];
  return parts.length ? parts.join(',') : undefined;
}

/** The component name a property (or its list items) refers to, through allOf wrappers. */
function referencedName(schema: PatchableSchema, refPrefix: string): string | undefined {
  const target = schema.items ?? schema;
  const ref = target.$ref ?? target.allOf?.find((s) => s.$ref)?.$ref;
  return ref?.startsWith(refPrefix) ? ref.slice(refPrefix.length) : undefined;
}

/** Adds the patch extensions to the component schemas (in place), walking from every kind's root. */
export function addPatchExtensions(schemas: Record<string, PatchableSchema>, refPrefix: string): void {
  const byKind = new Map<string, string>();
  for (const [name, schema] of Object.entries(schemas)) {
    for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) {
      byKind.set(`${gvk.group ? `${gvk.group}/` : ''}${gvk.version}/${gvk.kind}`, name);
    }
  }
  const seen = new Set<string>();
  const visit = (schemaName: string, type: PatchTypeName): void => {
    const key = `${schemaName}@${type}`;
    if (seen.has(key)) return;
    seen.add(key);
    const properties = schemas[schemaName]?.properties;
    if (!properties) return;
    for (const [field, strategy] of strategicFields(type)) {
      const property = properties[field];
      if (!property) continue;
      const value = strategyValue(strategy);
      if (value) property['x-kubernetes-patch-strategy'] = value;
      if (strategy.mergeKey) property['x-kubernetes-patch-merge-key'] = strategy.mergeKey;
      const next = strategy.type && referencedName(property, refPrefix);
      if (strategy.type && next) visit(next, strategy.type);
    }
  };
  for (const [kind, type] of kindRootTypes()) {
    const name = byKind.get(kind);
    if (name) visit(name, type);
  }
}
