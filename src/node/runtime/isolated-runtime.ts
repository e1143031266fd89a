// The isolated runtime (Linux, root): containers are process groups under the same shim as the host
// runtime, but each pod has its own network namespace on the node's bridge (pod-network.ts), with
// its own IP and its hostPorts published on the node, and its own UTS namespace holding its host
// name (pod-uts-namespaces.ts); every container of the pod runs in both (nsenter around the shim), so
// they share localhost and host name. hostNetwork pods stay in the node's namespaces. Volumes come
// from the host runtime's private mount namespaces (volumes/host-runtime-mounts.ts), and so do the
// pod's resolv.conf, its kubelet-managed /etc/hosts and its /etc/hostname.
import fs from 'node:fs';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import type { ContainerConfig, ContainerHandle, ExecOptions, Mount, Sandbox, SandboxConfig } from './runtime.js';
import { HostRuntime, nsenterFlags, type PodNamespace } from './host-runtime.js';
import { PodNetwork, podNetnsPath } from '../network/pod-network.js';
import { dialInNetns } from './isolated-port-forward.js';
import { podResolvConf } from './isolated-resolv-conf.js';
import { hostNetworkHostsFile, managedHostsFile } from './isolated-hosts-file.js';
import { kernelHostname, podHostDomain, podHostname } from './pod-hostname.js';
import type { PodUtsNamespaces } from './pod-uts-namespaces.js';
import { runnable } from './runnable.js';

export interface IsolatedRuntimeOptions {
  /** Where the containers' state is kept (as the host runtime's). */
  stateDir: string;
  nodeAddress: string;
  cgroupParent: string;
  network: PodNetwork;
  uts: PodUtsNamespaces;
  /** Where the pods' resolv.conf, hosts and hostname files are kept (in resolv/, hosts/ and hostname/). */
  filesDir: string;
  clusterDomain: string;
  /** The cluster DNS address for pods' resolv.conf (undefined: not known, pods keep the node's). */
  clusterDns: () => string | undefined;
}

export class IsolatedRuntime extends HostRuntime {
  override readonly name = 'isolated';
  readonly network: PodNetwork;

  constructor(private readonly opts: IsolatedRuntimeOptions) {
    super(opts.stateDir, opts.nodeAddress, opts.cgroupParent);
    this.network = opts.network;
  }

  private resolvFile(podUid: string): string {
    return path.join(this.opts.filesDir, 'resolv', `${podUid}.conf`);
  }

  private hostsFile(podUid: string): string {
    return path.join(this.opts.filesDir, 'hosts', podUid);
  }

  /** The pod's /etc/hostname, as the container runtime writes it beside the sandbox (not for hostNetwork pods). */
  private hostnameFile(podUid: string): string {
    return path.join(this.opts.filesDir, 'hostname', podUid);
  }

  override async createSandbox(cfg: SandboxConfig): Promise<Sandbox> {
    const hostname = podHostname(cfg);
    const domain = podHostDomain(cfg, this.opts.clusterDomain);
    // Checked before anything is made: the kubelet fails such a sandbox too.
    const nodename = kernelHostname(hostname, domain, cfg.setHostnameAsFQDN);
    await super.createSandbox(cfg);
    let ip = this.opts.nodeAddress;
    if (!cfg.hostNetwork) {
      ip = await this.network.attach(cfg.podUid);
      // Before any container starts: its host name, and its host ports published.
      await Promise.all([
        this.opts.uts.create(cfg.podUid, nodename),
        this.network.hostPorts.set(cfg.podUid, ip, cfg.portMappings ?? []),
      ]);
    }
    const resolv = podResolvConf(cfg, this.opts.clusterDns(), this.opts.clusterDomain);
    if (resolv !== undefined) writeFile(this.resolvFile(cfg.podUid), resolv);
    writeFile(this.hostsFile(cfg.podUid), cfg.hostNetwork
      ? hostNetworkHostsFile(cfg.hostAliases)
      : managedHostsFile({ podIps: [ip], hostname, domain, hostAliases: cfg.hostAliases }));
    if (!cfg.hostNetwork) writeFile(this.hostnameFile(cfg.podUid), `${nodename}\n`);
    return { podUid: cfg.podUid, ip };
  }

  async stopSandbox(podUid: string): Promise<void> {
    await this.network.hostPorts.remove(podUid);
  }

  override async removeSandbox(podUid: string): Promise<void> {
    await this.network.detach(podUid);
    await this.opts.uts.remove(podUid);
    fs.rmSync(this.resolvFile(podUid), { force: true });
    fs.rmSync(this.hostsFile(podUid), { force: true });
    fs.rmSync(this.hostnameFile(podUid), { force: true });
    await super.removeSandbox(podUid);
  }

  override async startContainer(cfg: ContainerConfig): Promise<ContainerHandle> {
    // The pod's hosts, hostname and resolv.conf files are bind-mounted over /etc, like volumes, unless a
    // volume already goes there; /etc/hosts and /etc/hostname writable as the kubelet and runtime mount them.
    const managed: Mount[] = [
      { hostPath: this.hostsFile(cfg.podUid), containerPath: '/etc/hosts', readOnly: false },
      { hostPath: this.hostnameFile(cfg.podUid), containerPath: '/etc/hostname', readOnly: false },
      { hostPath: this.resolvFile(cfg.podUid), containerPath: '/etc/resolv.conf', readOnly: true },
    ].filter((m) => fs.existsSync(m.hostPath) && !cfg.mounts.some((v) => v.containerPath === m.containerPath));
    return super.startContainer(managed.length ? { ...cfg, mounts: [...cfg.mounts, ...managed] } : cfg);
  }

  async pruneSandboxes(keep: Set<string>): Promise<void> {
    await this.network.prune(keep);
    await this.opts.uts.prune(keep);
    for (const dir of ['resolv', 'hosts', 'hostname']) {
      const full = path.join(this.opts.filesDir, dir);
      for (const f of fs.existsSync(full) ? fs.readdirSync(full) : []) {
        if (!keep.has(f.replace(/\.conf$/, ''))) fs.rmSync(path.join(full, f), { force: true });
      }
    }
  }

  /** The pod's network namespace, then its UTS namespace, unless it uses the host's (decided at createSandbox). */
  protected override podNamespaces(podUid: string): PodNamespace[] {
    const net = podNetnsPath(podUid);
    if (!fs.existsSync(net)) return [];
    const uts = this.opts.uts.path(podUid);
    return [{ kind: 'net', file: net }, ...(uts ? [{ kind: 'uts' as const, file: uts }] : [])];
  }

  dialPod(podUid: string, port: number): Promise<Duplex> | undefined {
    const net = podNetnsPath(podUid);
    return fs.existsSync(net) ? dialInNetns(net, port) : undefined;
  }

  override execCommand(podUid: string, name: string, opts: ExecOptions) {
    const t = super.execCommand(podUid, name, opts);
    const ns = nsenterFlags(this.podNamespaces(podUid));
    if (!ns.length) return t;
    // Entering the container's mount namespace with nsenter (the command was found there): add the pod's namespaces.
    if (t.file === 'nsenter') return { ...t, args: [...ns, ...t.args] };
    // A command that cannot run is handed over bare, so exec reports it as upstream does ("executable file not found").
    const [file, ...args] = opts.command;
    if (!runnable(file, t.env.PATH, opts.workingDir ?? t.cwd)) return { file, args, env: t.env, cwd: opts.workingDir ?? t.cwd };
    return { ...t, file: 'nsenter', args: [...ns, '--', t.file, ...t.args] };
  }
}

function writeFile(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}
