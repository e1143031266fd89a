// Counts urgent writes in flight (pod status, bindings) so that less urgent ones (Events) can wait for
// them: in a burst, what controllers and users act on lands first. The wait is bounded, so a component
// that is never idle still records its events, in order, at most maxWaitMs late.
export class BusyGate {
  private busy = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly maxWaitMs = 1000) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    this.busy++;
    try {
      return await work();
    } finally {
      if (--this.busy === 0) for (const w of this.waiters.splice(0)) w();
    }
  }

  /** Resolves once nothing urgent is in flight, or after maxWaitMs. */
  whenIdle(): Promise<void> {
    if (this.busy === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.maxWaitMs);
      timer.unref?.();
      const waiters = this.waiters;
      function done() {
        clearTimeout(timer);
        const i = waiters.indexOf(done);
        if (i >= 0) waiters.splice(i, 1);
        resolve();
      }
      waiters.push(done);
    });
  }
}
