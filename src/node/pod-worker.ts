// One pod on this node, kept as its spec says: sandbox, init containers in order, sidecars, app
// containers with restart policy and back-off, probes and hooks, graceful termination, status.
// Every change funnels into sync(), which runs one at a time and is safe to repeat.
import fs from 'node:fs';
import path from 'node:path';
import type { KubeObject } from '../api/object.js';
import { nowTimestamp } from '../api/object.js';
import { ApiError } from '../api/status.js';
import { Quantity } from '../api/quantity.js';
import type { ApiClient } from '../client/api-client.js';
import type { EventRecorder } from '../client/event-recorder.js';
import type { BusyGate } from '../client/busy-gate.js';
import type { ResourceRef } from '../client/resource-ref.js';
import type { ContainerHandle, ContainerState, Runtime, Sandbox } from './runtime/runtime.js';
import { ContainerRecord, timestamp, type ContainerKind, type Terminated } from './container-record.js';
import { buildEnv, commandLine, ContainerConfigError, type EnvSources } from './container-env.js';
import { Prober, runProbeOnce, type ProbeKind } from './prober.js';
import { RestartBackoff } from './restart-backoff.js';
import { computePodStatus } from './pod-status.js';
import { terminationMessage } from './termination-message.js';
import { hookFailureMessage } from './lifecycle-hook-message.js';
import { logShowsPortClash } from './host-port-clash.js';
import { hostPortMappings } from './port-mappings.js';
import type { VolumeManager } from './volumes/volume-manager.js';
import { VolumeError } from './volumes/volume-error.js';
import { SubPathError } from './volumes/volume-mounts.js';

const podsRef: ResourceRef = { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true };

export interface PodWorkerDeps {
  runtime: Runtime;
  client: ApiClient;
  events: EventRecorder;
  /** Status writes go through this gate, ahead of events. */
  statusWrites: BusyGate;
  envSources: EnvSources;
  nodeName: string;
  nodeIp: string;
  logDir: string;
  maxLogBytes: number;
  maxLogFiles: number;
  volumes: VolumeManager;
  /** Called once the pod's containers are gone and its object deleted. */
  onRemoved(uid: string): void;
}

export class PodWorker {
  readonly uid: string;
  private pod: KubeObject;
  private sandbox?: Sandbox;
  private readonly containers = new Map<string, ContainerRecord>();
  private syncing = false;
  private dirty = false;
  private terminating?: Promise<void>;
  private finalPhase?: 'Succeeded' | 'Failed';
  private finalReason?: { reason: string; message: string };
  private startTime?: string;
  private lastStatusJson = '';
  private timers = new Set<NodeJS.Timeout>();
  private closed = false;
  private volumesReady = false;
  /** The finished pod's sandbox gave back what others may need (its host ports). */
  private sandboxStopped = false;
  private volumeRetryMs = 0;
  private lastMountError = '';
  private adopting = false;

  constructor(
    pod: KubeObject,
    private readonly deps: PodWorkerDeps,
    adopted: ContainerHandle[] = [],
  ) {
    this.pod = pod;
    this.uid = pod.metadata.uid!;
    const add = (kind: ContainerKind, spec: any) => this.containers.set(spec.name, new ContainerRecord(kind, spec));
    for (const c of pod.spec?.initContainers ?? []) add(c.restartPolicy === 'Always' ? 'sidecar' : 'init', c);
    for (const c of pod.spec?.containers ?? []) add('app', c);
    this.startTime = pod.status?.startTime;
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') this.finalPhase = pod.status.phase;
    this.adopt(adopted);
  }

  /**
   * Containers that survived an agent restart: same processes, same restart counts. No sync runs
   * until every one is adopted (the agent kicks the new worker): one that ended while the agent was
   * down must not start a sync that sees the others as not running, which then started a second
   * copy of one (its state dir taken over, the first orphaned) or, for a pod being deleted, removed
   * the pod while one still ran.
   */
  private adopt(handles: ContainerHandle[]): void {
    this.adopting = true;
    try {
      this.adoptAll(handles);
    } finally {
      this.adopting = false;
    }
  }

  private adoptAll(handles: ContainerHandle[]): void {
    const byName = new Map<string, ContainerHandle[]>();
    for (const h of handles) (byName.get(h.name) ?? byName.set(h.name, []).get(h.name)!).push(h);
    for (const [name, hs] of byName) {
      const rec = this.containers.get(name);
      if (!rec) continue;
      hs.sort((a, b) => a.attempt - b.attempt);
      const last = hs[hs.length - 1];
      rec.attempt = last.attempt;
      rec.restartCount = last.attempt;
      rec.backoff = RestartBackoff.forRestartCount(last.attempt);
      if (hs.length > 1) {
        const prev = hs[hs.length - 2];
        void prev.exited.then((st) => {
          rec.lastTerminated ??= this.terminatedFrom(rec, st, prev.attempt);
        });
      }
      if (last.exitedBefore) {
        // It ended while the agent was down: never shown as running again.
        rec.generation++;
        rec.handle = last;
        this.onExit(rec, last.exitedBefore);
        continue;
      }
      this.watchContainer(rec, last, true);
    }
  }

  get podObject(): KubeObject {
    return this.pod;
  }

  update(pod: KubeObject): void {
    this.pod = pod;
    this.deps.volumes.updatePod(pod);
    this.kick();
  }

  kick(): void {
    if (this.closed || this.adopting) return;
    if (this.syncing) {
      this.dirty = true;
      return;
    }
    this.syncing = true;
    void this.sync()
      .catch((e) => {
        if (process.env.NANOKUBE_DEBUG) console.error(`pod worker ${this.pod.metadata.namespace}/${this.pod.metadata.name}:`, e);
        this.later(1000);
      })
      .finally(() => {
        this.syncing = false;
        if (this.dirty) {
          this.dirty = false;
          this.kick();
        }
      });
  }

  private later(ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.kick();
    }, ms);
    t.unref?.();
    this.timers.add(t);
  }

  /** Kill everything at once (the pod object vanished without a graceful delete). */
  async forceStop(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    for (const rec of this.containers.values()) {
      rec.stopProbers();
      if (rec.isRunning) this.deps.runtime.signal(this.uid, rec.name, rec.attempt, 'SIGKILL');
    }
    await Promise.all([...this.containers.values()].map((r) => r.handle?.exited));
    await this.deps.runtime.removeSandbox(this.uid);
    await this.deps.volumes.tearDown(this.uid);
    this.deps.onRemoved(this.uid);
  }

  // ---- the sync loop ----

  private async sync(): Promise<void> {
    if (this.pod.metadata.deletionTimestamp) {
      this.terminating ??= this.terminate();
      return this.terminating;
    }
    if (!this.sandbox) {
      this.sandbox = await this.createSandbox();
      this.startTime ??= nowTimestamp();
      if (!this.deps.runtime.enforcesLimits && hasLimits(this.pod)) {
        this.deps.events.warning(this.pod, 'LimitsNotEnforced', 'resource limits are not enforced on this node (no writable cgroups)');
      }
    }
    if (!this.finalPhase) {
      this.checkActiveDeadline();
      if (!this.finalPhase && (this.volumesReady || (await this.setUpVolumes()))) await this.runContainers();
    }
    if (this.finalPhase && !this.sandboxStopped && ![...this.containers.values()].some((r) => r.isRunning)) {
      // A finished pod holds no host ports: the scheduler already places others on them.
      await this.deps.runtime.stopSandbox?.(this.uid);
      this.sandboxStopped = true;
    }
    await this.pushStatus();
  }

  private async createSandbox(): Promise<Sandbox> {
    const spec = this.pod.spec ?? {};
    try {
      return await this.deps.runtime.createSandbox({
        podUid: this.uid, namespace: this.pod.metadata.namespace!, name: this.pod.metadata.name!,
        hostname: spec.hostname ?? this.pod.metadata.name!, subdomain: spec.subdomain, setHostnameAsFQDN: spec.setHostnameAsFQDN,
        hostAliases: spec.hostAliases, hostNetwork: !!spec.hostNetwork,
        portMappings: this.finalPhase ? [] : hostPortMappings(spec),
        dnsPolicy: spec.dnsPolicy, dnsConfig: spec.dnsConfig,
      });
    } catch (e) {
      this.deps.events.warning(this.pod, 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(e as Error).message}`);
      throw e;
    }
  }

  /** Volumes before any container; while that fails the pod stays ContainerCreating, retried with back-off. */
  private async setUpVolumes(): Promise<boolean> {
    try {
      await this.deps.volumes.setUp(this.pod);
    } catch (e) {
      if (!(e instanceof VolumeError)) throw e;
      const message = `MountVolume.SetUp failed for volume "${e.volume}" : ${e.message}`;
      // Repeats of the same failure are counted by the event recorder; a new failure is news.
      if (message !== this.lastMountError || this.volumeRetryMs >= 16_000) this.deps.events.warning(this.pod, 'FailedMount', message);
      this.lastMountError = message;
      this.volumeRetryMs = Math.min(Math.max(this.volumeRetryMs * 2, 1000), 16_000);
      this.later(this.volumeRetryMs);
      return false;
    }
    this.volumesReady = true;
    return true;
  }

  /** The agent evicts the pod (an emptyDir over its sizeLimit): Failed, reason Evicted, containers stopped. */
  evict(message: string): void {
    if (this.finalPhase || this.pod.metadata.deletionTimestamp) return;
    this.finalPhase = 'Failed';
    this.finalReason = { reason: 'Evicted', message };
    this.deps.events.warning(this.pod, 'Evicted', message);
    void this.stopAll('deadline', 0);
  }

  private checkActiveDeadline(): void {
    const deadline = this.pod.spec?.activeDeadlineSeconds;
    if (!deadline || !this.startTime) return;
    const remaining = Date.parse(this.startTime) + deadline * 1000 - Date.now();
    if (remaining > 0) {
      this.later(remaining + 10);
      return;
    }
    this.finalPhase = 'Failed';
    this.finalReason = { reason: 'DeadlineExceeded', message: `Pod was active on the node longer than the specified deadline` };
    this.deps.events.normal(this.pod, 'DeadlineExceeded', 'Pod was active on the node longer than the specified deadline');
    void this.stopAll('deadline', this.gracePeriod());
  }

  private restartPolicy(): 'Always' | 'OnFailure' | 'Never' {
    return this.pod.spec?.restartPolicy ?? 'Always';
  }

  private async runContainers(): Promise<void> {
    const inits = [...this.containers.values()].filter((c) => c.kind !== 'app');
    // Init containers in order; sidecars start and stay up, plain init containers must succeed.
    for (const rec of inits) {
      if (rec.kind === 'sidecar') {
        if (!rec.isRunning && rec.terminated) await this.maybeRestart(rec, true);
        else if (!rec.isRunning) await this.maybeStart(rec);
        if (!rec.started) return;
        continue;
      }
      if (rec.terminated?.exitCode === 0) continue;
      if (rec.isRunning) return;
      if (!rec.terminated) {
        await this.maybeStart(rec);
        return;
      }
      if (this.restartPolicy() === 'Never') {
        this.finish('Failed');
        return;
      }
      await this.maybeRestart(rec, true);
      return;
    }
    const apps = [...this.containers.values()].filter((c) => c.kind === 'app');
    for (const rec of apps) {
      if (rec.isRunning) continue;
      if (rec.attempt < 0 && !rec.terminated) await this.maybeStart(rec);
      else if (rec.terminated) {
        const policy = this.restartPolicy();
        const restart = policy === 'Always' || (policy === 'OnFailure' && rec.terminated.exitCode !== 0);
        if (restart) await this.maybeRestart(rec, false);
      }
    }
    const done = apps.every((r) => !r.isRunning && r.terminated && !this.willRestart(r));
    if (done && apps.length > 0) this.finish(apps.every((r) => r.terminated!.exitCode === 0) ? 'Succeeded' : 'Failed');
  }

  private willRestart(rec: ContainerRecord): boolean {
    const policy = this.restartPolicy();
    return policy === 'Always' || (policy === 'OnFailure' && rec.terminated?.exitCode !== 0);
  }

  private finish(phase: 'Succeeded' | 'Failed'): void {
    if (this.finalPhase) return;
    this.finalPhase = phase;
    // Sidecars end with the pod's main work, in reverse order.
    void this.stopAll('sidecar', this.gracePeriod());
  }

  private async maybeRestart(rec: ContainerRecord, isInit: boolean): Promise<void> {
    if (Date.now() < rec.backoffUntil) {
      const pod = `${this.pod.metadata.name}_${this.pod.metadata.namespace}(${this.uid})`;
      const secs = Math.round(rec.backoffMs / 1000);
      if (rec.waiting?.reason !== 'CrashLoopBackOff') {
        rec.waiting = { reason: 'CrashLoopBackOff', message: `back-off ${formatBackoff(secs)} restarting failed container=${rec.name} pod=${pod}` };
        this.deps.events.warning(this.pod, 'BackOff', `Back-off restarting failed container ${rec.name} in pod ${pod}`, fieldPath(rec, isInit));
      }
      this.later(rec.backoffUntil - Date.now() + 5);
      return;
    }
    await this.maybeStart(rec);
  }

  /** Start (or restart) a container; failures to build it leave it Waiting with a reason and event. */
  private async maybeStart(rec: ContainerRecord): Promise<void> {
    const container = rec.spec;
    const fp = fieldPath(rec, rec.kind !== 'app');
    let env: Record<string, string>;
    try {
      env = await buildEnv(this.downwardPod(), container, this.deps.envSources);
    } catch (e) {
      if (!(e instanceof ContainerConfigError)) throw e;
      this.setWaiting(rec, 'CreateContainerConfigError', e.message, fp);
      this.later(5000);
      return;
    }
    const fullEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOSTNAME: this.pod.spec?.hostname ?? this.pod.metadata.name!,
      HOME: '/root',
      ...env,
    };
    const cmd = commandLine(container, fullEnv);
    if (!cmd) {
      this.setWaiting(rec, 'CreateContainerError',
        `nanokube runs containers as processes on the node and cannot run image "${container.image}" without a command: set the container's command`, fp);
      return;
    }
    let mounts;
    try {
      mounts = this.deps.volumes.mounts(this.pod, container, env);
    } catch (e) {
      if (!(e instanceof SubPathError)) throw e;
      this.setWaiting(rec, 'CreateContainerConfigError', e.message, fp);
      this.later(5000);
      return;
    }
    const attempt = rec.attempt + 1;
    const limits = container.resources?.limits ?? {};
    let handle: ContainerHandle;
    try {
      handle = await this.deps.runtime.startContainer({
        podUid: this.uid, name: rec.name, attempt, command: cmd, env: fullEnv, workingDir: container.workingDir, mounts,
        logPath: this.logPath(rec.name, attempt), maxLogBytes: this.deps.maxLogBytes, maxLogFiles: this.deps.maxLogFiles,
        memoryLimitBytes: limits.memory ? Number(Quantity.parse(limits.memory).value()) : undefined,
        cpuLimitMilli: limits.cpu ? Number(Quantity.parse(limits.cpu).milliValue()) : undefined,
        stdin: !!container.stdin, stdinOnce: !!container.stdinOnce, terminationMessagePath: container.terminationMessagePath,
      });
    } catch (e) {
      this.setWaiting(rec, 'CreateContainerError', (e as Error).message, fp);
      this.later(5000);
      return;
    }
    if (rec.terminated) {
      rec.lastTerminated = rec.terminated;
      rec.restartCount++;
    }
    rec.attempt = attempt;
    rec.terminated = undefined;
    rec.waiting = undefined;
    this.deps.events.normal(this.pod, 'Created', `Created container ${rec.name}`, fp);
    this.deps.events.normal(this.pod, 'Started', `Started container ${rec.name}`, fp);
    this.watchContainer(rec, handle, false);
    if (container.lifecycle?.postStart) await this.runPostStart(rec);
  }

  /**
   * The pod as the downward API sees it when a container starts: status.podIP and status.hostIP are the
   * sandbox's and the node's even before a status write has said so (the kubelet resolves them the same way).
   */
  private downwardPod(): KubeObject {
    const ip = this.sandbox?.ip;
    const addresses = { hostIP: this.deps.nodeIp, hostIPs: [{ ip: this.deps.nodeIp }], ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}) };
    return { ...this.pod, status: { ...this.pod.status, ...addresses } };
  }

  private setWaiting(rec: ContainerRecord, reason: string, message: string, fp: string): void {
    const changed = rec.waiting?.reason !== reason || rec.waiting?.message !== message;
    rec.waiting = { reason, message };
    if (changed) this.deps.events.warning(this.pod, 'Failed', `Error: ${message}`, fp);
  }

  private logPath(container: string, attempt: number): string {
    const m = this.pod.metadata;
    return path.join(this.deps.logDir, `${m.namespace}_${m.name}_${this.uid}`, container, `${attempt}.log`);
  }

  /** The log file of a container's current (or previous) start, for `kubectl logs`. */
  logFile(container: string, previous: boolean): string | undefined {
    const rec = this.containers.get(container);
    if (!rec || rec.attempt < 0) return undefined;
    const attempt = previous ? rec.attempt - 1 : rec.attempt;
    if (attempt < 0) return undefined;
    // A container that has written nothing yet has no file yet: its log is empty.
    return this.logPath(container, attempt);
  }

  containerRunning(container: string): boolean {
    return !!this.containers.get(container)?.isRunning;
  }

  private watchContainer(rec: ContainerRecord, handle: ContainerHandle, adopted: boolean): void {
    const gen = ++rec.generation;
    rec.handle = handle;
    rec.running = { startedAt: timestamp(handle.startedAt) };
    rec.started = !rec.spec.startupProbe;
    rec.ready = false;
    // Known exits of adopted containers arrive before we mark them running.
    void handle.exited.then((st) => {
      if (rec.generation !== gen) return;
      this.onExit(rec, st);
    });
    this.startProbers(rec, adopted);
  }

  private startProbers(rec: ContainerRecord, _adopted: boolean): void {
    rec.stopProbers();
    const spec = rec.spec;
    if (rec.kind === 'init') return;
    const target = {
      host: this.sandbox?.ip ?? this.deps.nodeIp,
      container: spec,
      exec: (command: string[]) => {
        const t = this.deps.runtime.execCommand(this.uid, rec.name, { command });
        return { file: t.file, args: t.args, env: t.env, cwd: t.cwd };
      },
    };
    const events = {
      failed: (kind: ProbeKind, message: string) => {
        this.deps.events.warning(this.pod, 'Unhealthy', `${capitalize(kind)} probe failed: ${message}`, fieldPath(rec, rec.kind !== 'app'));
      },
      verdict: (kind: ProbeKind, ok: boolean) => this.onProbeVerdict(rec, kind, ok),
    };
    const add = (kind: ProbeKind, probe: any) => {
      const p = new Prober(kind, probe, target, events);
      rec.probers.push(p);
      p.start();
    };
    if (spec.startupProbe && !rec.started) {
      add('startup', spec.startupProbe);
      return; // liveness and readiness begin once startup succeeds
    }
    if (spec.livenessProbe) add('liveness', spec.livenessProbe);
    if (spec.readinessProbe) add('readiness', spec.readinessProbe);
    else rec.ready = true;
  }

  private onProbeVerdict(rec: ContainerRecord, kind: ProbeKind, ok: boolean): void {
    if (!rec.isRunning) return;
    if (kind === 'readiness') {
      rec.ready = ok;
    } else if (kind === 'startup' && ok) {
      rec.started = true;
      this.startProbers(rec, false);
    } else if (!ok) {
      // Liveness or startup failed past its threshold: kill; the restart policy decides what follows.
      rec.stopping = kind === 'liveness' ? 'liveness' : 'startup';
      rec.ready = false;
      rec.stopProbers();
      this.deps.events.normal(this.pod, 'Killing', `Container ${rec.name} failed ${kind} probe, will be restarted`, fieldPath(rec, rec.kind !== 'app'));
      const probe = kind === 'liveness' ? rec.spec.livenessProbe : rec.spec.startupProbe;
      void this.stopContainer(rec, probe?.terminationGracePeriodSeconds ?? this.gracePeriod(), false);
    }
    this.kick();
  }

  private terminatedFrom(rec: ContainerRecord, st: ContainerState & { state: 'exited' }, attempt: number): Terminated {
    let reason = st.exitCode === 0 ? 'Completed' : 'Error';
    if (st.oomKilled) reason = 'OOMKilled';
    const t: Terminated = {
      exitCode: st.exitCode, reason, startedAt: timestamp(st.startedAt), finishedAt: timestamp(st.finishedAt), containerID: rec.containerID(this.uid, attempt),
    };
    const msg = terminationMessage({
      policy: rec.spec.terminationMessagePolicy, exitCode: st.exitCode,
      file: this.deps.runtime.terminationMessageFile?.(this.uid, rec.name, attempt), logPath: this.logPath(rec.name, attempt),
      podContainers: this.containers.size,
    });
    if (msg) t.message = msg;
    return t;
  }

  private onExit(rec: ContainerRecord, st: ContainerState & { state: 'exited' }): void {
    rec.stopProbers();
    rec.running = undefined;
    rec.ready = false;
    rec.started = false;
    rec.terminated = this.terminatedFrom(rec, st, rec.attempt);
    if (st.exitCode !== 0 && (this.deps.runtime.name === 'host' || this.pod.spec?.hostNetwork) && logShowsPortClash(this.logPath(rec.name, rec.attempt))) {
      this.deps.events.warning(this.pod, 'PortConflict', `Container ${rec.name} failed: a port it listens on is already in use on node ${this.deps.nodeName} `
        + `(${this.pod.spec?.hostNetwork ? 'hostNetwork pods share' : 'the host runtime shares'} the node's network among pods)`, fieldPath(rec, rec.kind !== 'app'));
    }
    const ranFor = st.finishedAt.getTime() - st.startedAt.getTime();
    const wait = rec.backoff.next(ranFor);
    rec.backoffUntil = st.finishedAt.getTime() + wait;
    rec.backoffMs = wait;
    rec.stopping = undefined;
    this.kick();
  }

  private async runPostStart(rec: ContainerRecord): Promise<void> {
    const ok = await this.runHook(rec, rec.spec.lifecycle.postStart, (this.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000);
    if (!ok.ok) {
      const fp = fieldPath(rec, rec.kind !== 'app');
      this.deps.events.warning(this.pod, 'FailedPostStartHook', hookFailureMessage(rec.spec.lifecycle.postStart, rec.name, this.pod, ok), fp);
      // The kubelet kills it with the reason as the Killing event's message.
      this.deps.events.normal(this.pod, 'Killing', 'FailedPostStartHook', fp);
      rec.stopping = 'startup';
      await this.stopContainer(rec, this.gracePeriod(), false);
    }
  }

  private async runHook(rec: ContainerRecord, handler: any, timeoutMs: number): Promise<{ ok: boolean; message: string }> {
    if (handler.sleep) {
      await new Promise((r) => setTimeout(r, Math.min((handler.sleep.seconds ?? 0) * 1000, timeoutMs)));
      return { ok: true, message: '' };
    }
    const probe = { ...handler, timeoutSeconds: Math.max(1, Math.ceil(timeoutMs / 1000)) };
    return runProbeOnce(probe, {
      host: this.sandbox?.ip ?? this.deps.nodeIp,
      container: rec.spec,
      exec: (command) => this.deps.runtime.execCommand(this.uid, rec.name, { command }),
    }, 'lifecycle');
  }

  private gracePeriod(): number {
    const g = this.pod.metadata.deletionGracePeriodSeconds ?? this.pod.spec?.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, g);
  }

  /** preStop, SIGTERM to the process group, SIGKILL when the grace period is over. */
  private async stopContainer(rec: ContainerRecord, graceSeconds: number, runPreStop: boolean): Promise<void> {
    if (!rec.isRunning || !rec.handle) return;
    const handle = rec.handle;
    const deadline = Date.now() + graceSeconds * 1000;
    const fp = fieldPath(rec, rec.kind !== 'app');
    if (runPreStop && rec.spec.lifecycle?.preStop) {
      const r = await Promise.race([
        this.runHook(rec, rec.spec.lifecycle.preStop, Math.max(1000, deadline - Date.now())),
        handle.exited.then(() => ({ ok: true, message: '' })),
      ]);
      if (!r.ok) this.deps.events.warning(this.pod, 'FailedPreStopHook', hookFailureMessage(rec.spec.lifecycle.preStop, rec.name, this.pod, r), fp);
    }
    this.deps.runtime.signal(this.uid, rec.name, handle.attempt, 'SIGTERM');
    const killTimer = setTimeout(() => this.deps.runtime.signal(this.uid, rec.name, handle.attempt, 'SIGKILL'), Math.max(0, deadline - Date.now()));
    await handle.exited;
    clearTimeout(killTimer);
  }

  private async stopAll(why: 'delete' | 'deadline' | 'sidecar', graceSeconds: number): Promise<void> {
    const recs = [...this.containers.values()];
    const apps = recs.filter((r) => r.kind !== 'sidecar');
    const sidecars = recs.filter((r) => r.kind === 'sidecar').reverse();
    const stop = async (r: ContainerRecord) => {
      if (!r.isRunning) return;
      r.stopping = why;
      if (why === 'delete') this.deps.events.normal(this.pod, 'Killing', `Stopping container ${r.name}`, fieldPath(r, r.kind !== 'app'));
      await this.stopContainer(r, graceSeconds, why === 'delete');
    };
    await Promise.all(apps.map(stop));
    for (const s of sidecars) await stop(s);
    this.kick();
  }

  /** Graceful deletion: stop everything, report, remove the sandbox, then delete the pod object. */
  private async terminate(): Promise<void> {
    await this.stopAll('delete', this.gracePeriod());
    await this.pushStatus();
    await this.deps.runtime.removeSandbox(this.uid);
    await this.deps.volumes.tearDown(this.uid);
    for (const t of this.timers) clearTimeout(t);
    this.closed = true;
    try {
      await this.deps.client.delete(podsRef, this.pod.metadata.namespace!, this.pod.metadata.name!, {
        gracePeriodSeconds: 0, preconditions: { uid: this.uid },
      });
    } catch (e) {
      if (!(e instanceof ApiError && (e.code === 404 || e.code === 409))) throw e;
    }
    this.deps.onRemoved(this.uid);
  }

  private async pushStatus(): Promise<void> {
    const status = computePodStatus({
      pod: this.pod,
      uid: this.uid,
      containers: [...this.containers.values()],
      podIP: this.sandbox?.ip,
      hostIP: this.deps.nodeIp,
      startTime: this.startTime,
      finalPhase: this.finalPhase,
      finalReason: this.finalReason,
      sandboxReady: !!this.sandbox && !this.terminating,
    });
    const json = JSON.stringify(status);
    if (json === this.lastStatusJson) return;
    try {
      const updated = await this.deps.statusWrites.run(() => this.deps.client.patch(
        podsRef, this.pod.metadata.namespace!, this.pod.metadata.name!, 'merge', { status }, { subresource: 'status' },
      ));
      this.lastStatusJson = json;
      this.pod = { ...this.pod, status: updated.status };
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return;
      throw e;
    }
  }
}

function fieldPath(rec: ContainerRecord, isInit: boolean): string {
  return `spec.${isInit ? 'initContainers' : 'containers'}{${rec.name}}`;
}

function capitalize(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}

function formatBackoff(secs: number): string {
  if (secs < 60) return `${secs}s`;
  const m = Math.floor(secs / 60);
  const s = secs % 60;
  return s ? `${m}m${s}s` : `${m}m0s`;
}

function hasLimits(pod: KubeObject): boolean {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].some((c: any) => c.resources?.limits?.memory || c.resources?.limits?.cpu);
}
