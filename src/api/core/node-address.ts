// A Node's addresses as the node agent reports them in status.addresses.
import type { KubeObject } from '../object.js';

/** The node's InternalIP: where other nodes, the API server and Service traffic reach it. */
export function nodeInternalIp(node: KubeObject): string | undefined {
  return (node.status?.addresses ?? []).find((a: any) => a.type === 'InternalIP')?.address;
}
