// The client every component uses to talk to the API server, over HTTPS or in-process.
import type { KubeList, KubeObject, WatchEvent } from '../api/object.js';
import type { ResourceRef } from './resource-ref.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export const patchContentTypes: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

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
  timeoutSeconds?: number;
}

export interface WriteOptions {
  subresource?: string;
  fieldManager?: string;
  dryRun?: boolean;
  force?: boolean;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface WatchHandle {
  stop(): void;
}

export interface ApiClient {
  get<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, name: string, subresource?: string): Promise<T>;
  list<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, opts?: ListOptions): Promise<KubeList<T>>;
  /** Events until stop() or the stream ends; onClose(err) tells why it ended (410 Gone included). */
  watch(ref: ResourceRef, namespace: string, opts: WatchOptions, onEvent: (ev: WatchEvent) => void, onClose: (err?: Error) => void): WatchHandle;
  create<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, obj: KubeObject, opts?: WriteOptions): Promise<T>;
  update<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, obj: KubeObject, opts?: WriteOptions): Promise<T>;
  patch<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string, name: string, type: PatchType, patch: unknown, opts?: WriteOptions): Promise<T>;
  /** Returns the object as the server left it (with deletionTimestamp) or undefined when it is gone. */
  delete(ref: ResourceRef, namespace: string, name: string, opts?: DeleteOptions): Promise<KubeObject | undefined>;
  /** POST to a subresource (binding, eviction): returns the reply body. */
  post(ref: ResourceRef, namespace: string, name: string, subresource: string, body: unknown): Promise<unknown>;
}
