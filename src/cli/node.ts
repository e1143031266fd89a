// Starts a node agent and its kubelet API: in the server's process (`nanokube up`) or on its own
// (`nanokube agent`).
import fs from 'node:fs';
import path from 'node:path';
import type { ApiClient } from '../client/api-client.js';
import { NodeAgent } from '../node/agent.js';
import { KubeletServer } from '../node/kubelet-server.js';
import { nodeNetworking, type ProxyMode, type RuntimeName } from './node-networking.js';
import { createCertificateAuthority, generateRsaKeyPem, issueCertificate, type KeyPair } from '../apiserver/pki.js';
import { IngressController } from '../ingress/ingress-controller.js';

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
  /** --runtime: host (containers share the node's network) or isolated (a network namespace per pod). */
  runtime?: RuntimeName;
  /** --proxy-mode: nftables (kernel rules) or userspace; default nftables when root with nft, userspace otherwise. */
  proxyMode?: ProxyMode;
  /** The node's ingress data plane ports (0 = any free port); without it the node serves no Ingresses. */
  ingress?: { httpPort: number; httpsPort: number };
  /** --container-log-max-size and --container-log-max-files (default 10 MiB and 5). */
  containerLogs?: { maxBytes: number; maxFiles: number };
}

export interface RunningNode {
  agent: NodeAgent;
  kubelet: KubeletServer;
  stop(): Promise<void>;
}

export async function startNode(opts: NodeOptions): Promise<RunningNode> {
  const dataDir = path.resolve(opts.dataDir);
  const networking = nodeNetworking({ client: opts.client, nodeName: opts.nodeName, address: opts.address, dataDir, runtime: opts.runtime ?? 'host', proxyMode: opts.proxyMode });
  const runtime = networking.runtime;
  await networking.start();
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
  agent = new NodeAgent({
    client: opts.client, runtime, nodeName: opts.nodeName, address: opts.address, dataDir, kubeletPort: port,
    maxLogBytes: opts.containerLogs?.maxBytes, maxLogFiles: opts.containerLogs?.maxFiles,
  });
  await agent.start();
  // In the background: the node is up without waiting for its ingress (a first start makes a certificate).
  const ingress = opts.ingress ? startIngress(opts, dataDir, opts.ingress) : undefined;
  return {
    agent,
    kubelet,
    async stop() {
      // An ingress still waiting for an unreachable API server is not waited for.
      const running = await Promise.race([ingress, new Promise<undefined>((r) => {
        setTimeout(() => r(undefined), 2_000).unref();
      })]);
      await running?.stop();
      agent!.stop();
      await kubelet.close();
      await networking.stop();
    },
  };
}

/** The node's Ingress controller and data plane; a failure to start it leaves the node running. */
async function startIngress(opts: NodeOptions, dataDir: string, ports: { httpPort: number; httpsPort: number }): Promise<IngressController | undefined> {
  let ingress: IngressController | undefined;
  try {
    await new Promise((r) => setImmediate(r)); // let the caller finish starting the node first
    const defaultCertificate = await defaultIngressCertificate(path.join(dataDir, 'ingress'));
    ingress = new IngressController({ client: opts.client, nodeName: opts.nodeName, address: opts.address, ...ports, defaultCertificate });
    await ingress.start();
    return ingress;
  } catch (e) {
    process.stderr.write(`nanokube ingress: not started on node ${opts.nodeName}: ${(e as Error).message}\n`);
    await ingress?.stop();
    return undefined;
  }
}

/**
 * Served to clients whose SNI no Ingress TLS Secret covers, like ingress-nginx's fake certificate; made on
 * the node's first start and kept in its data directory (making it takes a second on a busy machine).
 */
async function defaultIngressCertificate(dir: string): Promise<KeyPair> {
  const certPath = path.join(dir, 'default.crt');
  const keyPath = path.join(dir, 'default.key');
  try {
    return { certPem: fs.readFileSync(certPath, 'utf8'), keyPem: fs.readFileSync(keyPath, 'utf8') };
  } catch {
    // not made yet
  }
  // Keys are made off the event loop: this runs while the node's first pods start.
  const [caKey, key] = await Promise.all([generateRsaKeyPem(), generateRsaKeyPem()]);
  const kp = issueCertificate(createCertificateAuthority('nanokube-ingress-ca', caKey), {
    commonName: 'nanokube ingress default certificate', dnsNames: ['ingress.local'], server: true, keyPem: key,
  });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(keyPath, kp.keyPem, { mode: 0o600 });
  fs.writeFileSync(certPath, kp.certPem);
  return kp;
}
