// The scale subresource: an autoscaling/v1 Scale view of a workload's replicas.
import type { KubeObject } from '../api/object.js';
import type { ResourceType } from '../api/resource-type.js';
import { errors } from '../api/status.js';
import { labelSelectorToString, selectorFromMap } from '../api/labels.js';

function selectorString(rt: ResourceType, obj: KubeObject): string {
  const sel = obj.spec?.selector;
  if (!sel) return '';
  // ReplicationController selectors are plain maps; apps/v1 ones are LabelSelectors.
  if (rt.group === '') return selectorFromMap(sel).toString();
  return labelSelectorToString(sel);
}

export function scaleOf(rt: ResourceType, obj: KubeObject): KubeObject {
  const m = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: { replicas: obj.status?.replicas ?? 0, selector: selectorString(rt, obj) },
  };
}

/** Returns the workload with spec.replicas taken from the Scale. */
export function applyScale(rt: ResourceType, obj: KubeObject, scale: KubeObject): KubeObject {
  const replicas = scale?.spec?.replicas;
  if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0)) {
    throw errors.badRequest(`Scale.autoscaling "${obj.metadata.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`);
  }
  obj.spec = { ...(obj.spec ?? {}), replicas: replicas ?? 0 };
  return obj;
}
