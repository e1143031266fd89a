import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { verbsOf, type TablePrinter } from '../../src/api/resource-type.js';
import { formatLabelSelector, humanDuration, joinWithMore, since } from '../../src/api/printing.js';
import { printers as core } from '../../src/api/core/printers.js';
import { printers as apps } from '../../src/api/apps/printers.js';
import { printers as batch } from '../../src/api/batch/printers.js';
import { printers as networking } from '../../src/api/networking/printers.js';
import { printers as discovery } from '../../src/api/discovery/printers.js';
import { printers as coordination } from '../../src/api/coordination/printers.js';
import { printers as events } from '../../src/api/events/printers.js';
import { printers as storage } from '../../src/api/storage/printers.js';
import { defaultRegistry } from '../../src/api/registry.js';

const now = new Date('2024-05-01T12:00:00Z');
/** A timestamp `seconds` before `now`. */
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function obj(kind: string, name: string, rest: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind, metadata: { name, namespace: 'default', creationTimestamp: ago(300), ...meta }, ...rest };
}

function row(printer: TablePrinter | undefined, o: KubeObject): unknown[] {
  assert.ok(printer, `no printer for ${o.kind}`);
  const cells = printer.cells(o, now);
  assert.equal(cells.length, printer.columns.length, `${o.kind}: one cell per column`);
  return cells;
}

/** The cells kubectl shows without -o wide. */
function narrow(printer: TablePrinter | undefined, o: KubeObject): unknown[] {
  const cells = row(printer, o);
  return cells.filter((_, i) => !printer!.columns[i].priority);
}

test('humanDuration matches upstream at every unit boundary', () => {
  const cases: [number, string][] = [
    [-3, '<invalid>'], [-1.5, '0s'], [0, '0s'], [5, '5s'], [119, '119s'], [120, '2m'], [182, '3m2s'], [599, '9m59s'],
    [600, '10m'], [179 * 60 + 59, '179m'], [3 * 3600, '3h'], [3 * 3600 + 25 * 60, '3h25m'], [8 * 3600, '8h'],
    [47 * 3600, '47h'], [48 * 3600, '2d'], [2 * 86400 + 3 * 3600, '2d3h'], [7 * 86400 + 23 * 3600, '7d23h'],
    [8 * 86400, '8d'], [729 * 86400, '729d'], [730 * 86400, '2y'], [731 * 86400, '2y1d'], [8 * 365 * 86400, '8y'],
  ];
  for (const [seconds, want] of cases) assert.equal(humanDuration(seconds * 1000), want, `${seconds}s`);
});

test('since renders <unknown> for a missing timestamp and handles MicroTime', () => {
  assert.equal(since(undefined, now), '<unknown>');
  assert.equal(since('2024-05-01T11:59:30.123456Z', now), '29s');
});

test('joinWithMore and label selectors format as upstream', () => {
  assert.equal(joinWithMore(['a', 'b', 'c']), 'a,b,c');
  assert.equal(joinWithMore(['a', 'b', 'c', 'd', 'e']), 'a,b,c + 2 more...');
  assert.equal(formatLabelSelector(undefined), '<none>');
  assert.equal(formatLabelSelector({}), '<none>');
  assert.equal(formatLabelSelector({
    matchLabels: { tier: 'web', app: 'shop' },
    matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }, { key: 'canary', operator: 'DoesNotExist' }],
  }), 'app=shop,!canary,env in (dev,prod),tier=web');
  assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'x', operator: 'Bogus' }] }), '<error>');
});

// ---- Pod ----

const running = (extra: Record<string, unknown> = {}) => ({ ready: true, restartCount: 0, state: { running: { startedAt: ago(200) } }, ...extra });

function pod(status: Record<string, unknown>, spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KubeObject {
  return obj('Pod', 'web-1', { spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec }, status }, meta);
}

test('Pod: running pod, all wide cells', () => {
  const p = pod({
    phase: 'Running', podIPs: [{ ip: '10.42.0.7' }],
    conditions: [{ type: 'Ready', status: 'True' }, { type: 'example.com/lb', status: 'True' }],
    containerStatuses: [{ name: 'app', ...running() }],
  }, { nodeName: 'node-a', readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] });
  assert.deepEqual(row(core.Pod, p), ['web-1', '1/1', 'Running', '0', '5m', '10.42.0.7', 'node-a', '<none>', '1/2']);
  assert.deepEqual(core.Pod.columns.map((c) => [c.name, c.priority ?? 0]), [
    ['Name', 0], ['Ready', 0], ['Status', 0], ['Restarts', 0], ['Age', 0],
    ['IP', 1], ['Node', 1], ['Nominated Node', 1], ['Readiness Gates', 1],
  ]);
  assert.equal(core.Pod.columns[0].format, 'name');
});

test('Pod: pending and unscheduled shows Pending with <none> wide cells', () => {
  assert.deepEqual(row(core.Pod, pod({ phase: 'Pending' })), ['web-1', '0/1', 'Pending', '0', '5m', '<none>', '<none>', '<none>', '<none>']);
});

test('Pod: legacy podIP is used when podIPs is absent', () => {
  assert.equal(row(core.Pod, pod({ phase: 'Running', podIP: '10.0.0.9' }))[5], '10.0.0.9');
});

test('Pod: waiting container reasons', () => {
  const creating = pod({ phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] });
  assert.deepEqual(narrow(core.Pod, creating), ['web-1', '0/1', 'ContainerCreating', '0', '5m']);
});

test('Pod: CrashLoopBackOff with restarts and how long ago the last one was', () => {
  const p = pod({
    phase: 'Running',
    containerStatuses: [{
      name: 'app', ready: false, restartCount: 5,
      state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 2m40s' } },
      lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(300) } },
    }],
  });
  assert.deepEqual(narrow(core.Pod, p), ['web-1', '0/1', 'CrashLoopBackOff', '5 (5m ago)', '5m']);
});

test('Pod: restarts use the newest termination across containers', () => {
  const p = pod({
    phase: 'Running',
    containerStatuses: [
      { name: 'a', ...running({ restartCount: 1 }), lastState: { terminated: { exitCode: 1, finishedAt: ago(3600) } } },
      { name: 'b', ...running({ restartCount: 2 }), lastState: { terminated: { exitCode: 1, finishedAt: ago(90) } } },
    ],
  }, { containers: [{ name: 'a' }, { name: 'b' }] });
  assert.deepEqual(narrow(core.Pod, p), ['web-1', '2/2', 'Running', '3 (90s ago)', '5m']);
});

test('Pod: completed and failed containers', () => {
  const completed = pod({ phase: 'Succeeded', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] });
  assert.equal(narrow(core.Pod, completed)[2], 'Completed');
  const error = pod({ phase: 'Failed', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 2, reason: 'Error' } } }] });
  assert.equal(narrow(core.Pod, error)[2], 'Error');
  const exitCode = pod({ phase: 'Failed', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 3 } } }] });
  assert.equal(narrow(core.Pod, exitCode)[2], 'ExitCode:3');
  const signal = pod({ phase: 'Failed', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 137, signal: 9 } } }] });
  assert.equal(narrow(core.Pod, signal)[2], 'Signal:9');
});

test('Pod: one container completed while another runs is Running (or NotReady)', () => {
  const statuses = [
    { name: 'a', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
    { name: 'b', ...running() },
  ];
  const spec = { containers: [{ name: 'a' }, { name: 'b' }] };
  assert.equal(narrow(core.Pod, pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: statuses }, spec))[2], 'Running');
  assert.equal(narrow(core.Pod, pod({ phase: 'Running', containerStatuses: statuses }, spec))[2], 'NotReady');
});

test('Pod: init containers', () => {
  const spec = { initContainers: [{ name: 'migrate' }] };
  const waitingApp = [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }];
  const initRunning = pod({ phase: 'Pending', initContainerStatuses: [{ name: 'migrate', ready: false, restartCount: 0, state: { running: {} } }], containerStatuses: waitingApp }, spec);
  assert.deepEqual(narrow(core.Pod, initRunning), ['web-1', '0/1', 'Init:0/1', '0', '5m']);

  const initFailed = pod({ phase: 'Pending', initContainerStatuses: [{ name: 'migrate', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error' } } }] }, spec);
  assert.equal(narrow(core.Pod, initFailed)[2], 'Init:Error');

  const initExit = pod({ phase: 'Pending', initContainerStatuses: [{ name: 'migrate', ready: false, restartCount: 0, state: { terminated: { exitCode: 4 } } }] }, spec);
  assert.equal(narrow(core.Pod, initExit)[2], 'Init:ExitCode:4');

  const initCrash = pod({
    phase: 'Pending',
    initContainerStatuses: [{
      name: 'migrate', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { exitCode: 1, finishedAt: ago(40) } },
    }],
  }, spec);
  assert.deepEqual(narrow(core.Pod, initCrash), ['web-1', '0/1', 'Init:CrashLoopBackOff', '3 (40s ago)', '5m']);

  const initDone = pod({
    phase: 'Pending',
    initContainerStatuses: [{ name: 'migrate', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
    containerStatuses: waitingApp,
  }, spec);
  assert.equal(narrow(core.Pod, initDone)[2], 'PodInitializing');
});

test('Pod: sidecar (restartable init) containers count in Ready and Restarts', () => {
  const p = pod({
    phase: 'Running',
    conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
    initContainerStatuses: [
      { name: 'migrate', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
      { name: 'proxy', ready: true, started: true, restartCount: 1, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: ago(60) } } },
    ],
    containerStatuses: [{ name: 'app', ...running() }],
  }, { initContainers: [{ name: 'migrate' }, { name: 'proxy', restartPolicy: 'Always' }] });
  assert.deepEqual(narrow(core.Pod, p), ['web-1', '2/2', 'Running', '1 (60s ago)', '5m']);
});

test('Pod: deletion, node loss, eviction and scheduling gates', () => {
  const live = { phase: 'Running', containerStatuses: [{ name: 'app', ...running() }] };
  assert.equal(narrow(core.Pod, pod(live, {}, { deletionTimestamp: ago(10) }))[2], 'Terminating');
  assert.equal(narrow(core.Pod, pod({ ...live, reason: 'NodeLost' }, {}, { deletionTimestamp: ago(10) }))[2], 'Unknown');
  const done = { phase: 'Succeeded', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] };
  assert.equal(narrow(core.Pod, pod(done, {}, { deletionTimestamp: ago(10) }))[2], 'Completed');
  assert.equal(narrow(core.Pod, pod({ phase: 'Failed', reason: 'Evicted', message: 'low on memory' }))[2], 'Evicted');
  const gated = pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] });
  assert.equal(narrow(core.Pod, gated)[2], 'SchedulingGated');
});

// ---- Workloads ----

const template = { spec: { containers: [{ name: 'app', image: 'nginx:1.25' }, { name: 'log', image: 'busybox' }] } };

test('ReplicationController and ReplicaSet', () => {
  const rc = obj('ReplicationController', 'frontend', { spec: { replicas: 3, selector: { app: 'fe', tier: 'web' }, template }, status: { replicas: 3, readyReplicas: 2 } });
  assert.deepEqual(row(core.ReplicationController, rc), ['frontend', 3, 3, 2, '5m', 'app,log', 'nginx:1.25,busybox', 'app=fe,tier=web']);
  const rs = obj('ReplicaSet', 'web-5d8f', { spec: { replicas: 2, selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d8f' } }, template }, status: { replicas: 2 } });
  assert.deepEqual(row(apps.ReplicaSet, rs), ['web-5d8f', 2, 2, 0, '5m', 'app,log', 'nginx:1.25,busybox', 'app=web,pod-template-hash=5d8f']);
});

test('Deployment', () => {
  const d = obj('Deployment', 'web', {
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
    status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  });
  assert.deepEqual(row(apps.Deployment, d), ['web', '2/3', 3, 2, '5m', 'app,log', 'nginx:1.25,busybox', 'app=web']);
  assert.deepEqual(apps.Deployment.columns.map((c) => c.name), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers', 'Images', 'Selector']);
});

test('DaemonSet', () => {
  const ds = obj('DaemonSet', 'agent', {
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { spec: { ...template.spec, nodeSelector: { 'kubernetes.io/os': 'linux' } } } },
    status: { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 1 },
  });
  assert.deepEqual(row(apps.DaemonSet, ds), ['agent', 2, 2, 1, 2, 1, 'kubernetes.io/os=linux', '5m', 'app,log', 'nginx:1.25,busybox', 'app=agent']);
  const plain = obj('DaemonSet', 'plain', { spec: { selector: { matchLabels: { app: 'p' } }, template } });
  assert.equal(row(apps.DaemonSet, plain)[6], '<none>');
});

test('ControllerRevision names its controller kind.group/name', () => {
  const cr = obj('ControllerRevision', 'agent-7c9', { revision: 2 }, {
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'u1', controller: true }],
  });
  assert.deepEqual(row(apps.ControllerRevision, cr), ['agent-7c9', 'daemonset.apps/agent', 2, '5m']);
  assert.equal(row(apps.ControllerRevision, obj('ControllerRevision', 'orphan', { revision: 1 }))[1], '<none>');
});

test('Job: status, completions and duration', () => {
  const jobSpec = { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'abc' } }, template };
  const runningJob = obj('Job', 'pi', { spec: { completions: 3, parallelism: 1, ...jobSpec }, status: { startTime: ago(125), succeeded: 1, active: 1 } });
  assert.deepEqual(row(batch.Job, runningJob), ['pi', 'Running', '1/3', '2m5s', '5m', 'app,log', 'nginx:1.25,busybox', 'batch.kubernetes.io/controller-uid=abc']);
  const done = obj('Job', 'pi', {
    spec: { completions: 1, ...jobSpec },
    status: { startTime: ago(200), completionTime: ago(190), succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] },
  });
  assert.deepEqual(narrow(batch.Job, done), ['pi', 'Complete', '1/1', '10s', '5m']);
  const failed = obj('Job', 'pi', { spec: jobSpec, status: { startTime: ago(60), conditions: [{ type: 'FailureTarget', status: 'True' }, { type: 'Failed', status: 'True' }] } });
  assert.equal(narrow(batch.Job, failed)[1], 'Failed');
  const suspended = obj('Job', 'pi', { spec: { parallelism: 4, ...jobSpec }, status: { conditions: [{ type: 'Suspended', status: 'True' }] } });
  assert.deepEqual(narrow(batch.Job, suspended), ['pi', 'Suspended', '0/1 of 4', '', '5m']);
  const deleting = obj('Job', 'pi', { spec: jobSpec, status: {} }, { deletionTimestamp: ago(1) });
  assert.equal(narrow(batch.Job, deleting)[1], 'Terminating');
});

test('CronJob', () => {
  const cj = obj('CronJob', 'backup', {
    spec: { schedule: '*/5 * * * *', suspend: false, jobTemplate: { spec: { template } } },
    status: { active: [{ name: 'backup-1' }], lastScheduleTime: ago(45) },
  });
  assert.deepEqual(row(batch.CronJob, cj), ['backup', '*/5 * * * *', '<none>', 'False', 1, '45s', '5m', 'app,log', 'nginx:1.25,busybox', '<none>']);
  const zoned = obj('CronJob', 'nightly', { spec: { schedule: '0 2 * * *', timeZone: 'Europe/Paris', suspend: true, jobTemplate: { spec: { template } } } });
  assert.deepEqual(narrow(batch.CronJob, zoned), ['nightly', '0 2 * * *', 'Europe/Paris', 'True', 0, '<none>', '5m']);
});

// ---- Services and endpoints ----

test('Service: ClusterIP, NodePort, LoadBalancer, ExternalName, headless', () => {
  const clusterIP = obj('Service', 'web', { spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, protocol: 'TCP' }], selector: { app: 'web' } } });
  assert.deepEqual(row(core.Service, clusterIP), ['web', 'ClusterIP', '10.96.0.10', '<none>', '80/TCP', '5m', 'app=web']);

  const nodePort = obj('Service', 'np', { spec: { type: 'NodePort', clusterIPs: ['10.96.3.4'], externalIPs: ['192.0.2.1'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, nodePort: 30053, protocol: 'UDP' }] } });
  assert.deepEqual(row(core.Service, nodePort), ['np', 'NodePort', '10.96.3.4', '192.0.2.1', '80:30080/TCP,53:30053/UDP', '5m', '<none>']);

  const lbSpec = { type: 'LoadBalancer', clusterIPs: ['10.96.5.5'], ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }] };
  assert.equal(row(core.Service, obj('Service', 'lb', { spec: lbSpec }))[3], '<pending>');
  const lb = obj('Service', 'lb', { spec: lbSpec, status: { loadBalancer: { ingress: [{ ip: '203.0.113.9' }, { hostname: 'lb.example.com' }, { ip: '203.0.113.9' }] } } });
  assert.equal(row(core.Service, lb)[3], '203.0.113.9,lb.example.com');
  const lbExternal = obj('Service', 'lb', { spec: { ...lbSpec, externalIPs: ['192.0.2.7'] }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.9' }] } } });
  assert.equal(row(core.Service, lbExternal)[3], '203.0.113.9,192.0.2.7');

  const external = obj('Service', 'db', { spec: { type: 'ExternalName', externalName: 'db.example.com' } });
  assert.deepEqual(narrow(core.Service, external), ['db', 'ExternalName', '<none>', 'db.example.com', '<none>', '5m']);

  const headless = obj('Service', 'peers', { spec: { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 7000, protocol: 'TCP' }] } });
  assert.equal(row(core.Service, headless)[2], 'None');
});

test('Endpoints: ready addresses per port, + N more..., <none>', () => {
  const ep = obj('Endpoints', 'web', {
    subsets: [
      { addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], notReadyAddresses: [{ ip: '10.0.0.9' }], ports: [{ port: 80 }, { port: 443 }] },
    ],
  });
  assert.deepEqual(row(core.Endpoints, ep), ['web', '10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...', '5m']);
  assert.equal(row(core.Endpoints, obj('Endpoints', 'none'))[1], '<none>');
  const headless = obj('Endpoints', 'peers', { subsets: [{ addresses: [{ ip: '10.0.0.5' }, { ip: 'fd00::5' }] }] });
  assert.equal(row(core.Endpoints, headless)[1], '10.0.0.5,fd00::5');
  const v6 = obj('Endpoints', 'v6', { subsets: [{ addresses: [{ ip: 'fd00::5' }], ports: [{ port: 80 }] }] });
  assert.equal(row(core.Endpoints, v6)[1], '[fd00::5]:80');
});

test('EndpointSlice', () => {
  const slice: KubeObject = {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-abcde', creationTimestamp: ago(300) },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 80 }, { name: 'metrics' }, {}],
    endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }, { addresses: ['10.0.0.3'] }, { addresses: ['10.0.0.4'], conditions: { ready: false } }],
  };
  assert.deepEqual(row(discovery.EndpointSlice, slice), ['web-abcde', 'IPv4', '80,metrics,*', '10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...', '5m']);
  const empty: KubeObject = { ...slice, ports: [], endpoints: [] };
  assert.deepEqual(row(discovery.EndpointSlice, empty).slice(2, 4), ['<unset>', '<unset>']);
});

// ---- Cluster objects ----

test('Node: status, roles, version and wide cells', () => {
  const n = obj('Node', 'node-a', {
    spec: {},
    status: {
      conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }],
      addresses: [{ type: 'Hostname', address: 'node-a' }, { type: 'InternalIP', address: '192.168.1.10' }],
      nodeInfo: { kubeletVersion: 'v1.33.0-nanokube', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0-18-amd64', containerRuntimeVersion: 'nanokube://0.1.0' },
    },
  }, { labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/worker': '', 'kubernetes.io/hostname': 'node-a' } });
  assert.deepEqual(row(core.Node, n), [
    'node-a', 'Ready', 'control-plane,worker', '5m', 'v1.33.0-nanokube',
    '192.168.1.10', '<none>', 'Debian GNU/Linux 12 (bookworm)', '6.1.0-18-amd64', 'nanokube://0.1.0',
  ]);
  const cordoned = obj('Node', 'node-b', { spec: { unschedulable: true }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } });
  assert.deepEqual(row(core.Node, cordoned), ['node-b', 'NotReady,SchedulingDisabled', '<none>', '5m', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
  const fresh = obj('Node', 'node-c', {}, { labels: { 'kubernetes.io/role': 'edge' } });
  assert.deepEqual(narrow(core.Node, fresh).slice(1, 3), ['Unknown', 'edge']);
});

test('Namespace, ConfigMap, Secret, ServiceAccount', () => {
  assert.deepEqual(row(core.Namespace, obj('Namespace', 'team-a', { status: { phase: 'Active' } })), ['team-a', 'Active', '5m']);
  assert.deepEqual(row(core.ConfigMap, obj('ConfigMap', 'cfg', { data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } })), ['cfg', 3, '5m']);
  assert.deepEqual(row(core.ConfigMap, obj('ConfigMap', 'empty')), ['empty', 0, '5m']);
  assert.deepEqual(row(core.Secret, obj('Secret', 'tls', { type: 'kubernetes.io/tls', data: { 'tls.crt': 'x', 'tls.key': 'y' } })), ['tls', 'kubernetes.io/tls', 2, '5m']);
  assert.deepEqual(row(core.ServiceAccount, obj('ServiceAccount', 'default')), ['default', 0, '5m']);
  assert.deepEqual(row(core.ServiceAccount, obj('ServiceAccount', 'builder', { secrets: [{ name: 'builder-token' }] })), ['builder', 1, '5m']);
});

test('PersistentVolume and PersistentVolumeClaim', () => {
  const pv = obj('PersistentVolume', 'pv-1', {
    spec: {
      capacity: { storage: '5Gi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: 'local', claimRef: { namespace: 'default', name: 'data' }, volumeMode: 'Filesystem',
    },
    status: { phase: 'Bound' },
  });
  assert.deepEqual(row(core.PersistentVolume, pv), ['pv-1', '5Gi', 'RWO,RWX', 'Retain', 'Bound', 'default/data', 'local', '<unset>', '', '5m', 'Filesystem']);
  const releasing = obj('PersistentVolume', 'pv-2', { spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOncePod'], persistentVolumeReclaimPolicy: 'Delete' }, status: { phase: 'Released' } }, { deletionTimestamp: ago(5) });
  assert.deepEqual(narrow(core.PersistentVolume, releasing).slice(1, 7), ['1Gi', 'RWOP', 'Delete', 'Terminating', '', '']);

  const bound = obj('PersistentVolumeClaim', 'data', {
    spec: { volumeName: 'pv-1', storageClassName: 'local', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
    status: { phase: 'Bound', capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce', 'ReadWriteMany'] },
  });
  assert.deepEqual(row(core.PersistentVolumeClaim, bound), ['data', 'Bound', 'pv-1', '5Gi', 'RWO,RWX', 'local', '<unset>', '5m', 'Filesystem']);
  const pending = obj('PersistentVolumeClaim', 'wait', { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } }, status: { phase: 'Pending' } },
    { annotations: { 'volume.beta.kubernetes.io/storage-class': 'legacy' } });
  assert.deepEqual(row(core.PersistentVolumeClaim, pending), ['wait', 'Pending', '', '', '', 'legacy', '<unset>', '5m', '<unset>']);
});

test('core/v1 Event: object, source, count and timestamps', () => {
  const ev = obj('Event', 'web-1.17c3a', {
    involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default', fieldPath: 'spec.containers{app}' },
    type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container\n',
    source: { component: 'kubelet', host: 'node-a' }, firstTimestamp: ago(600), lastTimestamp: ago(30), count: 7,
  });
  assert.deepEqual(row(core.Event, ev), ['30s', 'Warning', 'BackOff', 'pod/web-1', 'spec.containers{app}', 'kubelet, node-a', 'Back-off restarting failed container', '10m', 7, 'web-1.17c3a']);
  assert.deepEqual(core.Event.columns.map((c) => [c.name, c.priority ?? 0]), [
    ['Last Seen', 0], ['Type', 0], ['Reason', 0], ['Object', 0], ['Subobject', 1], ['Source', 1], ['Message', 0],
    ['First Seen', 1], ['Count', 1], ['Name', 1],
  ]);
  const series = obj('Event', 'web.17c3b', {
    involvedObject: { kind: 'Deployment', name: 'web' }, type: 'Normal', reason: 'ScalingReplicaSet', message: 'Scaled up',
    eventTime: '2024-05-01T11:50:00.000000Z', reportingComponent: 'deployment-controller', series: { count: 3, lastObservedTime: '2024-05-01T11:59:00.000000Z' },
  });
  assert.deepEqual(row(core.Event, series), ['60s', 'Normal', 'ScalingReplicaSet', 'deployment/web', '', 'deployment-controller', 'Scaled up', '10m', 3, 'web.17c3b']);
  const bare = obj('Event', 'x', { involvedObject: { kind: 'Node' }, reason: 'Starting' });
  assert.deepEqual(row(core.Event, bare), ['<unknown>', '', 'Starting', 'node', '', '', '', '<unknown>', 1, 'x']);
});

test('events.k8s.io/v1 Event prints the same row from its own field names', () => {
  const ev: KubeObject = {
    apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'web-1.17c3a', namespace: 'default', creationTimestamp: ago(600) },
    regarding: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{app}' }, note: 'Pulled image', type: 'Normal', reason: 'Pulled',
    eventTime: '2024-05-01T11:58:00.000000Z', reportingController: 'kubelet', reportingInstance: 'node-a', deprecatedCount: 2,
    deprecatedFirstTimestamp: ago(120), deprecatedLastTimestamp: ago(20),
  };
  assert.deepEqual(row(events.Event, ev), ['20s', 'Normal', 'Pulled', 'pod/web-1', 'spec.containers{app}', 'kubelet, node-a', 'Pulled image', '2m', 2, 'web-1.17c3a']);
  assert.deepEqual(events.Event.columns, core.Event.columns);
});

// ---- Networking, coordination, storage ----

test('Ingress and IngressClass', () => {
  const ing = obj('Ingress', 'shop', {
    spec: { ingressClassName: 'nanokube', rules: [{ host: 'a.example.com' }, { host: 'b.example.com' }], tls: [{ hosts: ['a.example.com'] }] },
    status: { loadBalancer: { ingress: [{ ip: '192.168.1.10' }] } },
  });
  assert.deepEqual(row(networking.Ingress, ing), ['shop', 'nanokube', 'a.example.com,b.example.com', '192.168.1.10', '80, 443', '5m']);
  const wildcard = obj('Ingress', 'all', { spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } } } });
  assert.deepEqual(row(networking.Ingress, wildcard), ['all', '<none>', '*', '', '80', '5m']);
  const many = obj('Ingress', 'many', { spec: { rules: [{ host: 'a' }, { host: 'b' }, { host: 'c' }, {}, { host: 'e' }] } });
  assert.equal(row(networking.Ingress, many)[2], 'a,b,c + 2 more...');

  const cls = obj('IngressClass', 'nanokube', { spec: { controller: 'nanokube.io/ingress', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external' } } });
  assert.deepEqual(row(networking.IngressClass, cls), ['nanokube', 'nanokube.io/ingress', 'IngressParameters.k8s.example.com/external', '5m']);
  assert.equal(row(networking.IngressClass, obj('IngressClass', 'plain', { spec: { controller: 'x/y' } }))[2], '<none>');
});

test('Lease and StorageClass', () => {
  assert.deepEqual(row(coordination.Lease, obj('Lease', 'node-a', { spec: { holderIdentity: 'node-a', leaseDurationSeconds: 40 } })), ['node-a', 'node-a', '5m']);
  assert.deepEqual(row(coordination.Lease, obj('Lease', 'free', { spec: {} })), ['free', '', '5m']);

  const local = obj('StorageClass', 'local', { provisioner: 'nanokube.io/local-path', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true },
    { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } });
  assert.deepEqual(row(storage.StorageClass, local), ['local (default)', 'nanokube.io/local-path', 'Delete', 'WaitForFirstConsumer', true, '5m']);
  const plain = obj('StorageClass', 'slow', { provisioner: 'example.com/nfs', reclaimPolicy: 'Retain' });
  assert.deepEqual(row(storage.StorageClass, plain), ['slow', 'example.com/nfs', 'Retain', 'Immediate', false, '5m']);
});

test('every registered kind that can be read has a printer whose cells match its columns', () => {
  for (const rt of defaultRegistry().all.filter((k) => verbsOf(k).includes('get'))) {
    assert.ok(rt.printer, `${rt.group}/${rt.kind} has no printer`);
    const cells = rt.printer.cells(obj(rt.kind, 'x'), now);
    assert.equal(cells.length, rt.printer.columns.length, `${rt.kind}`);
    assert.equal(rt.printer.columns.filter((c) => c.format === 'name').length, 1, `${rt.kind} has one name column`);
    if (rt.kind !== 'Event') assert.deepEqual([rt.printer.columns[0].name, cells[0]], ['Name', 'x'], `${rt.kind} starts with Name`);
  }
});
