// The `nanokube` command.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Quantity } from '../api/quantity.js';
import { startControlPlane } from './control-plane.js';
import { startNode } from './node.js';
import { kubeletServingCertificate } from './kubelet-certificate.js';
import { HttpApiClient } from '../client/http-client.js';
import { clusterCa } from './trust-on-first-use.js';
import { primaryAddress } from '../node/node-info.js';
import { isolatedRuntimeProblem, type ProxyMode, type RuntimeName } from './node-networking.js';
import { ensureDefaultIngressClass } from '../ingress/ingress-class.js';
import { explainService, explainServiceUsage } from './explain-service.js';

const usage = `Usage:
  nanokube up [--data-dir DIR] [--port N] [--bind-address A] [--node-name N] [CONTROL-PLANE FLAGS]
      Start a one-node cluster (API server, controllers, scheduler, node agent) in this process.
  nanokube server [--data-dir DIR] [--port N] [--bind-address A] [CONTROL-PLANE FLAGS]
      Start the control plane only; nodes join with \`nanokube agent\`.
  nanokube agent --server URL --token T --node-name N [--data-dir D] [--address A] [--kubelet-port P]
      Join another node to a cluster (T is the server's DIR/pki/node.token).
${explainServiceUsage}
  Every node (up, agent) runs its pods with --runtime isolated (the default as root on Linux with nft:
  a network namespace and IP per pod from the node's podCIDR, Services through nftables, cluster DNS)
  or --runtime host (the default otherwise: pods share the node's network). The control plane splits --cluster-cidr (10.42.0.0/16) into podCIDRs and
  allocates ClusterIPs from --service-cluster-ip-range (10.43.0.0/16).

  Every node (up, agent) runs a service proxy: --proxy-mode nftables (kernel rules; the default as root
  with nft) or --proxy-mode userspace (the default otherwise: the agent listens on NodePorts, on
  load-balancer addresses of the node and, as root, on ClusterIPs it adds to lo, and relays connections).

  Every node (up, agent) serves Ingresses of the default IngressClass "nanokube" on its address:
  --ingress-http-port N (default 80) and --ingress-https-port N (default 443); 0 picks a free port,
  published in the Node's ingress.nanokube.io/http-port and -https-port annotations. \`server\` runs
  no node, so it only creates the IngressClass and accepts the flags for symmetry.

  Every node (up, agent) rotates a container's log file at --container-log-max-size (default 10Mi) and
  keeps --container-log-max-files files of it (default 5, the current one included), as the kubelet.
`;

// The node's ingress data plane ports (`up` and `agent`; `server` accepts them and runs no node).
const ingressFlags = {
  'ingress-http-port': { type: 'string', default: '80' },
  'ingress-https-port': { type: 'string', default: '443' },
} as const;

function ingressPorts(values: Record<string, string | boolean | undefined>): { httpPort: number; httpsPort: number } {
  const port = (flag: string) => {
    const n = Number(values[flag]);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`invalid --${flag} ${values[flag]}: want a port number (0 picks a free one)`);
    return n;
  };
  return { httpPort: port('ingress-http-port'), httpsPort: port('ingress-https-port') };
}

// Container log rotation (`up` and `agent`), as the kubelet's flags: a container's log file is rotated
// at max-size, and max-files files (the current one included) are kept.
const containerLogFlags = {
  'container-log-max-size': { type: 'string', default: '10Mi' },
  'container-log-max-files': { type: 'string', default: '5' },
} as const;

function containerLogs(values: Record<string, string | boolean | undefined>): { maxBytes: number; maxFiles: number } {
  const size = String(values['container-log-max-size']);
  let maxBytes: number;
  try {
    maxBytes = Number(Quantity.parse(size).value());
  } catch {
    maxBytes = NaN;
  }
  if (!(maxBytes > 0)) throw new Error(`invalid --container-log-max-size ${size}: want a positive quantity such as 10Mi`);
  const maxFiles = Number(values['container-log-max-files']);
  if (!Number.isInteger(maxFiles) || maxFiles < 2) throw new Error(`invalid --container-log-max-files ${values['container-log-max-files']}: want 2 or more`);
  return { maxBytes, maxFiles };
}

// The node's container runtime (`up` and `agent`): host (the node's network) or isolated (a network
// namespace per pod); and its service proxy, named as kube-proxy's flag.
const runtimeFlag = { runtime: { type: 'string' }, 'proxy-mode': { type: 'string' } } as const;

/** As DESIGN.md: isolated where the machine allows it (root on Linux with nft), host otherwise. */
function runtimeName(value: string | undefined): RuntimeName {
  if (value === 'host' || value === 'isolated') return value;
  if (value !== undefined) throw new Error(`invalid --runtime ${value}: want host or isolated`);
  const problem = isolatedRuntimeProblem();
  if (!problem) return 'isolated';
  process.stderr.write(`nanokube: pods share the node's network (--runtime host): the isolated runtime ${problem}\n`);
  return 'host';
}

function proxyMode(value: string | undefined): ProxyMode | undefined {
  if (value === undefined || value === 'nftables' || value === 'userspace') return value;
  throw new Error(`invalid --proxy-mode ${value}: want nftables or userspace`);
}

async function agent(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      'node-name': { type: 'string', default: os.hostname() },
      'data-dir': { type: 'string' },
      address: { type: 'string', default: '127.0.0.1' },
      'kubelet-port': { type: 'string', default: '0' },
      ...ingressFlags,
      ...runtimeFlag,
      ...containerLogFlags,
    },
    strict: true,
  });
  if (!values.server || !values.token) throw new Error('--server and --token are required');
  const logs = containerLogs(values);
  const nodeName = values['node-name']!;
  const dataDir = values['data-dir'] ?? `.nanokube-agent-${nodeName}`;
  const caPem = await clusterCa(values.server, dataDir);
  // A few connections suffice (the server works one request at a time); each more is a TLS handshake on
  // both sides in the middle of a burst of pod starts. Upstream's kubelet multiplexes over one HTTP/2 one.
  const client = new HttpApiClient({ server: values.server, token: values.token, caPem, userAgent: `nanokube-agent/${nodeName}`, maxSockets: 6 });
  const address = values.address!;
  const node = await startNode({
    client, nodeName, address, dataDir,
    tls: await kubeletServingCertificate(dataDir, nodeName, address),
    token: values.token,
    kubeletPort: Number(values['kubelet-port']),
    ingress: ingressPorts(values),
    runtime: runtimeName(values.runtime),
    proxyMode: proxyMode(values['proxy-mode']),
    containerLogs: logs,
  });
  process.stdout.write(`nanokube agent ${nodeName} joined ${values.server}\n`);
  const stop = async () => {
    await node.stop();
    client.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

// Flags shared by `up` and `server`, named as upstream's kube-apiserver / kube-controller-manager flags.
const controlPlaneFlags = {
  'data-dir': { type: 'string', default: '.nanokube' },
  port: { type: 'string', default: '6443' },
  'bind-address': { type: 'string', default: '127.0.0.1' },
  'node-monitor-grace-period': { type: 'string' },
  'default-not-ready-toleration-seconds': { type: 'string' },
  'default-unreachable-toleration-seconds': { type: 'string' },
  'cluster-cidr': { type: 'string' },
  'service-cluster-ip-range': { type: 'string' },
} as const;

/** Seconds from "40s", "1m30s" or a bare number, as upstream's duration flags accept them. */
function durationSeconds(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (/^\d+$/.test(text)) return Number(text);
  const m = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)s)?$/.exec(text);
  if (!m || text === '') throw new Error(`invalid --${flag} ${text}: want a duration such as 40s or 1m`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

function intSeconds(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`invalid --${flag} ${text}: want a non-negative integer`);
  return n;
}

async function controlPlaneFrom(values: Record<string, string | boolean | undefined>) {
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${values.port}`);
  const str = (k: string) => values[k] as string | undefined;
  return startControlPlane({
    dataDir: str('data-dir')!,
    port,
    bindAddress: str('bind-address')!,
    nodeMonitorGracePeriodSeconds: durationSeconds('node-monitor-grace-period', str('node-monitor-grace-period')),
    defaultNotReadyTolerationSeconds: intSeconds('default-not-ready-toleration-seconds', str('default-not-ready-toleration-seconds')),
    defaultUnreachableTolerationSeconds: intSeconds('default-unreachable-toleration-seconds', str('default-unreachable-toleration-seconds')),
    clusterCidr: str('cluster-cidr'),
    serviceCidr: str('service-cluster-ip-range'),
  });
}

async function server(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { ...controlPlaneFlags, ...ingressFlags }, strict: true });
  ingressPorts(values);
  const cp = await controlPlaneFrom(values);
  await ensureDefaultIngressClass(cp.client);
  process.stdout.write(
    `nanokube control plane is running: API server at ${cp.url}\n\n` +
      `export KUBECONFIG=${cp.kubeconfigPath}\n\n` +
      `Join a node: nanokube agent --server ${cp.url} --token $(cat ${path.resolve(values['data-dir']!, 'pki', 'node.token')}) --node-name NAME\n`,
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await cp.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

async function up(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { ...controlPlaneFlags, ...ingressFlags, ...runtimeFlag, ...containerLogFlags, 'node-name': { type: 'string', default: os.hostname() } },
    strict: true,
  });
  const bindAddress = values['bind-address']!;
  const logs = containerLogs(values);
  const cp = await controlPlaneFrom(values);
  const nodeName = values['node-name']!;
  const address = bindAddress === '0.0.0.0' || bindAddress === '::' ? primaryAddress() : bindAddress;
  const nodeDataDir = path.join(values['data-dir']!, 'node');
  const node = await startNode({
    client: cp.client,
    nodeName,
    address,
    dataDir: nodeDataDir,
    tls: await kubeletServingCertificate(nodeDataDir, nodeName, address, { certPem: cp.caPem, keyPem: cp.caKeyPem }),
    token: cp.nodeToken,
    ingress: ingressPorts(values),
    runtime: runtimeName(values.runtime),
    proxyMode: proxyMode(values['proxy-mode']),
    containerLogs: logs,
  });
  process.stdout.write(
    `nanokube is running: API server at ${cp.url}, node ${nodeName}\n\n` +
      `export KUBECONFIG=${cp.kubeconfigPath}\nkubectl get nodes\n\n` +
      `Join another node: nanokube agent --server ${cp.url} --token $(cat ${path.resolve(values['data-dir']!, 'pki', 'node.token')}) --node-name NAME\n`,
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await node.stop();
    await cp.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'up':
      return up(rest);
    case 'server':
      return server(rest);
    case 'agent':
      return agent(rest);
    case 'explain-service':
      process.exitCode = await explainService(rest);
      return;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage);
      return;
    default:
      process.stderr.write(`nanokube: unknown command "${cmd}"\n${usage}`);
      process.exit(2);
  }
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`nanokube: ${(e as Error).message ?? e}\n`);
  process.exit(1);
});
