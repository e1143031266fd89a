// A work queue of keys for level-triggered controllers: a key is queued at most once, never
// processed by two workers at once, and failed keys come back with per-key exponential back-off.

export interface WorkQueueOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
}

const longestTimerMs = 24 * 60 * 60 * 1000;

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirtyWhileProcessing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; due: number }>();
  private waiters: (() => void)[] = [];
  private stopped = false;
  private readonly base: number;
  private readonly max: number;

  constructor(opts: WorkQueueOptions = {}) {
    this.base = opts.baseDelayMs ?? 10;
    this.max = opts.maxDelayMs ?? 60_000;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) {
      this.dirtyWhileProcessing.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    const w = this.waiters.shift();
    if (w) w();
  }

  /**
   * Adds the key after a delay. An earlier pending delay for the key wins, as upstream's delaying queue.
   * Delays are capped at a day (setTimeout overflows past ~24.8 days and fires at once); a key woken early
   * is reconciled and simply asks again.
   */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) return this.add(key);
    const delay = Math.min(delayMs, longestTimerMs);
    const due = Date.now() + delay;
    const existing = this.timers.get(key);
    if (existing) {
      if (existing.due <= due) return;
      clearTimeout(existing.timer);
    }
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delay);
    timer.unref?.();
    this.timers.set(key, { timer, due });
  }

  /** Re-queue after a failure, waiting longer each time the same key fails. */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.addAfter(key, Math.min(this.max, this.base * 2 ** n));
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  get length(): number {
    return this.queue.length;
  }

  /** Runs `workers` loops calling handle(key); a thrown error re-queues the key with back-off. */
  run(workers: number, handle: (key: string) => Promise<void>): void {
    for (let i = 0; i < workers; i++) void this.loop(handle);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w();
  }

  private async next(): Promise<string | undefined> {
    while (!this.stopped && this.queue.length === 0) await new Promise<void>((r) => this.waiters.push(r));
    if (this.stopped) return undefined;
    const key = this.queue.shift()!;
    this.queued.delete(key);
    this.processing.add(key);
    return key;
  }

  private async loop(handle: (key: string) => Promise<void>): Promise<void> {
    for (;;) {
      const key = await this.next();
      if (key === undefined) return;
      try {
        await handle(key);
        this.forget(key);
      } catch (e) {
        if (!this.stopped) this.addRateLimited(key);
        if (process.env.NANOKUBE_DEBUG) console.error(`work queue: ${key}:`, e);
      } finally {
        this.processing.delete(key);
        if (this.dirtyWhileProcessing.delete(key)) this.add(key);
      }
    }
  }
}
