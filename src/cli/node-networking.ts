// Wires a node's networking: its container runtime (host, or isolated with a network namespace per
// pod), the pod network's bridge and routes, and the service proxy.
import path from 'node:path';
import type { ApiClient } from '../client/api-client.js';
import type { Runtime } from '../node/runtime/runtime.js';
import { HostRuntime } from '../node/runtime/host-runtime.js';
import { IsolatedRuntime } from '../node/runtime/isolated-runtime.js';
import { PodNetwork } from '../node/network/pod-network.js';
import { NodeRoutes } from '../node/network/node-routes.js';
import { ServiceProxy } from '../proxy/service-proxy.js';
import { tryNet } from '../node/network/net-command.js';
import { ClusterDns, clusterDomain, withdrawNodeDnsAddress } from '../dns/cluster-dns.js';

export type RuntimeName = 'host' | 'isolated';

export interface NodeNetworkingOptions {
  client: ApiClient;
  nodeName: string;
  address: string;
  /** Absolute data dir of the node. */
  dataDir: string;
  runtime: RuntimeName;
}

export interface NodeNetworking {
  runtime: Runtime;
  /** Starts following the Node objects (podCIDR, routes) and the service proxy. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The isolated runtime needs root, Linux, ip(8) and nft(8). */
export function isolatedRuntimeProblem(): string | undefined {
  if (process.platform !== 'linux') return 'it needs Linux';
  if (process.getuid?.() !== 0) return 'it needs root';
  if (!ServiceProxy.available()) return 'it needs nft (apt-get install nftables)';
  return undefined;
}

function proxyTable(network: PodNetwork): string {
  return `nanokube-svc-${network.id}`;
}

/**
 * Removes what a node's isolated runtime left on the machine (pod namespaces, bridge, masquerade and
 * service tables), once its agent and containers are gone: for tests and decommissioned nodes.
 */
export async function removeNodeNetworking(nodeName: string, dataDir: string): Promise<void> {
  if (isolatedRuntimeProblem()) return;
  const network = new PodNetwork(nodeName, dataDir);
  await network.destroy();
  await tryNet('nft', ['delete', 'table', 'ip', proxyTable(network)]);
}

export function nodeNetworking(opts: NodeNetworkingOptions): NodeNetworking {
  const stateDir = path.join(opts.dataDir, 'containers');
  const cgroupParent = `nanokube/${opts.nodeName}`;
  if (opts.runtime === 'host') {
    return {
      runtime: new HostRuntime(stateDir, opts.address, cgroupParent),
      // A node that ran the isolated runtime before answered DNS; now it does not.
      start: () => withdrawNodeDnsAddress(opts.client, opts.nodeName),
      stop: async () => {},
    };
  }
  const problem = isolatedRuntimeProblem();
  if (problem) throw new Error(`--runtime isolated: ${problem}`);
  const network = new PodNetwork(opts.nodeName, opts.dataDir);
  const routes = new NodeRoutes(opts.client, opts.nodeName, network);
  // One table per agent on the machine, named like its bridge.
  const proxy = new ServiceProxy(opts.client, { table: proxyTable(network) });
  const dns = new ClusterDns(opts.client, opts.nodeName);
  // Pods' nameserver: the kube-dns ClusterIP (the kubelet's --cluster-dns), or this node's own DNS
  // address when the cluster has no kube-dns Service.
  const nameserver = () => dns.serviceIp ?? network.gateway;
  return {
    runtime: new IsolatedRuntime(stateDir, opts.address, cgroupParent, network, path.join(opts.dataDir, 'network', 'resolv'), clusterDomain, nameserver),
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
