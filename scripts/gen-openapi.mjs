#!/usr/bin/env node
// Build step: derives OpenAPI v3 component schemas, named and shaped as upstream's /openapi/v3 documents name
// and shape them, from the declarations in kubernetes-types (which carry upstream's field descriptions as
// JSDoc). The API server serves them to `kubectl explain` and validates request bodies against them.
//
// Usage: node scripts/gen-openapi.mjs [output.json]   (default dist/openapi/schemas.json)
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outFile = resolve(process.argv[2] ?? join(repoRoot, 'dist', 'openapi', 'schemas.json'));
const typesDir = dirname(createRequire(join(repoRoot, 'package.json')).resolve('kubernetes-types/package.json'));

const REF_PREFIX = '#/components/schemas/';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

// kubernetes-types writes every Go integer and float as `number`; these are the Go int64 fields (by JSON
// name) and the float64 ones. Every other number is an int32 upstream.
const INT64_FIELDS = new Set([
  'activeDeadlineSeconds', 'deletionGracePeriodSeconds', 'expirationSeconds', 'fsGroup', 'generation',
  'gracePeriodSeconds', 'int', 'ints', 'maxItems', 'maxLength', 'maxProperties', 'minItems', 'minLength',
  'minProperties', 'observedGeneration', 'remainingItemCount', 'revision', 'runAsGroup', 'runAsUser', 'seconds',
  'sizeBytes', 'startingDeadlineSeconds', 'supplementalGroups', 'terminationGracePeriodSeconds', 'tolerationSeconds',
]);
const DOUBLE_FIELDS = new Set(['maximum', 'minimum', 'multipleOf']);

// Declarations with no fields hold arbitrary JSON (RawExtension, JSON, FieldsV1, Patch).
const OPAQUE_OBJECT = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

// meta/v1 kinds whose apiVersion/kind are plain strings in kubernetes-types; upstream registers them in core v1.
const CORE_V1_META_KINDS = new Set(['Status', 'DeleteOptions']);

/** Upstream's Go package path, in OpenAPI's dotted form, for a kubernetes-types file (without .d.ts). */
function packageOf(modulePath) {
  switch (modulePath) {
    case 'meta/v1': return 'io.k8s.apimachinery.pkg.apis.meta.v1';
    case 'api/resource': return 'io.k8s.apimachinery.pkg.api.resource';
    case 'runtime': return 'io.k8s.apimachinery.pkg.runtime';
    case 'version': return 'io.k8s.apimachinery.pkg.version';
    case 'apiextensions/v1': return 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';
    default: return `io.k8s.api.${modulePath.replace('/', '.')}`;
  }
}

function declarationFiles(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const p = join(dir, entry);
    if (entry === 'node_modules') return [];
    if (statSync(p).isDirectory()) return declarationFiles(p);
    return entry.endsWith('.d.ts') ? [p] : [];
  });
}

const files = declarationFiles(typesDir).sort();
const program = ts.createProgram(files, { noResolve: false, skipLibCheck: true });
const checker = program.getTypeChecker();

function schemaNameOf(declaration) {
  const modulePath = relative(typesDir, declaration.getSourceFile().fileName).replace(/\.d\.ts$/, '');
  return `${packageOf(modulePath)}.${declaration.name.text}`;
}

function descriptionOf(node) {
  const symbol = node.name && checker.getSymbolAtLocation(node.name);
  const text = symbol ? ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() : '';
  return text || undefined;
}

/** The declaration a type reference names, through imports. */
function referencedDeclaration(typeName) {
  let symbol = checker.getSymbolAtLocation(typeName);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  const declaration = symbol?.declarations?.[0];
  if (!declaration || !(ts.isInterfaceDeclaration(declaration) || ts.isTypeAliasDeclaration(declaration))) {
    throw new Error(`cannot resolve type ${typeName.getText()}`);
  }
  return declaration;
}

function isIntOrString(typeNode) {
  if (!ts.isUnionTypeNode(typeNode) || typeNode.types.length !== 2) return false;
  const kinds = typeNode.types.map((t) => t.kind).sort();
  return kinds[0] === ts.SyntaxKind.NumberKeyword && kinds[1] === ts.SyntaxKind.StringKeyword;
}

function numberSchema(fieldName) {
  if (DOUBLE_FIELDS.has(fieldName)) return { type: 'number', format: 'double' };
  return { type: 'integer', format: INT64_FIELDS.has(fieldName) ? 'int64' : 'int32' };
}

/**
 * The schema of a type as it appears in a field, array item or map value. Named types come back as
 * `{ $ref }`; the caller wraps a field's reference in allOf so that the field's own description can sit
 * beside it, as upstream's v3 documents do.
 */
function typeSchema(typeNode, fieldName) {
  switch (typeNode.kind) {
    case ts.SyntaxKind.StringKeyword: return { type: 'string' };
    case ts.SyntaxKind.BooleanKeyword: return { type: 'boolean' };
    case ts.SyntaxKind.NumberKeyword: return numberSchema(fieldName);
  }
  if (ts.isLiteralTypeNode(typeNode) && ts.isStringLiteral(typeNode.literal)) return { type: 'string' };
  if (ts.isArrayTypeNode(typeNode)) return { type: 'array', items: typeSchema(typeNode.elementType, fieldName) };
  if (ts.isParenthesizedTypeNode(typeNode)) return typeSchema(typeNode.type, fieldName);
  if (isIntOrString(typeNode)) return { $ref: REF_PREFIX + INT_OR_STRING };
  if (ts.isTypeReferenceNode(typeNode)) {
    if (ts.isIdentifier(typeNode.typeName) && typeNode.typeName.text === 'Array') {
      return { type: 'array', items: typeSchema(typeNode.typeArguments[0], fieldName) };
    }
    return { $ref: REF_PREFIX + schemaNameOf(referencedDeclaration(typeNode.typeName)) };
  }
  if (ts.isTypeLiteralNode(typeNode)) {
    const index = typeNode.members.find(ts.isIndexSignatureDeclaration);
    if (index && typeNode.members.length === 1) {
      return { type: 'object', additionalProperties: typeSchema(index.type, fieldName) };
    }
  }
  throw new Error(`unsupported type ${typeNode.getText()} for field ${fieldName}`);
}

function fieldSchema(member) {
  const name = member.name.text;
  const schema = typeSchema(member.type, name);
  const description = descriptionOf(member);
  const field = schema.$ref ? { allOf: [schema] } : schema;
  return description ? { description, ...field } : field;
}

/** x-kubernetes-group-version-kind for a declaration with apiVersion and kind, when they are known. */
function groupVersionKind(declaration, members) {
  const literal = (name) => {
    const member = members.find((m) => m.name.text === name);
    const t = member?.type;
    return t && ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal) ? t.literal.text : undefined;
  };
  const apiVersion = literal('apiVersion');
  const kind = literal('kind');
  if (apiVersion && kind) {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    return [{ group, kind, version }];
  }
  const name = declaration.name.text;
  if (schemaNameOf(declaration).startsWith('io.k8s.apimachinery.pkg.apis.meta.v1.') && CORE_V1_META_KINDS.has(name)) {
    return [{ group: '', kind: name, version: 'v1' }];
  }
  return undefined;
}

function interfaceSchema(declaration) {
  const members = declaration.members.filter(ts.isPropertySignature);
  const description = descriptionOf(declaration);
  if (members.length === 0) return { ...(description && { description }), ...OPAQUE_OBJECT };
  const properties = {};
  const required = [];
  for (const member of members) {
    properties[member.name.text] = fieldSchema(member);
    if (!member.questionToken) required.push(member.name.text);
  }
  const schema = { ...(description && { description }), type: 'object', properties };
  if (required.length) schema.required = required;
  const gvk = groupVersionKind(declaration, members);
  if (gvk) schema['x-kubernetes-group-version-kind'] = gvk;
  return schema;
}

/** Named scalars keep upstream's wire formats; JSONSchemaPropsOr* unions stay untyped, as upstream leaves them. */
function aliasSchema(declaration) {
  const description = descriptionOf(declaration);
  const base = description ? { description } : {};
  switch (schemaNameOf(declaration)) {
    case 'io.k8s.apimachinery.pkg.api.resource.Quantity':
      return { ...base, oneOf: [{ type: 'string' }, { type: 'number' }] };
    case 'io.k8s.apimachinery.pkg.apis.meta.v1.Time':
    case 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime':
      return { ...base, type: 'string', format: 'date-time' };
  }
  if (ts.isUnionTypeNode(declaration.type)) return { ...base, 'x-kubernetes-preserve-unknown-fields': true };
  return { ...base, ...typeSchema(declaration.type, declaration.name.text) };
}

const schemas = {
  // kubernetes-types inlines IntOrString as `number | string`; upstream names it.
  [INT_OR_STRING]: {
    description: 'A value that is either an integer or a string, such as a port number or a port name, or a count or a percentage.',
    format: 'int-or-string',
    oneOf: [{ type: 'integer' }, { type: 'string' }],
    'x-kubernetes-int-or-string': true,
  },
};
for (const file of files) {
  for (const statement of program.getSourceFile(file).statements) {
    if (ts.isInterfaceDeclaration(statement)) schemas[schemaNameOf(statement)] = interfaceSchema(statement);
    else if (ts.isTypeAliasDeclaration(statement)) schemas[schemaNameOf(statement)] = aliasSchema(statement);
  }
}

const sorted = Object.fromEntries(Object.keys(schemas).sort().map((k) => [k, schemas[k]]));
const json = JSON.stringify(sorted);
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, json);
console.log(`gen-openapi: ${Object.keys(sorted).length} schemas, ${(json.length / 1024).toFixed(0)} KiB -> ${relative(process.cwd(), outFile)}`);
