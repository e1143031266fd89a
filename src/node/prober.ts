// Periodic liveness/readiness/startup probing of one container, with upstream's thresholds.
import { resolvePort, runExec, runGrpc, runHttpGet, runTcp, type ExecTarget, type ProbeResult } from './probe-handlers.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export interface ProbeTarget {
  host: string;
  container: any;
  exec(command: string[]): ExecTarget;
}

export interface ProberEvents {
  /** A single failed attempt (the Unhealthy event). */
  failed(kind: ProbeKind, message: string): void;
  /** The probe's verdict changed: success/failure thresholds reached. */
  verdict(kind: ProbeKind, ok: boolean, message: string): void;
}

/** One probe, or with purpose 'lifecycle' one hook handler (whose HTTP status code does not matter). */
export function runProbeOnce(probe: any, target: ProbeTarget, purpose: 'probe' | 'lifecycle' = 'probe'): Promise<ProbeResult> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.exec) return runExec(target.exec(probe.exec.command ?? []), timeoutMs);
  if (probe.httpGet) {
    const g = probe.httpGet;
    const port = resolvePort(g.port, target.container);
    if (port === undefined) return Promise.resolve({ ok: false, message: `unable to resolve port ${g.port}` });
    return runHttpGet(g.scheme === 'HTTPS' ? 'HTTPS' : 'HTTP', g.host || target.host, port, g.path ?? '/', g.httpHeaders ?? [], timeoutMs, purpose);
  }
  if (probe.tcpSocket) {
    const port = resolvePort(probe.tcpSocket.port, target.container);
    if (port === undefined) return Promise.resolve({ ok: false, message: `unable to resolve port ${probe.tcpSocket.port}` });
    return runTcp(probe.tcpSocket.host || target.host, port, timeoutMs);
  }
  if (probe.grpc) return runGrpc(target.host, probe.grpc.port, probe.grpc.service, timeoutMs);
  return Promise.resolve({ ok: false, message: 'probe has no handler' });
}

/** One probe loop: initialDelaySeconds, then every periodSeconds, until stopped. */
export class Prober {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private successes = 0;
  private failures = 0;
  private verdictOk: boolean | undefined;

  constructor(
    readonly kind: ProbeKind,
    private readonly probe: any,
    private readonly target: ProbeTarget,
    private readonly events: ProberEvents,
  ) {}

  start(): void {
    this.schedule((this.probe.initialDelaySeconds ?? 0) * 1000);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const started = Date.now();
    const r = await runProbeOnce(this.probe, this.target);
    if (this.stopped) return;
    const successThreshold = this.probe.successThreshold ?? 1;
    const failureThreshold = this.probe.failureThreshold ?? 3;
    if (r.ok) {
      this.failures = 0;
      this.successes++;
      if (this.verdictOk !== true && this.successes >= successThreshold) {
        this.verdictOk = true;
        this.events.verdict(this.kind, true, '');
      }
    } else {
      this.successes = 0;
      this.failures++;
      this.events.failed(this.kind, r.message);
      if (this.verdictOk !== false && this.failures >= failureThreshold) {
        this.verdictOk = false;
        this.events.verdict(this.kind, false, r.message);
        if (this.kind !== 'readiness') return; // the container is restarted; a new Prober takes over
      }
    }
    // A startup probe stops once it has succeeded.
    if (this.kind === 'startup' && this.verdictOk) return;
    const period = (this.probe.periodSeconds ?? 10) * 1000;
    this.schedule(Math.max(0, period - (Date.now() - started)));
  }
}
