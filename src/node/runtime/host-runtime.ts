// The host runtime: containers are plain processes on the node (its network, its filesystem),
// each under the container shim, with agent-owned cgroups when the machine allows.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { ContainerConfig, ContainerHandle, ContainerState, ExecOptions, Runtime, Sandbox, SandboxConfig } from './runtime.js';
import { shimProgram } from './shim.js';
import { Spawner } from './spawner.js';
import { CgroupsV1 } from './cgroups.js';
import { execInMountNamespace, hostMountMode, prepareHostMounts, removeHostMounts } from '../volumes/host-runtime-mounts.js';
import { isAlive } from '../process-liveness.js';
import { runnable } from './runnable.js';
import { shimSyscalls } from './linux-syscalls.js';

/** A namespace of a pod, by the file that holds it (under /run/netns, or a bind-mounted UTS namespace). */
export interface PodNamespace {
  kind: 'net' | 'uts';
  file: string;
}

/** nsenter(1)'s options for entering them. */
export function nsenterFlags(ns: PodNamespace[]): string[] {
  return ns.map((n) => `--${n.kind}=${n.file}`);
}

interface StoredConfig {
  command: string[];
  startedAt: string;
  env: Record<string, string>;
  workingDir?: string;
  /** Started with an attachable stdin (the FIFO `stdin` in its state directory). */
  stdin?: boolean;
  /** Runs in a private mount namespace holding its volumes (exec enters it). */
  mountNamespace?: boolean;
}

/** The termination message file in a container's state directory. */
const terminationMessageFileName = 'termination-log';

/** How often a re-adopted container's exit is looked for (no launcher tells of it). */
const pollMs = 250;
/**
 * The same safety net for a container this agent started, whose exit the launcher reports at once: it
 * only matters if the launcher itself died, so it need not cost 100 containers × 4 file checks a second.
 */
const launchedPollMs = 2000;

/**
 * The stdin of a container with spec.stdin: this program runs in the container's place (same pid, process
 * group and cgroup: it execs the command) after forking a relay that copies whatever attach sessions write
 * into the FIFO (argument 1) to the command's stdin pipe. Each attach opens the FIFO for writing and closes
 * it when its input ends: under stdinOnce (argument 2 = 1) that first end of file closes the command's
 * stdin; otherwise the relay waits for the next attach and the command never sees end of file. The relay
 * holds none of the container's output, and leaves once the container is gone (checked every second).
 */
const stdinRelayProgram = String.raw`
use strict;
use POSIX ();
my ($fifo, $once, @cmd) = @ARGV;
if (!-p $fifo) { POSIX::mkfifo($fifo, 0600) or die "mkfifo $fifo: $!
"; }
pipe(my $r, my $w) or die "pipe: $!
";
my $container = $$;
my $relay = fork();
defined $relay or die "fork: $!
";
if ($relay == 0) {
  close $r;
  open(STDIN, '<', '/dev/null'); open(STDOUT, '>', '/dev/null'); open(STDERR, '>', '/dev/null');
  $SIG{PIPE} = 'IGNORE';
  $SIG{ALRM} = sub {};
  while (1) {
    POSIX::_exit(0) if getppid() != $container;
    alarm 1;
    my $in;
    my $opened = open($in, '<', $fifo);
    alarm 0;
    if (!$opened) { sleep 1 unless $!{EINTR}; next; }
    while (1) {
      POSIX::_exit(0) if getppid() != $container;
      alarm 1;
      my $n = sysread($in, my $buf, 65536);
      alarm 0;
      if (!defined $n) { next if $!{EINTR}; last; }
      last if $n == 0;
      for (my $off = 0; $off < $n; ) {
        my $k = syswrite($w, $buf, $n - $off, $off);
        POSIX::_exit(0) unless defined $k;
        $off += $k;
      }
    }
    close $in;
    if ($once) { close $w; POSIX::_exit(0); }
  }
}
close $w;
open(STDIN, '<&', $r) or die "stdin: $!
";
close $r;
exec { $cmd[0] } @cmd;
print STDERR "exec $cmd[0]: $!
";
POSIX::_exit(127);
`;

export class HostRuntime implements Runtime {
  readonly name: 'host' | 'isolated' = 'host';
  readonly enforcesLimits: boolean;
  private readonly cgroups: CgroupsV1;
  private readonly spawner = new Spawner();

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
    await fs.promises.mkdir(path.join(this.stateDir, cfg.podUid), { recursive: true });
    return { podUid: cfg.podUid, ip: this.nodeIp };
  }

  async removeSandbox(podUid: string): Promise<void> {
    removeHostMounts(path.join(this.stateDir, podUid));
    fs.rmSync(path.join(this.stateDir, podUid), { recursive: true, force: true });
    this.cgroups.remove(podUid);
  }

  /** The pod's namespaces its containers run in: none here; the isolated runtime's network and UTS ones. */
  protected podNamespaces(_podUid: string): PodNamespace[] {
    return [];
  }

  /**
   * The shim's namespaces argument, and what it must run under instead where it cannot enter them itself
   * (nsenter, on an architecture whose system call numbers are not known).
   */
  private shimNamespaces(cfg: ContainerConfig): { prefix: string[]; args: string[] } {
    const ns = this.podNamespaces(cfg.podUid);
    if (!ns.length) return { prefix: [], args: ['-'] };
    const calls = shimSyscalls();
    if (calls) return { prefix: [], args: [`${calls.setns},${ns.length}`, ...ns.map((n) => n.file)] };
    return { prefix: ['nsenter', ...nsenterFlags(ns), '--'], args: ['-'] };
  }

  async startContainer(cfg: ContainerConfig): Promise<ContainerHandle> {
    const dir = this.dir(cfg.podUid, cfg.name, cfg.attempt);
    // File system work off the event loop: on these disks a mkdir can take a millisecond, and a burst
    // of pods starts hundreds of them. A leftover directory of this attempt is rare: asking first spares
    // fs.promises.rm's lstat, whose ENOENT error (built with its stack) cost more than the rest here.
    if (fs.existsSync(dir)) await fs.promises.rm(dir, { recursive: true, force: true });
    // The log's directory is the shim's to make, with the first output.
    await fs.promises.mkdir(dir, { recursive: true });
    const startedAt = new Date();
    const mounts = await this.withTerminationMessageFile(cfg, dir);
    // Volumes: bind mounts in a private mount namespace, or symlinks (see host-runtime-mounts.ts).
    const prepared = prepareHostMounts(path.join(this.stateDir, cfg.podUid), mounts, cfg.command, cfg.workingDir);
    const mountNamespace = prepared.mountNamespace;
    const stored: StoredConfig = { command: cfg.command, startedAt: startedAt.toISOString(), env: cfg.env, workingDir: cfg.workingDir, stdin: cfg.stdin, mountNamespace };
    const [procs] = await Promise.all([
      this.cgroups.create(this.cgroupName(cfg.podUid, cfg.name, cfg.attempt), cfg.memoryLimitBytes, cfg.cpuLimitMilli),
      fs.promises.writeFile(path.join(dir, 'config.json'), JSON.stringify(stored)),
    ]);
    const command = cfg.stdin ? ['perl', '-e', stdinRelayProgram, path.join(dir, 'stdin'), cfg.stdinOnce ? '1' : '0', ...prepared.command] : prepared.command;
    const ns = this.shimNamespaces(cfg);
    const argv = [...ns.prefix, 'perl', '-e', shimProgram, dir, cfg.logPath, String(cfg.maxLogBytes), String(cfg.maxLogFiles), procs.length ? procs.join(',') : '-',
      ...ns.args, ...prepared.shimMounts, prepared.workingDir || '-', ...command];
    const { exited: shimExited, reported } = await this.spawner.spawn(argv, cfg.env);
    const pid = await waitForPid(dir, shimExited, reported);
    return this.handle(cfg.podUid, cfg.name, cfg.attempt, pid, startedAt, shimExited);
  }

  /**
   * The kubelet's termination message file: an empty file of this start, bind-mounted (last, over any
   * volume) at terminationMessagePath. Only in a private mount namespace: without one the path would be
   * the node's own (/dev), so the message is then not available.
   */
  private async withTerminationMessageFile(cfg: ContainerConfig, dir: string): Promise<ContainerConfig['mounts']> {
    if (!cfg.terminationMessagePath || hostMountMode() !== 'namespace') return cfg.mounts;
    const file = path.join(dir, terminationMessageFileName);
    await fs.promises.writeFile(file, '', { mode: 0o666 });
    await fs.promises.chmod(file, 0o666); // whatever the umask: the container may run as any user
    return [...cfg.mounts, { hostPath: file, containerPath: path.resolve('/', cfg.terminationMessagePath), readOnly: false }];
  }

  terminationMessageFile(podUid: string, name: string, attempt: number): string | undefined {
    const file = path.join(this.dir(podUid, name, attempt), terminationMessageFileName);
    return fs.existsSync(file) ? file : undefined;
  }

  private handle(podUid: string, name: string, attempt: number, pid: number, startedAt: Date, shimExited?: Promise<void>): ContainerHandle {
    const dir = this.dir(podUid, name, attempt);
    if (!shimExited) {
      // Re-adopted: an exit recorded while the agent was down is known now, not a poll later.
      const exitedBefore = this.readExit(podUid, name, attempt, pid, startedAt);
      if (exitedBefore) return { podUid, name, attempt, pid, startedAt, exited: Promise.resolve(exitedBefore), exitedBefore };
    }
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
      // While the agent that started the shim lives, its exit is immediate news (also a shim killed
      // outright); re-adopted containers are noticed by polling.
      const step = () => {
        if (done) return;
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
      };
      const timer = setInterval(step, shimExited ? launchedPollMs : pollMs);
      timer.unref();
      shimExited?.then(step);
    });
    return { podUid, name, attempt, pid, startedAt, exited };
  }

  private readExit(podUid: string, name: string, attempt: number, pid: number, startedAt: Date): (ContainerState & { state: 'exited' }) | undefined {
    const file = path.join(this.dir(podUid, name, attempt), 'exit');
    if (!fs.existsSync(file)) return undefined; // the common case, without a thrown ENOENT
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
    const dir = this.dir(podUid, name, attempt);
    const pid = readPid(dir);
    if (!pid) return;
    try {
      process.kill(-pid, signal); // the container's whole process group
    } catch {
      // No such group: gone, or just forked and not yet its own group leader (a kill right after the
      // start, e.g. a failed postStart hook). Then it is still the shim's child: signal it alone.
      try {
        if (parentPid(pid) === readShimPid(dir)) process.kill(pid, signal);
      } catch {
        // already gone
      }
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

  /** The state directory and stored config of a container's latest start, if it has started. */
  private latest(podUid: string, name: string): { dir: string; cfg: StoredConfig } | undefined {
    const attempts = safeReaddir(path.join(this.stateDir, podUid, name)).map(Number).filter(Number.isInteger).sort((a, b) => b - a);
    if (!attempts.length) return undefined;
    const dir = this.dir(podUid, name, attempts[0]);
    try {
      return { dir, cfg: JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) };
    } catch {
      return undefined; // being started
    }
  }

  execCommand(podUid: string, name: string, opts: ExecOptions) {
    // Exec runs with the container's environment and working directory, as a process on the node.
    const latest = this.latest(podUid, name);
    const cfg = latest?.cfg;
    const env = cfg?.env ?? {};
    const pid = latest && readPid(latest.dir);
    const cwd = opts.workingDir ?? cfg?.workingDir;
    if (cfg?.mountNamespace && pid && runnable(opts.command[0], { ...env, ...opts.env }.PATH, cwd, `/proc/${pid}/root`)) {
      const t = execInMountNamespace(pid, opts.command, cwd);
      return { ...t, env: { ...env, ...opts.env } };
    }
    return { file: opts.command[0], args: opts.command.slice(1), env: { ...env, ...opts.env }, cwd };
  }

  async openStdin(podUid: string, name: string): Promise<Writable | undefined> {
    const latest = this.latest(podUid, name);
    if (!latest?.cfg.stdin) return undefined;
    const fifo = path.join(latest.dir, 'stdin');
    // Non-blocking, so a container that is gone (no reader) fails at once instead of hanging the open;
    // the relay is briefly not reading between two attach sessions, or before it has made the FIFO.
    for (let tries = 0; ; tries++) {
      try {
        const fd = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
        const stream = new net.Socket({ fd, readable: false, writable: true });
        stream.on('error', () => stream.destroy()); // EPIPE: the container (and its relay) went away
        return stream;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if ((code !== 'ENXIO' && code !== 'ENOENT') || tries >= 50) return undefined;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }
}

/** The container's pid: reported by its shim, or read from the pid file (shims run under a prefix do not report). */
async function waitForPid(dir: string, shimExited: Promise<void>, reported: Promise<number>): Promise<number> {
  let exited = false;
  let fromReport: number | undefined;
  void shimExited.then(() => (exited = true));
  let wake: (() => void) | undefined;
  void reported.then((pid) => {
    fromReport = pid;
    wake?.();
  });
  const deadline = Date.now() + 30_000;
  for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
    if (fromReport) return fromReport;
    const pid = readPid(dir);
    if (pid) return pid;
    if (exited && !readPid(dir)) throw new Error('container shim exited before starting the container (is perl installed?)');
    if (Date.now() > deadline) throw new Error('timed out starting the container shim');
    await new Promise<void>((r) => {
      const timer = setTimeout(r, delay);
      wake = () => {
        clearTimeout(timer);
        r();
      };
    });
  }
}

/** The pid file holds "<container pid> <shim pid>". */
function readPidFile(dir: string, field: 0 | 1): number | undefined {
  const file = path.join(dir, 'pid');
  // Polled while a burst of containers starts: a missing file is the common case, and a thrown ENOENT
  // (an Error with its stack) costs many times the existence check.
  if (!fs.existsSync(file)) return undefined;
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim().split(/\s+/)[field]);
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

/** A process's parent, from /proc (undefined when it is gone). */
function parentPid(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
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
