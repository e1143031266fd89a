// HTTP handling of resource requests: maps method, path and query to the ResourceService and
// renders replies (objects, lists, Tables, watch streams, Status errors).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isObject, nowTimestamp, type KubeObject } from '../api/object.js';
import { ApiError, errors } from '../api/status.js';
import { apiVersionOf, verbsOf, type ResourceType } from '../api/resource-type.js';
import type { Registry } from '../api/registry.js';
import type { RequestInfo } from './request-info.js';
import { ResourceService, type DeleteOptions, type FieldValidation, type WriteContext } from './resource-service.js';
import { decodeObjectBody, mediaType, parseJson, parseYaml, readBody } from './body.js';
import { toTable, wantsTable, type IncludeObject } from './table.js';
import { sendJson, sendJsonText, sendStatus } from './respond.js';
import { serveWatch } from './watch-stream.js';
import { scaleOf, applyScale } from './scale.js';
import { applyPatchByType, isPatchMediaType, objectFromApply, type PatchMediaType } from './patch-by-type.js';
import { requestUser, userNamed } from './request-user.js';

/** Subresources served by other parts (node agent streams), registered at startup. */
export type SubresourceHandler = (req: IncomingMessage, res: ServerResponse, rt: ResourceType, info: RequestInfo, query: URLSearchParams) => Promise<void>;

export class RestHandler {
  private readonly subresourceHandlers = new Map<string, SubresourceHandler>();

  constructor(
    private readonly registry: Registry,
    private readonly service: ResourceService,
  ) {}

  /** e.g. handleSubresource('pods', 'log', fn). */
  handleSubresource(resource: string, subresource: string, fn: SubresourceHandler): void {
    this.subresourceHandlers.set(`${resource}/${subresource}`, fn);
  }

  async handle(req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams): Promise<void> {
    const rt = this.registry.resource(info.group, info.version, info.resource);
    if (!rt || (!rt.namespaced && info.namespace)) {
      throw errors.noSuchResource();
    }
    const method = req.method ?? 'GET';
    const ns = rt.namespaced ? info.namespace : '';
    const sub = info.subresource;
    if (sub && sub !== 'status' && sub !== 'scale') {
      const h = this.subresourceHandlers.get(`${rt.plural}/${sub}`);
      if (h) return h(req, res, rt, info, query);
      if (rt.plural === 'pods' && sub === 'binding' && method === 'POST') return this.bind(req, res, rt, ns, info.name, query);
      if (rt.plural === 'pods' && sub === 'eviction' && method === 'POST') return this.evict(req, res, rt, ns, info.name, query);
      if (rt.plural === 'namespaces' && sub === 'finalize' && method === 'PUT') return this.finalizeNamespace(req, res, rt, info.name, query);
      throw errors.noSuchResource();
    }
    if (!sub && !verbsOf(rt).includes(requestVerb(method, info.name, query))) {
      throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
    }
    if (sub === 'status' && !rt.hasStatus) throw errors.noSuchResource();
    if (sub === 'scale' && !rt.scale) throw errors.noSuchResource();

    if (!info.name) {
      if (method === 'GET') {
        if (query.get('watch') === 'true' || query.get('watch') === '1') return serveWatch(req, res, this.service, rt, ns, query);
        return this.list(req, res, rt, ns, query);
      }
      if (method === 'POST') return this.create(req, res, rt, ns, query);
      if (method === 'DELETE') return this.deleteCollection(req, res, rt, ns, query);
      throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
    }
    switch (method) {
      case 'GET': {
        const obj = await this.service.get(rt, ns, info.name);
        if (sub === 'scale') return sendJson(res, 200, scaleOf(rt, obj));
        return this.sendObject(req, res, 200, rt, obj, query);
      }
      case 'PUT':
        return this.update(req, res, rt, ns, info.name, sub, query);
      case 'PATCH':
        return this.patch(req, res, rt, ns, info.name, sub, query);
      case 'DELETE':
        if (sub) throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
        return this.delete(req, res, rt, ns, info.name, query);
      default:
        throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
    }
  }

  private async list(req: IncomingMessage, res: ServerResponse, rt: ResourceType, ns: string, query: URLSearchParams) {
    const options = {
      labelSelector: query.get('labelSelector') ?? undefined,
      fieldSelector: query.get('fieldSelector') ?? undefined,
      limit: query.has('limit') ? Number(query.get('limit')) : undefined,
      continue: query.get('continue') ?? undefined,
      resourceVersion: query.get('resourceVersion') ?? undefined,
    };
    if (wantsTable(req.headers.accept)) {
      const list = await this.service.list(rt, ns, options);
      return sendJson(res, 200, toTable(rt, list.items, list.metadata, includeObject(query)));
    }
    sendJsonText(res, 200, await this.service.listJson(rt, ns, options));
  }

  private sendObject(req: IncomingMessage, res: ServerResponse, code: number, rt: ResourceType, obj: KubeObject, query: URLSearchParams) {
    if (wantsTable(req.headers.accept)) {
      return sendJson(res, code, toTable(rt, [obj], { resourceVersion: obj.metadata.resourceVersion }, includeObject(query)));
    }
    sendJson(res, code, obj);
  }

  private async create(req: IncomingMessage, res: ServerResponse, rt: ResourceType, ns: string, query: URLSearchParams) {
    const body = decodeObjectBody(await readBody(req), req.headers['content-type']);
    const ctx = writeContext(query);
    const obj = rt.review
      ? this.service.review(rt, body, requestUser(req) ?? userNamed('system:anonymous'), ctx)
      : await this.service.create(rt, ns, body, ctx);
    setWarnings(res, ctx);
    sendJson(res, 201, obj);
  }

  private async update(req: IncomingMessage, res: ServerResponse, rt: ResourceType, ns: string, name: string, sub: string, query: URLSearchParams) {
    const body = decodeObjectBody(await readBody(req), req.headers['content-type']);
    const ctx = writeContext(query);
    if (sub === 'scale') {
      if (!isObject(body)) throw errors.badRequest('the request body must be a Scale object');
      const scale = body as KubeObject;
      const { object } = await this.service.patch(rt, ns, name, (cur) => {
        if (scale.metadata?.resourceVersion && scale.metadata.resourceVersion !== cur.metadata.resourceVersion) {
          throw errors.conflict(rt.plural, rt.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
        }
        return applyScale(rt, cur, scale);
      }, { ...ctx, fieldValidation: 'Ignore' });
      return sendJson(res, 200, scaleOf(rt, object));
    }
    const { object, created } = await this.service.update(rt, ns, name, body, ctx, sub === 'status' ? 'status' : '');
    setWarnings(res, ctx);
    this.sendObject(req, res, created ? 201 : 200, rt, object, query);
  }

  private async patch(req: IncomingMessage, res: ServerResponse, rt: ResourceType, ns: string, name: string, sub: string, query: URLSearchParams) {
    const raw = await readBody(req);
    const type = mediaType(req.headers['content-type']);
    const ctx = writeContext(query);
    const gvk = { group: rt.group, version: rt.version, kind: rt.kind };
    let patchDoc: unknown;
    if (type === 'application/apply-patch+yaml') patchDoc = parseYaml(raw);
    else if (isPatchMediaType(type)) patchDoc = parseJson(raw);
    else throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`);

    const apply = (doc: KubeObject | Record<string, unknown>): unknown => applyPatchByType(type as PatchMediaType, doc, patchDoc, gvk);

    if (sub === 'scale') {
      const { object } = await this.service.patch(rt, ns, name, (cur) => {
        const scale = apply(scaleOf(rt, cur)) as KubeObject;
        return applyScale(rt, cur, scale);
      }, { ...ctx, fieldValidation: 'Ignore' });
      return sendJson(res, 200, scaleOf(rt, object));
    }
    const isApply = type === 'application/apply-patch+yaml';
    if (isApply && !query.get('fieldManager')) {
      throw new ApiError(400, 'BadRequest', 'PATCH, application/apply-patch+yaml requires fieldManager to be specified');
    }
    const createIfMissing = isApply && !sub ? () => objectFromApply(patchDoc, gvk) : undefined;
    const { object, created } = await this.service.patch(rt, ns, name, (cur) => apply(cur), ctx, sub === 'status' ? 'status' : '', createIfMissing);
    setWarnings(res, ctx);
    this.sendObject(req, res, created ? 201 : 200, rt, object, query);
  }

  private async delete(req: IncomingMessage, res: ServerResponse, rt: ResourceType, ns: string, name: string, query: URLSearchParams) {
    const opts = await deleteOptions(req, query);
    const ctx: WriteContext = { dryRun: opts.dryRun?.includes('All') || query.get('dryRun') === 'All' };
    const { object, deleted } = await this.service.delete(rt, ns, name, opts, ctx);
    if (deleted && !(rt.group === '' && rt.plural === 'pods')) {
      return sendJson(res, 200, {
        kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success',
        details: { name, group: rt.group || undefined, kind: rt.plural, uid: object.metadata.uid },
      });
    }
    sendJson(res, deleted ? 200 : 202, object);
  }

  private async deleteCollection(req: IncomingMessage, res: ServerResponse, rt: ResourceType, ns: string, query: URLSearchParams) {
    const opts = await deleteOptions(req, query);
    const ctx: WriteContext = { dryRun: opts.dryRun?.includes('All') || query.get('dryRun') === 'All' };
    const list = await this.service.list(rt, ns, {
      labelSelector: query.get('labelSelector') ?? undefined,
      fieldSelector: query.get('fieldSelector') ?? undefined,
    });
    for (const item of list.items) {
      try {
        await this.service.delete(rt, item.metadata.namespace ?? '', item.metadata.name!, opts, ctx);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    sendJson(res, 200, { ...list, items: list.items });
  }

  /** POST pods/<name>/binding: assign a node, as the scheduler does. */
  private async bind(req: IncomingMessage, res: ServerResponse, rt: ResourceType, ns: string, name: string, query: URLSearchParams) {
    const body = decodeObjectBody(await readBody(req), req.headers['content-type']) as KubeObject;
    const node = body?.target?.name;
    if (!node) throw errors.badRequest('Binding target.name is required');
    await this.service.bindPod(rt, ns, name, node, writeContext(query));
    sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  }

  /**
   * POST pods/<name>/eviction (policy/v1 Eviction, what `kubectl drain` sends): no PodDisruptionBudgets
   * exist here, so every eviction is allowed. As upstream, a running pod first gets the DisruptionTarget
   * condition, then is deleted with the Eviction's deleteOptions.
   */
  private async evict(req: IncomingMessage, res: ServerResponse, rt: ResourceType, ns: string, name: string, query: URLSearchParams) {
    const body = decodeObjectBody(await readBody(req), req.headers['content-type']);
    if (!isObject(body)) throw errors.badRequest('the request body must be an Eviction object');
    const eviction = body as KubeObject;
    if (eviction.kind !== undefined && eviction.kind !== 'Eviction') throw errors.badRequest(`the kind in the data (${eviction.kind}) is not Eviction`);
    if (eviction.metadata?.name && eviction.metadata.name !== name) throw errors.badRequest('name in URL does not match name in Eviction object');
    const ctx = writeContext(query);
    const opts: DeleteOptions = isObject(eviction.deleteOptions) ? eviction.deleteOptions as DeleteOptions : {};
    const pod = await this.service.get(rt, ns, name);
    const phase = pod.status?.phase;
    if (!ctx.dryRun && !pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') {
      await this.service.patch(rt, ns, name, (cur) => {
        const conditions = (cur.status?.conditions ?? []).filter((c: any) => c.type !== 'DisruptionTarget');
        conditions.push({ type: 'DisruptionTarget', status: 'True', lastTransitionTime: nowTimestamp(),
          reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' });
        return { ...cur, status: { ...cur.status, conditions } };
      }, { fieldValidation: 'Ignore' }, 'status');
    }
    await this.service.delete(rt, ns, name, opts, { dryRun: ctx.dryRun || opts.dryRun?.includes('All') });
    sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  }

  /** PUT namespaces/<name>/finalize: only spec.finalizers changes. */
  private async finalizeNamespace(req: IncomingMessage, res: ServerResponse, rt: ResourceType, name: string, query: URLSearchParams) {
    const body = decodeObjectBody(await readBody(req), req.headers['content-type']) as KubeObject;
    const finalizers = Array.isArray(body?.spec?.finalizers) ? body.spec.finalizers : [];
    const object = await this.service.finalizeNamespace(rt, name, finalizers, writeContext(query));
    sendJson(res, 200, object);
  }
}

/** Upstream's verb for a request on a resource (not a subresource). */
function requestVerb(method: string, name: string, query: URLSearchParams): string {
  const watch = query.get('watch') === 'true' || query.get('watch') === '1';
  switch (method) {
    case 'GET': return name ? 'get' : watch ? 'watch' : 'list';
    case 'POST': return 'create';
    case 'PUT': return 'update';
    case 'PATCH': return 'patch';
    case 'DELETE': return name ? 'delete' : 'deletecollection';
    default: return method.toLowerCase();
  }
}

function includeObject(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function writeContext(query: URLSearchParams): WriteContext {
  const fv = query.get('fieldValidation');
  const fieldValidation: FieldValidation = fv === 'Strict' || fv === 'Ignore' || fv === 'Warn' ? fv : 'Warn';
  if (fv && fv !== fieldValidation) throw errors.badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict"`);
  return { dryRun: query.getAll('dryRun').includes('All'), fieldValidation, fieldManager: query.get('fieldManager') ?? undefined, warnings: [] };
}

// Upstream's warning limits: duplicates dropped; past 4 KiB in all, each message is cut to 256 characters
// and warnings that still do not fit are dropped (so a huge invalid object cannot blow up the headers).
const warningBytesTotal = 4096;
const warningCharsEach = 256;

function setWarnings(res: ServerResponse, ctx: WriteContext) {
  if (!ctx.warnings || ctx.warnings.length === 0) return;
  let messages = [...new Set(ctx.warnings)];
  if (messages.reduce((n, w) => n + w.length, 0) > warningBytesTotal) {
    messages = messages.map((w) => (w.length > warningCharsEach ? `${w.slice(0, warningCharsEach)}...` : w));
  }
  const headers: string[] = [];
  let total = 0;
  for (const w of messages) {
    total += w.length;
    if (total > warningBytesTotal) break;
    headers.push(`299 - ${JSON.stringify(w)}`);
  }
  res.setHeader('Warning', headers);
}

async function deleteOptions(req: IncomingMessage, query: URLSearchParams): Promise<DeleteOptions> {
  const raw = await readBody(req);
  let opts: DeleteOptions = {};
  if (raw.length > 0) {
    const parsed = decodeObjectBody(raw, req.headers['content-type'] || 'application/json');
    if (isObject(parsed)) opts = parsed as DeleteOptions;
  }
  if (query.has('gracePeriodSeconds')) opts.gracePeriodSeconds = Number(query.get('gracePeriodSeconds'));
  const pp = query.get('propagationPolicy');
  if (pp) opts.propagationPolicy = pp as DeleteOptions['propagationPolicy'];
  if (query.has('orphanDependents')) opts.orphanDependents = query.get('orphanDependents') === 'true';
  if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
    throw new ApiError(422, 'Invalid', `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`);
  }
  return opts;
}

export { apiVersionOf, sendStatus };
