// The host runtime: containers are plain processes on the node (its network, its filesystem),
// each under the container shim, with agent-owned cgroups when the machine allows.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerConfig, ContainerHandle, ContainerState, ExecOptions, Runtime, Sandbox, SandboxConfig } from './runtime.js';
import { shimProgram } from './shim.js';
import { CgroupsV1 } from './cgroups.js';

interface StoredConfig {
  command: string[];
  startedAt: string;
  env: Record<string, string>;
  workingDir?: string;
}

const pollMs = 250;

export class HostRuntime implements Runtime {
  readonly name = 'host' as const;
  readonly enforcesLimits: boolean;
  private readonly cgroups: CgroupsV1;

  constructor(
    private readonly stateDir: string,
    private readonly nodeIp: string,
    cgroupParent = 'nanokube',
  ) {
    fs.mkdirSync(stateDir, { recursive: true });
    this.cgroups = new CgroupsV1(cgroupParent);
    this.enforcesLimits = this.cgroups.available;
  }

  private dir(podUid: string, name: string, attempt: number): string {
    return path.join(this.stateDir, podUid, name, String(attempt));
  }

  private cgroupName(podUid: string, name: string, attempt: number): string {
    return `${podUid}/${name}-${attempt}`;
  }

  async createSandbox(cfg: SandboxConfig): Promise<Sandbox> {
    fs.mkdirSync(path.join(this.stateDir, cfg.podUid), { recursive: true });
    return { podUid: cfg.podUid, ip: this.nodeIp };
  }

  async removeSandbox(podUid: string): Promise<void> {
    fs.rmSync(path.join(this.stateDir, podUid), { recursive: true, force: true });
    this.cgroups.remove(podUid);
  }

  async startContainer(cfg: ContainerConfig): Promise<ContainerHandle> {
    const dir = this.dir(cfg.podUid, cfg.name, cfg.attempt);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const startedAt = new Date();
    const stored: StoredConfig = { command: cfg.command, startedAt: startedAt.toISOString(), env: cfg.env, workingDir: cfg.workingDir };
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(stored));
    fs.mkdirSync(path.dirname(cfg.logPath), { recursive: true });
    const procs = this.cgroups.create(this.cgroupName(cfg.podUid, cfg.name, cfg.attempt), cfg.memoryLimitBytes, cfg.cpuLimitMilli);
    const shim = spawn('perl', ['-e', shimProgram, dir, cfg.logPath, String(cfg.maxLogBytes), String(cfg.maxLogFiles), procs.length ? procs.join(',') : '-', cfg.workingDir || '-', ...cfg.command], {
      detached: true,
      stdio: 'ignore',
      env: cfg.env,
    });
    shim.unref();
    const shimExited = new Promise<void>((resolve) => shim.once('exit', () => resolve()));
    const pid = await waitForPid(dir, shimExited);
    return this.handle(cfg.podUid, cfg.name, cfg.attempt, pid, startedAt, shimExited);
  }

  private handle(podUid: string, name: string, attempt: number, pid: number, startedAt: Date, shimExited?: Promise<void>): ContainerHandle {
    const dir = this.dir(podUid, name, attempt);
    const exited = new Promise<ContainerState & { state: 'exited' }>((resolve) => {
      let done = false;
      const check = () => {
        if (done) return;
        const st = this.readExit(podUid, name, attempt, pid, startedAt);
        if (st) {
          done = true;
          clearInterval(timer);
          resolve(st);
        }
      };
      // While the agent that started the shim lives, its exit is immediate news; re-adopted
      // containers (and a shim killed outright) are noticed by polling.
      const timer = setInterval(() => {
        if (!fs.existsSync(dir)) {
          done = true;
          clearInterval(timer);
          resolve({ state: 'exited', pid, startedAt, finishedAt: new Date(), exitCode: 137, signal: 'SIGKILL', oomKilled: false });
          return;
        }
        const shimPid = readShimPid(dir);
        if (shimPid && !isAlive(shimPid) && !fs.existsSync(path.join(dir, 'exit'))) {
          // The shim died without recording (kill -9 of the shim, or a reboot): the container is gone too.
          done = true;
          clearInterval(timer);
          resolve({ state: 'exited', pid, startedAt, finishedAt: new Date(), exitCode: 137, signal: 'SIGKILL', oomKilled: false });
          return;
        }
        check();
      }, pollMs);
      timer.unref();
      shimExited?.then(check);
    });
    return { podUid, name, attempt, pid, startedAt, exited };
  }

  private readExit(podUid: string, name: string, attempt: number, pid: number, startedAt: Date): (ContainerState & { state: 'exited' }) | undefined {
    const file = path.join(this.dir(podUid, name, attempt), 'exit');
    let text: string;
    let mtime: Date;
    try {
      text = fs.readFileSync(file, 'utf8');
      mtime = fs.statSync(file).mtime;
    } catch {
      return undefined;
    }
    const [code, sig] = text.trim().split(/\s+/).map(Number);
    const signal = sig ? signalName(sig) : undefined;
    const oomKilled = code === 137 && this.cgroups.oomKilled(this.cgroupName(podUid, name, attempt));
    return { state: 'exited', pid, startedAt, finishedAt: mtime, exitCode: code, signal, oomKilled };
  }

  signal(podUid: string, name: string, attempt: number, signal: NodeJS.Signals): void {
    const pid = readPid(this.dir(podUid, name, attempt));
    if (!pid) return;
    try {
      process.kill(-pid, signal); // the container's whole process group
    } catch {
      // already gone
    }
  }

  async listContainers(): Promise<ContainerHandle[]> {
    const out: ContainerHandle[] = [];
    for (const podUid of safeReaddir(this.stateDir)) {
      for (const name of safeReaddir(path.join(this.stateDir, podUid))) {
        for (const a of safeReaddir(path.join(this.stateDir, podUid, name))) {
          const attempt = Number(a);
          if (!Number.isInteger(attempt)) continue;
          const dir = this.dir(podUid, name, attempt);
          const pid = readPid(dir);
          let cfg: StoredConfig;
          try {
            cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
          } catch {
            continue;
          }
          if (!pid) continue;
          out.push(this.handle(podUid, name, attempt, pid, new Date(cfg.startedAt)));
        }
      }
    }
    return out;
  }

  async removeContainer(podUid: string, name: string, attempt: number): Promise<void> {
    fs.rmSync(this.dir(podUid, name, attempt), { recursive: true, force: true });
    this.cgroups.remove(this.cgroupName(podUid, name, attempt));
  }

  execCommand(podUid: string, name: string, opts: ExecOptions) {
    // Exec runs with the container's environment and working directory, as a process on the node.
    const attempts = safeReaddir(path.join(this.stateDir, podUid, name)).map(Number).filter(Number.isInteger).sort((a, b) => b - a);
    let env: Record<string, string> = {};
    let cwd: string | undefined;
    if (attempts.length) {
      try {
        const cfg: StoredConfig = JSON.parse(fs.readFileSync(path.join(this.dir(podUid, name, attempts[0]), 'config.json'), 'utf8'));
        env = cfg.env;
        cwd = cfg.workingDir;
      } catch {
        // container not started yet
      }
    }
    return { file: opts.command[0], args: opts.command.slice(1), env: { ...env, ...opts.env }, cwd: opts.workingDir ?? cwd };
  }
}

async function waitForPid(dir: string, shimExited: Promise<void>): Promise<number> {
  let exited = false;
  void shimExited.then(() => (exited = true));
  const deadline = Date.now() + 30_000;
  for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
    const pid = readPid(dir);
    if (pid) return pid;
    if (exited && !readPid(dir)) throw new Error('container shim exited before starting the container (is perl installed?)');
    if (Date.now() > deadline) throw new Error('timed out starting the container shim');
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** The pid file holds "<container pid> <shim pid>". */
function readPidFile(dir: string, field: 0 | 1): number | undefined {
  try {
    const n = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8').trim().split(/\s+/)[field]);
    return n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function readPid(dir: string): number | undefined {
  return readPidFile(dir, 0);
}

function readShimPid(dir: string): number | undefined {
  return readPidFile(dir, 1);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

const signalNames: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 13: 'SIGPIPE', 15: 'SIGTERM' };
function signalName(n: number): string {
  return signalNames[n] ?? `signal ${n}`;
}
