// The node's data plane processes, forked from the agent as cluster workers (data-plane-worker.ts). The
// cluster module binds each port once in the agent and hands accepted connections to the workers in turn,
// so every worker serves both ports. A worker that dies is replaced (on the ports already bound); all are
// stopped, letting requests in flight finish, when the agent stops, and exit by themselves if it dies.
import cluster, { type Worker } from 'node:cluster';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { DataPlaneSettings, FromDataPlane, ListenResult, RoutingInputs, ToDataPlane } from './data-plane-messages.js';

const workerScript = fileURLToPath(new URL('./data-plane-worker.js', import.meta.url));
const restartDelayMs = 1_000;
const stopGraceMs = 7_000;

/** One data plane process per core, as nginx's `worker_processes auto`. */
export const defaultDataPlaneWorkers = os.availableParallelism();

export class DataPlaneWorkers {
  private readonly workers = new Set<Worker>();
  private routing: RoutingInputs;
  private settings: DataPlaneSettings;
  private stopping = false;
  private restartTimer?: NodeJS.Timeout;

  constructor(
    private readonly count: number,
    settings: DataPlaneSettings,
    routing: RoutingInputs,
    private readonly log: (message: string) => void,
  ) {
    this.settings = settings;
    this.routing = routing;
  }

  /**
   * Starts the workers: the first listens on the configured ports, the others on the ports it got (so
   * that port 0 means one free port for all). Resolves with what the first one got.
   */
  async start(): Promise<{ http?: ListenResult; https?: ListenResult }> {
    const first = await this.fork();
    const port = (r?: ListenResult) => (r && 'port' in r ? r.port : undefined);
    this.settings = { ...this.settings, httpPort: port(first.http), httpsPort: port(first.https) };
    await Promise.all(Array.from({ length: this.count - 1 }, () => this.fork()));
    return first;
  }

  /** Sends new routing to every worker (and to workers started later). */
  update(routing: RoutingInputs): void {
    this.routing = routing;
    for (const w of this.workers) this.send(w, { type: 'routing', routing });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    await Promise.all([...this.workers].map((w) => new Promise<void>((resolve) => {
      if (w.isDead()) return resolve();
      const kill = setTimeout(() => w.process.kill('SIGKILL'), stopGraceMs);
      w.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      this.send(w, { type: 'stop' });
    })));
  }

  private send(w: Worker, m: ToDataPlane): void {
    if (w.isConnected()) w.send(m, () => {});
  }

  private fork(): Promise<{ http?: ListenResult; https?: ListenResult }> {
    // Stopped while starting (an agent stopping during its ingress's start): nothing more is forked.
    if (this.stopping) return Promise.resolve({ http: { error: 'stopped' }, https: { error: 'stopped' } });
    cluster.setupPrimary({ exec: workerScript, args: [] });
    const w = cluster.fork();
    this.workers.add(w);
    return new Promise((resolve) => {
      const onMessage = (m: FromDataPlane) => {
        if (m?.type === 'ready') this.send(w, { type: 'start', settings: this.settings, routing: this.routing });
        if (m?.type !== 'listening') return;
        w.off('message', onMessage);
        resolve({ http: m.http, https: m.https });
      };
      w.on('message', onMessage);
      w.once('exit', (code, signal) => {
        this.workers.delete(w);
        resolve({ http: { error: 'data plane process exited' }, https: { error: 'data plane process exited' } });
        if (this.stopping) return;
        this.log(`data plane process ${w.process.pid} exited (${signal ?? code}); starting another`);
        this.restartTimer = setTimeout(() => {
          if (!this.stopping) void this.fork();
        }, restartDelayMs);
      });
    });
  }
}
