// The Pod strategy: upstream defaults, status reset to Pending with the QoS class on create, full
// validation, and the narrow set of spec changes an update may make.
import type { Strategy } from '../resource-type.js';
import type { KubeObject } from '../object.js';
import { validateCoreObjectMeta } from './core-meta.js';
import { defaultPod } from './pod-defaults.js';
import { computePodQOS } from './pod-qos.js';
import { validatePod, validatePodCreate, validatePodStatusUpdate, validatePodUpdate } from './pod-validation.js';
import { isObj, list } from './shape.js';

const deletionCostAnnotation = 'controller.kubernetes.io/pod-deletion-cost';

function hasInvalidDeletionCost(pod: KubeObject | undefined): boolean {
  const v = pod?.metadata?.annotations?.[deletionCostAnnotation];
  if (v === undefined) return false;
  const n = /^[+-]?\d+$/.test(String(v).trim()) ? Number(v) : NaN;
  return !Number.isInteger(n) || n < -2147483648 || n > 2147483647;
}

export const podStrategy: Strategy = {
  defaults(pod) {
    defaultPod(pod);
  },

  prepareForCreate(pod) {
    const spec = isObj(pod.spec) ? pod.spec : {};
    // Whatever status a client sent is dropped: a new pod is Pending.
    pod.status = { phase: 'Pending', qosClass: computePodQOS(spec) };
    if (list(spec.schedulingGates).length > 0) {
      pod.status.conditions = [{
        type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: null,
        reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates',
      }];
    }
  },

  validate(pod, ctx) {
    const errs = validateCoreObjectMeta(pod);
    // An update keeps accepting an invalid deletion cost the stored pod already had.
    errs.push(...(ctx.old ? validatePod(pod, hasInvalidDeletionCost(ctx.old)) : validatePodCreate(pod)));
    return errs;
  },

  validateUpdate(pod, old) {
    return validatePodUpdate(pod, old);
  },

  validateStatusUpdate(pod, old) {
    return [...validateCoreObjectMeta(pod), ...validatePodStatusUpdate(pod, old)];
  },
};
