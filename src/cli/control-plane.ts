// Starts the control plane in this process: storage, API server, bootstrap objects and controllers.
// `nanokube up` and the integration tests both use it.
import fs from 'node:fs';
import path from 'node:path';
import { defaultRegistry } from '../api/registry.js';
import { verbsOf } from '../api/resource-type.js';
import { ApiServer } from '../apiserver/server.js';
import { ServiceAccountTokens } from '../apiserver/service-account-tokens.js';
import { ensureKubeDnsService, ensureKubernetesService, ensureSystemNamespaces } from '../apiserver/bootstrap.js';
import { KubernetesEndpoints } from '../apiserver/kubernetes-endpoints.js';
import { isIpv4 } from '../api/ipv4-cidr.js';
import { kubeDnsServiceIpOffset } from '../api/core/cluster-dns.js';
import { primaryAddress } from '../node/node-info.js';
import { SqliteStore } from '../storage/sqlite.js';
import type { Store } from '../storage/store.js';
import { LocalApiClient } from '../apiserver/local-client.js';
import { NamespaceLifecycle } from '../apiserver/admission/namespace-lifecycle.js';
import { ServiceAllocation, serviceIpAt } from '../apiserver/admission/service-allocation.js';
import { DefaultTolerationSeconds } from '../apiserver/admission/default-toleration-seconds.js';
import { ControllerManager } from '../controllers/manager.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { loadOrCreateSecrets } from './cluster-secrets.js';
import { adminKubeconfig } from './kubeconfig.js';

export interface ControlPlaneOptions {
  dataDir: string;
  port: number;
  bindAddress: string;
  /** The name clients use in the kubeconfig's server URL (defaults to the bind address, or 127.0.0.1 for 0.0.0.0). */
  advertiseHost?: string;
  /** Service ClusterIP range (default 10.43.0.0/16, as k3s). */
  serviceCidr?: string;
  /** Pod network split into per-node podCIDRs (default 10.42.0.0/16, as k3s). */
  clusterCidr?: string;
  /** Use this store instead of the data directory's SQLite file (tests). */
  store?: Store;
  /** --node-monitor-grace-period in seconds: a node whose lease is older is NotReady/Unknown (default 50). */
  nodeMonitorGracePeriodSeconds?: number;
  /** --default-not-ready-toleration-seconds and --default-unreachable-toleration-seconds (default 300). */
  defaultNotReadyTolerationSeconds?: number;
  defaultUnreachableTolerationSeconds?: number;
}

export interface ControlPlane {
  server: ApiServer;
  port: number;
  url: string;
  kubeconfigPath: string;
  adminToken: string;
  nodeToken: string;
  caPem: string;
  caKeyPem: string;
  /** An in-process client with the server's full rights. */
  client: LocalApiClient;
  stop(): Promise<void>;
}

export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const secrets = loadOrCreateSecrets(opts.dataDir, opts.bindAddress);
  const store = opts.store ?? SqliteStore.open(path.join(opts.dataDir, 'state.db'));
  const registry = defaultRegistry();
  const serviceAccountTokens = new ServiceAccountTokens(secrets.serviceAccountKeyPem);
  const server = new ApiServer({
    registry,
    store,
    port: opts.port,
    bindAddress: opts.bindAddress,
    // The CA goes in the chain so that an agent can pin it on first contact.
    tls: { certPem: secrets.serving.certPem + secrets.ca.certPem, keyPem: secrets.serving.keyPem, caPem: secrets.ca.certPem },
    tokens: new Map([[secrets.adminToken, 'admin'], [secrets.nodeToken, 'system:node']]),
    nodeToken: secrets.nodeToken,
    serviceAccountTokens,
  });
  server.service.addAdmission(new NamespaceLifecycle(() => server.service, registry));
  server.service.addAdmission(new DefaultTolerationSeconds({
    notReadySeconds: opts.defaultNotReadyTolerationSeconds,
    unreachableSeconds: opts.defaultUnreachableTolerationSeconds,
  }));
  const serviceCidr = opts.serviceCidr ?? '10.43.0.0/16';
  server.service.addAdmission(new ServiceAllocation(() => server.service, { serviceCidr, nodePortRange: [30000, 32767] }));
  const port = await server.listen();
  await ensureSystemNamespaces(server.service, registry);
  await ensureKubernetesService(server.service, registry, serviceIpAt(serviceCidr, 1), port);
  await ensureKubeDnsService(server.service, registry, serviceIpAt(serviceCidr, kubeDnsServiceIpOffset));
  // Pods reach the server through the `kubernetes` Service: on the address it is bound to (the proxy
  // sets route_localnet, so DNAT to 127.0.0.1 reaches a loopback-bound server from a pod), else the
  // advertised or the machine's primary address, as upstream's --advertise-address.
  const endpointIp = [opts.bindAddress, opts.advertiseHost].find((a) => isIpv4(a) && a !== '0.0.0.0') ?? primaryAddress();
  const kubernetesEndpoints = new KubernetesEndpoints(server.service, registry, endpointIp, port);
  await kubernetesEndpoints.start();
  const client = new LocalApiClient(server.service, registry, serviceAccountTokens);
  const controllers = new ControllerManager({ client, kinds: registry.all.filter((k) => verbsOf(k).includes('watch')), nodeMonitorGracePeriodSeconds: opts.nodeMonitorGracePeriodSeconds, clusterCidr: opts.clusterCidr,
    storageDir: path.resolve(opts.dataDir, 'storage'), rootCaPem: secrets.ca.certPem });
  await controllers.start();
  const scheduler = new Scheduler(client);
  await scheduler.start();
  const host = opts.advertiseHost ?? (opts.bindAddress === '0.0.0.0' || opts.bindAddress === '::' ? '127.0.0.1' : opts.bindAddress);
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const kubeconfigPath = path.resolve(opts.dataDir, 'kubeconfig');
  fs.writeFileSync(kubeconfigPath, adminKubeconfig(url, secrets.ca.certPem, secrets.adminToken), { mode: 0o600 });
  fs.chmodSync(kubeconfigPath, 0o600);
  server.setReady(true);
  return {
    server,
    port,
    url,
    kubeconfigPath,
    adminToken: secrets.adminToken,
    nodeToken: secrets.nodeToken,
    caPem: secrets.ca.certPem,
    caKeyPem: secrets.ca.keyPem,
    client,
    async stop() {
      server.setReady(false);
      kubernetesEndpoints.stop();
      controllers.stop();
      scheduler.stop();
      await server.close();
      await store.close();
    },
  };
}
