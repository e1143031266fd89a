// In-process delivery of store events to watchers: synchronous, in revision order, each event once.
import type { StoreEvent, Watcher } from './store.js';

/** Events for keys with the prefix and revision in (after, upTo], in revision order. */
export type HistoryReader = (prefix: string, after: number, upTo: number) => StoreEvent[];

interface Subscription {
  prefix: string;
  onEvent: (ev: StoreEvent) => void;
  /** Every event up to this revision has been delivered (or did not match). */
  deliveredUpTo: number;
  stopped: boolean;
}

export class WatchFanout {
  private readonly subscriptions = new Set<Subscription>();
  /** Events published while another is being delivered (a callback that writes) wait here. */
  private readonly queue: StoreEvent[] = [];
  private delivering = false;

  /**
   * Replays history after fromRevision, then delivers live events. A callback may write during the
   * replay: the loop reads again until it reaches the head, and only then joins the live set, all
   * synchronously, so nothing is missed and nothing is delivered twice.
   */
  subscribe(prefix: string, fromRevision: number, head: () => number, readHistory: HistoryReader, onEvent: (ev: StoreEvent) => void): Watcher {
    const sub: Subscription = { prefix, onEvent, deliveredUpTo: fromRevision, stopped: false };
    const stop = () => {
      sub.stopped = true;
      this.subscriptions.delete(sub);
    };
    while (!sub.stopped && sub.deliveredUpTo < head()) {
      const upTo = head();
      for (const ev of readHistory(prefix, sub.deliveredUpTo, upTo)) this.deliver(sub, ev);
      sub.deliveredUpTo = Math.max(sub.deliveredUpTo, upTo);
    }
    if (!sub.stopped) this.subscriptions.add(sub);
    return { stop };
  }

  /** Delivers a newly written event to every matching watcher, after any event still being delivered. */
  publish(ev: StoreEvent): void {
    this.queue.push(ev);
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let i = 0; i < this.queue.length; i++) {
        for (const sub of this.subscriptions) this.deliver(sub, this.queue[i]);
      }
    } finally {
      this.queue.length = 0;
      this.delivering = false;
    }
  }

  /** Drops every watcher (the store is closing). */
  clear(): void {
    for (const sub of this.subscriptions) sub.stopped = true;
    this.subscriptions.clear();
  }

  private deliver(sub: Subscription, ev: StoreEvent): void {
    const rev = ev.kv.modRevision;
    // A watcher that subscribed while this event waited in the queue already got it from history.
    if (sub.stopped || rev <= sub.deliveredUpTo) return;
    sub.deliveredUpTo = rev;
    if (!ev.kv.key.startsWith(sub.prefix)) return;
    try {
      sub.onEvent(ev);
    } catch (err) {
      // The write has committed and other watchers must still get the event: surface the
      // consumer's bug as an uncaught exception instead of failing the writer.
      queueMicrotask(() => {
        throw err;
      });
    }
  }
}
