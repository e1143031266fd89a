// How much watch history a store keeps. An event is dropped only once it is both older than
// historyMillis and more than historyRevisions behind the head, so a watch can always resume from
// the last 5 minutes or the last 10,000 revisions, whichever reaches further back.
import { StoreError } from './store.js';

export interface StoreOptions {
  /** Keep at least this many revisions of history (default 10,000). */
  historyRevisions?: number;
  /** Keep at least this much time of history, in milliseconds (default 300,000). */
  historyMillis?: number;
  /** The clock that stamps writes and ages history (default Date.now); tests pass a fake one. */
  now?: () => number;
  /** How often the background compaction runs (default 60,000 ms). */
  compactIntervalMillis?: number;
}

export class HistoryWindow {
  readonly historyRevisions: number;
  readonly historyMillis: number;
  readonly compactIntervalMillis: number;
  private readonly now: () => number;
  private lastStamp = 0;

  constructor(opts: StoreOptions = {}) {
    this.historyRevisions = Math.max(0, opts.historyRevisions ?? 10_000);
    this.historyMillis = opts.historyMillis ?? 300_000;
    this.compactIntervalMillis = opts.compactIntervalMillis ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** The time to record for a write. Never goes backwards, so the log stays ordered by time too. */
  stampWrite(): number {
    this.lastStamp = Math.max(this.lastStamp, this.now());
    return this.lastStamp;
  }

  /** Continues from the newest stamp a reopened store finds on disk. */
  resumeStampsFrom(stamp: number): void {
    this.lastStamp = Math.max(this.lastStamp, stamp);
  }

  /** The newest revision far enough behind head to be dropped. */
  newestDroppableByRevision(head: number): number {
    return head - this.historyRevisions - 1;
  }

  /** Events written strictly before this time are old enough to be dropped. */
  droppableBefore(): number {
    return this.now() - this.historyMillis;
  }
}

/** A watch or list at a revision older than the kept history. */
export function compactedError(revision: number, compacted: number): StoreError {
  return new StoreError('compacted', `required revision ${revision} has been compacted (oldest available: ${compacted})`);
}
