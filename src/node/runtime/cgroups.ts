// Per-container cgroup v1 directories owned by the agent (node-platform.md §3–4): memory limit
// with a reliable OOM-kill counter, and a CFS quota for the cpu limit.
import fs from 'node:fs';
import path from 'node:path';

const root = '/sys/fs/cgroup';
const cfsPeriodUs = 100_000;

export class CgroupsV1 {
  readonly available: boolean;

  constructor(private readonly parent = 'nanokube') {
    this.available = canWrite(path.join(root, 'memory')) && canWrite(path.join(root, 'cpu'));
  }

  private dir(controller: 'memory' | 'cpu', name: string): string {
    return path.join(root, controller, this.parent, name);
  }

  /**
   * Creates the container's cgroups; returns the cgroup.procs files the shim joins. Creating a cgroup
   * takes the kernel milliseconds: done off the event loop so that many pods can start at once.
   */
  async create(name: string, memoryLimitBytes?: number, cpuLimitMilli?: number): Promise<string[]> {
    if (!this.available) return [];
    const mem = this.dir('memory', name);
    const cpu = this.dir('cpu', name);
    await Promise.all([fs.promises.mkdir(mem, { recursive: true }), fs.promises.mkdir(cpu, { recursive: true })]);
    if (memoryLimitBytes) {
      fs.writeFileSync(path.join(mem, 'memory.limit_in_bytes'), String(memoryLimitBytes));
      // No swap here, but keep the limit exact where the knob exists.
      trySet(path.join(mem, 'memory.memsw.limit_in_bytes'), String(memoryLimitBytes));
    }
    if (cpuLimitMilli) {
      fs.writeFileSync(path.join(cpu, 'cpu.cfs_period_us'), String(cfsPeriodUs));
      fs.writeFileSync(path.join(cpu, 'cpu.cfs_quota_us'), String(Math.max(1000, Math.round((cpuLimitMilli * cfsPeriodUs) / 1000))));
    }
    return [path.join(mem, 'cgroup.procs'), path.join(cpu, 'cgroup.procs')];
  }

  /** Whether the kernel's OOM killer killed a process in the container's memory cgroup. */
  oomKilled(name: string): boolean {
    try {
      const text = fs.readFileSync(path.join(this.dir('memory', name), 'memory.oom_control'), 'utf8');
      const m = /oom_kill (\d+)/.exec(text);
      if (m) return Number(m[1]) > 0;
      // Older kernels lack the counter: a limit reached together with failures tells the same.
      const failcnt = Number(fs.readFileSync(path.join(this.dir('memory', name), 'memory.failcnt'), 'utf8'));
      return failcnt > 0;
    } catch {
      return false;
    }
  }

  /** Removes the cgroup and any below it (cgroup directories go leaf first, with rmdir). */
  remove(name: string): void {
    if (!this.available) return;
    for (const c of ['memory', 'cpu'] as const) removeTree(this.dir(c, name));
  }
}

function removeTree(dir: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) removeTree(path.join(dir, e.name));
  try {
    fs.rmdirSync(dir);
  } catch {
    // still has processes
  }
}

function canWrite(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function trySet(file: string, value: string): void {
  try {
    fs.writeFileSync(file, value);
  } catch {
    // optional knob
  }
}
