// An ApiClient that calls the ResourceService directly, for components running in the server's
// process (`nanokube up`): the same semantics as HTTPS without the sockets and TLS.
import { clone, type KubeList, type KubeObject, type WatchEvent } from '../api/object.js';
import { ApiError, errors } from '../api/status.js';
import type { ResourceType } from '../api/resource-type.js';
import type { Registry } from '../api/registry.js';
import type {
  ApiClient, DeleteOptions, ListOptions, PatchType, WatchHandle, WatchOptions, WriteOptions,
} from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import type { ResourceService, WriteContext } from './resource-service.js';
import { scaleOf, applyScale } from './scale.js';
import { applyPatchByType, objectFromApply, type PatchMediaType } from './patch-by-type.js';
import type { ServiceAccountTokens } from './service-account-tokens.js';
import { answerTokenRequest } from './token-request.js';

const patchMedia: Record<PatchType, PatchMediaType> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export class LocalApiClient implements ApiClient {
  constructor(
    private readonly service: ResourceService,
    private readonly registry: Registry,
    /** Issues service account tokens for serviceaccounts/token posts (the in-process node's projected volumes). */
    private readonly tokens?: ServiceAccountTokens,
  ) {}

  private rt(ref: ResourceRef): ResourceType {
    const rt = this.registry.resource(ref.group, ref.version, ref.plural);
    if (!rt) throw errors.noSuchResource();
    return rt;
  }

  private ctx(opts?: WriteOptions): WriteContext {
    return { dryRun: opts?.dryRun, fieldManager: opts?.fieldManager, fieldValidation: 'Ignore', warnings: [] };
  }

  private kind(sub: string | undefined): '' | 'status' {
    if (!sub) return '';
    if (sub === 'status') return 'status';
    throw errors.badRequest(`unsupported subresource ${sub}`);
  }

  async get<T extends KubeObject>(ref: ResourceRef, ns: string, name: string, subresource?: string): Promise<T> {
    const rt = this.rt(ref);
    const obj = await this.service.get(rt, ns, name);
    return (subresource === 'scale' ? scaleOf(rt, obj) : obj) as T;
  }

  async list<T extends KubeObject>(ref: ResourceRef, ns: string, opts?: ListOptions): Promise<KubeList<T>> {
    return (await this.service.list(this.rt(ref), ns, opts)) as KubeList<T>;
  }

  watch(ref: ResourceRef, ns: string, opts: WatchOptions, onEvent: (ev: WatchEvent) => void, onClose: (err?: Error) => void): WatchHandle {
    let handle: { stop(): void } | undefined;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (err?: Error) => {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      handle?.stop();
      onClose(err);
    };
    this.service
      .watch(this.rt(ref), ns, opts, (ev) => {
        // Events are delivered after the store's write returns, like a network hop would.
        if (!stopped) queueMicrotask(() => !stopped && onEvent(ev));
      })
      .then(
        (h) => {
          handle = h;
          if (stopped) h.stop();
          else if (opts.timeoutSeconds) timer = setTimeout(() => finish(), opts.timeoutSeconds * 1000);
        },
        (e) => finish(e as Error),
      );
    return { stop: () => { if (!stopped) { stopped = true; if (timer) clearTimeout(timer); handle?.stop(); } } };
  }

  async create<T extends KubeObject>(ref: ResourceRef, ns: string, obj: KubeObject, opts?: WriteOptions): Promise<T> {
    return (await this.service.create(this.rt(ref), ns, clone(obj), this.ctx(opts))) as T;
  }

  async update<T extends KubeObject>(ref: ResourceRef, ns: string, obj: KubeObject, opts?: WriteOptions): Promise<T> {
    const rt = this.rt(ref);
    const name = obj.metadata.name!;
    if (opts?.subresource === 'scale') {
      const { object } = await this.service.patch(rt, ns, name, (cur) => applyScale(rt, cur, obj), this.ctx(opts));
      return scaleOf(rt, object) as T;
    }
    if (opts?.subresource === 'finalize' && rt.plural === 'namespaces') {
      return (await this.service.finalizeNamespace(rt, name, obj.spec?.finalizers ?? [], this.ctx(opts))) as T;
    }
    const { object } = await this.service.update(rt, ns, name, clone(obj), this.ctx(opts), this.kind(opts?.subresource));
    return object as T;
  }

  async patch<T extends KubeObject>(ref: ResourceRef, ns: string, name: string, type: PatchType, patch: unknown, opts?: WriteOptions): Promise<T> {
    const rt = this.rt(ref);
    const gvk = { group: rt.group, version: rt.version, kind: rt.kind };
    const media = patchMedia[type];
    if (opts?.subresource === 'scale') {
      const { object } = await this.service.patch(rt, ns, name, (cur) => applyScale(rt, cur, applyPatchByType(media, scaleOf(rt, cur), patch, gvk) as KubeObject), this.ctx(opts));
      return scaleOf(rt, object) as T;
    }
    const createIfMissing = type === 'apply' && !opts?.subresource ? () => objectFromApply(patch, gvk) : undefined;
    const { object } = await this.service.patch(
      rt, ns, name, (cur) => applyPatchByType(media, cur, patch, gvk), this.ctx(opts), this.kind(opts?.subresource), createIfMissing,
    );
    return object as T;
  }

  async delete(ref: ResourceRef, ns: string, name: string, opts?: DeleteOptions): Promise<KubeObject | undefined> {
    const { object, deleted } = await this.service.delete(this.rt(ref), ns, name, opts ?? {});
    return deleted ? undefined : object;
  }

  async post(ref: ResourceRef, ns: string, name: string, subresource: string, body: any): Promise<unknown> {
    const rt = this.rt(ref);
    if (rt.plural === 'serviceaccounts' && subresource === 'token' && this.tokens) {
      return answerTokenRequest(body, rt, ns, name, this.service, this.registry, this.tokens);
    }
    if (rt.plural === 'pods' && subresource === 'binding') {
      await this.service.bindPod(rt, ns, name, body?.target?.name);
      return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
    }
    throw errors.badRequest(`unsupported subresource ${subresource}`);
  }
}
