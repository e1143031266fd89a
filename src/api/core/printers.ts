// Table columns and cells for core/v1 kinds, as upstream's server-side printers render them
// (pkg/printers/internalversion). The server always prints wide, so every row has every cell.
import type { KubeObject } from '../object.js';
import type { PrinterColumn, TablePrinter } from '../resource-type.js';
import {
  NONE, UNKNOWN, UNSET, ageColumn, containerCells, containersColumn, formatLabels, humanDuration, imagesColumn,
  joinWithMore, loadBalancerAddresses, nameColumn, selectorColumn, since, timeOf,
} from '../printing.js';

// ---- Pod ----

/** The pod status reason the node sets when its node stops reporting (upstream's NodeUnreachablePodReason). */
const nodeLostReason = 'NodeLost';

function isSidecar(container: any): boolean {
  return container?.restartPolicy === 'Always';
}

function hasTrueCondition(status: any, type: string): boolean {
  return (status?.conditions ?? []).some((c: any) => c.type === type && c.status === 'True');
}

function isInitializedTrue(status: any): boolean {
  const c = (status?.conditions ?? []).find((x: any) => x.type === 'Initialized');
  return c?.status === 'True';
}

/** "Signal:N" / "ExitCode:N" for a terminated container that reported no reason. */
function terminatedReason(t: any): string {
  if (t.reason) return t.reason;
  return t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode ?? 0}`;
}

interface PodSummary {
  ready: number;
  total: number;
  reason: string;
  restarts: number;
  lastRestart?: number; // ms since epoch of the newest last-termination finishedAt
}

/** upstream printPod's reasoning: readiness, the one-word status, and restarts, in that order of precedence. */
function summarizePod(pod: KubeObject): PodSummary {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  const initSpecs = new Map<string, any>((spec.initContainers ?? []).map((c: any) => [c.name, c]));
  const total = (spec.containers ?? []).length + (spec.initContainers ?? []).filter(isSidecar).length;
  let ready = 0;
  let restarts = 0;
  let lastRestart: number | undefined;
  let sidecarRestarts = 0;
  let lastSidecarRestart: number | undefined;
  const later = (a: number | undefined, b: number | undefined) => (b !== undefined && (a === undefined || b > a) ? b : a);

  let reason: string = status.reason || status.phase || '';
  for (const c of status.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  let initializing = false;
  const initStatuses: any[] = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i];
    const finished = timeOf(cs.lastState?.terminated?.finishedAt);
    restarts += cs.restartCount ?? 0;
    lastRestart = later(lastRestart, finished);
    const sidecar = isSidecar(initSpecs.get(cs.name));
    if (sidecar) {
      sidecarRestarts += cs.restartCount ?? 0;
      lastSidecarRestart = later(lastSidecarRestart, finished);
    }
    const terminated = cs.state?.terminated;
    const waiting = cs.state?.waiting;
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (sidecar && cs.started) {
      if (cs.ready) ready++;
      continue;
    }
    if (terminated) reason = `Init:${terminatedReason(terminated)}`;
    else if (waiting?.reason && waiting.reason !== 'PodInitializing') reason = `Init:${waiting.reason}`;
    else reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    initializing = true;
    break;
  }

  if (!initializing || isInitializedTrue(status)) {
    // Once initialized, only sidecars' restarts still count among the init containers'.
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses: any[] = status.containerStatuses ?? [];
    // Walk backwards so the first container's state wins, as upstream does.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      restarts += cs.restartCount ?? 0;
      lastRestart = later(lastRestart, timeOf(cs.lastState?.terminated?.finishedAt));
      if (cs.state?.waiting?.reason) reason = cs.state.waiting.reason;
      else if (cs.state?.terminated) reason = terminatedReason(cs.state.terminated);
      else if (cs.ready && cs.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    // A pod whose other containers finished but one still runs is not "Completed".
    if (reason === 'Completed' && hasRunning) reason = hasTrueCondition(status, 'Ready') ? 'Running' : 'NotReady';
  }

  if (pod.metadata.deletionTimestamp && status.reason === nodeLostReason) reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && status.phase !== 'Succeeded' && status.phase !== 'Failed') reason = 'Terminating';

  return { ready, total, reason, restarts, lastRestart };
}

function readinessGates(pod: KubeObject): string {
  const gates: any[] = pod.spec?.readinessGates ?? [];
  if (!gates.length) return NONE;
  const conditions: any[] = pod.status?.conditions ?? [];
  const met = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return `${met}/${gates.length}`;
}

const pod: TablePrinter = {
  columns: [
    nameColumn,
    { name: 'Ready', type: 'string', description: 'Ready containers out of all long-running containers.' },
    { name: 'Status', type: 'string', description: 'The aggregate status of the pod and its containers.' },
    { name: 'Restarts', type: 'string', description: 'Container restarts, and how long ago the last one was.' },
    ageColumn,
    { name: 'IP', type: 'string', priority: 1, description: 'The first IP address allocated to the pod.' },
    { name: 'Node', type: 'string', priority: 1, description: 'The node the pod is bound to.' },
    { name: 'Nominated Node', type: 'string', priority: 1, description: 'The node the scheduler nominated after preemption.' },
    { name: 'Readiness Gates', type: 'string', priority: 1, description: 'Readiness gate conditions that are true, out of all.' },
  ],
  cells(obj, now) {
    const s = summarizePod(obj);
    const restarts = s.restarts !== 0 && s.lastRestart !== undefined
      ? `${s.restarts} (${humanDuration(now.getTime() - s.lastRestart)} ago)`
      : String(s.restarts);
    // v1 objects may carry only the legacy podIP when podIPs was never written.
    const ip = obj.status?.podIPs?.[0]?.ip || obj.status?.podIP || NONE;
    return [
      obj.metadata.name, `${s.ready}/${s.total}`, s.reason, restarts, since(obj.metadata.creationTimestamp, now),
      ip, obj.spec?.nodeName || NONE, obj.status?.nominatedNodeName || NONE, readinessGates(obj),
    ];
  },
};

// ---- ReplicationController ----

const replicationController: TablePrinter = {
  columns: [
    nameColumn,
    { name: 'Desired', type: 'integer', description: 'Number of replicas wanted (spec.replicas).' },
    { name: 'Current', type: 'integer', description: 'Number of replicas that exist (status.replicas).' },
    { name: 'Ready', type: 'integer', description: 'Number of ready replicas (status.readyReplicas).' },
    ageColumn, containersColumn, imagesColumn, selectorColumn,
  ],
  cells(obj, now) {
    const [names, images] = containerCells(obj.spec?.template?.spec?.containers);
    return [
      obj.metadata.name, obj.spec?.replicas ?? 1, obj.status?.replicas ?? 0, obj.status?.readyReplicas ?? 0,
      since(obj.metadata.creationTimestamp, now), names, images, formatLabels(obj.spec?.selector),
    ];
  },
};

// ---- Service ----

function serviceExternalIP(svc: KubeObject, type: string): string {
  const externalIPs: string[] = svc.spec?.externalIPs ?? [];
  switch (type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length ? externalIPs.join(',') : NONE;
    case 'LoadBalancer': {
      const lb = loadBalancerAddresses(svc.status?.loadBalancer?.ingress);
      if (externalIPs.length) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return svc.spec?.externalName ?? '';
    default:
      return UNKNOWN;
  }
}

function servicePorts(ports: any[] | undefined): string {
  const pieces = (ports ?? []).map((p) => {
    const protocol = p.protocol ?? 'TCP';
    return p.nodePort > 0 ? `${p.port}:${p.nodePort}/${protocol}` : `${p.port}/${protocol}`;
  });
  return pieces.length ? pieces.join(',') : NONE;
}

const service: TablePrinter = {
  columns: [
    nameColumn,
    { name: 'Type', type: 'string', description: 'How the service is exposed (spec.type).' },
    { name: 'Cluster-IP', type: 'string', description: 'The virtual IP allocated to the service.' },
    { name: 'External-IP', type: 'string', description: 'External addresses the service is reachable on.' },
    { name: 'Port(s)', type: 'string', description: 'Service ports, with node ports where allocated.' },
    ageColumn,
    { ...selectorColumn, description: 'Label selector for the pods behind the service.' },
  ],
  cells(obj, now) {
    // Defaulting sets spec.type; an object written before defaulting is a ClusterIP service.
    const type: string = obj.spec?.type ?? 'ClusterIP';
    const clusterIP = obj.spec?.clusterIPs?.[0] ?? obj.spec?.clusterIP ?? NONE;
    return [
      obj.metadata.name, type, clusterIP || NONE, serviceExternalIP(obj, type), servicePorts(obj.spec?.ports),
      since(obj.metadata.creationTimestamp, now), formatLabels(obj.spec?.selector),
    ];
  },
};

// ---- Endpoints ----

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Ready addresses with each of their subset's ports; bare IPs for port-less (headless) subsets. */
function formatEndpoints(subsets: any[] | undefined): string {
  if (!subsets?.length) return NONE;
  const all: string[] = [];
  for (const ss of subsets) {
    const addresses: any[] = ss.addresses ?? [];
    if (!ss.ports?.length) all.push(...addresses.map((a) => a.ip));
    else for (const p of ss.ports) all.push(...addresses.map((a) => hostPort(a.ip, p.port)));
  }
  return joinWithMore(all);
}

const endpoints: TablePrinter = {
  columns: [
    nameColumn,
    { name: 'Endpoints', type: 'string', description: 'Ready endpoint addresses and ports.' },
    ageColumn,
  ],
  cells(obj, now) {
    return [obj.metadata.name, formatEndpoints(obj.subsets), since(obj.metadata.creationTimestamp, now)];
  },
};

// ---- Node ----

function nodeStatus(node: KubeObject): string {
  // Only the Ready condition counts; the last entry wins if it is listed twice.
  const ready = (node.status?.conditions ?? []).filter((c: any) => c.type === 'Ready').pop();
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

/** Roles from node-role.kubernetes.io/<role> label keys and the legacy kubernetes.io/role value. */
function nodeRoles(node: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(',') : NONE;
}

function nodeAddress(node: KubeObject, type: string): string {
  return (node.status?.addresses ?? []).find((a: any) => a.type === type)?.address ?? NONE;
}

const node: TablePrinter = {
  columns: [
    nameColumn,
    { name: 'Status', type: 'string', description: 'Whether the node is ready, and schedulable.' },
    { name: 'Roles', type: 'string', description: 'Roles from the node-role.kubernetes.io labels.' },
    ageColumn,
    { name: 'Version', type: 'string', description: 'Version of the node agent (kubelet).' },
    { name: 'Internal-IP', type: 'string', priority: 1, description: 'The node\'s first InternalIP address.' },
    { name: 'External-IP', type: 'string', priority: 1, description: 'The node\'s first ExternalIP address.' },
    { name: 'OS-Image', type: 'string', priority: 1, description: 'Operating system reported by the node.' },
    { name: 'Kernel-Version', type: 'string', priority: 1, description: 'Kernel version reported by the node.' },
    { name: 'Container-Runtime', type: 'string', priority: 1, description: 'Container runtime name and version.' },
  ],
  cells(obj, now) {
    const info = obj.status?.nodeInfo ?? {};
    return [
      obj.metadata.name, nodeStatus(obj), nodeRoles(obj), since(obj.metadata.creationTimestamp, now), info.kubeletVersion ?? '',
      nodeAddress(obj, 'InternalIP'), nodeAddress(obj, 'ExternalIP'),
      info.osImage || UNKNOWN, info.kernelVersion || UNKNOWN, info.containerRuntimeVersion || UNKNOWN,
    ];
  },
};

// ---- Event ----

/** The fields an Event row is made of; core/v1 and events.k8s.io/v1 Events both map onto it. */
export interface EventFields {
  name?: string;
  type?: string;
  reason?: string;
  message?: string;
  object?: { kind?: string; name?: string; fieldPath?: string };
  sourceComponent?: string;
  sourceHost?: string;
  reportingController?: string;
  reportingInstance?: string;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  count?: number;
  series?: { count?: number; lastObservedTime?: string };
}

export const eventColumns: PrinterColumn[] = [
  { name: 'Last Seen', type: 'string', description: 'Time since the event was last observed.' },
  { name: 'Type', type: 'string', description: 'Type of the event (Normal, Warning).' },
  { name: 'Reason', type: 'string', description: 'Short, machine-readable reason for the event.' },
  { name: 'Object', type: 'string', description: 'The object the event is about.' },
  { name: 'Subobject', type: 'string', priority: 1, description: 'The part of the object the event is about (field path).' },
  { name: 'Source', type: 'string', priority: 1, description: 'The component, and host, that reported the event.' },
  { name: 'Message', type: 'string', description: 'Human-readable description of the event.' },
  { name: 'First Seen', type: 'string', priority: 1, description: 'Time since the event was first observed.' },
  { name: 'Count', type: 'string', priority: 1, description: 'How many times the event has occurred.' },
  { name: 'Name', type: 'string', priority: 1, format: 'name', description: 'Name must be unique within a namespace.' },
];

export function eventCells(e: EventFields, now: Date): unknown[] {
  // New-style events set eventTime instead of firstTimestamp, and a series instead of a count.
  const firstSeen = e.firstTimestamp ? since(e.firstTimestamp, now) : since(e.eventTime, now);
  let lastSeen = e.lastTimestamp ? since(e.lastTimestamp, now) : firstSeen;
  let count = e.count ?? 0;
  if (e.series) {
    lastSeen = since(e.series.lastObservedTime, now);
    count = e.series.count ?? 0;
  } else if (count === 0) count = 1;
  const kind = (e.object?.kind ?? '').toLowerCase();
  const target = e.object?.name ? `${kind}/${e.object.name}` : kind;
  const component = e.sourceComponent || e.reportingController || '';
  const host = e.sourceHost || e.reportingInstance || '';
  const source = host ? `${component}, ${host}` : component;
  return [
    lastSeen, e.type ?? '', e.reason ?? '', target, e.object?.fieldPath ?? '', source, (e.message ?? '').trim(),
    firstSeen, count, e.name,
  ];
}

const event: TablePrinter = {
  columns: eventColumns,
  cells(obj, now) {
    return eventCells({
      name: obj.metadata.name, type: obj.type, reason: obj.reason, message: obj.message, object: obj.involvedObject,
      sourceComponent: obj.source?.component, sourceHost: obj.source?.host,
      reportingController: obj.reportingComponent, reportingInstance: obj.reportingInstance,
      firstTimestamp: obj.firstTimestamp, lastTimestamp: obj.lastTimestamp, eventTime: obj.eventTime,
      count: obj.count, series: obj.series,
    }, now);
  },
};

// ---- Namespace, ConfigMap, Secret, ServiceAccount ----

const namespace: TablePrinter = {
  columns: [nameColumn, { name: 'Status', type: 'string', description: 'The phase of the namespace.' }, ageColumn],
  cells(obj, now) {
    return [obj.metadata.name, obj.status?.phase ?? '', since(obj.metadata.creationTimestamp, now)];
  },
};

const configMap: TablePrinter = {
  columns: [nameColumn, { name: 'Data', type: 'string', description: 'Number of keys in data and binaryData.' }, ageColumn],
  cells(obj, now) {
    const keys = Object.keys(obj.data ?? {}).length + Object.keys(obj.binaryData ?? {}).length;
    return [obj.metadata.name, keys, since(obj.metadata.creationTimestamp, now)];
  },
};

const secret: TablePrinter = {
  columns: [
    nameColumn,
    { name: 'Type', type: 'string', description: 'The type of the secret.' },
    { name: 'Data', type: 'string', description: 'Number of keys in data.' },
    ageColumn,
  ],
  cells(obj, now) {
    return [obj.metadata.name, obj.type ?? '', Object.keys(obj.data ?? {}).length, since(obj.metadata.creationTimestamp, now)];
  },
};

const serviceAccount: TablePrinter = {
  columns: [nameColumn, { name: 'Secrets', type: 'string', description: 'Number of secrets listed in the account.' }, ageColumn],
  cells(obj, now) {
    return [obj.metadata.name, (obj.secrets ?? []).length, since(obj.metadata.creationTimestamp, now)];
  },
};

// ---- PersistentVolume, PersistentVolumeClaim ----

/** Short access mode names in upstream's fixed order, each once. */
function accessModes(modes: string[] | undefined): string {
  const short: [string, string][] = [
    ['ReadWriteOnce', 'RWO'], ['ReadOnlyMany', 'ROX'], ['ReadWriteMany', 'RWX'], ['ReadWriteOncePod', 'RWOP'],
  ];
  return short.filter(([mode]) => modes?.includes(mode)).map(([, s]) => s).join(',');
}

/** The storage class, from the legacy beta annotation when present. */
function storageClassOf(obj: KubeObject): string {
  return obj.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? obj.spec?.storageClassName ?? '';
}

const persistentVolume: TablePrinter = {
  columns: [
    nameColumn,
    { name: 'Capacity', type: 'string', description: 'Storage capacity of the volume.' },
    { name: 'Access Modes', type: 'string', description: 'Ways the volume can be mounted.' },
    { name: 'Reclaim Policy', type: 'string', description: 'What happens to the volume when its claim is released.' },
    { name: 'Status', type: 'string', description: 'The phase of the volume.' },
    { name: 'Claim', type: 'string', description: 'The claim bound to the volume (namespace/name).' },
    { name: 'StorageClass', type: 'string', description: 'Storage class of the volume.' },
    { name: 'VolumeAttributesClass', type: 'string', description: 'Volume attributes class of the volume.' },
    { name: 'Reason', type: 'string', description: 'Brief reason for the volume\'s phase.' },
    ageColumn,
    { name: 'VolumeMode', type: 'string', priority: 1, description: 'Filesystem or Block.' },
  ],
  cells(obj, now) {
    const claim = obj.spec?.claimRef ? `${obj.spec.claimRef.namespace ?? ''}/${obj.spec.claimRef.name ?? ''}` : '';
    const phase = obj.metadata.deletionTimestamp ? 'Terminating' : (obj.status?.phase ?? '');
    return [
      obj.metadata.name, String(obj.spec?.capacity?.storage ?? '0'), accessModes(obj.spec?.accessModes),
      obj.spec?.persistentVolumeReclaimPolicy ?? '', phase, claim, storageClassOf(obj),
      obj.spec?.volumeAttributesClassName ?? UNSET, obj.status?.reason ?? '', since(obj.metadata.creationTimestamp, now),
      obj.spec?.volumeMode ?? UNSET,
    ];
  },
};

const persistentVolumeClaim: TablePrinter = {
  columns: [
    nameColumn,
    { name: 'Status', type: 'string', description: 'The phase of the claim.' },
    { name: 'Volume', type: 'string', description: 'The volume bound to the claim.' },
    { name: 'Capacity', type: 'string', description: 'Storage capacity of the bound volume.' },
    { name: 'Access Modes', type: 'string', description: 'Ways the bound volume can be mounted.' },
    { name: 'StorageClass', type: 'string', description: 'Storage class of the claim.' },
    { name: 'VolumeAttributesClass', type: 'string', description: 'Volume attributes class of the claim.' },
    ageColumn,
    { name: 'VolumeMode', type: 'string', priority: 1, description: 'Filesystem or Block.' },
  ],
  cells(obj, now) {
    const phase = obj.metadata.deletionTimestamp ? 'Terminating' : (obj.status?.phase ?? '');
    const volume: string = obj.spec?.volumeName ?? '';
    // Capacity and modes are the bound volume's, so they show only once there is one.
    const capacity = volume ? String(obj.status?.capacity?.storage ?? '0') : '';
    const modes = volume ? accessModes(obj.status?.accessModes) : '';
    return [
      obj.metadata.name, phase, volume, capacity, modes, storageClassOf(obj), obj.spec?.volumeAttributesClassName ?? UNSET,
      since(obj.metadata.creationTimestamp, now), obj.spec?.volumeMode ?? UNSET,
    ];
  },
};

export const printers: Record<string, TablePrinter> = {
  Pod: pod,
  ReplicationController: replicationController,
  Service: service,
  Endpoints: endpoints,
  Node: node,
  Event: event,
  Namespace: namespace,
  ConfigMap: configMap,
  Secret: secret,
  ServiceAccount: serviceAccount,
  PersistentVolume: persistentVolume,
  PersistentVolumeClaim: persistentVolumeClaim,
};
