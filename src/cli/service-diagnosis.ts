// `nanokube explain-service`'s reasoning, without I/O: from the objects the API holds (and what was
// seen on this machine: the nodes' proxy rules, TCP connects to endpoints) it walks the chain a user
// checks by hand — Service → selector → matching pods → readiness → targetPort → endpoints → proxy —
// and stops at the first break with what to fix.
import type { KubeObject } from '../api/object.js';
import { selectorFromMap } from '../api/labels.js';
import { podReady, resolveTargetPort } from '../controllers/service-backends.js';
import { serviceNameLabel } from '../controllers/endpointslice-controller.js';
import { servicePortRules } from '../proxy/nft-service-rules.js';
import { nodePortKey, vipKey, type ServiceTableView } from './nft-service-table.js';
import { podUnreadyReasons } from './pod-unready-reasons.js';
import { selectorNearMisses } from './selector-near-misses.js';

/** One node's Service table, when this machine could read it. */
export interface NodeServiceRules {
  node: string;
  table: string;
  view?: ServiceTableView;
  /** Why the table could not be read. */
  error?: string;
}

/** The nodes' proxy rules as seen from this machine; `elsewhere` names the nodes whose rules are not visible here. */
export type ProxyFacts = { inspectable: false; why: string } | { inspectable: true; nodes: NodeServiceRules[]; elsewhere?: string[] };

/** What a TCP connect from this machine to an endpoint ("ip:port") found. */
export type ConnectResult = 'open' | 'refused' | 'unreachable';

export interface ServiceFacts {
  namespace: string;
  name: string;
  service?: KubeObject;
  /** For a missing Service: whether the namespace exists, its Services' names, other namespaces with this name. */
  namespaceExists?: boolean;
  servicesInNamespace?: string[];
  sameNameIn?: string[];
  /** The pods of the namespace. */
  pods: KubeObject[];
  /** Pods of other namespaces that the selector matches (a Service selects only in its own). */
  matchingPodsElsewhere?: KubeObject[];
  /** The Service's EndpointSlices (label kubernetes.io/service-name). */
  slices: KubeObject[];
  /** The Endpoints object of the same name, if any. */
  endpoints?: KubeObject;
  /** Warning events of the namespace's pods. */
  events: KubeObject[];
  nodes: KubeObject[];
  proxy: ProxyFacts;
  /** Connects to ready TCP endpoints ("ip:port"); empty when not tried. */
  connects: Record<string, ConnectResult>;
}

export type Mark = 'ok' | 'warn' | 'problem' | 'info';

export interface Step {
  mark: Mark;
  text: string;
  details: string[];
  fix?: string;
}

export interface Diagnosis {
  steps: Step[];
  healthy: boolean;
  verdict: string;
}

const protocolOf = (sp: any) => String(sp.protocol ?? 'TCP');

function portLabel(sp: any): string {
  return `${sp.name ? `${sp.name} ` : ''}${sp.port}/${protocolOf(sp)}`;
}

function list(items: string[], max = 6): string {
  return items.length > max ? `${items.slice(0, max).join(', ')} and ${items.length - max} more` : items.join(', ');
}

function plural(n: number, word: string, words = `${word}s`): string {
  return `${n} ${n === 1 ? word : words}`;
}

function selectorText(selector: Record<string, string>): string {
  return Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length];
}

/** Names close to `name`: a small edit distance, or one contains the other. */
export function similarNames(name: string, names: string[]): string[] {
  const n = name.toLowerCase();
  const close = (other: string) => {
    const o = other.toLowerCase();
    return o !== n && (editDistance(n, o) <= Math.max(2, Math.floor(n.length / 4)) || (n.length >= 3 && o.includes(n)) || (o.length >= 3 && n.includes(o)));
  };
  return names.filter(close).sort((a, b) => editDistance(n, a.toLowerCase()) - editDistance(n, b.toLowerCase()));
}

function missingService(f: ServiceFacts, ref: string): Diagnosis {
  const details: string[] = [];
  let fix = `create it, e.g. kubectl expose deployment NAME --name=${f.name} --port=80 --target-port=8080 -n ${f.namespace}`;
  if (f.namespaceExists === false) details.push(`namespace ${f.namespace} does not exist`);
  const similar = similarNames(f.name, f.servicesInNamespace ?? []);
  if (similar.length) {
    details.push(`similar Services in namespace ${f.namespace}: ${list(similar)}`);
    fix = `did you mean ${similar[0]}? (nanokube explain-service ${similar[0]} -n ${f.namespace})`;
  }
  const elsewhere = f.sameNameIn ?? [];
  if (elsewhere.length) {
    details.push(`a Service named ${f.name} exists in namespace${elsewhere.length > 1 ? 's' : ''} ${list(elsewhere)}`);
    fix = `use -n ${elsewhere[0]}, or create the Service in ${f.namespace}`;
  }
  if (!similar.length && !elsewhere.length && f.namespaceExists !== false) {
    const names = f.servicesInNamespace ?? [];
    details.push(names.length ? `Services in namespace ${f.namespace}: ${list(names, 10)}` : `namespace ${f.namespace} has no Services`);
  }
  const step: Step = { mark: 'problem', text: `Service ${ref} not found`, details, fix };
  return { steps: [step], healthy: false, verdict: `Problem: Service ${ref} not found` };
}

function serviceSummary(svc: KubeObject): string {
  const spec = svc.spec ?? {};
  const type = spec.type ?? 'ClusterIP';
  const ip = spec.clusterIP === 'None' ? 'headless (clusterIP None)' : `ClusterIP ${spec.clusterIP ?? '<none>'}`;
  const ports = (spec.ports ?? []).map((sp: any) => {
    const target = sp.targetPort ?? sp.port;
    const node = sp.nodePort && (type === 'NodePort' || type === 'LoadBalancer') ? `, nodePort ${sp.nodePort}` : '';
    return `${sp.name ? `${sp.name}: ` : ''}${sp.port}→${target}/${protocolOf(sp)}${node}`;
  });
  return `Service ${svc.metadata.namespace}/${svc.metadata.name}: type ${type}, ${ip}${ports.length ? `, ports ${ports.join('; ')}` : ', no ports'}`;
}

interface SliceEndpoint {
  ip: string;
  port?: number;
  ready: boolean;
  pod?: string;
}

/** The endpoints the slices list for one Service port (matched by name and protocol), or all addresses when sp is undefined. */
function sliceEndpoints(slices: KubeObject[], sp: any | undefined): SliceEndpoint[] {
  const out = new Map<string, SliceEndpoint>();
  for (const slice of slices) {
    let port: number | undefined;
    if (sp) {
      const p = (slice.ports ?? []).find((x: any) => (x.name ?? '') === (sp.name ?? '') && String(x.protocol ?? 'TCP') === protocolOf(sp));
      if (!p || typeof p.port !== 'number') continue;
      port = p.port;
    }
    for (const ep of slice.endpoints ?? []) {
      for (const ip of ep.addresses ?? []) {
        const e: SliceEndpoint = { ip, port, ready: ep.conditions?.ready !== false, pod: ep.targetRef?.kind === 'Pod' ? ep.targetRef.name : undefined };
        const key = port === undefined ? ip : `${ip}:${port}`;
        if (!out.get(key)?.ready) out.set(key, e);
      }
    }
  }
  return [...out.values()].sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
}

function address(e: { ip: string; port?: number }): string {
  return e.port === undefined ? e.ip : `${e.ip}:${e.port}`;
}

/** A Service port's targetPort as declared, and which serving pods resolve it. */
function targetPortStep(sp: any, serving: KubeObject[]): Step {
  const target = sp.targetPort ?? sp.port;
  const named = typeof target === 'string' && !/^\d+$/.test(target);
  const declared = (pod: KubeObject) => (pod.spec?.containers ?? []).flatMap((c: any) =>
    (c.ports ?? []).map((p: any) => `container ${c.name} port ${p.containerPort}/${p.protocol ?? 'TCP'}${p.name ? ` named ${p.name}` : ' (no name)'}`));
  const declarations = (pods: KubeObject[]) => {
    const seen = new Map<string, string[]>();
    for (const p of pods) {
      const d = declared(p).join(', ') || 'no container ports';
      seen.set(d, [...(seen.get(d) ?? []), p.metadata.name!]);
    }
    return [...seen].map(([d, names]) => `${list(names, 3)}: ${d}`);
  };
  const label = `port ${portLabel(sp)} → targetPort ${target}`;
  if (named) {
    const lacking = serving.filter((p) => resolveTargetPort(p, sp) === undefined);
    const resolved = [...new Set(serving.map((p) => resolveTargetPort(p, sp)).filter((n) => n !== undefined))];
    const fix = `name a container port "${target}" (ports: [{name: ${target}, containerPort: N, protocol: ${protocolOf(sp)}}]) in the pod template, or set the Service's targetPort to the port number`;
    if (lacking.length === serving.length) {
      return { mark: 'problem', text: `${label}: no container of the ${plural(serving.length, 'ready pod')} declares a ${protocolOf(sp)} port named "${target}"`, details: declarations(lacking), fix };
    }
    if (lacking.length) {
      return { mark: 'warn', text: `${label}: ${plural(lacking.length, 'ready pod')} lack a port named "${target}" and get no traffic on this port`, details: declarations(lacking), fix };
    }
    return { mark: 'ok', text: `${label} = container port ${resolved.join(', ')} on all ${plural(serving.length, 'ready pod')}`, details: [] };
  }
  const n = Number(target);
  const undeclared = serving.filter((p) => !(p.spec?.containers ?? []).some((c: any) => (c.ports ?? []).some((cp: any) => cp.containerPort === n && (cp.protocol ?? 'TCP') === protocolOf(sp))));
  if (undeclared.length) {
    return {
      mark: 'warn',
      text: `${label}: ${undeclared.length === serving.length ? 'none' : undeclared.length} of the ${plural(serving.length, 'ready pod')} ${undeclared.length === serving.length ? 'declares' : undeclared.length === 1 ? 'does not declare' : 'do not declare'} container port ${n}/${protocolOf(sp)}`,
      details: [...declarations(undeclared), `declaring it is not required, but check that the app listens on ${n}`],
    };
  }
  return { mark: 'ok', text: `${label}: declared by all ${plural(serving.length, 'ready pod')}`, details: [] };
}

/** Ready endpoints compared with the pods that should be behind one Service port. */
function endpointsStep(sp: any, slices: KubeObject[], serving: KubeObject[], matching: KubeObject[], vipText: string): Step {
  const eps = sliceEndpoints(slices, sp);
  const ready = eps.filter((e) => e.ready);
  const notReady = eps.filter((e) => !e.ready);
  const expected = new Map<string, string>();
  for (const pod of serving) {
    const port = resolveTargetPort(pod, sp);
    if (port !== undefined) expected.set(`${pod.status.podIP}:${port}`, pod.metadata.name!);
  }
  const readyKeys = new Set(ready.map(address));
  const missing = [...expected].filter(([k]) => !readyKeys.has(k));
  const matchingNames = new Set(matching.map((p) => p.metadata.name));
  const stale = ready.filter((e) => !expected.has(address(e)));
  const details: string[] = [];
  for (const [addr, pod] of missing) details.push(`pod ${pod} is Ready at ${addr} but not a ready endpoint yet`);
  for (const e of stale) {
    details.push(`${address(e)}${e.pod ? ` (pod ${e.pod})` : ''} is a ready endpoint but its pod ${e.pod && matchingNames.has(e.pod) ? 'is not Ready any more' : 'is gone or no longer matches'}`);
  }
  const lag = 'the endpoints controller has not caught up: run again in a moment; if it stays so, the control plane\'s controllers are not running';
  const summary = `${plural(ready.length, 'ready endpoint')}${ready.length ? ` (${list(ready.map(address))})` : ''}${notReady.length ? `, ${notReady.length} not ready (${list(notReady.map(address))})` : ''}`;
  if (ready.length === 0) {
    return { mark: 'problem', text: `endpoints of port ${portLabel(sp)}: no ready endpoint, so connections to ${vipText} are refused`, details, fix: lag };
  }
  if (details.length) return { mark: 'warn', text: `endpoints of port ${portLabel(sp)}: ${summary}, not what the pods say`, details, fix: lag };
  return { mark: 'ok', text: `endpoints of port ${portLabel(sp)}: ${summary}`, details: [] };
}

/** Endpoints a user manages for a Service without selector. */
function manualEndpointsStep(svc: KubeObject, f: ServiceFacts): Step {
  const name = svc.metadata.name!;
  const ports: any[] = svc.spec?.ports ?? [];
  const lines = (ports.length ? ports : [undefined]).map((sp) => {
    const eps = sliceEndpoints(f.slices, sp);
    return { sp, ready: eps.filter((e) => e.ready), notReady: eps.filter((e) => !e.ready) };
  });
  const sliceNames = f.slices.map((s) => s.metadata.name!);
  const handEndpoints = (f.endpoints?.subsets ?? []).flatMap((s: any) =>
    (s.addresses ?? []).flatMap((a: any) => (s.ports ?? [{}]).map((p: any) => (p.port ? `${a.ip}:${p.port}` : a.ip))));
  const details = lines.map((l) => `${l.sp ? `port ${portLabel(l.sp)}` : 'addresses'}: ${l.ready.length ? list(l.ready.map(address)) : 'none ready'}${l.notReady.length ? `; not ready: ${list(l.notReady.map(address))}` : ''}`);
  if (f.slices.length === 0) {
    const d = handEndpoints.length
      ? [`Endpoints ${name} lists ${list(handEndpoints)}, but Service proxies route from EndpointSlices, and nanokube has no mirroring controller (upstream copies such Endpoints into EndpointSlices)`]
      : [`neither an EndpointSlice labelled ${serviceNameLabel}=${name} nor an Endpoints ${name} exists`];
    return {
      mark: 'problem', text: 'no selector and no EndpointSlice: the Service has no backends', details: d,
      fix: `add a selector that matches your pods, or create an EndpointSlice (discovery.k8s.io/v1) with the label ${serviceNameLabel}=${name} listing the backend addresses and ports`,
    };
  }
  if (lines.every((l) => l.ready.length === 0)) {
    return { mark: 'problem', text: `no selector; the EndpointSlices you manage (${list(sliceNames)}) list no ready endpoint`, details, fix: 'add ready addresses (conditions.ready true or unset) and the Service\'s port names to the EndpointSlices' };
  }
  const empty = lines.filter((l) => l.sp && l.ready.length === 0);
  if (empty.length) {
    return { mark: 'warn', text: `no selector; the EndpointSlices you manage (${list(sliceNames)}) have no ready endpoint for port ${empty.map((l) => portLabel(l.sp)).join(', ')}`, details, fix: 'EndpointSlice ports must carry the Service port\'s name and protocol' };
  }
  return { mark: 'ok', text: `no selector: endpoints managed by hand in EndpointSlice${sliceNames.length > 1 ? 's' : ''} ${list(sliceNames)}`, details };
}

/** What TCP connects from this machine found at the ready endpoints. */
function connectStep(f: ServiceFacts, serving: KubeObject[]): Step | undefined {
  const results = Object.entries(f.connects);
  if (results.length === 0) return undefined;
  const refused = results.filter(([, r]) => r === 'refused').map(([a]) => a);
  const open = results.filter(([, r]) => r === 'open');
  if (refused.length === 0) {
    if (open.length === 0) return { mark: 'info', text: 'the endpoints are not reachable from this machine: connections not checked', details: [] };
    return { mark: 'ok', text: `ready endpoints accept TCP connections (${open.length} of ${results.length} tried)`, details: [] };
  }
  const details = refused.map((addr) => {
    const ip = addr.slice(0, addr.lastIndexOf(':'));
    const pod = serving.find((p) => p.status?.podIP === ip);
    const probed = (pod?.spec?.containers ?? []).some((c: any) => c.readinessProbe);
    const why = !pod ? '' : probed
      ? `: pod ${pod.metadata.name} is Ready because its readiness probe passes, but the probe does not check this port`
      : `: pod ${pod.metadata.name} has no readiness probe, so being Ready says nothing about the port it listens on`;
    return `nothing listens on ${addr} (connection refused)${why}`;
  });
  const all = refused.length === results.length;
  return {
    mark: all ? 'problem' : 'warn',
    text: `${all ? 'no' : `${refused.length} of ${results.length}`} ready endpoint${all || refused.length !== 1 ? 's' : ''} accept${all || refused.length !== 1 ? '' : 's'} TCP connections on the targetPort`,
    details,
    fix: 'make the app listen on the targetPort, or set the Service\'s targetPort to the port the app listens on; a readiness probe on that port keeps such pods out of the endpoints',
  };
}

function nodeAddress(node: KubeObject): string | undefined {
  const addrs: any[] = node.status?.addresses ?? [];
  return (addrs.find((a) => a.type === 'InternalIP') ?? addrs.find((a) => a.type === 'ExternalIP') ?? addrs[0])?.address;
}

/** Where a NodePort or LoadBalancer Service is published outside the cluster. */
function publishedStep(svc: KubeObject, nodes: KubeObject[]): Step | undefined {
  const spec = svc.spec ?? {};
  if (spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') return undefined;
  const nodePorts = (spec.ports ?? []).filter((sp: any) => sp.nodePort).map((sp: any) => `${sp.nodePort}/${protocolOf(sp)}`);
  const addresses = nodes.map((n) => `${n.metadata.name} ${nodeAddress(n) ?? '(no address)'}`);
  const details = [`node ports ${nodePorts.join(', ') || 'none'} on every node's address: ${list(addresses) || 'no nodes'}`];
  if (spec.type === 'NodePort') return { mark: 'info', text: `published on every node: nodePort ${nodePorts.join(', ')}`, details };
  const ingress: string[] = (svc.status?.loadBalancer?.ingress ?? []).map((i: any) => i.ip ?? i.hostname).filter(Boolean);
  const ports = (spec.ports ?? []).map((sp: any) => sp.port).join(', ');
  if (ingress.length === 0) {
    return { mark: 'warn', text: 'load balancer: no ingress address yet (status.loadBalancer is empty)', details, fix: 'the service load-balancer controller assigns the nodes\' addresses; check that it runs and that nodes have addresses' };
  }
  return { mark: 'info', text: `published by the load balancer at ${list(ingress)} (ports ${ports})`, details };
}

/** Checks one node's rules against the ready endpoints of every Service address. */
function nodeRulesStep(svc: KubeObject, slices: KubeObject[], rules: NodeServiceRules): Step {
  const where = `node ${rules.node} (table ${rules.table})`;
  if (!rules.view) {
    return {
      mark: 'problem', text: `proxy rules on ${where}: cannot read them: ${rules.error ?? 'unknown error'}`, details: [],
      fix: 'the node agent keeps this table while it runs: check that it is running',
    };
  }
  const view = rules.view;
  const wrong: string[] = [];
  const good: string[] = [];
  const check = (what: string, observed: string[] | undefined, rejected: boolean, expected: string[]) => {
    const want = expected.join(', ');
    if (expected.length === 0) {
      if (rejected) good.push(`${what} → rejected (no ready endpoint)`);
      else wrong.push(`${what}: ${observed ? `leads to ${observed.join(', ')}` : 'no rule'}, but there is no ready endpoint (it should be rejected)`);
    } else if (!observed) wrong.push(`${what}: ${rejected ? 'rejected as having no endpoint' : 'no rule'}, but the ready endpoints are ${want}`);
    else if (observed.join(', ') !== want) wrong.push(`${what}: leads to ${observed.join(', ') || 'nothing'}, but the ready endpoints are ${want}`);
    else good.push(`${what} → ${want}`);
  };
  for (const port of servicePortRules(svc, slices)) {
    const expected = port.endpoints.map((e) => `${e.ip}:${e.port}`).sort();
    for (const v of [...port.vips, ...port.externalVips]) {
      const key = vipKey(v.ip, port.protocol, v.port);
      check(`${v.ip}:${v.port}/${port.protocol.toUpperCase()}`, view.vips[key], view.rejectedVips.includes(key), expected);
    }
    if (port.nodePort) {
      const key = nodePortKey(port.protocol, port.nodePort);
      check(`nodePort ${port.nodePort}/${port.protocol.toUpperCase()}`, view.nodePorts[key], view.rejectedNodePorts.includes(key), expected);
    }
  }
  if (wrong.length) {
    return {
      mark: 'problem', text: `proxy rules on ${where} do not match the ready endpoints`, details: wrong,
      fix: 'the node\'s service proxy has not applied the latest EndpointSlices: run again in a moment; if it stays so, look at the node agent\'s output (NANOKUBE_DEBUG=1 prints proxy errors)',
    };
  }
  return { mark: 'ok', text: `proxy rules on ${where}: ${good.length === 1 ? good[0] : `${good.length} addresses lead to the ready endpoints`}`, details: good.length > 1 ? good : [] };
}

function verdictOf(ref: string, steps: Step[], healthyText: string): Diagnosis {
  const problem = steps.find((s) => s.mark === 'problem');
  if (problem) return { steps, healthy: false, verdict: `Problem: ${problem.text}` };
  const warnings = steps.filter((s) => s.mark === 'warn').length;
  return { steps, healthy: true, verdict: `Service ${ref} ${healthyText}${warnings ? ` (${plural(warnings, 'warning')} above)` : ''}` };
}

export function diagnoseService(f: ServiceFacts): Diagnosis {
  const ref = `${f.namespace}/${f.name}`;
  const svc = f.service;
  if (!svc) return missingService(f, ref);
  const spec = svc.spec ?? {};
  const steps: Step[] = [];
  const stop = () => verdictOf(ref, steps, 'has a problem'); // called after a problem step
  const broken = () => steps.some((s) => s.mark === 'problem');

  if (spec.type === 'ExternalName') {
    steps.push({
      mark: 'info', text: `Service ${ref}: type ExternalName, a DNS alias (CNAME) of ${spec.externalName}`,
      details: ['no selector, endpoints, ClusterIP or proxy rules are involved: clients resolve the name and connect to what it points to', `if connections fail, check that ${spec.externalName} resolves and answers`],
    });
    return verdictOf(ref, steps, `is a DNS alias (CNAME) of ${spec.externalName}: nothing to proxy`);
  }
  steps.push({ mark: 'ok', text: serviceSummary(svc), details: [] });
  const headless = spec.clusterIP === 'None';
  if (headless) {
    steps.push({ mark: 'info', text: `headless: DNS ${f.name}.${f.namespace}.svc.cluster.local answers with the ready pods' IPs; there is no ClusterIP and no proxying`, details: [] });
  }
  const ports: any[] = spec.ports ?? [];
  const clusterIPs: string[] = headless ? [] : (spec.clusterIPs ?? [spec.clusterIP]).filter(Boolean);
  const vipText = (sp: any) => (clusterIPs.length ? `${clusterIPs[0]}:${sp.port}` : `port ${sp.port}`);
  const selector: Record<string, string> = spec.selector ?? {};

  let serving: KubeObject[] = [];
  if (Object.keys(selector).length === 0) {
    steps.push(manualEndpointsStep(svc, f));
    if (broken()) return stop();
  } else {
    const sel = selectorFromMap(selector);
    const matching = f.pods.filter((p) => sel.matches(p.metadata.labels));
    if (matching.length === 0) {
      const near = selectorNearMisses(selector, f.pods);
      const details = near.map((m) => `pod${m.pods.length > 1 ? 's' : ''} ${list(m.pods, 3)}: ${m.differences.join('; ')}`);
      const elsewhere = f.matchingPodsElsewhere ?? [];
      if (elsewhere.length) {
        const nss = [...new Set(elsewhere.map((p) => p.metadata.namespace!))];
        details.push(`pods in namespace${nss.length > 1 ? 's' : ''} ${list(nss)} match, but a Service selects pods of its own namespace only`);
      }
      if (f.pods.length === 0) details.unshift(`namespace ${f.namespace} has no pods`);
      else if (near.length === 0) details.unshift(`none of the ${plural(f.pods.length, 'pod')} in ${f.namespace} has labels close to it`);
      steps.push({
        mark: 'problem', text: `selector ${selectorText(selector)} matches no pod in namespace ${f.namespace}`, details,
        fix: near.length
          ? 'make the Service\'s selector and the pod template\'s labels agree (kubectl edit service, or fix the labels in the Deployment\'s template)'
          : 'create pods with these labels, or change the selector to labels your pods have (kubectl get pods --show-labels)',
      });
      return stop();
    }
    steps.push({ mark: 'ok', text: `selector ${selectorText(selector)} matches ${plural(matching.length, 'pod')}: ${list(matching.map((p) => p.metadata.name!))}`, details: [] });

    serving = matching.filter((p) => podReady(p) && !p.metadata.deletionTimestamp && p.status?.podIP);
    const unready = matching.filter((p) => !serving.includes(p));
    const details = unready.map((p) => `${p.metadata.name}: ${podUnreadyReasons(p, f.events, f.nodes).join('; ') || 'not Ready'}`);
    if (serving.length === 0) {
      steps.push({
        mark: 'problem', text: `${matching.length === 1 ? 'the matching pod is not Ready' : `none of the ${matching.length} matching pods is Ready`}: a Service sends traffic only to Ready pods`, details,
        fix: 'fix what keeps the pods from being Ready (kubectl describe pod NAME, kubectl logs NAME)',
      });
      return stop();
    }
    if (unready.length) steps.push({ mark: 'warn', text: `${serving.length} of ${matching.length} matching pods are Ready; the others get no traffic`, details });
    else steps.push({ mark: 'ok', text: `all ${plural(matching.length, 'matching pod')} are Running and Ready`, details: [] });

    for (const sp of ports) {
      steps.push(targetPortStep(sp, serving));
      if (broken()) return stop();
    }
    for (const sp of ports) {
      steps.push(endpointsStep(sp, f.slices, serving, matching, vipText(sp)));
      if (broken()) return stop();
    }
    if (ports.length === 0) {
      const ready = sliceEndpoints(f.slices, undefined).filter((e) => e.ready);
      if (ready.length === 0) {
        steps.push({ mark: 'problem', text: 'endpoints: no ready address in the EndpointSlices', details: [], fix: 'the endpoints controller has not caught up: run again in a moment' });
        return stop();
      }
      steps.push({ mark: 'ok', text: `endpoints: ${plural(ready.length, 'ready address', 'ready addresses')} (${list(ready.map(address))})`, details: [] });
    }
  }

  const connect = connectStep(f, serving);
  if (connect) {
    steps.push(connect);
    if (broken()) return stop();
  }

  if (!headless) {
    const published = publishedStep(svc, f.nodes);
    if (published) steps.push(published);
    if (!f.proxy.inspectable) steps.push({ mark: 'info', text: `cannot inspect proxy rules here (${f.proxy.why})`, details: [] });
    else {
      for (const node of f.proxy.nodes) steps.push(nodeRulesStep(svc, f.slices, node));
      const elsewhere = f.proxy.elsewhere ?? [];
      if (elsewhere.length) steps.push({ mark: 'info', text: `cannot inspect the proxy rules of ${plural(elsewhere.length, 'node')} here (${list(elsewhere)}: on another machine)`, details: [] });
    }
    if (broken()) return stop();
  }

  const readyAddresses = new Set(f.slices.flatMap((s) => (s.endpoints ?? []).filter((e: any) => e.conditions?.ready !== false).flatMap((e: any) => e.addresses ?? [])));
  const n = plural(readyAddresses.size, 'ready endpoint');
  const behind = headless ? `${n} (headless: DNS answers with their IPs)` : `${n} behind ${clusterIPs[0]}:${ports.map((sp) => sp.port).join(',')}`;
  return verdictOf(ref, steps, `looks healthy: ${behind}`);
}

const marks: Record<Mark, string> = { ok: '✓', warn: '!', problem: '✗', info: '·' };

/** The diagnosis as the command prints it: a line a step, indented details, the fix, the verdict. */
export function formatDiagnosis(d: Diagnosis): string {
  const lines: string[] = [];
  for (const s of d.steps) {
    lines.push(`${marks[s.mark]} ${s.text}`);
    for (const detail of s.details) lines.push(`    ${detail}`);
    if (s.fix && s.mark !== 'ok') lines.push(`    fix: ${s.fix}`);
  }
  lines.push('', d.verdict, '');
  return lines.join('\n');
}
