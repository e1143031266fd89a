// OpenAPI documents, as upstream serves them at /openapi/v2 and /openapi/v3. kubectl reads them to validate
// manifests (create -f, apply, edit), to decide whether the server validates fields itself (a PATCH operation
// for the kind with a `fieldValidation` parameter, kubectl-protocol.md §3), and for `kubectl explain`.
import { createHash } from 'node:crypto';
import type { Registry } from '../api/registry.js';
import { verbsOf, type ResourceType } from '../api/resource-type.js';
import { kubernetesVersion } from './version.js';
import { loadSchemas, resolveRef, schemaNameForKind, schemaRefPrefix, type Schema } from './openapi-schemas.js';

export { loadSchemas } from './openapi-schemas.js';

/** kubectl rejects upstream's own `…spec.v2@v1.0+protobuf` spelling ("unexpected content after media subtype"). */
export const openapiV2ContentType = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/**
 * /openapi/v2: an empty protobuf message is a valid, empty OpenAPI v2 Document. Every kubectl version
 * accepts it, validates nothing client-side, and relies on /openapi/v3 and the server's field validation.
 */
export function openapiV2Protobuf(): Buffer {
  return Buffer.alloc(0);
}

const metaV1 = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const refTo = (name: string) => ({ $ref: schemaRefPrefix + name });
// Kinds without a generated schema (none today; aggregated or custom kinds later) still get their paths.
const anyObject: Schema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

/** "api/v1" or "apis/apps/v1" for a group version. */
function gvPathOf(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

// upstream's operationId and tag spelling: "rbac.authorization.k8s.io" → RbacAuthorization / rbacAuthorization.
function groupWords(group: string): string[] {
  return group ? group.replace(/\.k8s\.io$/, '').split('.') : ['core'];
}
const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function queryParam(name: string, description: string, type: 'string' | 'boolean' | 'integer') {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}
function pathParam(name: string, description: string) {
  return { name, in: 'path', description, required: true, schema: { type: 'string', uniqueItems: true } };
}

const params = {
  pretty: queryParam('pretty', "If 'true', the output is indented.", 'string'),
  dryRun: queryParam('dryRun', 'When set to All, the request is processed in full but nothing is persisted.', 'string'),
  fieldManager: queryParam('fieldManager', 'Name of the actor making the change, recorded in managedFields. Required for apply patches.', 'string'),
  fieldValidation: queryParam('fieldValidation', 'What the server does with unknown or duplicate fields in the request body: Ignore drops them, Warn accepts the request and returns a warning per field, Strict rejects the request.', 'string'),
  force: queryParam('force', 'For apply patches: take ownership of fields that other managers own. Must be unset for other patch types.', 'boolean'),
  gracePeriodSeconds: queryParam('gracePeriodSeconds', 'Seconds to wait before deleting; zero deletes immediately. Defaults to the per-kind value.', 'integer'),
  orphanDependents: queryParam('orphanDependents', 'Deprecated: use propagationPolicy. Whether dependents are orphaned.', 'boolean'),
  propagationPolicy: queryParam('propagationPolicy', 'How dependents are garbage collected: Orphan, Background or Foreground.', 'string'),
  allowWatchBookmarks: queryParam('allowWatchBookmarks', 'Ask for BOOKMARK events in a watch.', 'boolean'),
  continue: queryParam('continue', 'The continue token of a previous list response with a limit, to fetch the next chunk.', 'string'),
  fieldSelector: queryParam('fieldSelector', 'Restrict the returned objects by their fields. Defaults to everything.', 'string'),
  labelSelector: queryParam('labelSelector', 'Restrict the returned objects by their labels. Defaults to everything.', 'string'),
  limit: queryParam('limit', 'The largest number of objects to return; the response carries a continue token when more exist.', 'integer'),
  resourceVersion: queryParam('resourceVersion', 'Which resourceVersion the list or watch starts from, as resourceVersionMatch qualifies it.', 'string'),
  resourceVersionMatch: queryParam('resourceVersionMatch', 'How resourceVersion is applied to a list: Exact or NotOlderThan.', 'string'),
  sendInitialEvents: queryParam('sendInitialEvents', 'For a watch: start with synthetic events for the current state.', 'boolean'),
  timeoutSeconds: queryParam('timeoutSeconds', 'Time limit for a list or watch call.', 'integer'),
  watch: queryParam('watch', 'Stream add, update and delete notifications instead of returning a list.', 'boolean'),
};
const listParams = [params.allowWatchBookmarks, params.continue, params.fieldSelector, params.labelSelector, params.limit,
  params.resourceVersion, params.resourceVersionMatch, params.sendInitialEvents, params.timeoutSeconds, params.watch];
const writeParams = [params.dryRun, params.fieldManager, params.fieldValidation];
const deleteParams = [params.dryRun, params.gracePeriodSeconds, params.orphanDependents, params.propagationPolicy];
const patchContentTypes = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

interface Gvk { group: string; version: string; kind: string }

/** What one REST resource (or subresource) path serves, for building its operations. */
interface Target {
  rt: ResourceType;
  gvk: Gvk; // what the operations read and write (autoscaling/v1 Scale for /scale)
  schema: Schema; // a $ref to gvk's schema, or anyObject
  label: string; // operationId suffix: "NamespacedPod", "NamespacedDeploymentScale", "Node"
}

function content(schema: Schema, types = ['application/json']) {
  return Object.fromEntries(types.map((t) => [t, { schema }]));
}

function response(description: string, schema: Schema, types?: string[]) {
  return { description, content: content(schema, types) };
}

interface OperationBody {
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<number, unknown>;
}

function operation(t: Target, action: string, verbWord: string, description: string, body: OperationBody) {
  const words = groupWords(t.rt.group);
  const idGroup = words.map(capitalize).join('') + capitalize(t.rt.version);
  return {
    description,
    operationId: `${verbWord}${idGroup}${t.label}`,
    tags: [`${words[0]}${words.slice(1).map(capitalize).join('')}_${t.rt.version}`],
    ...body,
    responses: { ...body.responses, 401: { description: 'Unauthorized' } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': t.gvk,
  };
}

function itemOperations(t: Target, verbs: Set<string>, subresource?: 'status' | 'scale') {
  const ok = response('OK', t.schema);
  const created = response('Created', t.schema);
  const ops: Record<string, unknown> = {};
  const what = `${subresource ? `${subresource} of ` : ''}the specified ${t.rt.kind}`;
  if (verbs.has('get')) ops.get = operation(t, 'get', 'read', `read ${what}`, { responses: { 200: ok } });
  if (verbs.has('update')) {
    ops.put = operation(t, 'put', 'replace', `replace ${what}`, {
      parameters: writeParams, requestBody: { required: true, content: content(t.schema) }, responses: { 200: ok, 201: created },
    });
  }
  if (verbs.has('patch')) {
    ops.patch = operation(t, 'patch', 'patch', `partially update ${what}`, {
      parameters: [...writeParams, params.force],
      requestBody: { required: true, content: content(refTo(`${metaV1}.Patch`), patchContentTypes) },
      responses: { 200: ok, 201: created },
    });
  }
  if (verbs.has('delete') && !subresource) {
    const status = response('OK', refTo(`${metaV1}.Status`));
    ops.delete = operation(t, 'delete', 'delete', `delete ${what}`, {
      parameters: deleteParams, requestBody: { content: content(refTo(`${metaV1}.DeleteOptions`)) },
      responses: { 200: status, 202: { ...status, description: 'Accepted' } },
    });
  }
  return ops;
}

function collectionOperations(t: Target, listSchema: Schema, verbs: Set<string>) {
  const ops: Record<string, unknown> = {};
  const listTypes = ['application/json', 'application/json;stream=watch'];
  if (verbs.has('list')) {
    ops.get = operation(t, 'list', 'list', `list or watch objects of kind ${t.rt.kind}`, {
      parameters: listParams, responses: { 200: response('OK', listSchema, listTypes) },
    });
  }
  if (verbs.has('create')) {
    ops.post = operation(t, 'post', 'create', `create a ${t.rt.kind}`, {
      parameters: writeParams, requestBody: { required: true, content: content(t.schema) },
      responses: { 200: response('OK', t.schema), 201: response('Created', t.schema), 202: response('Accepted', t.schema) },
    });
  }
  if (verbs.has('deletecollection')) {
    ops.delete = operation({ ...t, label: `Collection${t.label}` }, 'deletecollection', 'delete', `delete collection of ${t.rt.kind}`, {
      parameters: [...deleteParams, ...listParams.filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks')],
      requestBody: { content: content(refTo(`${metaV1}.DeleteOptions`)) },
      responses: { 200: response('OK', refTo(`${metaV1}.Status`)) },
    });
  }
  return ops;
}

function schemaFor(gvk: Gvk): Schema {
  const name = schemaNameForKind(gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version, gvk.kind);
  return name ? refTo(name) : anyObject;
}

function resourcePaths(rt: ResourceType): Record<string, unknown> {
  const verbs = new Set(verbsOf(rt));
  const gvk = { group: rt.group, version: rt.version, kind: rt.kind };
  const listKind = rt.listKind ?? `${rt.kind}List`;
  const target: Target = { rt, gvk, schema: schemaFor(gvk), label: `${rt.namespaced ? 'Namespaced' : ''}${rt.kind}` };
  const listSchema = schemaFor({ ...gvk, kind: listKind });
  const base = `/${gvPathOf(rt.group, rt.version)}`;
  const scope = rt.namespaced ? `${base}/namespaces/{namespace}` : base;
  const namespaceParam = rt.namespaced ? [pathParam('namespace', 'object name and auth scope, such as for teams and projects')] : [];
  const nameParam = (what: string) => pathParam('name', `name of the ${what}`);

  const paths: Record<string, unknown> = {};
  // Create-only kinds (reviews) have just the collection path with its POST, as upstream.
  const collection = collectionOperations(target, listSchema, verbs);
  const item = itemOperations(target, verbs);
  if (Object.keys(collection).length > 0) paths[`${scope}/${rt.plural}`] = { ...collection, parameters: [...namespaceParam, params.pretty] };
  if (Object.keys(item).length > 0) paths[`${scope}/${rt.plural}/{name}`] = { ...item, parameters: [nameParam(rt.kind), ...namespaceParam, params.pretty] };
  if (rt.namespaced && verbs.has('list')) {
    const all = { ...target, label: `${rt.kind}ForAllNamespaces` };
    paths[`${base}/${rt.plural}`] = { get: collectionOperations(all, listSchema, new Set(['list'])).get, parameters: [params.pretty] };
  }
  const subresourceVerbs = new Set(['get', 'update', 'patch']);
  if (rt.hasStatus) {
    const status = { ...target, label: `${target.label}Status` };
    paths[`${scope}/${rt.plural}/{name}/status`] = { ...itemOperations(status, subresourceVerbs, 'status'), parameters: [nameParam(rt.kind), ...namespaceParam, params.pretty] };
  }
  if (rt.scale) {
    const scaleGvk = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
    const scale = { rt, gvk: scaleGvk, schema: schemaFor(scaleGvk), label: `${target.label}Scale` };
    paths[`${scope}/${rt.plural}/{name}/scale`] = { ...itemOperations(scale, subresourceVerbs, 'scale'), parameters: [pathParam('name', 'name of the Scale'), ...namespaceParam, params.pretty] };
  }
  return paths;
}

/** Every schema name reachable through $ref from the given values (documents and schemas alike). */
function reachableSchemas(schemas: Record<string, Schema>, roots: unknown[]): string[] {
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        const name = value.slice(schemaRefPrefix.length);
        if (!found.has(name) && resolveRef(schemas, value)) {
          found.add(name);
          visit(schemas[name]);
        }
      } else {
        visit(value);
      }
    }
  };
  roots.forEach(visit);
  return [...found].sort();
}

function buildDocument(registry: Registry, group: string, version: string): object {
  const schemas = loadSchemas();
  const paths: Record<string, unknown> = {};
  for (const rt of registry.inGroupVersion(group, version)) Object.assign(paths, resourcePaths(rt));
  const sortedPaths = Object.fromEntries(Object.keys(paths).sort().map((p) => [p, paths[p]]));
  const names = reachableSchemas(schemas, [sortedPaths]);
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: kubernetesVersion.gitVersion },
    paths: sortedPaths,
    components: { schemas: Object.fromEntries(names.map((n) => [n, schemas[n]])) },
  };
}

interface BuiltDocument { document: object; hash: string }

// Documents depend only on the registry and the generated schemas, so each is built once.
const documentCache = new WeakMap<Registry, Map<string, BuiltDocument>>();

function documentsOf(registry: Registry): Map<string, BuiltDocument> {
  let docs = documentCache.get(registry);
  if (!docs) {
    docs = new Map();
    for (const { group, version } of registry.groupVersions()) {
      const document = buildDocument(registry, group, version);
      const hash = createHash('sha512').update(JSON.stringify(document)).digest('hex').toUpperCase();
      docs.set(gvPathOf(group, version), { document, hash });
    }
    documentCache.set(registry, docs);
  }
  return docs;
}

/** /openapi/v3: one entry per group version; kubectl fetches serverRelativeURL as given. */
export function openapiV3Index(registry: Registry): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [gvPath, { hash }] of documentsOf(registry)) {
    paths[gvPath] = { serverRelativeURL: `/openapi/v3/${gvPath}?hash=${hash}` };
  }
  return { paths };
}

/** /openapi/v3/<gvPath> ("api/v1", "apis/apps/v1"), or undefined for a group version the registry lacks. */
export function openapiV3Document(registry: Registry, gvPath: string): object | undefined {
  return documentsOf(registry).get(gvPath.replace(/^\/+|\/+$/g, ''))?.document;
}
