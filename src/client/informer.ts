// An informer: list, then watch from that resourceVersion, keeping a local cache and telling
// handlers about changes. Re-lists after 410 Gone or errors; re-watches when a stream ends.
import type { KubeObject, WatchEvent } from '../api/object.js';
import { ApiError } from '../api/status.js';
import type { ApiClient, WatchHandle } from './api-client.js';
import type { ResourceRef } from './resource-ref.js';

export interface InformerHandlers<T extends KubeObject> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export function cacheKey(obj: { metadata: { namespace?: string; name?: string } }): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
}

export class Informer<T extends KubeObject = KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private watch?: WatchHandle;
  private stopped = false;
  private synced = false;
  private resourceVersion = '';
  private retryTimer?: NodeJS.Timeout;
  private syncWaiters: (() => void)[] = [];

  constructor(
    private readonly client: ApiClient,
    readonly ref: ResourceRef,
    private readonly opts: InformerOptions = {},
  ) {}

  on(handlers: InformerHandlers<T>): this {
    this.handlers.push(handlers);
    return this;
  }

  /** Starts listing and watching; resolves once the first list is in the cache. */
  start(): Promise<void> {
    void this.relist();
    return this.waitForSync();
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.watch?.stop();
  }

  get(namespace: string, name: string): T | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name);
  }

  list(namespace?: string): T[] {
    const out: T[] = [];
    for (const o of this.cache.values()) if (!namespace || o.metadata.namespace === namespace) out.push(o);
    return out;
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    try {
      const list = await this.client.list<T>(this.ref, this.opts.namespace ?? '', {
        labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector,
      });
      if (this.stopped) return;
      const seen = new Set<string>();
      for (const item of list.items) {
        if (!item.apiVersion) item.apiVersion = list.apiVersion;
        if (!item.kind) item.kind = this.ref.kind;
        const key = cacheKey(item);
        seen.add(key);
        this.apply(key, item);
      }
      for (const [key, old] of [...this.cache]) {
        if (!seen.has(key)) {
          this.cache.delete(key);
          for (const h of this.handlers) h.delete?.(old);
        }
      }
      this.resourceVersion = list.metadata.resourceVersion ?? '';
      if (!this.synced) {
        this.synced = true;
        for (const w of this.syncWaiters.splice(0)) w();
      }
      this.startWatch();
    } catch {
      this.retry(() => this.relist());
    }
  }

  private apply(key: string, obj: T): void {
    const old = this.cache.get(key);
    this.cache.set(key, obj);
    if (!old) for (const h of this.handlers) h.add?.(obj);
    else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) for (const h of this.handlers) h.update?.(old, obj);
  }

  private startWatch(): void {
    if (this.stopped) return;
    this.watch = this.client.watch(
      this.ref,
      this.opts.namespace ?? '',
      {
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        // Streams end now and then so that a half-dead connection is noticed.
        timeoutSeconds: 300 + Math.floor(Math.random() * 300),
      },
      (ev) => this.onEvent(ev as WatchEvent<T>),
      (err) => {
        if (this.stopped) return;
        if (err instanceof ApiError && (err.code === 410 || err.reason === 'Expired' || err.reason === 'Gone')) return void this.relist();
        if (err) return this.retry(() => this.relist());
        this.startWatch();
      },
    );
  }

  private onEvent(ev: WatchEvent<T>): void {
    const obj = ev.object;
    if (obj?.metadata?.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
    if (ev.type === 'BOOKMARK' || ev.type === 'ERROR') return;
    if (!obj.kind) obj.kind = this.ref.kind;
    const key = cacheKey(obj);
    if (ev.type === 'DELETED') {
      const old = this.cache.get(key);
      this.cache.delete(key);
      for (const h of this.handlers) h.delete?.(old ?? obj);
      return;
    }
    this.apply(key, obj);
  }

  private retry(fn: () => void): void {
    if (this.stopped) return;
    this.retryTimer = setTimeout(fn, 1000);
    this.retryTimer.unref?.();
  }
}
