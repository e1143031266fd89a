// `nanokube explain-service NAME [-n NS]`: gathers what the API holds about a Service (and, on this
// machine, the nodes' proxy rules and whether the endpoints accept connections), lets
// service-diagnosis reason about it and prints the chain. Exit 0 healthy, 1 a problem, 2 usage or
// no cluster.
import net from 'node:net';
import { parseArgs } from 'node:util';
import type { KubeObject } from '../api/object.js';
import { ApiError, undefinedIfNotFound } from '../api/status.js';
import { selectorFromMap } from '../api/labels.js';
import { HttpApiClient } from '../client/http-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { kubeconfigPaths, loadKubeconfig } from './kubeconfig.js';
import { readNodeServiceTables } from './node-service-tables.js';
import { serviceNameLabel } from '../controllers/endpointslice-controller.js';
import { diagnoseService, formatDiagnosis, type ConnectResult, type ServiceFacts } from './service-diagnosis.js';

export const explainServiceUsage = `  nanokube explain-service NAME [-n NS] [--kubeconfig FILE] [--context C]
      Walk what a Service depends on (selector, matching pods and their readiness, targetPort,
      endpoints, the nodes' proxy rules) and say where it breaks. Exit 0 healthy, 1 a problem, 2 error.
`;

const refs = {
  services: { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  pods: { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true },
  endpoints: { group: '', version: 'v1', kind: 'Endpoints', plural: 'endpoints', namespaced: true },
  events: { group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true },
  nodes: { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false },
  namespaces: { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false },
  slices: { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true },
} satisfies Record<string, ResourceRef>;

const connectTimeoutMs = 1500;
/** Enough to tell "nothing listens" from a sample, without a storm of connections to a big Service. */
const maxConnects = 32;

class UsageError extends Error {}

function parse(args: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        namespace: { type: 'string', short: 'n' },
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true as const };
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `expected one Service name, got ${positionals.join(' ')}` : 'a Service name is required');
  // As kubectl accepts it: NAME, svc/NAME, service/NAME, services/NAME.
  const m = /^(?:(?:svc|service|services)\/)?([^/]+)$/.exec(positionals[0]);
  if (!m) throw new UsageError(`"${positionals[0]}" is not a Service name`);
  return { help: false as const, name: m[1], namespace: values.namespace, kubeconfig: values.kubeconfig, context: values.context };
}


/** One TCP connect: whether something listens at ip:port. */
function tryConnect(ip: string, port: number): Promise<ConnectResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: ip, port });
    const done = (r: ConnectResult) => {
      socket.destroy();
      resolve(r);
    };
    socket.setTimeout(connectTimeoutMs, () => done('unreachable'));
    socket.on('connect', () => done('open'));
    socket.on('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'unreachable'));
  });
}

/** Connects to the ready TCP endpoints of the Service's ports. */
async function connects(svc: KubeObject, slices: KubeObject[]): Promise<Record<string, ConnectResult>> {
  const targets = new Map<string, { ip: string; port: number }>();
  const portNames = new Set((svc.spec?.ports ?? []).filter((sp: any) => (sp.protocol ?? 'TCP') === 'TCP').map((sp: any) => sp.name ?? ''));
  for (const slice of slices) {
    if (slice.addressType && slice.addressType !== 'IPv4') continue;
    for (const p of slice.ports ?? []) {
      if ((p.protocol ?? 'TCP') !== 'TCP' || !portNames.has(p.name ?? '') || typeof p.port !== 'number') continue;
      for (const ep of slice.endpoints ?? []) {
        if (ep.conditions?.ready === false) continue;
        for (const ip of ep.addresses ?? []) targets.set(`${ip}:${p.port}`, { ip, port: p.port });
      }
    }
  }
  const picked = [...targets].slice(0, maxConnects);
  const results = await Promise.all(picked.map(([, t]) => tryConnect(t.ip, t.port)));
  return Object.fromEntries(picked.map(([k], i) => [k, results[i]]));
}

async function gather(client: HttpApiClient, namespace: string, name: string): Promise<ServiceFacts> {
  const service = await undefinedIfNotFound(client.get(refs.services, namespace, name));
  const empty = { namespace, name, pods: [], slices: [], events: [], nodes: [], connects: {}, proxy: { inspectable: false as const, why: 'no Service' } };
  if (!service) {
    const [all, namespaces] = await Promise.all([client.list(refs.services, ''), client.list(refs.namespaces, '')]);
    return {
      ...empty,
      namespaceExists: namespaces.items.some((n) => n.metadata.name === namespace),
      servicesInNamespace: all.items.filter((s) => s.metadata.namespace === namespace).map((s) => s.metadata.name!).sort(),
      sameNameIn: all.items.filter((s) => s.metadata.name === name && s.metadata.namespace !== namespace).map((s) => s.metadata.namespace!).sort(),
    };
  }
  const [pods, slices, endpoints, events, nodes] = await Promise.all([
    client.list(refs.pods, namespace),
    client.list(refs.slices, namespace, { labelSelector: `${serviceNameLabel}=${name}` }),
    undefinedIfNotFound(client.get(refs.endpoints, namespace, name)),
    client.list(refs.events, namespace, { fieldSelector: 'involvedObject.kind=Pod,type=Warning' }),
    client.list(refs.nodes, ''),
  ]);
  const selector = service.spec?.selector ?? {};
  const selected = selectorFromMap(selector);
  let matchingPodsElsewhere: KubeObject[] = [];
  if (Object.keys(selector).length && !pods.items.some((p) => selected.matches(p.metadata.labels))) {
    const everywhere = await client.list(refs.pods, '', { labelSelector: selected.toString() });
    matchingPodsElsewhere = everywhere.items.filter((p) => p.metadata.namespace !== namespace);
  }
  const [proxy, connected] = await Promise.all([readNodeServiceTables(nodes.items), connects(service, slices.items)]);
  return {
    namespace, name, service, endpoints, matchingPodsElsewhere, proxy,
    pods: pods.items, slices: slices.items, events: events.items, nodes: nodes.items, connects: connected,
  };
}

/** Runs the command; resolves to its exit code. */
export async function explainService(args: string[]): Promise<number> {
  let opts;
  try {
    opts = parse(args);
  } catch (e) {
    process.stderr.write(`nanokube explain-service: ${(e as Error).message}\nUsage:\n${explainServiceUsage}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(`Usage:\n${explainServiceUsage}`);
    return 0;
  }
  let kubeconfig;
  try {
    kubeconfig = loadKubeconfig(kubeconfigPaths(opts.kubeconfig), opts.context);
  } catch (e) {
    process.stderr.write(`nanokube explain-service: ${(e as Error).message}\n`);
    return 2;
  }
  const namespace = opts.namespace ?? kubeconfig.namespace;
  let client: HttpApiClient | undefined;
  try {
    client = new HttpApiClient({ server: kubeconfig.server, token: kubeconfig.token, caPem: kubeconfig.caPem, userAgent: 'nanokube-explain-service' });
    const diagnosis = diagnoseService(await gather(client, namespace, opts.name));
    process.stdout.write(formatDiagnosis(diagnosis));
    return diagnosis.healthy ? 0 : 1;
  } catch (e) {
    const why = e instanceof ApiError ? `the API server answered ${e.code}: ${e.message}` : (e as Error).message;
    process.stderr.write(`nanokube explain-service: cannot ask the cluster at ${kubeconfig.server} (context ${kubeconfig.context}): ${why}\n`);
    return 2;
  } finally {
    client?.close();
  }
}
