// The Store in memory, for unit tests: the same semantics as SqliteStore (revisions, CAS, history,
// compaction, watch), nothing persisted.
import { compactedError, HistoryWindow, type StoreOptions } from './history-window.js';
import { compareKeys, inKeyRange, keyRange, type KeyRange } from './key-order.js';
import { StoreError, type KeyValue, type ListOptions, type ListResult, type Store, type StoreEvent, type Watcher } from './store.js';
import { WatchFanout } from './watch-fanout.js';

interface LoggedEvent {
  event: StoreEvent;
  writtenAt: number;
}

export class MemoryStore implements Store {
  private readonly current = new Map<string, KeyValue>();
  /** The keys of current, in byte order. */
  private readonly sortedKeys: string[] = [];
  /** Every event after the compacted revision, in revision order (one per revision). */
  private log: LoggedEvent[] = [];
  private head = 0;
  private compacted = 0;
  private closed = false;
  private readonly history: HistoryWindow;
  private readonly fanout = new WatchFanout();
  private readonly compactTimer: NodeJS.Timeout;

  constructor(opts: StoreOptions = {}) {
    this.history = new HistoryWindow(opts);
    this.compactTimer = setInterval(() => this.compact(), this.history.compactIntervalMillis);
    this.compactTimer.unref();
  }

  revision(): number {
    return this.head;
  }

  oldestWatchableRevision(): number {
    return this.compacted;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.checkOpen();
    return this.current.get(key);
  }

  async count(prefix: string): Promise<number> {
    this.checkOpen();
    const range = keyRange(prefix);
    let n = 0;
    for (let i = this.firstIndexIn(range); i < this.sortedKeys.length && inKeyRange(this.sortedKeys[i], range); i++) n++;
    return n;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.checkOpen();
    const range = keyRange(prefix, opts.startAfter);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const at = opts.revision ?? 0;
    if (at > 0 && at < this.head) {
      if (at < this.compacted) throw compactedError(at, this.compacted);
      return { ...page(this.stateAt(at, range), limit), revision: at };
    }
    const all: KeyValue[] = [];
    for (let i = this.firstIndexIn(range); i < this.sortedKeys.length && inKeyRange(this.sortedKeys[i], range); i++) {
      all.push(this.current.get(this.sortedKeys[i])!);
    }
    return { ...page(all, limit), revision: this.head };
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.checkOpen();
    const existing = this.current.get(key);
    if (existing) throw new StoreError('exists', `key ${key} already exists`, existing);
    const rev = this.head + 1;
    const kv = Object.freeze({ key, value, createRevision: rev, modRevision: rev });
    this.sortedKeys.splice(this.firstIndexIn(keyRange(key)), 0, key);
    this.current.set(key, kv);
    this.append({ type: 'put', kv, created: true });
    return kv;
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    this.checkOpen();
    const prev = this.expect(key, expectedModRevision);
    const kv = Object.freeze({ key, value, createRevision: prev.createRevision, modRevision: this.head + 1 });
    this.current.set(key, kv);
    this.append({ type: 'put', kv, prev, created: false });
    return kv;
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    this.checkOpen();
    const prev = this.expect(key, expectedModRevision);
    const kv = Object.freeze({ ...prev, modRevision: this.head + 1 });
    this.sortedKeys.splice(this.firstIndexIn(keyRange(key)), 1);
    this.current.delete(key);
    this.append({ type: 'delete', kv, prev, created: false });
    return kv;
  }

  watch(prefix: string, fromRevision: number, onEvent: (ev: StoreEvent) => void): Watcher {
    this.checkOpen();
    if (fromRevision < this.compacted) throw compactedError(fromRevision, this.compacted);
    return this.fanout.subscribe(prefix, fromRevision, () => this.head, (p, after, upTo) => this.eventsBetween(p, after, upTo), onEvent);
  }

  /** Drops the history outside the window now (the background timer calls this); returns the compacted revision. */
  compact(): number {
    if (this.closed) return this.compacted;
    const byRevision = this.history.newestDroppableByRevision(this.head);
    const before = this.history.droppableBefore();
    let drop = 0;
    while (drop < this.log.length && this.log[drop].event.kv.modRevision <= byRevision && this.log[drop].writtenAt < before) drop++;
    if (drop === 0) return this.compacted;
    this.compacted = this.log[drop - 1].event.kv.modRevision;
    this.log = this.log.slice(drop);
    return this.compacted;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.compactTimer);
    this.fanout.clear();
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreError('closed', 'store is closed');
  }

  /** The current value, if its modRevision is the expected one (when given). */
  private expect(key: string, expectedModRevision: number | undefined): KeyValue {
    const existing = this.current.get(key);
    if (!existing) throw new StoreError('not-found', `key ${key} not found`);
    if (expectedModRevision !== undefined && existing.modRevision !== expectedModRevision) {
      throw new StoreError('conflict', `key ${key} has modRevision ${existing.modRevision}, not ${expectedModRevision}`, existing);
    }
    return existing;
  }

  private append(event: StoreEvent): void {
    this.head = event.kv.modRevision;
    this.log.push({ event, writtenAt: this.history.stampWrite() });
    this.fanout.publish(event);
  }

  /** The index of the first sorted key inside the range. */
  private firstIndexIn(range: KeyRange): number {
    let lo = 0;
    let hi = this.sortedKeys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareKeys(this.sortedKeys[mid], range.lower);
      if (c < 0 || (c === 0 && range.lowerExclusive)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The index in the log of the first event after revision. */
  private logIndexAfter(revision: number): number {
    return Math.max(0, Math.min(this.log.length, revision - this.compacted));
  }

  private eventsBetween(prefix: string, after: number, upTo: number): StoreEvent[] {
    const out: StoreEvent[] = [];
    for (let i = this.logIndexAfter(after); i < this.log.length; i++) {
      const ev = this.log[i].event;
      if (ev.kv.modRevision > upTo) break;
      if (ev.kv.key.startsWith(prefix)) out.push(ev);
    }
    return out;
  }

  /** The keys in range as they were at revision: the current state with later events undone. */
  private stateAt(revision: number, range: KeyRange): KeyValue[] {
    // For a key changed after revision, its value then is the prev of the first later event.
    const valueThen = new Map<string, KeyValue | undefined>();
    for (let i = this.logIndexAfter(revision); i < this.log.length; i++) {
      const { kv, prev } = this.log[i].event;
      if (inKeyRange(kv.key, range) && !valueThen.has(kv.key)) valueThen.set(kv.key, prev);
    }
    const items: KeyValue[] = [];
    for (let i = this.firstIndexIn(range); i < this.sortedKeys.length && inKeyRange(this.sortedKeys[i], range); i++) {
      if (!valueThen.has(this.sortedKeys[i])) items.push(this.current.get(this.sortedKeys[i])!);
    }
    for (const kv of valueThen.values()) if (kv) items.push(kv);
    return items.sort((a, b) => compareKeys(a.key, b.key));
  }
}

function page(sorted: KeyValue[], limit: number): { items: KeyValue[]; remaining: number } {
  if (sorted.length <= limit) return { items: sorted, remaining: 0 };
  return { items: sorted.slice(0, limit), remaining: sorted.length - limit };
}
