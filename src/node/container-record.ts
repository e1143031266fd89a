// What the pod worker knows about one container of a pod, and how that becomes a ContainerStatus.
import { nowTimestamp } from '../api/object.js';
import type { ContainerHandle } from './runtime/runtime.js';
import type { Prober } from './prober.js';
import { RestartBackoff } from './restart-backoff.js';

export type ContainerKind = 'init' | 'sidecar' | 'app';

export interface Terminated {
  exitCode: number;
  signal?: number;
  reason: string;
  message?: string;
  startedAt: string;
  finishedAt: string;
  containerID: string;
}

export class ContainerRecord {
  restartCount = 0;
  attempt = -1; // no start yet
  handle?: ContainerHandle;
  running?: { startedAt: string };
  terminated?: Terminated;
  lastTerminated?: Terminated;
  waiting?: { reason: string; message?: string };
  started = false;
  ready = false;
  /** Set while the agent stops the container on purpose (liveness, deletion): the exit is expected. */
  stopping?: 'liveness' | 'startup' | 'delete' | 'deadline' | 'sidecar';
  backoff = new RestartBackoff();
  backoffUntil = 0;
  /** The back-off chosen at the last exit (shown as "back-off 10s restarting failed container=…"). */
  backoffMs = 0;
  probers: Prober[] = [];
  /** Bumped on every start, so stale exit notifications from an earlier start are ignored. */
  generation = 0;

  constructor(
    readonly kind: ContainerKind,
    public spec: any,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get isRunning(): boolean {
    return !!this.running;
  }

  stopProbers(): void {
    for (const p of this.probers) p.stop();
    this.probers = [];
  }

  containerID(podUid: string, attempt = this.attempt): string {
    return `nanokube://${podUid.replace(/-/g, '')}${Buffer.from(`${this.name}/${attempt}`).toString('hex')}`.slice(0, 75);
  }

  status(podUid: string): Record<string, unknown> {
    const s: Record<string, unknown> = {
      name: this.name,
      image: this.spec.image ?? '',
      imageID: '',
      ready: this.ready,
      restartCount: this.restartCount,
      started: this.started,
    };
    let last = this.lastTerminated;
    if (this.running) {
      s.state = { running: { startedAt: this.running.startedAt } };
      s.containerID = this.containerID(podUid);
    } else if (this.terminated && this.waiting) {
      // Backing off before a restart: waiting now, and the run that just ended is the last state.
      s.state = { waiting: this.waiting };
      s.containerID = this.terminated.containerID;
      last = this.terminated;
      s.started = false;
    } else if (this.terminated) {
      s.state = { terminated: terminatedJson(this.terminated) };
      s.containerID = this.terminated.containerID;
      s.started = false;
    } else {
      s.state = { waiting: this.waiting ?? { reason: 'ContainerCreating' } };
    }
    s.lastState = last ? { terminated: terminatedJson(last) } : {};
    return s;
  }
}

function terminatedJson(t: Terminated): Record<string, unknown> {
  const j: Record<string, unknown> = { exitCode: t.exitCode, reason: t.reason, startedAt: t.startedAt, finishedAt: t.finishedAt, containerID: t.containerID };
  if (t.signal) j.signal = t.signal;
  if (t.message) j.message = t.message;
  return j;
}

export function timestamp(d: Date): string {
  return nowTimestamp(d);
}
