// Starts a node agent and its kubelet API: in the server's process (`nanokube up`) or on its own
// (`nanokube agent`).
import path from 'node:path';
import type { ApiClient } from '../client/api-client.js';
import { NodeAgent } from '../node/agent.js';
import { KubeletServer } from '../node/kubelet-server.js';
import { HostRuntime } from '../node/runtime/host-runtime.js';
import type { KeyPair } from '../apiserver/pki.js';

export interface NodeOptions {
  client: ApiClient;
  nodeName: string;
  /** The address the node reports and its kubelet API listens on. */
  address: string;
  dataDir: string;
  /** The kubelet API's serving certificate. */
  tls: KeyPair;
  /** The token the API server presents to this kubelet. */
  token: string;
  kubeletPort?: number;
}

export interface RunningNode {
  agent: NodeAgent;
  kubelet: KubeletServer;
  stop(): Promise<void>;
}

export async function startNode(opts: NodeOptions): Promise<RunningNode> {
  const dataDir = path.resolve(opts.dataDir);
  const runtime = new HostRuntime(path.join(dataDir, 'containers'), opts.address, `nanokube/${opts.nodeName}`);
  // The agent needs the kubelet's port for its Node status, so the server listens first.
  let agent: NodeAgent | undefined;
  const kubelet = new KubeletServer({
    get agent() {
      return agent!;
    },
    port: opts.kubeletPort ?? 0,
    bindAddress: opts.address,
    certPem: opts.tls.certPem,
    keyPem: opts.tls.keyPem,
    token: opts.token,
  });
  const port = await kubelet.listen();
  agent = new NodeAgent({ client: opts.client, runtime, nodeName: opts.nodeName, address: opts.address, dataDir, kubeletPort: port });
  await agent.start();
  return {
    agent,
    kubelet,
    async stop() {
      agent!.stop();
      await kubelet.close();
    },
  };
}
