// The storage contract (DESIGN.md "Storage"). Only the API server uses it.
// Keys: /registry/<group>/<resource>/<namespace>/<name> (cluster-scoped kinds omit the namespace).
// One global, strictly increasing revision; an object's resourceVersion is its modRevision.

export interface KeyValue {
  key: string;
  /** The object as JSON text, without metadata.resourceVersion (the revision is the source of truth). */
  value: string;
  createRevision: number;
  modRevision: number;
}

export interface StoreEvent {
  type: 'put' | 'delete';
  /** For put: the new value. For delete: the last value, with modRevision = the delete's revision. */
  kv: KeyValue;
  /** The value before this event (absent for a put that created the key). */
  prev?: KeyValue;
  /** True when a put created the key. */
  created: boolean;
}

export interface ListOptions {
  /** Read the state as of this revision (0/undefined: latest). Older than compaction: StoreError 'compacted'. */
  revision?: number;
  /** At most this many items (0/undefined: all). */
  limit?: number;
  /** Start strictly after this key (for continue tokens). */
  startAfter?: string;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list reflects. */
  revision: number;
  /** Number of keys after the last returned one (when limited), 0 otherwise. */
  remaining: number;
}

export type StoreErrorCode = 'not-found' | 'exists' | 'conflict' | 'compacted' | 'closed';

export class StoreError extends Error {
  constructor(readonly code: StoreErrorCode, message: string, readonly current?: KeyValue) {
    super(message);
  }
}

export interface Watcher {
  stop(): void;
}

export interface Store {
  /** The newest revision written. */
  revision(): number;
  get(key: string): Promise<KeyValue | undefined>;
  /** Keys starting with prefix, in key order. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Count keys with the prefix. */
  count(prefix: string): Promise<number>;
  /** Fails with 'exists' if the key is present. */
  create(key: string, value: string): Promise<KeyValue>;
  /** Compare-and-swap on modRevision: 'not-found' or 'conflict' (error.current holds the stored value). */
  update(key: string, value: string, expectedModRevision: number): Promise<KeyValue>;
  /** Deletes; with expectedModRevision the delete is guarded. Returns the deleted value. */
  delete(key: string, expectedModRevision?: number): Promise<KeyValue>;
  /**
   * Events for keys with the prefix and revision > fromRevision, in revision order: first the kept
   * history since fromRevision, then live ones. fromRevision older than the kept history throws 'compacted'.
   * Callbacks run synchronously in revision order; a slow consumer must buffer itself.
   */
  watch(prefix: string, fromRevision: number, onEvent: (ev: StoreEvent) => void): Watcher;
  /** The oldest revision a watch may start from (exclusive). */
  oldestWatchableRevision(): number;
  close(): Promise<void>;
}
