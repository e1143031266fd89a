// The node agent's runtime interface (DESIGN.md "Node runtime"): pod sandboxes and containers.
// Implementations: host (plain processes in the node's network) and isolated (a network namespace per pod).
import type { Duplex, Writable } from 'node:stream';

/** A container port published on the node (CRI's PortMapping): hostIP:hostPort → pod IP:containerPort. */
export interface PortMapping {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  containerPort: number;
  hostPort: number;
  /** Only this node address; unset (or 0.0.0.0) means every address of the node. */
  hostIP?: string;
}

export interface SandboxConfig {
  podUid: string;
  namespace: string;
  name: string;
  /** spec.hostname, else the pod's name (the isolated runtime truncates it as the kubelet does). */
  hostname: string;
  /** spec.subdomain: the pod's domain is <subdomain>.<namespace>.svc.<cluster domain>. */
  subdomain?: string;
  setHostnameAsFQDN?: boolean;
  hostAliases?: { ip: string; hostnames?: string[] }[];
  hostNetwork: boolean;
  /** hostPorts of the pod's containers (isolated runtime; hostNetwork pods bind them themselves). */
  portMappings?: PortMapping[];
  /** spec.dnsPolicy and spec.dnsConfig: what the pod's /etc/resolv.conf says (isolated runtime). */
  dnsPolicy?: string;
  dnsConfig?: { nameservers?: string[]; searches?: string[]; options?: { name: string; value?: string }[] };
}

export interface Sandbox {
  podUid: string;
  /** The pod's IP (the node's address in the host runtime). */
  ip: string;
}

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

export interface ContainerConfig {
  podUid: string;
  name: string;
  /** Which start of this container this is (0 for the first); names its state directory. */
  attempt: number;
  command: string[];
  env: Record<string, string>;
  workingDir?: string;
  mounts: Mount[];
  /** The CRI-format log file for this start of the container (rotated at maxLogBytes). */
  logPath: string;
  maxLogBytes: number;
  maxLogFiles: number;
  memoryLimitBytes?: number;
  cpuLimitMilli?: number;
  /**
   * spec.stdin: the container's stdin stays open and `kubectl attach -i` writes to it (see openStdin);
   * without it stdin is /dev/null. With stdinOnce it is closed after the first attach session ends.
   */
  stdin?: boolean;
  stdinOnce?: boolean;
  /** Where the container finds its termination message file (spec.terminationMessagePath). */
  terminationMessagePath?: string;
}

export type ContainerState =
  | { state: 'running'; pid: number; startedAt: Date }
  | { state: 'exited'; pid: number; startedAt: Date; finishedAt: Date; exitCode: number; signal?: string; oomKilled: boolean }
  | { state: 'unknown' };

export interface ContainerHandle {
  podUid: string;
  name: string;
  attempt: number;
  pid: number;
  startedAt: Date;
  /** Resolves once the container has exited (also for re-adopted containers). */
  exited: Promise<ContainerState & { state: 'exited' }>;
  /** A re-adopted container that had already exited when it was found (it ended while the agent was down). */
  exitedBefore?: ContainerState & { state: 'exited' };
}

export interface ExecOptions {
  command: string[];
  env?: Record<string, string>;
  workingDir?: string;
  tty?: boolean;
  timeoutMs?: number;
}

export interface Runtime {
  readonly name: 'host' | 'isolated';
  createSandbox(cfg: SandboxConfig): Promise<Sandbox>;
  removeSandbox(podUid: string): Promise<void>;
  startContainer(cfg: ContainerConfig): Promise<ContainerHandle>;
  /** Signal the container's process group. */
  signal(podUid: string, name: string, attempt: number, signal: NodeJS.Signals): void;
  /** Containers found in the state directory (running or exited), for re-adoption after a restart. */
  listContainers(): Promise<ContainerHandle[]>;
  /**
   * The node's copy of the file a start of the container saw at its terminationMessagePath, or
   * undefined when it had none (the runtime could not mount one there).
   */
  terminationMessageFile?(podUid: string, name: string, attempt: number): string | undefined;
  /** Forget a container's state (after the pod is gone). */
  removeContainer(podUid: string, name: string, attempt: number): Promise<void>;
  /** Where a command run "inside" a container runs: its env, cwd and (isolated) namespaces. */
  execCommand(podUid: string, name: string, opts: ExecOptions): { file: string; args: string[]; env: Record<string, string>; cwd?: string };
  /**
   * For attach: a writer into the stdin of the container's latest start, or undefined when it was not
   * started with `stdin` (or is gone). Ending the writer ends this attach session's input; the container
   * sees end of file only under stdinOnce.
   */
  openStdin(podUid: string, name: string): Promise<Writable | undefined>;
  /**
   * For port-forward: a connection to localhost:port inside the pod's own network, when the pod has
   * one (isolated runtime, not hostNetwork); undefined means dial the pod's IP (or the node's loopback).
   */
  dialPod?(podUid: string, port: number): Promise<Duplex> | undefined;
  /**
   * The pod has finished (CRI StopPodSandbox): what other pods may need now is given back, such as
   * its host ports; the rest stays until removeSandbox.
   */
  stopSandbox?(podUid: string): Promise<void>;
  /** After an agent restart: sandboxes of pods not in `keep` (this node's pods) are removed. */
  pruneSandboxes?(keep: Set<string>): Promise<void>;
  /** Whether memory/cpu limits are enforced; if not, the agent says so in an Event. */
  readonly enforcesLimits: boolean;
}
