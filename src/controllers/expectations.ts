// Upstream's (UID-tracking) controller expectations: the creates and deletes a controller has
// issued but not yet seen through its informer. While any are outstanding the controller must not
// act on its (stale) cache, or a burst of syncs would create or delete the same pods twice.

/** Outstanding expectations older than this are given up on (upstream's ExpectationsTimeout). */
export const expectationsTimeoutMs = 5 * 60 * 1000;

interface Expected {
  creations: number;
  /** Keys (namespace/name) of pods whose deletion has not been observed yet. */
  deletions: Set<string>;
  setAt: number;
}

export class ControllerExpectations {
  private readonly byKey = new Map<string, Expected>();

  constructor(private readonly now: () => number = Date.now) {}

  /** True when the controller may act on its cache: nothing outstanding, nothing recorded, or expired. */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    if (e.creations <= 0 && e.deletions.size === 0) return true;
    return this.now() - e.setAt > expectationsTimeoutMs;
  }

  expectCreations(key: string, count: number): void {
    this.byKey.set(key, { creations: count, deletions: new Set(), setAt: this.now() });
  }

  expectDeletions(key: string, podKeys: string[]): void {
    this.byKey.set(key, { creations: 0, deletions: new Set(podKeys), setAt: this.now() });
  }

  /** Both at once, for controllers (DaemonSet) that create and delete in the same sync. */
  expect(key: string, creations: number, deletionKeys: string[]): void {
    this.byKey.set(key, { creations, deletions: new Set(deletionKeys), setAt: this.now() });
  }

  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e && e.creations > 0) e.creations--;
  }

  /** Idempotent per pod: a pod seen terminating and then gone counts once. */
  deletionObserved(key: string, podKey: string): void {
    this.byKey.get(key)?.deletions.delete(podKey);
  }

  delete(key: string): void {
    this.byKey.delete(key);
  }
}
