// Table columns and cells for apps/v1 kinds, as upstream's server-side printers render them.
import type { TablePrinter } from '../resource-type.js';
import {
  NONE, ageColumn, containerCells, containersColumn, formatLabelSelector, formatLabels, imagesColumn, labelSelectorString,
  nameColumn, selectorColumn, since,
} from '../printing.js';

const replicaSet: TablePrinter = {
  columns: [
    nameColumn,
    { name: 'Desired', type: 'integer', description: 'Number of replicas wanted (spec.replicas).' },
    { name: 'Current', type: 'integer', description: 'Number of replicas that exist (status.replicas).' },
    { name: 'Ready', type: 'integer', description: 'Number of ready replicas (status.readyReplicas).' },
    ageColumn, containersColumn, imagesColumn, selectorColumn,
  ],
  cells(obj, now) {
    const [names, images] = containerCells(obj.spec?.template?.spec?.containers);
    // spec.replicas defaults to 1.
    return [
      obj.metadata.name, obj.spec?.replicas ?? 1, obj.status?.replicas ?? 0, obj.status?.readyReplicas ?? 0,
      since(obj.metadata.creationTimestamp, now), names, images, formatLabelSelector(obj.spec?.selector),
    ];
  },
};

const deployment: TablePrinter = {
  columns: [
    nameColumn,
    { name: 'Ready', type: 'string', description: 'Ready replicas out of the desired number.' },
    { name: 'Up-to-date', type: 'string', description: 'Replicas running the current pod template.' },
    { name: 'Available', type: 'string', description: 'Replicas available for at least minReadySeconds.' },
    ageColumn, containersColumn, imagesColumn, selectorColumn,
  ],
  cells(obj, now) {
    const [names, images] = containerCells(obj.spec?.template?.spec?.containers);
    return [
      obj.metadata.name, `${obj.status?.readyReplicas ?? 0}/${obj.spec?.replicas ?? 1}`, obj.status?.updatedReplicas ?? 0,
      obj.status?.availableReplicas ?? 0, since(obj.metadata.creationTimestamp, now), names, images,
      // Upstream prints a Deployment's selector raw: empty when it selects nothing.
      labelSelectorString(obj.spec?.selector) ?? '<invalid>',
    ];
  },
};

const daemonSet: TablePrinter = {
  columns: [
    nameColumn,
    { name: 'Desired', type: 'integer', description: 'Nodes that should run the daemon pod.' },
    { name: 'Current', type: 'integer', description: 'Nodes running at least one daemon pod.' },
    { name: 'Ready', type: 'integer', description: 'Nodes whose daemon pod is ready.' },
    { name: 'Up-to-date', type: 'integer', description: 'Nodes running the current pod template.' },
    { name: 'Available', type: 'integer', description: 'Nodes whose daemon pod is available.' },
    { name: 'Node Selector', type: 'string', description: 'Node labels the pod template requires.' },
    ageColumn, containersColumn, imagesColumn, selectorColumn,
  ],
  cells(obj, now) {
    const s = obj.status ?? {};
    const [names, images] = containerCells(obj.spec?.template?.spec?.containers);
    return [
      obj.metadata.name, s.desiredNumberScheduled ?? 0, s.currentNumberScheduled ?? 0, s.numberReady ?? 0,
      s.updatedNumberScheduled ?? 0, s.numberAvailable ?? 0, formatLabels(obj.spec?.template?.spec?.nodeSelector),
      since(obj.metadata.creationTimestamp, now), names, images, formatLabelSelector(obj.spec?.selector),
    ];
  },
};

/** "kind.group/name" of the controlling owner, as upstream names resources ("daemonset.apps/web"). */
function controllerName(owners: { apiVersion: string; kind: string; name: string; controller?: boolean }[] | undefined): string {
  const ref = owners?.find((o) => o.controller);
  if (!ref) return NONE;
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  const groupKind = group ? `${ref.kind}.${group}` : ref.kind;
  return groupKind ? `${groupKind.toLowerCase()}/${ref.name}` : ref.name;
}

const controllerRevision: TablePrinter = {
  columns: [
    nameColumn,
    { name: 'Controller', type: 'string', description: 'The object that owns this revision.' },
    { name: 'Revision', type: 'string', description: 'Revision number of the stored state.' },
    ageColumn,
  ],
  cells(obj, now) {
    return [
      obj.metadata.name, controllerName(obj.metadata.ownerReferences), obj.revision ?? 0, since(obj.metadata.creationTimestamp, now),
    ];
  },
};

export const printers: Record<string, TablePrinter> = {
  ReplicaSet: replicaSet,
  Deployment: deployment,
  DaemonSet: daemonSet,
  ControllerRevision: controllerRevision,
};
