// `nanokube explain-service`'s reasoning on hand-built objects: one case per link of the chain
// (missing Service, ExternalName, headless, no selector, selector near misses, unready pods and why,
// targetPort, endpoints lag, nothing listening, proxy rules, where NodePort/LoadBalancer publish).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { diagnoseService, formatDiagnosis, similarNames, type Diagnosis, type ServiceFacts } from '../../src/cli/service-diagnosis.js';
import { selectorNearMisses } from '../../src/cli/selector-near-misses.js';
import { podUnreadyReasons } from '../../src/cli/pod-unready-reasons.js';
import type { ServiceTableView } from '../../src/cli/nft-service-table.js';

const ns = 'default';
const clusterIP = '10.43.0.17';
const node: KubeObject = {
  apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' },
  status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '192.0.2.50' }] },
};

function service(spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'my-service', namespace: ns, uid: 'svc-uid' },
    spec: { type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP], selector: { app: 'MyApp' }, ports: [{ port: 80, targetPort: 9376, protocol: 'TCP' }], ...spec },
    status,
  };
}

interface PodOptions {
  labels?: Record<string, string>;
  ip?: string;
  ready?: boolean;
  containers?: any[];
  status?: Record<string, unknown>;
  spec?: Record<string, unknown>;
}

function pod(name: string, o: PodOptions = {}): KubeObject {
  const ready = o.ready ?? true;
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, uid: `uid-${name}`, labels: o.labels ?? { app: 'MyApp' } },
    spec: { nodeName: 'n1', containers: o.containers ?? [{ name: 'web', ports: [{ containerPort: 9376 }] }], ...o.spec },
    status: {
      phase: 'Running', podIP: o.ip,
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [{ name: 'web', ready, started: true, restartCount: 0, state: { running: {} } }],
      ...o.status,
    },
  };
}

function slice(endpoints: { ip: string; ready?: boolean; pod?: string }[], ports: any[] | null = [{ port: 9376, protocol: 'TCP' }]): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: 'my-service-abcde', namespace: ns, labels: { 'kubernetes.io/service-name': 'my-service' } },
    addressType: 'IPv4', ports,
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready ?? true }, targetRef: e.pod ? { kind: 'Pod', name: e.pod, namespace: ns } : undefined })),
  };
}

function event(podName: string, reason: string, message: string, at: string, fieldPath?: string): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Event', metadata: { name: `${podName}.${at}`, namespace: ns },
    involvedObject: { kind: 'Pod', name: podName, namespace: ns, uid: `uid-${podName}`, fieldPath },
    reason, message, type: 'Warning', lastTimestamp: at, count: 3,
  };
}

const threePods = [pod('web-a', { ip: '10.42.0.2' }), pod('web-b', { ip: '10.42.0.3' }), pod('web-c', { ip: '10.42.0.4' })];
const threeEndpoints = ['10.42.0.2:9376', '10.42.0.3:9376', '10.42.0.4:9376'];
const threeSlice = slice(threePods.map((p) => ({ ip: p.status.podIP, pod: p.metadata.name })));

function view(vips: Record<string, string[]>, extra: Partial<ServiceTableView> = {}): ServiceTableView {
  return { vips, nodePorts: {}, rejectedVips: [], rejectedNodePorts: [], ...extra };
}

function facts(f: Partial<ServiceFacts> = {}): ServiceFacts {
  return {
    namespace: ns, name: 'my-service', service: service(), pods: threePods, slices: [threeSlice], events: [], nodes: [node],
    proxy: { inspectable: true, nodes: [{ node: 'n1', table: 'nanokube-svc-1', view: view({ [`${clusterIP} tcp 80`]: threeEndpoints }) }] },
    connects: Object.fromEntries(threeEndpoints.map((e) => [e, 'open' as const])),
    ...f,
  };
}

function problem(d: Diagnosis) {
  const p = d.steps.find((s) => s.mark === 'problem');
  assert.ok(p, `expected a problem in:\n${formatDiagnosis(d)}`);
  assert.equal(d.healthy, false);
  assert.equal(d.verdict, `Problem: ${p.text}`);
  assert.equal(d.steps.at(-1), p, 'the walk stops at the first break');
  return p;
}

test('healthy: every link ok, and the verdict counts the ready endpoints behind the ClusterIP', () => {
  const d = diagnoseService(facts());
  assert.equal(d.healthy, true, formatDiagnosis(d));
  assert.deepEqual(d.steps.map((s) => s.mark), ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
  assert.equal(d.verdict, 'Service default/my-service looks healthy: 3 ready endpoints behind 10.43.0.17:80');
  const out = formatDiagnosis(d);
  assert.match(out, /^✓ Service default\/my-service: type ClusterIP, ClusterIP 10\.43\.0\.17, ports 80→9376\/TCP$/m);
  assert.match(out, /^✓ selector app=MyApp matches 3 pods: web-a, web-b, web-c$/m);
  assert.match(out, /^✓ proxy rules on node n1 \(table nanokube-svc-1\): 10\.43\.0\.17:80\/TCP → 10\.42\.0\.2:9376, 10\.42\.0\.3:9376, 10\.42\.0\.4:9376$/m);
});

test('missing Service: similar names in the namespace and the same name elsewhere', () => {
  const p = problem(diagnoseService(facts({ service: undefined, namespaceExists: true, servicesInNamespace: ['my-servce', 'other'], sameNameIn: ['prod'] })));
  assert.equal(p.text, 'Service default/my-service not found');
  assert.ok(p.details.some((l) => l.includes('similar Services in namespace default: my-servce') && !l.includes('other')), p.details.join('\n'));
  assert.ok(p.details.some((l) => l === 'a Service named my-service exists in namespace prod'));
  assert.match(p.fix!, /-n prod/);
  const none = problem(diagnoseService(facts({ service: undefined, namespaceExists: false, servicesInNamespace: [], sameNameIn: [] })));
  assert.ok(none.details.includes('namespace default does not exist'), none.details.join('\n'));
  assert.deepEqual(similarNames('web', ['wbe', 'web-svc', 'database', 'we']), ['we', 'wbe', 'web-svc']);
});

test('ExternalName: a DNS CNAME, nothing proxied, not a problem', () => {
  const d = diagnoseService(facts({ service: service({ type: 'ExternalName', externalName: 'db.example.com', clusterIP: undefined, clusterIPs: undefined, selector: undefined }) }));
  assert.equal(d.healthy, true);
  assert.equal(d.steps.length, 1);
  assert.match(d.steps[0].text, /ExternalName, a DNS alias \(CNAME\) of db\.example\.com/);
  assert.match(d.verdict, /is a DNS alias \(CNAME\) of db\.example\.com: nothing to proxy/);
});

test('headless: DNS returns the pod IPs; no ClusterIP and no proxy rules are checked', () => {
  const d = diagnoseService(facts({ service: service({ clusterIP: 'None', clusterIPs: ['None'] }) }));
  assert.equal(d.healthy, true, formatDiagnosis(d));
  assert.ok(d.steps.some((s) => s.mark === 'info' && s.text.startsWith('headless: DNS my-service.default.svc.cluster.local answers with the ready pods\' IPs')));
  assert.ok(!d.steps.some((s) => s.text.includes('proxy rules')), formatDiagnosis(d));
  assert.equal(d.verdict, 'Service default/my-service looks healthy: 3 ready endpoints (headless: DNS answers with their IPs)');
});

test('no selector: the EndpointSlices made by hand are shown; Endpoints alone are not routed', () => {
  const manual = service({ selector: undefined, ports: [{ name: 'db', port: 5432, targetPort: 5432, protocol: 'TCP' }] });
  const handSlice = slice([{ ip: '192.0.2.9' }], [{ name: 'db', port: 5432, protocol: 'TCP' }]);
  const ok = diagnoseService(facts({
    service: manual, slices: [handSlice], connects: {},
    proxy: { inspectable: true, nodes: [{ node: 'n1', table: 't', view: view({ [`${clusterIP} tcp 5432`]: ['192.0.2.9:5432'] }) }] },
  }));
  assert.equal(ok.healthy, true, formatDiagnosis(ok));
  const step = ok.steps.find((s) => s.text.startsWith('no selector'))!;
  assert.equal(step.text, 'no selector: endpoints managed by hand in EndpointSlice my-service-abcde');
  assert.deepEqual(step.details, ['port db 5432/TCP: 192.0.2.9:5432']);

  const endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'my-service', namespace: ns }, subsets: [{ addresses: [{ ip: '192.0.2.9' }], ports: [{ port: 5432 }] }] };
  const p = problem(diagnoseService(facts({ service: manual, slices: [], endpoints })));
  assert.match(p.text, /no selector and no EndpointSlice/);
  assert.match(p.details[0], /Endpoints my-service lists 192\.0\.2\.9:5432, but Service proxies route from EndpointSlices/);
  assert.match(p.fix!, /kubernetes\.io\/service-name=my-service/);
});

test('no pod matches: the selector, the near misses (typo, missing label) and pods in other namespaces', () => {
  const pods = [
    pod('web-a', { labels: { app: 'MyApp', tier: 'web' } }), pod('web-b', { labels: { app: 'MyApp', tier: 'web' } }),
    pod('lonely', { labels: { tier: 'web' } }), pod('unrelated', { labels: { role: 'db' } }),
  ];
  const elsewhere = [{ ...pod('other', { labels: { app: 'MyAp', tier: 'web' } }), metadata: { name: 'other', namespace: 'staging', labels: { app: 'MyAp', tier: 'web' } } }];
  const p = problem(diagnoseService(facts({ service: service({ selector: { app: 'MyAp', tier: 'web' } }), pods, matchingPodsElsewhere: elsewhere })));
  assert.equal(p.text, 'selector app=MyAp,tier=web matches no pod in namespace default');
  assert.deepEqual(p.details, [
    'pods web-a, web-b: app=MyApp where the selector wants app=MyAp',
    'pod lonely: no label app (the selector wants app=MyAp)',
    'pods in namespace staging match, but a Service selects pods of its own namespace only',
  ]);
  // A wanted value under another key, and a key in another case.
  assert.deepEqual(selectorNearMisses({ app: 'web' }, [pod('x', { labels: { name: 'web' } }), pod('y', { labels: { App: 'web' } })]).map((m) => m.differences[0]), [
    'name=web but no label app (the selector wants app=web)',
    'App=web where the selector wants app=web',
  ]);
  const empty = problem(diagnoseService(facts({ pods: [], matchingPodsElsewhere: [] })));
  assert.deepEqual(empty.details, ['namespace default has no pods']);
});

test('no matching pod Ready: why, per pod (crash loop, creating, unschedulable, readiness probe, startup probe)', () => {
  const waiting = (reason: string, message?: string, extra: Record<string, unknown> = {}) => ({
    containerStatuses: [{ name: 'web', ready: false, started: false, restartCount: 4, state: { waiting: { reason, message } }, ...extra }],
  });
  const pods = [
    pod('crash', { ready: false, ip: '10.42.0.5', status: waiting('CrashLoopBackOff', 'back-off 40s restarting failed container=web', { lastState: { terminated: { exitCode: 3, reason: 'Error' } } }) }),
    pod('creating', { ready: false, status: { phase: 'Pending', ...waiting('ContainerCreating') } }),
    pod('unscheduled', {
      ready: false, spec: { nodeName: undefined },
      status: { phase: 'Pending', containerStatuses: undefined, conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 node(s) didn\'t match Pod\'s node affinity/selector.' }] },
    }),
    pod('probed', { ready: false, ip: '10.42.0.6', containers: [{ name: 'web', readinessProbe: { httpGet: { path: '/ready', port: 9376 } } }] }),
    pod('starting', {
      ready: false, ip: '10.42.0.7', containers: [{ name: 'web', startupProbe: { tcpSocket: { port: 9376 } } }],
      status: { containerStatuses: [{ name: 'web', ready: false, started: false, state: { running: {} } }] },
    }),
  ];
  const events = [
    event('probed', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 500', '2024-01-01T00:00:01Z', 'spec.containers{web}'),
    event('probed', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503', '2024-01-01T00:00:09Z', 'spec.containers{web}'),
    event('starting', 'Unhealthy', 'Startup probe failed: dial tcp 10.42.0.7:9376: connect: connection refused', '2024-01-01T00:00:05Z', 'spec.containers{web}'),
  ];
  const p = problem(diagnoseService(facts({ pods, events, slices: [slice([])] })));
  assert.equal(p.text, 'none of the 5 matching pods is Ready: a Service sends traffic only to Ready pods');
  assert.deepEqual(p.details, [
    'crash: container web is waiting: CrashLoopBackOff (back-off 40s restarting failed container=web), 4 restarts; it last ended with exit code 3 (Error)',
    'creating: container web is waiting: ContainerCreating, 4 restarts',
    'unscheduled: Pending, not scheduled: 0/1 nodes are available: 1 node(s) didn\'t match Pod\'s node affinity/selector.',
    'probed: container web is running, readiness probe failing: Readiness probe failed: HTTP probe failed with statuscode: 503 (Unhealthy event, 3 times)',
    'starting: container web has not started: its startup probe has not succeeded yet: Startup probe failed: dial tcp 10.42.0.7:9376: connect: connection refused (Unhealthy event, 3 times)',
  ]);
});

test('pod reasons: not created yet, node NotReady, a failed init container, other warnings', () => {
  const notReadyNode = { ...node, status: { conditions: [{ type: 'Ready', status: 'Unknown', message: 'Kubelet stopped posting node status.' }] } };
  assert.deepEqual(podUnreadyReasons(pod('p', { ready: false, status: { containerStatuses: [] } }), [], [notReadyNode]), [
    'its node n1 is NotReady (Kubelet stopped posting node status.)',
    'container web has not been created yet',
  ]);
  const init = pod('i', { ready: false, spec: { initContainers: [{ name: 'migrate' }] }, status: { initContainerStatuses: [{ name: 'migrate', state: { terminated: { exitCode: 1, reason: 'Error' } } }] } });
  assert.deepEqual(podUnreadyReasons(init, [event('i', 'FailedMount', 'MountVolume.SetUp failed for volume "data"', '2024-01-01T00:00:00Z')], [node]), [
    'init container migrate terminated: exit code 1 (Error)',
  ]);
  const mounting = pod('m', { ready: false, status: { containerStatuses: [] } });
  assert.deepEqual(podUnreadyReasons(mounting, [event('m', 'FailedMount', 'MountVolume.SetUp failed for volume "data"', '2024-01-01T00:00:00Z')], [node]), [
    'container web has not been created yet',
    'last warning: MountVolume.SetUp failed for volume "data" (FailedMount event, 3 times)',
  ]);
});

test('some pods not Ready: a warning, and the rest of the chain is still walked', () => {
  const pods = [...threePods.slice(0, 2), pod('web-c', { ready: false, ip: '10.42.0.4' })];
  const s = slice([{ ip: '10.42.0.2' }, { ip: '10.42.0.3' }, { ip: '10.42.0.4', ready: false }]);
  const d = diagnoseService(facts({
    pods, slices: [s], connects: { '10.42.0.2:9376': 'open', '10.42.0.3:9376': 'open' },
    proxy: { inspectable: true, nodes: [{ node: 'n1', table: 't', view: view({ [`${clusterIP} tcp 80`]: threeEndpoints.slice(0, 2) }) }] },
  }));
  assert.equal(d.healthy, true, formatDiagnosis(d));
  const warn = d.steps.find((s) => s.mark === 'warn')!;
  assert.equal(warn.text, '2 of 3 matching pods are Ready; the others get no traffic');
  assert.match(formatDiagnosis(d), /endpoints of port 80\/TCP: 2 ready endpoints \(10\.42\.0\.2:9376, 10\.42\.0\.3:9376\), 1 not ready \(10\.42\.0\.4:9376\)/);
  assert.equal(d.verdict, 'Service default/my-service looks healthy: 2 ready endpoints behind 10.43.0.17:80 (1 warning above)');
});

test('named targetPort no container declares: the break, with the ports the pods do declare', () => {
  const p = problem(diagnoseService(facts({ service: service({ ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }] }), slices: [slice(threePods.map((x) => ({ ip: x.status.podIP })), null)] })));
  assert.equal(p.text, 'port 80/TCP → targetPort http: no container of the 3 ready pods declares a TCP port named "http"');
  assert.deepEqual(p.details, ['web-a, web-b, web-c: container web port 9376/TCP (no name)']);
  assert.match(p.fix!, /name a container port "http"/);
  // Declared by some pods only: a warning.
  const named = [pod('web-a', { ip: '10.42.0.2', containers: [{ name: 'web', ports: [{ name: 'http', containerPort: 9376 }] }] }), ...threePods.slice(1)];
  const d = diagnoseService(facts({ service: service({ ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }] }), pods: named, slices: [slice([{ ip: '10.42.0.2' }])], connects: {} }));
  assert.equal(d.steps.find((s) => s.mark === 'warn')?.text, 'port 80/TCP → targetPort http: 2 ready pods lack a port named "http" and get no traffic on this port');
});

test('numeric targetPort not declared: a warning; nothing listening there: the break, blamed on the missing probe', () => {
  const svc8080 = service({ ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] });
  const s = slice(threePods.map((x) => ({ ip: x.status.podIP, pod: x.metadata.name })), [{ port: 8080, protocol: 'TCP' }]);
  const eps = threePods.map((x) => `${x.status.podIP}:8080`);
  const proxy = { inspectable: true as const, nodes: [{ node: 'n1', table: 't', view: view({ [`${clusterIP} tcp 80`]: eps }) }] };
  const quiet = diagnoseService(facts({ service: svc8080, slices: [s], proxy, connects: Object.fromEntries(eps.map((e) => [e, 'open' as const])) }));
  assert.equal(quiet.healthy, true, formatDiagnosis(quiet));
  const warn = quiet.steps.find((x) => x.mark === 'warn')!;
  assert.equal(warn.text, 'port 80/TCP → targetPort 8080: none of the 3 ready pods declares container port 8080/TCP');
  assert.ok(warn.details.includes('declaring it is not required, but check that the app listens on 8080'));

  const p = problem(diagnoseService(facts({ service: svc8080, slices: [s], proxy, connects: Object.fromEntries(eps.map((e) => [e, 'refused' as const])) })));
  assert.equal(p.text, 'no ready endpoints accept TCP connections on the targetPort');
  assert.equal(p.details[0], 'nothing listens on 10.42.0.2:8080 (connection refused): pod web-a has no readiness probe, so being Ready says nothing about the port it listens on');
  const unreachable = diagnoseService(facts({ connects: Object.fromEntries(threeEndpoints.map((e) => [e, 'unreachable' as const])) }));
  assert.equal(unreachable.healthy, true);
  assert.ok(unreachable.steps.some((x) => x.mark === 'info' && x.text.startsWith('the endpoints are not reachable from this machine')));
});

test('endpoints: a Ready pod missing from the slices is controller lag; no ready endpoint at all is the break', () => {
  const lagging = slice([{ ip: '10.42.0.2' }, { ip: '10.42.0.3' }]);
  const d = diagnoseService(facts({
    slices: [lagging], connects: {},
    proxy: { inspectable: true, nodes: [{ node: 'n1', table: 't', view: view({ [`${clusterIP} tcp 80`]: threeEndpoints.slice(0, 2) }) }] },
  }));
  const warn = d.steps.find((s) => s.mark === 'warn')!;
  assert.match(warn.text, /^endpoints of port 80\/TCP: 2 ready endpoints .*, not what the pods say$/);
  assert.deepEqual(warn.details, ['pod web-c is Ready at 10.42.0.4:9376 but not a ready endpoint yet']);
  assert.match(warn.fix!, /endpoints controller has not caught up/);
  const p = problem(diagnoseService(facts({ slices: [] })));
  assert.equal(p.text, 'endpoints of port 80/TCP: no ready endpoint, so connections to 10.43.0.17:80 are refused');
  assert.equal(p.details.length, 3);
});

test('proxy rules: a node leading elsewhere or lacking the rule is the break; no access here is only said', () => {
  const stale = problem(diagnoseService(facts({ proxy: { inspectable: true, nodes: [{ node: 'n1', table: 't', view: view({ [`${clusterIP} tcp 80`]: threeEndpoints.slice(0, 2) }) }] } })));
  assert.equal(stale.text, 'proxy rules on node n1 (table t) do not match the ready endpoints');
  assert.deepEqual(stale.details, ['10.43.0.17:80/TCP: leads to 10.42.0.2:9376, 10.42.0.3:9376, but the ready endpoints are 10.42.0.2:9376, 10.42.0.3:9376, 10.42.0.4:9376']);
  const none = problem(diagnoseService(facts({ proxy: { inspectable: true, nodes: [{ node: 'n1', table: 't', view: view({}) }] } })));
  assert.deepEqual(none.details, ['10.43.0.17:80/TCP: no rule, but the ready endpoints are 10.42.0.2:9376, 10.42.0.3:9376, 10.42.0.4:9376']);
  const unreadable = problem(diagnoseService(facts({ proxy: { inspectable: true, nodes: [{ node: 'n1', table: 't', error: 'nft: No such file or directory' }] } })));
  assert.match(unreadable.text, /cannot read them: nft: No such file or directory/);

  const here = diagnoseService(facts({ proxy: { inspectable: false, why: 'reading nftables needs root' } }));
  assert.equal(here.healthy, true);
  assert.ok(here.steps.some((s) => s.mark === 'info' && s.text === 'cannot inspect proxy rules here (reading nftables needs root)'));
  const partly = diagnoseService(facts({ proxy: { inspectable: true, nodes: [{ node: 'n1', table: 't', view: view({ [`${clusterIP} tcp 80`]: threeEndpoints }) }], elsewhere: ['n2'] } }));
  assert.ok(partly.steps.some((s) => s.mark === 'info' && s.text === 'cannot inspect the proxy rules of 1 node here (n2: on another machine)'));
});

test('NodePort and LoadBalancer: where they are published, the nodePort rule checked, a pending load balancer warned', () => {
  const nodePortSvc = service({ type: 'NodePort', ports: [{ port: 80, targetPort: 9376, nodePort: 30080, protocol: 'TCP' }] });
  const rules = view({ [`${clusterIP} tcp 80`]: threeEndpoints }, { nodePorts: { 'tcp 30080': threeEndpoints } });
  const d = diagnoseService(facts({ service: nodePortSvc, proxy: { inspectable: true, nodes: [{ node: 'n1', table: 't', view: rules }] } }));
  assert.equal(d.healthy, true, formatDiagnosis(d));
  const published = d.steps.find((s) => s.text.startsWith('published on every node'))!;
  assert.equal(published.text, 'published on every node: nodePort 30080/TCP');
  assert.deepEqual(published.details, ['node ports 30080/TCP on every node\'s address: n1 192.0.2.50']);
  assert.ok(d.steps.find((s) => s.text.startsWith('proxy rules'))!.details.includes(`nodePort 30080/TCP → ${threeEndpoints.join(', ')}`));
  const missingNodePort = problem(diagnoseService(facts({ service: nodePortSvc })));
  assert.match(missingNodePort.details[0], /^nodePort 30080\/TCP: no rule/);

  const lb = service({ type: 'LoadBalancer', ports: [{ port: 80, targetPort: 9376, nodePort: 30080, protocol: 'TCP' }] });
  const pending = diagnoseService(facts({ service: lb, proxy: { inspectable: false, why: 'x' } }));
  assert.equal(pending.steps.find((s) => s.mark === 'warn')?.text, 'load balancer: no ingress address yet (status.loadBalancer is empty)');
  const served = diagnoseService(facts({ service: { ...lb, status: { loadBalancer: { ingress: [{ ip: '192.0.2.50' }] } } }, proxy: { inspectable: false, why: 'x' } }));
  assert.ok(served.steps.some((s) => s.text === 'published by the load balancer at 192.0.2.50 (ports 80)'));
});
