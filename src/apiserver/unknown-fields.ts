// Unknown fields in a request body, found against the kind's OpenAPI schema: what upstream's strict decoding
// reports under fieldValidation=Strict (400 `strict decoding error: unknown field "spec.replicas2"`) or Warn
// (a Warning header per field). Schemas are compiled once per kind into a tree of the fields each level knows.
import { loadSchemas, schemaNameForKind, schemaRefPrefix, type Schema } from './openapi-schemas.js';

/** What a JSON value may contain at one point of a kind; `undefined` accepts anything below it. */
type Shape = StructShape | ListShape | MapShape | undefined;
interface StructShape { kind: 'struct'; fields: Map<string, Shape> }
interface ListShape { kind: 'list'; items: Shape }
interface MapShape { kind: 'map'; values: Shape }

// Shared across kinds: compiled named schemas (recursive ones, like JSONSchemaProps, refer to themselves).
const namedShapes = new Map<string, Shape>();
const kindShapes = new Map<string, Shape>(); // undefined for kinds without a schema

function compileNamed(schemas: Record<string, Schema>, name: string): Shape {
  if (namedShapes.has(name)) return namedShapes.get(name);
  const schema = schemas[name];
  if (!schema) return undefined;
  if (schema.properties && !schema['x-kubernetes-preserve-unknown-fields']) {
    // Registered before its fields are compiled so that a self-reference finds it.
    const struct: StructShape = { kind: 'struct', fields: new Map() };
    namedShapes.set(name, struct);
    for (const [field, sub] of Object.entries(schema.properties)) struct.fields.set(field, compile(schemas, sub));
    return struct;
  }
  const shape = compile(schemas, schema);
  namedShapes.set(name, shape);
  return shape;
}

// Scalars, IntOrString, Quantity (oneOf) and preserve-unknown-fields nodes all compile to undefined: opaque.
function compile(schemas: Record<string, Schema>, schema: Schema): Shape {
  if (schema.$ref) return schema.$ref.startsWith(schemaRefPrefix) ? compileNamed(schemas, schema.$ref.slice(schemaRefPrefix.length)) : undefined;
  if (schema.allOf?.length === 1 && !schema.properties) return compile(schemas, schema.allOf[0]);
  if (schema['x-kubernetes-preserve-unknown-fields']) return undefined;
  if (schema.properties) {
    const fields = new Map<string, Shape>();
    for (const [field, sub] of Object.entries(schema.properties)) fields.set(field, compile(schemas, sub));
    return { kind: 'struct', fields };
  }
  if (schema.items) {
    const items = compile(schemas, schema.items);
    return items && { kind: 'list', items };
  }
  if (schema.additionalProperties) {
    const values = compile(schemas, schema.additionalProperties);
    return values && { kind: 'map', values };
  }
  return undefined;
}

function shapeOfKind(apiVersion: string, kind: string): Shape {
  const key = `${apiVersion}/${kind}`;
  if (!kindShapes.has(key)) {
    const name = schemaNameForKind(apiVersion, kind);
    kindShapes.set(key, name ? compileNamed(loadSchemas(), name) : undefined);
  }
  return kindShapes.get(key);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Paths as upstream's decoder writes them: fields joined by ".", list items as "[i]".
function collect(shape: Shape, value: unknown, path: string, out: string[]): void {
  if (!shape) return;
  switch (shape.kind) {
    case 'struct':
      if (!isPlainObject(value)) return;
      for (const [field, sub] of Object.entries(value)) {
        const subPath = path ? `${path}.${field}` : field;
        if (!shape.fields.has(field)) out.push(subPath);
        else collect(shape.fields.get(field), sub, subPath, out);
      }
      return;
    case 'list':
      if (Array.isArray(value)) value.forEach((item, i) => collect(shape.items, item, `${path}[${i}]`, out));
      return;
    case 'map':
      if (isPlainObject(value)) for (const [key, sub] of Object.entries(value)) collect(shape.values, sub, `${path}.${key}`, out);
      return;
  }
}

/**
 * Paths of the fields in `obj` that the schema of apiVersion/kind does not declare, in document order
 * (e.g. "spec.replicas2", "spec.template.spec.containers[0].imagee"). Empty for kinds without a schema.
 */
export function findUnknownFields(apiVersion: string, kind: string, obj: unknown): string[] {
  const out: string[] = [];
  collect(shapeOfKind(apiVersion, kind), obj, '', out);
  return out;
}
