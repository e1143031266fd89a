// Records core/v1 Events as upstream's recorder does: one Event per (object, type, reason, message),
// its count and lastTimestamp bumped when the same thing happens again.
import { nowTimestamp, type KubeObject } from '../api/object.js';
import { ApiError } from '../api/status.js';
import type { ApiClient } from './api-client.js';
import type { ResourceRef } from './resource-ref.js';

const events: ResourceRef = { group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true };

export interface EventSource {
  component: string;
  host?: string;
}

export interface EventRecorderOptions {
  /** Awaited before each write: lets the owner's urgent writes go first (see BusyGate). */
  yieldTo?: () => Promise<void>;
}

interface Recorded {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

export class EventRecorder {
  private readonly seen = new Map<string, Recorded>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: ApiClient,
    private readonly source: EventSource,
    private readonly opts: EventRecorderOptions = {},
  ) {}

  normal(obj: KubeObject, reason: string, message: string, fieldPath?: string): void {
    this.record(obj, 'Normal', reason, message, fieldPath);
  }

  warning(obj: KubeObject, reason: string, message: string, fieldPath?: string): void {
    this.record(obj, 'Warning', reason, message, fieldPath);
  }

  /** Resolves when every event recorded so far has been written (tests, shutdown). */
  flush(): Promise<void> {
    return this.chain;
  }

  /** Fire-and-forget, in order: a failure to record an event never fails the caller's work. */
  record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): void {
    this.chain = this.chain.then(async () => {
      await this.opts.yieldTo?.();
      await this.write(obj, type, reason, message, fieldPath);
    }).catch((e) => {
      if (process.env.NANOKUBE_DEBUG) console.error('event recorder:', e);
    });
  }

  private async write(obj: KubeObject, type: string, reason: string, message: string, fieldPath?: string): Promise<void> {
    const namespace = obj.metadata.namespace || 'default';
    const key = [obj.metadata.uid, fieldPath ?? '', type, reason, message].join('\u0000');
    const now = nowTimestamp();
    const prev = this.seen.get(key);
    if (prev) {
      try {
        await this.client.patch(events, prev.namespace, prev.name, 'merge', { count: prev.count + 1, lastTimestamp: now });
        prev.count++;
        return;
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
        this.seen.delete(key);
      }
    }
    // Upstream names events <object>.<hex timestamp>. The low bits only keep names apart (not secret):
    // Math.random, since a synchronous randomBytes call cost ~40 µs, per event, in a burst.
    const name = `${obj.metadata.name}.${(BigInt(Date.now()) * 1_000_000n + BigInt(Math.floor(Math.random() * 0x10000))).toString(16)}`;
    const involvedObject: Record<string, unknown> = {
      kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name, uid: obj.metadata.uid,
      apiVersion: obj.apiVersion, resourceVersion: obj.metadata.resourceVersion,
    };
    if (fieldPath) involvedObject.fieldPath = fieldPath;
    await this.client.create(events, namespace, {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name, namespace },
      involvedObject,
      reason, message, type,
      source: this.source,
      firstTimestamp: now, lastTimestamp: now, count: 1,
      reportingComponent: this.source.component, reportingInstance: this.source.host ?? '',
    });
    this.seen.set(key, { name, namespace, count: 1, firstTimestamp: now });
    if (this.seen.size > 5000) this.seen.delete(this.seen.keys().next().value!);
  }
}
