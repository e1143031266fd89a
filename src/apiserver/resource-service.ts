// The generic REST semantics of every kind (upstream's registry "Store"): create, get, list, watch,
// update, patch and delete over the Store, with optimistic concurrency, generation, finalizers,
// graceful deletion and the status subresource. Both the HTTP layer and in-process clients call it.
import { randomUUID } from 'node:crypto';
import { clone, isObject, nowTimestamp, type KubeList, type KubeObject, type WatchEvent } from '../api/object.js';
import { ApiError, errors } from '../api/status.js';
import { apiVersionOf, type RequestUser, type ResourceType } from '../api/resource-type.js';
import { invalidError, type FieldError } from '../api/field-errors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../api/meta-validation.js';
import { parseSelector, type Selector } from '../api/labels.js';
import { StoreError, type KeyValue, type Store, type StoreEvent } from '../storage/store.js';
import type { Registry } from '../api/registry.js';
import { keyPrefilter, listPrefix, objectKey } from './storage-keys.js';
import { generateName } from './generate-name.js';
import { parseFieldSelector, type FieldSelector } from './field-selector.js';
import { checkDecoding, decodeErrorMessage, strictDecodingError } from './type-check.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/**
 * '' = the main resource, 'status' = the status subresource, 'internal' = server-side writes that may
 * change fields users cannot (finalize), 'binding' = an internal write that sets only spec.nodeName and
 * the PodScheduled condition: as upstream's binding, the pod is not decoded or validated again.
 */
export type UpdateKind = '' | 'status' | 'internal' | 'binding';

/** Per-request options shared by writes. */
export interface WriteContext {
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  fieldManager?: string;
  /** Filled with warnings for the response's Warning headers. */
  warnings?: string[];
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

/** A hook run on writes before storing (upstream's admission): may mutate obj or reject with an ApiError. */
export interface AdmissionPlugin {
  admit(op: 'CREATE' | 'UPDATE' | 'DELETE', rt: ResourceType, obj: KubeObject, old: KubeObject | undefined, ctx: WriteContext): Promise<void> | void;
}

export interface WatchHandle {
  stop(): void;
}

const maxConflictRetries = 8;

export class ResourceService {
  private readonly admission: AdmissionPlugin[] = [];

  constructor(
    readonly store: Store,
    readonly registry: Registry,
  ) {}

  addAdmission(plugin: AdmissionPlugin): void {
    this.admission.push(plugin);
  }

  // ---- reads ----

  async get(rt: ResourceType, namespace: string, name: string): Promise<KubeObject> {
    const kv = await this.store.get(objectKey(rt, namespace, name));
    if (!kv) throw errors.notFound(rt.plural, rt.group, name);
    return decode(kv);
  }

  async list(rt: ResourceType, namespace: string, opts: ListOptions = {}): Promise<KubeList> {
    const labels = parseLabelSelector(opts.labelSelector);
    const fields = parseFieldSelector(opts.fieldSelector, rt);
    const { items, metadata } = await this.collect(rt, namespace, opts, fields, (kv) => {
      const obj = decode(kv);
      return labels.matches(obj.metadata.labels) && fields.matches(obj) ? obj : undefined;
    });
    return { apiVersion: apiVersionOf(rt), kind: listKindOf(rt), metadata, items };
  }

  /**
   * The list as JSON text, as list() would serialize it. Without selectors to evaluate, items are the
   * stored JSON with their resourceVersion spliced in, never decoded: a LIST of 10,000 pods is then
   * mostly a copy.
   */
  async listJson(rt: ResourceType, namespace: string, opts: ListOptions = {}): Promise<string> {
    const labels = parseLabelSelector(opts.labelSelector);
    const fields = parseFieldSelector(opts.fieldSelector, rt);
    const filtered = Boolean(opts.labelSelector?.trim()) || fields.requirements.some((r) => !keyPrefilter(rt, [r]));
    const { items, metadata } = await this.collect(rt, namespace, opts, fields, (kv) => {
      if (!filtered) return storedJson(rt, kv);
      const obj = decode(kv);
      return labels.matches(obj.metadata.labels) && fields.matches(obj) ? JSON.stringify(obj) : undefined;
    });
    const head = JSON.stringify({ kind: listKindOf(rt), apiVersion: apiVersionOf(rt), metadata });
    return `${head.slice(0, -1)},"items":[${items.join(',')}]}`;
  }

  /** Pages through the store for a LIST: `take` turns a stored object into an item or skips it. */
  private async collect<T>(
    rt: ResourceType, namespace: string, opts: ListOptions, fields: FieldSelector, take: (kv: KeyValue) => T | undefined,
  ): Promise<{ items: T[]; metadata: KubeList['metadata'] }> {
    const prefix = listPrefix(rt, namespace);
    const keyOk = keyPrefilter(rt, fields.requirements);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    let revision: number | undefined;
    let startAfter: string | undefined;
    if (opts.continue) {
      const token = decodeContinue(opts.continue);
      revision = token.rv;
      startAfter = token.start;
    }
    const items: T[] = [];
    let lastKey: string | undefined;
    let more = false;
    let listRevision = 0;
    for (;;) {
      const page = await this.storeCall(() =>
        this.store.list(prefix, { revision, startAfter, limit: limit ? Math.max(limit - items.length, 100) : 0 }),
      );
      listRevision = page.revision;
      revision = page.revision;
      for (let i = 0; i < page.items.length; i++) {
        const kv = page.items[i];
        lastKey = kv.key;
        if (keyOk && !keyOk(kv.key)) continue;
        const item = take(kv);
        if (item === undefined) continue;
        items.push(item);
        if (limit && items.length >= limit) {
          more = i < page.items.length - 1 || page.remaining > 0;
          break;
        }
      }
      if ((limit && items.length >= limit) || page.remaining === 0 || page.items.length === 0) break;
      startAfter = lastKey;
    }
    const metadata: KubeList['metadata'] = { resourceVersion: String(listRevision) };
    if (more && lastKey) metadata.continue = encodeContinue(listRevision, lastKey);
    return { items, metadata };
  }

  /**
   * Streams events to onEvent. Without a resourceVersion (or "0") it first sends the current objects
   * as ADDED, as upstream does. Throws 410 Gone when the version is older than the kept history.
   */
  async watch(rt: ResourceType, namespace: string, opts: WatchOptions, onEvent: (ev: WatchEvent) => void): Promise<WatchHandle> {
    const labels = parseLabelSelector(opts.labelSelector);
    const fields = parseFieldSelector(opts.fieldSelector, rt);
    const matches = (o: KubeObject) => labels.matches(o.metadata.labels) && fields.matches(o);
    const prefix = listPrefix(rt, namespace);
    const keyOk = keyPrefilter(rt, fields.requirements);
    let from: number;
    const rv = opts.resourceVersion;
    const initial = !rv || rv === '0' || opts.sendInitialEvents === true;
    if (initial) {
      const page = await this.store.list(prefix);
      from = page.revision;
      for (const kv of page.items) {
        if (keyOk && !keyOk(kv.key)) continue;
        const obj = decode(kv);
        if (matches(obj)) onEvent({ type: 'ADDED', object: obj });
      }
      if (opts.sendInitialEvents && opts.allowWatchBookmarks) {
        onEvent(bookmark(rt, from, { 'k8s.io/initial-events-end': 'true' }));
      }
    } else {
      from = parseResourceVersion(rv);
    }
    let watcher;
    try {
      watcher = this.store.watch(prefix, from, (ev) => {
        if (keyOk && !keyOk(ev.kv.key)) return;
        const out = toWatchEvent(ev, matches);
        if (out) onEvent(out);
      });
    } catch (e) {
      if (e instanceof StoreError && e.code === 'compacted') {
        throw errors.gone(`too old resource version: ${from} (${this.store.oldestWatchableRevision()})`);
      }
      throw e;
    }
    let timer: NodeJS.Timeout | undefined;
    if (opts.allowWatchBookmarks) {
      timer = setInterval(() => onEvent(bookmark(rt, this.store.revision())), 30_000);
      timer.unref();
    }
    return {
      stop() {
        if (timer) clearInterval(timer);
        watcher.stop();
      },
    };
  }

  // ---- writes ----

  async create(rt: ResourceType, namespace: string, body: unknown, ctx: WriteContext = {}): Promise<KubeObject> {
    const obj = this.checkBody(rt, body, namespace);
    this.checkUnknownFields(rt, obj, ctx);
    const meta = obj.metadata;
    if (meta.resourceVersion) {
      throw errors.badRequest('resourceVersion should not be set on objects to be created');
    }
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
    meta.uid = randomUUID();
    meta.creationTimestamp = nowTimestamp();
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.managedFields;
    delete meta.selfLink;
    if (rt.hasStatus) meta.generation = 1;
    else delete meta.generation;
    rt.strategy.defaults?.(obj);
    rt.strategy.prepareForCreate?.(obj);
    this.validate(rt, obj, undefined);
    await this.admit('CREATE', rt, obj, undefined, ctx);
    if (ctx.dryRun) return obj;
    try {
      const kv = await this.store.create(objectKey(rt, namespace, meta.name!), encode(obj));
      // The stored object is the one just encoded: no need to parse it back.
      meta.resourceVersion = String(kv.modRevision);
      return obj;
    } catch (e) {
      if (e instanceof StoreError && e.code === 'exists') throw errors.alreadyExists(rt.plural, rt.group, meta.name!);
      throw e;
    }
  }

  /** A create of a kind that is answered, not stored (rt.review): checked like a create, then reviewed. */
  review(rt: ResourceType, body: unknown, user: RequestUser, ctx: WriteContext = {}): KubeObject {
    const obj = this.checkBody(rt, body, '');
    this.checkUnknownFields(rt, obj, ctx);
    // Reviews have no name: object metadata is not checked, as upstream does not for them.
    return rt.review!(obj, user);
  }

  /** PUT of the main resource or its status subresource. */
  async update(
    rt: ResourceType, namespace: string, name: string, body: unknown, ctx: WriteContext = {}, subresource: '' | 'status' = '',
  ): Promise<{ object: KubeObject; created: boolean }> {
    const obj = this.checkBody(rt, body, namespace);
    if (obj.metadata.name && obj.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    }
    obj.metadata.name = name;
    this.checkUnknownFields(rt, obj, ctx);
    const key = objectKey(rt, namespace, name);
    const kv = await this.store.get(key);
    if (!kv) throw errors.notFound(rt.plural, rt.group, name);
    const old = decode(kv);
    const requested = obj.metadata.resourceVersion;
    if (requested && requested !== old.metadata.resourceVersion) {
      throw errors.conflict(rt.plural, rt.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    const object = await this.storeUpdate(rt, key, old, obj, ctx, subresource);
    return { object, created: false };
  }

  /**
   * PATCH: applies `mutate` to the current object and stores the result, retrying on a concurrent
   * write unless the patch itself pinned a resourceVersion. `mutate` returns the new object.
   * When the object does not exist and `createIfMissing` is given (server-side apply), it creates.
   */
  async patch(
    rt: ResourceType, namespace: string, name: string, mutate: (current: KubeObject) => unknown, ctx: WriteContext = {},
    subresource: UpdateKind = '', createIfMissing?: () => unknown,
  ): Promise<{ object: KubeObject; created: boolean }> {
    const key = objectKey(rt, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.store.get(key);
      if (!kv) {
        if (createIfMissing) {
          const body = createIfMissing();
          const object = await this.create(rt, namespace, body, ctx);
          return { object, created: true };
        }
        throw errors.notFound(rt.plural, rt.group, name);
      }
      const old = decode(kv);
      const patched = mutate(clone(old));
      const obj = this.checkBody(rt, patched, namespace);
      if (obj.metadata.name !== name) throw errors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
      if (subresource !== 'binding') this.checkUnknownFields(rt, obj, ctx);
      const pinned = obj.metadata.resourceVersion && obj.metadata.resourceVersion !== old.metadata.resourceVersion;
      if (pinned) {
        throw errors.conflict(rt.plural, rt.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      try {
        const object = await this.storeUpdate(rt, key, old, obj, ctx, subresource);
        return { object, created: false };
      } catch (e) {
        if (e instanceof ApiError && e.code === 409 && e.reason === 'Conflict' && attempt < maxConflictRetries) continue;
        throw e;
      }
    }
  }

  /**
   * DELETE with upstream's semantics: preconditions, graceful deletion of scheduled pods, finalizers
   * (orphan/foregroundDeletion added per propagation policy) keep the object with a deletionTimestamp.
   * Returns the object and whether it is gone from storage now.
   */
  async delete(
    rt: ResourceType, namespace: string, name: string, options: DeleteOptions = {}, ctx: WriteContext = {},
  ): Promise<{ object: KubeObject; deleted: boolean }> {
    const key = objectKey(rt, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.store.get(key);
      if (!kv) throw errors.notFound(rt.plural, rt.group, name);
      const old = decode(kv);
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== old.metadata.uid) {
        throw errors.conflict(rt.plural, rt.group, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
        throw errors.conflict(rt.plural, rt.group, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`);
      }
      await this.admit('DELETE', rt, old, old, ctx);
      const next = clone(old);
      const meta = next.metadata;
      const finalizers = new Set(meta.finalizers ?? []);
      const policy = options.propagationPolicy ?? (options.orphanDependents === true ? 'Orphan' : options.orphanDependents === false ? 'Background' : undefined);
      if (policy === 'Orphan') {
        finalizers.add('orphan');
        finalizers.delete('foregroundDeletion');
      } else if (policy === 'Foreground') {
        finalizers.add('foregroundDeletion');
        finalizers.delete('orphan');
      } else if (policy === 'Background') {
        finalizers.delete('orphan');
        finalizers.delete('foregroundDeletion');
      }
      const grace = this.gracePeriod(rt, old, options);
      // A namespace stays (Terminating) until the namespace controller has emptied it and cleared spec.finalizers.
      const namespaceFinalizers = rt.group === '' && rt.kind === 'Namespace' && (old.spec?.finalizers?.length ?? 0) > 0;
      const keep = finalizers.size > 0 || grace > 0 || namespaceFinalizers;
      if (!keep) {
        if (ctx.dryRun) return { object: old, deleted: true };
        try {
          const gone = await this.store.delete(key, kv.modRevision);
          return { object: decode(gone), deleted: true };
        } catch (e) {
          if (e instanceof StoreError && (e.code === 'conflict' || e.code === 'not-found') && attempt < maxConflictRetries) continue;
          throw this.storeError(rt, name, e);
        }
      }
      meta.finalizers = [...finalizers];
      if (meta.finalizers.length === 0) delete meta.finalizers;
      const now = Date.now();
      const existingDeadline = meta.deletionTimestamp ? Date.parse(meta.deletionTimestamp) : undefined;
      const deadline = now + grace * 1000;
      if (existingDeadline === undefined || deadline < existingDeadline) {
        meta.deletionTimestamp = nowTimestamp(new Date(deadline));
        meta.deletionGracePeriodSeconds = grace;
      }
      if (rt.group === '' && rt.kind === 'Namespace') next.status = { ...(next.status ?? {}), phase: 'Terminating' };
      if (ctx.dryRun) return { object: next, deleted: false };
      if (JSON.stringify(next) === JSON.stringify(old)) return { object: old, deleted: false };
      try {
        const updated = await this.store.update(key, encode(next), kv.modRevision);
        return { object: decode(updated), deleted: false };
      } catch (e) {
        if (e instanceof StoreError && e.code === 'conflict' && attempt < maxConflictRetries) continue;
        throw this.storeError(rt, name, e);
      }
    }
  }

  /** The binding subresource: set spec.nodeName once, and the PodScheduled condition. */
  async bindPod(rt: ResourceType, namespace: string, name: string, node: string, ctx: WriteContext = {}): Promise<KubeObject> {
    const { object } = await this.patch(rt, namespace, name, (pod) => {
      if (pod.metadata.deletionTimestamp) throw errors.conflict(rt.plural, rt.group, name, 'pod is being deleted, cannot be assigned to a host');
      if (pod.spec?.nodeName) throw errors.conflict(rt.plural, rt.group, name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
      if ((pod.spec?.schedulingGates ?? []).length > 0) throw errors.conflict(rt.plural, rt.group, name, `pod ${name} has non-empty .spec.schedulingGates`);
      pod.spec = { ...(pod.spec ?? {}), nodeName: node };
      const status = (pod.status ??= {});
      const conditions: any[] = (status.conditions ?? []).filter((c: any) => c.type !== 'PodScheduled');
      conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: nowTimestamp() });
      status.conditions = conditions;
      return pod;
    }, { ...ctx, fieldValidation: 'Ignore' }, 'binding');
    return object;
  }

  /** The namespace finalize subresource: replaces spec.finalizers only. */
  async finalizeNamespace(rt: ResourceType, name: string, finalizers: string[], ctx: WriteContext = {}): Promise<KubeObject> {
    const { object } = await this.patch(rt, '', name, (ns) => {
      ns.spec = { ...(ns.spec ?? {}), finalizers };
      if (finalizers.length === 0) delete ns.spec.finalizers;
      return ns;
    }, { ...ctx, fieldValidation: 'Ignore' }, 'internal');
    return object;
  }

  // ---- internals ----

  /** Graceful deletion applies to pods bound to a node that have not finished (upstream's pod strategy). */
  private gracePeriod(rt: ResourceType, obj: KubeObject, options: DeleteOptions): number {
    if (rt.group !== '' || rt.kind !== 'Pod') return 0;
    if (!obj.spec?.nodeName) return 0;
    const phase = obj.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return 0;
    let grace = options.gracePeriodSeconds ?? obj.spec?.terminationGracePeriodSeconds ?? 30;
    if (grace < 0) grace = 1;
    return grace;
  }

  private async storeUpdate(
    rt: ResourceType, key: string, old: KubeObject, obj: KubeObject, ctx: WriteContext, subresource: UpdateKind,
  ): Promise<KubeObject> {
    const meta = obj.metadata;
    const oldMeta = old.metadata;
    // Fields the client may not change.
    meta.uid = oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    meta.namespace = oldMeta.namespace;
    if (oldMeta.deletionTimestamp) {
      meta.deletionTimestamp = oldMeta.deletionTimestamp;
      meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
    } else {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    }
    delete meta.managedFields;
    delete meta.selfLink;
    if (subresource === 'status') {
      // A status update changes only status (and metadata as upstream allows); spec stays.
      for (const k of Object.keys(obj)) if (k !== 'status' && k !== 'metadata' && k !== 'apiVersion' && k !== 'kind') delete obj[k];
      for (const k of Object.keys(old)) if (k !== 'status' && k !== 'metadata') obj[k] = clone(old[k]);
      if (old.metadata.generation !== undefined) meta.generation = old.metadata.generation;
    } else {
      if (rt.hasStatus && subresource === '') {
        if (old.status === undefined) delete obj.status;
        else obj.status = clone(old.status);
      }
      rt.strategy.defaults?.(obj);
      rt.strategy.prepareForUpdate?.(obj, old);
      if (rt.hasStatus && subresource !== 'internal' && subresource !== 'binding') {
        const changed = generationFields(rt).some((f) => JSON.stringify(obj[f]) !== JSON.stringify(old[f]));
        meta.generation = (oldMeta.generation ?? 1) + (changed ? 1 : 0);
      } else if (oldMeta.generation !== undefined) meta.generation = oldMeta.generation; // binding, finalize: not a spec change by the user
      else delete meta.generation;
    }
    if (subresource === 'internal') this.validate(rt, obj, undefined);
    else if (subresource !== 'binding') this.validate(rt, obj, old, subresource === 'status');
    await this.admit('UPDATE', rt, obj, old, ctx);
    meta.resourceVersion = oldMeta.resourceVersion;
    // Removing the last finalizer from an object whose grace period is over completes its deletion
    // (a namespace also waits for its spec.finalizers).
    const finishing = !!oldMeta.deletionTimestamp
      && (oldMeta.finalizers?.length ?? 0) > 0
      && (meta.finalizers?.length ?? 0) === 0
      && (oldMeta.deletionGracePeriodSeconds ?? 0) === 0
      && !(rt.group === '' && rt.kind === 'Namespace' && (obj.spec?.finalizers?.length ?? 0) > 0);
    if (ctx.dryRun) return obj;
    if (finishing) {
      try {
        const gone = await this.store.delete(key, Number(oldMeta.resourceVersion));
        return decode(gone);
      } catch (e) {
        throw this.storeError(rt, meta.name!, e);
      }
    }
    const text = encode(obj);
    if (text === encode(old)) return old; // no-op writes keep the resourceVersion
    try {
      const kv = await this.store.update(key, text, Number(oldMeta.resourceVersion));
      // The stored object is the one just encoded: no need to parse it back.
      meta.resourceVersion = String(kv.modRevision);
      return obj;
    } catch (e) {
      throw this.storeError(rt, meta.name!, e);
    }
  }

  private storeError(rt: ResourceType, name: string, e: unknown): unknown {
    if (e instanceof StoreError) {
      if (e.code === 'conflict') return errors.conflict(rt.plural, rt.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
      if (e.code === 'not-found') return errors.notFound(rt.plural, rt.group, name);
      if (e.code === 'exists') return errors.alreadyExists(rt.plural, rt.group, name);
    }
    return e;
  }

  private async storeCall<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof StoreError && e.code === 'compacted') {
        throw new ApiError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
      }
      throw e;
    }
  }

  /** Checks apiVersion/kind/namespace of a request body and returns it as a KubeObject. */
  private checkBody(rt: ResourceType, body: unknown, namespace: string): KubeObject {
    if (!isObject(body)) throw errors.badRequest('the request body must be a JSON or YAML object');
    const obj = body as KubeObject;
    const apiVersion = apiVersionOf(rt);
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion) {
      throw errors.badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersion})`);
    }
    if (obj.kind !== undefined && obj.kind !== rt.kind) {
      throw errors.badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${rt.kind})`);
    }
    obj.apiVersion = apiVersion;
    obj.kind = rt.kind;
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    if (!isObject(obj.metadata)) throw errors.badRequest('metadata must be an object');
    if (rt.namespaced) {
      if (obj.metadata.namespace && obj.metadata.namespace !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = namespace;
    } else if (obj.metadata.namespace) {
      delete obj.metadata.namespace;
    }
    return obj;
  }

  /**
   * What upstream's decoder checks of a body: a value of the wrong JSON type is a 400 whatever the
   * fieldValidation (`Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal …`); unknown
   * fields are a 400 under Strict, a Warning header each under Warn (the default), nothing under Ignore.
   */
  private checkUnknownFields(rt: ResourceType, obj: KubeObject, ctx: WriteContext): void {
    const mode = ctx.fieldValidation ?? 'Warn';
    const problems = checkDecoding(obj.apiVersion, obj.kind, obj, mode !== 'Ignore');
    if (!problems) return;
    if (problems.typeError) throw errors.badRequest(decodeErrorMessage(rt.kind, rt.version, problems.typeError.message));
    const unknown = problems.unknownFields;
    if (unknown.length === 0) return;
    if (mode === 'Strict') throw errors.badRequest(decodeErrorMessage(rt.kind, rt.version, strictDecodingError(unknown)));
    ctx.warnings?.push(...unknown.map((f) => `unknown field ${JSON.stringify(f)}`));
  }

  private validate(rt: ResourceType, obj: KubeObject, old: KubeObject | undefined, status = false): void {
    const errs: FieldError[] = validateObjectMeta(obj.metadata, { namespaced: rt.namespaced, nameRule: rt.nameRule ?? 'dns1123-subdomain' });
    if (old) errs.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
    if (status && old && rt.strategy.validateStatusUpdate) {
      errs.push(...rt.strategy.validateStatusUpdate(obj, old));
    } else {
      errs.push(...(rt.strategy.validate?.(obj, { old }) ?? []));
      if (old) errs.push(...(rt.strategy.validateUpdate?.(obj, old) ?? []));
    }
    if (errs.length > 0) throw invalidError(rt.kind, rt.group, obj.metadata.name ?? obj.metadata.generateName ?? '', errs);
  }

  private async admit(op: 'CREATE' | 'UPDATE' | 'DELETE', rt: ResourceType, obj: KubeObject, old: KubeObject | undefined, ctx: WriteContext) {
    for (const a of this.admission) await a.admit(op, rt, obj, old, ctx);
  }
}

function generationFields(rt: ResourceType): string[] {
  return rt.strategy.generationFields ?? ['spec'];
}

export function decode(kv: KeyValue): KubeObject {
  const obj = JSON.parse(kv.value) as KubeObject;
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
}

// Stored objects lead with apiVersion, kind and metadata (resourceVersion is the row's revision, not
// stored), so storedJson can splice the revision in at a known offset.
function encode(obj: KubeObject): string {
  const { apiVersion, kind, metadata: { resourceVersion: _rv, ...metadata }, ...rest } = obj;
  return JSON.stringify({ apiVersion, kind, metadata, ...rest });
}

function storedPrefix(rt: ResourceType): string {
  return `${JSON.stringify({ apiVersion: apiVersionOf(rt), kind: rt.kind }).slice(0, -1)},"metadata":{`;
}

/** The stored JSON of an object with its resourceVersion, decoded only if it was stored in another layout. */
function storedJson(rt: ResourceType, kv: KeyValue): string {
  const prefix = storedPrefix(rt);
  const rv = `"resourceVersion":${JSON.stringify(String(kv.modRevision))}`;
  if (kv.value.startsWith(prefix)) {
    const rest = kv.value.slice(prefix.length);
    return `${prefix}${rv}${rest.startsWith('}') ? '' : ','}${rest}`;
  }
  return JSON.stringify(decode(kv));
}

function listKindOf(rt: ResourceType): string {
  return rt.listKind ?? `${rt.kind}List`;
}

// One write reaches every watcher of its resource (each in-process informer, each HTTP watch) with the
// same stored value: it is decoded once and the object shared, as upstream's watch cache shares it.
// Receivers treat event objects as read-only (informer caches already require that).
const decodedEvents = new WeakMap<KeyValue, KubeObject>();

function decodeShared(kv: KeyValue): KubeObject {
  let obj = decodedEvents.get(kv);
  if (!obj) {
    obj = decode(kv);
    decodedEvents.set(kv, obj);
  }
  return obj;
}

function toWatchEvent(ev: StoreEvent, matches: (o: KubeObject) => boolean): WatchEvent | undefined {
  if (ev.type === 'delete') {
    const obj = decodeShared(ev.kv);
    return matches(obj) ? { type: 'DELETED', object: obj } : undefined;
  }
  const cur = decodeShared(ev.kv);
  const curOk = matches(cur);
  if (ev.created || !ev.prev) return curOk ? { type: 'ADDED', object: cur } : undefined;
  const prev = decodeShared(ev.prev);
  const prevOk = matches(prev);
  if (curOk && prevOk) return { type: 'MODIFIED', object: cur };
  if (curOk) return { type: 'ADDED', object: cur };
  if (prevOk) {
    // The object left the selection: upstream sends DELETED with the old state at the new revision.
    return { type: 'DELETED', object: { ...prev, metadata: { ...prev.metadata, resourceVersion: String(ev.kv.modRevision) } } };
  }
  return undefined;
}

function bookmark(rt: ResourceType, revision: number, annotations?: Record<string, string>): WatchEvent {
  const metadata: KubeObject['metadata'] = { resourceVersion: String(revision) };
  if (annotations) metadata.annotations = annotations;
  return { type: 'BOOKMARK', object: { apiVersion: apiVersionOf(rt), kind: rt.kind, metadata } };
}

function parseLabelSelector(text: string | undefined): Selector | { matches(): boolean } {
  if (!text) return { matches: () => true };
  try {
    return parseSelector(text);
  } catch (e) {
    throw errors.badRequest(`unable to parse requirement: ${(e as Error).message}`);
  }
}

export function parseResourceVersion(rv: string): number {
  const n = Number(rv);
  if (!Number.isInteger(n) || n < 0) throw errors.badRequest(`invalid resource version: ${rv}`);
  return n;
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof t.rv === 'number' && typeof t.start === 'string') return t;
  } catch {
    // fall through
  }
  throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

export type { FieldSelector };
