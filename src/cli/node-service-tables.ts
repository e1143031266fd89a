// Finds the Service tables of a cluster's nodes on this machine and reads them with nft. A node of the
// isolated runtime holds its podCIDR's gateway on its bridge (nkb-<id>) and keeps its Services in the
// table nanokube-svc-<id>; nodes whose gateway is not on a local bridge run elsewhere (or use the host
// runtime), and their rules cannot be seen from here.
import os from 'node:os';
import type { KubeObject } from '../api/object.js';
import { intToIp, parseCidr } from '../api/ipv4-cidr.js';
import { bridgePrefix } from '../node/network/pod-network.js';
import { runNet } from '../node/network/net-command.js';
import { isolatedRuntimeProblem, serviceTableName } from './node-networking.js';
import { parseServiceTable } from './nft-service-table.js';
import type { NodeServiceRules, ProxyFacts } from './service-diagnosis.js';

function gatewayOf(podCidr: unknown): string | undefined {
  if (typeof podCidr !== 'string') return undefined;
  try {
    return intToIp(parseCidr(podCidr).base + 1);
  } catch {
    return undefined;
  }
}

/** The local bridges of nanokube by the IPv4 addresses they hold. */
function localBridges(): Map<string, string[]> {
  const byAddress = new Map<string, string[]>();
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    if (!name.startsWith(bridgePrefix)) continue;
    for (const a of addrs ?? []) if (a.family === 'IPv4') byAddress.set(a.address, [...(byAddress.get(a.address) ?? []), name]);
  }
  return byAddress;
}

async function readTable(node: string, table: string): Promise<NodeServiceRules> {
  try {
    return { node, table, view: parseServiceTable(JSON.parse(await runNet('nft', ['-j', 'list', 'table', 'ip', table]))) };
  } catch (e) {
    return { node, table, error: (e as Error).message };
  }
}

export async function readNodeServiceTables(nodes: KubeObject[]): Promise<ProxyFacts> {
  const problem = isolatedRuntimeProblem();
  if (problem) return { inspectable: false, why: problem.replace(/^it needs /, 'reading nftables needs ') };
  const bridges = localBridges();
  const reads: Promise<NodeServiceRules>[] = [];
  const elsewhere: string[] = [];
  for (const node of nodes) {
    const local = bridges.get(gatewayOf(node.spec?.podCIDR) ?? '') ?? [];
    if (local.length === 0) elsewhere.push(node.metadata.name!);
    for (const bridge of local) reads.push(readTable(node.metadata.name!, serviceTableName(bridge.slice(bridgePrefix.length))));
  }
  if (reads.length === 0) {
    return { inspectable: false, why: 'no node of this cluster has its pod bridge on this machine: the nodes run on another machine or with the host runtime' };
  }
  return { inspectable: true, nodes: await Promise.all(reads), elsewhere };
}
