// Where strategic merge patch merges lists, and by which key: upstream's struct tags
// (`patchStrategy:"merge" patchMergeKey:"..."`, `patchStrategy:"retainKeys"`, and both) for the types
// reachable from the kinds nanokube serves, as a small type graph. A field not listed here is plain:
// maps merge key by key and lists are replaced whole. Kinds without an entry are entirely plain.

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** A struct type of the graph below: upstream's Go type, or a shape several upstream types share. */
export type PatchTypeName =
  | 'ObjectMeta' | 'MetadataOnly' | 'ConditionsStatus'
  | 'Namespace' | 'Pod' | 'PodTemplateSpec' | 'PodSpec' | 'Container' | 'PodStatus'
  | 'Service' | 'ServiceSpec' | 'Node' | 'NodeSpec' | 'NodeStatus' | 'ServiceAccount' | 'PersistentVolumeClaim'
  | 'PodTemplateOwner' | 'PodTemplateOwnerSpec' | 'Deployment' | 'DeploymentSpec'
  | 'CronJob' | 'CronJobSpec' | 'JobTemplateSpec';

export interface FieldStrategy {
  /** The list merges element-wise instead of being replaced: maps by mergeKey, primitives as a set. */
  readonly mergeList: boolean;
  /** Field identifying a list element (absent for lists of primitives). */
  readonly mergeKey?: string;
  /** The value is a union: keys absent from a new value are dropped (for lists: in each element). */
  readonly retainKeys: boolean;
  /** Struct type of the value, or of each element for lists, when strategies lie further down. */
  readonly type?: PatchTypeName;
}

const plain: FieldStrategy = { mergeList: false, retainKeys: false };

function to(type: PatchTypeName): FieldStrategy {
  return { mergeList: false, retainKeys: false, type };
}

function mergeBy(mergeKey: string, type?: PatchTypeName): FieldStrategy {
  return { mergeList: true, mergeKey, retainKeys: false, type };
}

function mergeByRetainingKeys(mergeKey: string): FieldStrategy {
  return { mergeList: true, mergeKey, retainKeys: true };
}

const mergeAsSet: FieldStrategy = { mergeList: true, retainKeys: false };
const retainKeys: FieldStrategy = { mergeList: false, retainKeys: true };

const objectFields: Record<string, FieldStrategy> = { metadata: to('ObjectMeta') };
const conditionsByType: Record<string, FieldStrategy> = { conditions: mergeBy('type') };

const structs: Record<PatchTypeName, Record<string, FieldStrategy>> = {
  ObjectMeta: { finalizers: mergeAsSet, ownerReferences: mergeBy('uid') },
  MetadataOnly: objectFields,

  // core/v1
  Namespace: { ...objectFields, status: to('ConditionsStatus') },
  Pod: { ...objectFields, spec: to('PodSpec'), status: to('PodStatus') },
  PodTemplateSpec: { ...objectFields, spec: to('PodSpec') },
  PodSpec: {
    volumes: mergeByRetainingKeys('name'),
    initContainers: mergeBy('name', 'Container'),
    containers: mergeBy('name', 'Container'),
    ephemeralContainers: mergeBy('name', 'Container'),
    imagePullSecrets: mergeBy('name'),
    hostAliases: mergeBy('ip'),
    topologySpreadConstraints: mergeBy('topologyKey'),
    schedulingGates: mergeBy('name'),
    resourceClaims: mergeByRetainingKeys('name'),
  },
  // Also the shape of an EphemeralContainer, whose common fields carry the same tags.
  Container: {
    ports: mergeBy('containerPort'),
    env: mergeBy('name'),
    volumeMounts: mergeBy('mountPath'),
    volumeDevices: mergeBy('devicePath'),
  },
  PodStatus: {
    ...conditionsByType,
    podIPs: mergeBy('ip'),
    hostIPs: mergeBy('ip'),
    resourceClaimStatuses: mergeByRetainingKeys('name'),
  },
  Service: { ...objectFields, spec: to('ServiceSpec'), status: to('ConditionsStatus') },
  ServiceSpec: { ports: mergeBy('port') },
  Node: { ...objectFields, spec: to('NodeSpec'), status: to('NodeStatus') },
  NodeSpec: { podCIDRs: mergeAsSet },
  NodeStatus: { ...conditionsByType, addresses: mergeBy('type') },
  ServiceAccount: { ...objectFields, secrets: mergeBy('name') },
  PersistentVolumeClaim: { ...objectFields, status: to('ConditionsStatus') },

  // ReplicationController, ReplicaSet, DaemonSet, Job: a pod template in spec, conditions in status.
  PodTemplateOwner: { ...objectFields, spec: to('PodTemplateOwnerSpec'), status: to('ConditionsStatus') },
  PodTemplateOwnerSpec: { template: to('PodTemplateSpec') },
  Deployment: { ...objectFields, spec: to('DeploymentSpec'), status: to('ConditionsStatus') },
  DeploymentSpec: { template: to('PodTemplateSpec'), strategy: retainKeys },
  CronJob: { ...objectFields, spec: to('CronJobSpec') },
  CronJobSpec: { jobTemplate: to('JobTemplateSpec') },
  JobTemplateSpec: { ...objectFields, spec: to('PodTemplateOwnerSpec') },

  /** Status types whose only merging list is `conditions`, keyed by type. */
  ConditionsStatus: conditionsByType,
};

/** Root type per apiVersion and kind. */
const kindRoots: Record<string, PatchTypeName> = {
  'v1/Namespace': 'Namespace',
  'v1/Pod': 'Pod',
  'v1/Service': 'Service',
  'v1/Endpoints': 'MetadataOnly',
  'v1/Node': 'Node',
  'v1/Event': 'MetadataOnly',
  'v1/ConfigMap': 'MetadataOnly',
  'v1/Secret': 'MetadataOnly',
  'v1/ServiceAccount': 'ServiceAccount',
  'v1/PersistentVolume': 'MetadataOnly',
  'v1/PersistentVolumeClaim': 'PersistentVolumeClaim',
  'v1/ReplicationController': 'PodTemplateOwner',
  'apps/v1/ReplicaSet': 'PodTemplateOwner',
  'apps/v1/Deployment': 'Deployment',
  'apps/v1/DaemonSet': 'PodTemplateOwner',
  'apps/v1/ControllerRevision': 'MetadataOnly',
  'batch/v1/Job': 'PodTemplateOwner',
  'batch/v1/CronJob': 'CronJob',
  'networking.k8s.io/v1/Ingress': 'MetadataOnly',
  'networking.k8s.io/v1/IngressClass': 'MetadataOnly',
  'discovery.k8s.io/v1/EndpointSlice': 'MetadataOnly',
  'coordination.k8s.io/v1/Lease': 'MetadataOnly',
  'events.k8s.io/v1/Event': 'MetadataOnly',
  'storage.k8s.io/v1/StorageClass': 'MetadataOnly',
};

/** The root struct type of a kind, or undefined for kinds patched without strategies. */
export function rootTypeFor(gvk: GroupVersionKind): PatchTypeName | undefined {
  const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
  return kindRoots[`${apiVersion}/${gvk.kind}`];
}

/** Every kind's root struct type, by "apiVersion/Kind" ("apps/v1/Deployment"). */
export function kindRootTypes(): ReadonlyArray<[string, PatchTypeName]> {
  return Object.entries(kindRoots);
}

/** The fields of a struct type that are not plain, with their strategies. */
export function strategicFields(type: PatchTypeName): ReadonlyArray<[string, FieldStrategy]> {
  return Object.entries(structs[type]);
}

/** How a field of a struct type patches; plain for unknown types and fields. */
export function fieldStrategy(type: PatchTypeName | undefined, field: string): FieldStrategy {
  if (type === undefined) return plain;
  const fields = structs[type];
  return Object.hasOwn(fields, field) ? fields[field] : plain;
}

/**
 * The strategy of the field at a path of field names from the object root (list elements are
 * stepped through by naming the list field), e.g. ['spec', 'template', 'spec', 'containers', 'env'].
 */
export function strategyFor(gvk: GroupVersionKind, path: readonly string[]): FieldStrategy {
  let strategy: FieldStrategy = { ...plain, type: rootTypeFor(gvk) };
  for (const field of path) {
    strategy = fieldStrategy(strategy.type, field);
  }
  return strategy;
}
