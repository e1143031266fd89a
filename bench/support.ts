// Shared by the benchmarks: free ports, RSS, percentiles, and starting nanokube from this build tree.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { HttpApiClient } from '../src/client/http-client.js';

// Compiled, this file is <build>/bench/support.js; nanokube runs from the same build tree.
const buildRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const nanokubeMain = path.join(buildRoot, 'src', 'cli', 'main.js');

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
  return kb / 1024;
}

/** Child processes of `pid` whose command line contains `marker` (e.g. the ingress data plane's workers). */
export function childPids(pid: number, marker: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== pid) continue;
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU time (user + system) a process and its descendants have used so far, in ms (Linux, 100 Hz ticks). */
export function treeCpuMs(pid: number, withDescendants = true): number {
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(f[1]);
    ticks.set(Number(entry), Number(f[11]) + Number(f[12]));
    (children.get(ppid) ?? children.set(ppid, []).get(ppid)!).push(Number(entry));
  }
  let total = 0;
  for (const queue = [pid]; queue.length;) {
    const p = queue.pop()!;
    total += ticks.get(p) ?? 0;
    if (withDescendants) queue.push(...(children.get(p) ?? []));
  }
  return total * 10;
}

/** Busy and total CPU time of the whole machine so far, in ms: the share others used shows how noisy a run was. */
export function machineCpuMs(): { busy: number; total: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = f[3] + f[4];
  return { busy: (total - idle) * 10, total: total * 10 };
}

export function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function summary(samples: number[]): string {
  if (samples.length === 0) return 'no samples';
  const s = [...samples].sort((a, b) => a - b);
  return `p50 ${pct(s, 50).toFixed(2)} ms, p99 ${pct(s, 99).toFixed(2)} ms`;
}

function readyz(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/readyz', rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
  });
}

/** Runs `nanokube ARGS` and resolves once /readyz on port answers 200, with the time that took. */
/** `nanokube ARGS` from this build; NANOKUBE_NODE_ARGS passes node flags to it (e.g. --cpu-prof to profile it). */
export function spawnNanokube(args: string[]): ChildProcess {
  const nodeArgs = process.env.NANOKUBE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  return spawn(process.execPath, [...nodeArgs, nanokubeMain, ...args], { stdio: 'ignore' });
}

export async function startNanokube(args: string[], port: number): Promise<{ proc: ChildProcess; readyMs: number }> {
  const t0 = performance.now();
  const proc = spawnNanokube(args);
  for (;;) {
    if (await readyz(port)) return { proc, readyMs: performance.now() - t0 };
    if (proc.exitCode !== null) throw new Error(`nanokube ${args[0]} exited ${proc.exitCode}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Polls `fn` until it returns a value, or throws after timeoutMs. */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const done = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await done;
}

/** The server, token and CA of a kubeconfig `nanokube` wrote. */
function readKubeconfig(kubeconfigPath: string): { server: string; token: string; caPem: string } {
  const cfg = YAML.parse(fs.readFileSync(kubeconfigPath, 'utf8'));
  return {
    server: cfg.clusters[0].cluster.server,
    token: cfg.users[0].user.token,
    caPem: Buffer.from(cfg.clusters[0].cluster['certificate-authority-data'], 'base64').toString(),
  };
}

export function kubeconfigClient(kubeconfigPath: string, maxSockets = 8): HttpApiClient {
  return new HttpApiClient({ ...readKubeconfig(kubeconfigPath), maxSockets });
}

/** GETs a path over one kept-alive TLS connection and counts the body's bytes without parsing them. */
export function rawLister(kubeconfigPath: string): { list(urlPath: string): Promise<number>; close(): void } {
  const cfg = readKubeconfig(kubeconfigPath);
  const server = new URL(cfg.server);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: cfg.caPem });
  const token = cfg.token;
  return {
    list: (urlPath) => new Promise((resolve, reject) => {
      const req = https.get({ host: server.hostname, port: server.port, path: urlPath, agent, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, (res) => {
        let bytes = 0;
        res.on('data', (d: Buffer) => (bytes += d.length));
        res.on('end', () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`GET ${urlPath}: ${res.statusCode}`))));
      });
      req.on('error', reject);
    }),
    close: () => agent.destroy(),
  };
}
