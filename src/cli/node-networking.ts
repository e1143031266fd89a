// Wires a node's networking: its container runtime (host, or isolated with a network namespace per
// pod), the pod network's bridge and routes, and the service proxy (nftables, or userspace when the
// kernel proxy cannot run).
import path from 'node:path';
import type { ApiClient } from '../client/api-client.js';
import type { Runtime } from '../node/runtime/runtime.js';
import { HostRuntime } from '../node/runtime/host-runtime.js';
import { IsolatedRuntime } from '../node/runtime/isolated-runtime.js';
import { PodUtsNamespaces } from '../node/runtime/pod-uts-namespaces.js';
import { nodeNetworkId, PodNetwork } from '../node/network/pod-network.js';
import { NodeRoutes } from '../node/network/node-routes.js';
import { ServiceProxy } from '../proxy/service-proxy.js';
import { UserspaceProxy } from '../proxy/userspace-proxy.js';
import { LoopbackAddresses, loopbackLabel } from '../proxy/loopback-addresses.js';
import { tryNet } from '../node/network/net-command.js';
import { ClusterDns, clusterDomain, withdrawNodeDnsAddress } from '../dns/cluster-dns.js';
import { runtimeStateDir } from '../node/runtime/runtime-state-dir.js';

export type RuntimeName = 'host' | 'isolated';
/** kube-proxy's --proxy-mode values nanokube has. */
export type ProxyMode = 'nftables' | 'userspace';

export interface NodeNetworkingOptions {
  client: ApiClient;
  nodeName: string;
  address: string;
  /** Absolute data dir of the node. */
  dataDir: string;
  runtime: RuntimeName;
  /** Default: nftables when the kernel proxy can run, userspace otherwise. */
  proxyMode?: ProxyMode;
}

export interface NodeNetworking {
  runtime: Runtime;
  /** Starts following the Node objects (podCIDR, routes) and the service proxy. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The kernel service proxy needs Linux, root and nft(8). */
export function nftablesProxyProblem(): string | undefined {
  if (process.platform !== 'linux') return 'it needs Linux';
  if (process.getuid?.() !== 0) return 'it needs root';
  if (!ServiceProxy.available()) return 'it needs nft (apt-get install nftables)';
  return undefined;
}

/** The isolated runtime needs what the kernel proxy needs (and ip(8)). */
export function isolatedRuntimeProblem(): string | undefined {
  return nftablesProxyProblem();
}

export function defaultProxyMode(): ProxyMode {
  return nftablesProxyProblem() ? 'userspace' : 'nftables';
}

/** A node's Service table, named like its bridge (`nanokube explain-service` reads it back). */
export function serviceTableName(networkId: string): string {
  return `nanokube-svc-${networkId}`;
}

interface NodeServiceProxy {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The node's service proxy. The nftables one also serves the host runtime: its pods' endpoints are the
 * node's address, and DNAT to the node's own address:port works for connections from the node's processes
 * (nat output hook, re-routed to lo) and from other machines (prerouting; route_localnet for 127.0.0.1).
 * Checked on this machine with a ClusterIP DNATed to a server on 127.0.0.1.
 */
function serviceProxy(opts: NodeNetworkingOptions, networkId: string): NodeServiceProxy {
  const mode = opts.proxyMode ?? defaultProxyMode();
  if (mode === 'nftables') {
    const problem = nftablesProxyProblem();
    if (problem) throw new Error(`--proxy-mode nftables: ${problem}`);
    // One table per agent on the machine, named like its bridge.
    return new ServiceProxy(opts.client, { table: serviceTableName(networkId) });
  }
  // As root, ClusterIPs go on lo so the proxy can listen on them.
  const root = process.platform === 'linux' && process.getuid?.() === 0;
  return new UserspaceProxy(opts.client, { nodeName: opts.nodeName, address: opts.address, loopbackLabel: root ? loopbackLabel(networkId) : undefined });
}

/** The pods' UTS namespace files: under /run like /run/netns, in a directory of this agent's own. */
function utsNamespaces(network: PodNetwork): PodUtsNamespaces {
  return new PodUtsNamespaces(`/run/nanokube/uts-${network.id}`);
}

/**
 * Removes what a node's isolated runtime left on the machine (pod network and UTS namespaces, bridge,
 * masquerade, host port and service tables), once its agent and containers are gone: for tests and
 * decommissioned nodes.
 */
export async function removeNodeNetworking(nodeName: string, dataDir: string): Promise<void> {
  if (isolatedRuntimeProblem()) return;
  const network = new PodNetwork(nodeName, dataDir);
  await network.destroy();
  await utsNamespaces(network).destroy();
  await tryNet('nft', ['delete', 'table', 'ip', serviceTableName(network.id)]);
  await new LoopbackAddresses(loopbackLabel(network.id)).removeAll().catch(() => {});
}

export function nodeNetworking(opts: NodeNetworkingOptions): NodeNetworking {
  const stateDir = runtimeStateDir(opts.dataDir);
  const cgroupParent = `nanokube/${opts.nodeName}`;
  if (opts.runtime === 'host') {
    const proxy = serviceProxy(opts, nodeNetworkId(opts.nodeName, opts.dataDir));
    return {
      runtime: new HostRuntime(stateDir, opts.address, cgroupParent),
      async start() {
        // A node that ran the isolated runtime before answered DNS; now it does not.
        await withdrawNodeDnsAddress(opts.client, opts.nodeName);
        await proxy.start();
      },
      stop: () => proxy.stop(),
    };
  }
  const problem = isolatedRuntimeProblem();
  if (problem) throw new Error(`--runtime isolated: ${problem}`);
  const network = new PodNetwork(opts.nodeName, opts.dataDir);
  const routes = new NodeRoutes(opts.client, opts.nodeName, network);
  const proxy = serviceProxy(opts, network.id);
  const dns = new ClusterDns(opts.client, opts.nodeName);
  // Pods' nameserver: the kube-dns ClusterIP (the kubelet's --cluster-dns), or this node's own DNS
  // address when the cluster has no kube-dns Service.
  const nameserver = () => dns.serviceIp ?? network.gateway;
  return {
    runtime: new IsolatedRuntime({
      stateDir, nodeAddress: opts.address, cgroupParent, network, uts: utsNamespaces(network), filesDir: path.join(opts.dataDir, 'network'), clusterDomain,
      clusterDns: nameserver,
    }),
    async start() {
      await routes.start();
      await proxy.start();
      await dns.start();
      // Each node answers DNS on its bridge's gateway, once it has one.
      void network.whenReady().then(() => dns.listen(network.gateway!)).catch((e) => {
        process.stderr.write(`nanokube dns: not started on node ${opts.nodeName}: ${(e as Error).message}\n`);
      });
    },
    async stop() {
      routes.stop();
      await dns.stop();
      await proxy.stop();
    },
  };
}
