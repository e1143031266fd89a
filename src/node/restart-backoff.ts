// The kubelet's container restart back-off: the first restart is immediate, then 10 s doubling to
// 5 min; a container that ran for 10 minutes starts over.

export const initialBackoffMs = 10_000;
export const maxBackoffMs = 300_000;
export const backoffResetAfterMs = 600_000;

export class RestartBackoff {
  private delay = 0;

  /** Called when the container exits; returns how long to wait before the next start. */
  next(ranForMs: number): number {
    if (ranForMs >= backoffResetAfterMs) this.delay = 0;
    const wait = this.delay;
    this.delay = this.delay === 0 ? initialBackoffMs : Math.min(this.delay * 2, maxBackoffMs);
    return wait;
  }

  /** Restore after an agent restart: the delay a container with this many restarts would be at. */
  static forRestartCount(restarts: number): RestartBackoff {
    const b = new RestartBackoff();
    b.delay = restarts <= 0 ? 0 : Math.min(initialBackoffMs * 2 ** (restarts - 1), maxBackoffMs);
    return b;
  }
}
