// The isolated runtime (Linux, root): containers are process groups under the same shim as the host
// runtime, but each pod has its own network namespace on the node's bridge (pod-network.ts), with
// its own IP; every container of the pod runs in it (nsenter around the shim), so they share
// localhost. hostNetwork pods stay in the node's namespace. Volumes come from the host runtime's
// private mount namespaces (volumes/host-runtime-mounts.ts), and so does the pod's resolv.conf.
import fs from 'node:fs';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import type { ContainerConfig, ContainerHandle, ExecOptions, Sandbox, SandboxConfig } from './runtime.js';
import { HostRuntime } from './host-runtime.js';
import { PodNetwork, podNetnsPath } from '../network/pod-network.js';
import { dialInNetns } from './isolated-port-forward.js';
import { podResolvConf } from './isolated-resolv-conf.js';

export class IsolatedRuntime extends HostRuntime {
  override readonly name = 'isolated';

  constructor(
    stateDir: string,
    private readonly nodeAddress: string,
    cgroupParent: string,
    readonly network: PodNetwork,
    /** Where the pods' resolv.conf files are kept. */
    private readonly resolvDir: string,
    private readonly clusterDomain: string,
    /** The cluster DNS address for pods' resolv.conf (undefined: not known, pods keep the node's). */
    private readonly clusterDns: () => string | undefined,
  ) {
    super(stateDir, nodeAddress, cgroupParent);
  }

  private resolvFile(podUid: string): string {
    return path.join(this.resolvDir, `${podUid}.conf`);
  }

  override async createSandbox(cfg: SandboxConfig): Promise<Sandbox> {
    await super.createSandbox(cfg);
    const ip = cfg.hostNetwork ? this.nodeAddress : await this.network.attach(cfg.podUid);
    const resolv = podResolvConf(cfg, this.clusterDns(), this.clusterDomain);
    if (resolv !== undefined) {
      fs.mkdirSync(this.resolvDir, { recursive: true });
      fs.writeFileSync(this.resolvFile(cfg.podUid), resolv);
    }
    return { podUid: cfg.podUid, ip };
  }

  override async removeSandbox(podUid: string): Promise<void> {
    await this.network.detach(podUid);
    fs.rmSync(this.resolvFile(podUid), { force: true });
    await super.removeSandbox(podUid);
  }

  override async startContainer(cfg: ContainerConfig): Promise<ContainerHandle> {
    // The pod's resolv.conf is bind-mounted over /etc/resolv.conf, like a volume.
    const resolv = this.resolvFile(cfg.podUid);
    if (!fs.existsSync(resolv) || cfg.mounts.some((m) => m.containerPath === '/etc/resolv.conf')) return super.startContainer(cfg);
    return super.startContainer({ ...cfg, mounts: [...cfg.mounts, { hostPath: resolv, containerPath: '/etc/resolv.conf', readOnly: true }] });
  }

  async pruneSandboxes(keep: Set<string>): Promise<void> {
    await this.network.prune(keep);
  }

  /** A pod has a namespace unless it uses the host's network (decided at createSandbox). */
  private netns(podUid: string): string | undefined {
    const p = podNetnsPath(podUid);
    return fs.existsSync(p) ? p : undefined;
  }

  protected override launcher(cfg: ContainerConfig): string[] {
    const ns = this.netns(cfg.podUid);
    return ns ? ['nsenter', `--net=${ns}`, '--'] : [];
  }

  dialPod(podUid: string, port: number): Promise<Duplex> | undefined {
    const ns = this.netns(podUid);
    return ns ? dialInNetns(ns, port) : undefined;
  }

  override execCommand(podUid: string, name: string, opts: ExecOptions) {
    const t = super.execCommand(podUid, name, opts);
    const ns = this.netns(podUid);
    if (!ns) return t;
    // A command that cannot run is handed over bare, so exec reports it as upstream does ("executable file not found").
    const [file, ...args] = opts.command;
    if (!runnable(file, t.env.PATH, opts.workingDir ?? t.cwd)) return { file, args, env: t.env, cwd: opts.workingDir ?? t.cwd };
    // Already entering the container's mount namespace with nsenter: add the network namespace.
    if (t.file === 'nsenter') return { ...t, args: [`--net=${ns}`, ...t.args] };
    return { ...t, file: 'nsenter', args: [`--net=${ns}`, '--', t.file, ...t.args] };
  }
}

/** Whether `file` names an executable (a path, or a name found on PATH), as the shell would find it. */
function runnable(file: string, pathVar: string | undefined, cwd: string | undefined): boolean {
  const ok = (p: string) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return !fs.statSync(p).isDirectory();
    } catch {
      return false;
    }
  };
  if (file.includes('/')) return ok(path.resolve(cwd ?? process.cwd(), file));
  return (pathVar ?? '').split(':').some((dir) => ok(path.resolve(cwd ?? process.cwd(), dir || '.', file)));
}
