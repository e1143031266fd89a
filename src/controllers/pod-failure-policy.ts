// A Job's podFailurePolicy: the first rule matching a failed pod decides what its failure means.
import type { KubeObject } from '../api/object.js';

export type FailureAction = 'FailJob' | 'Ignore' | 'Count' | 'FailIndex';

export interface FailureVerdict {
  action: FailureAction;
  /** For FailJob: upstream's condition message. */
  message?: string;
}

function matchesExitCodes(pod: KubeObject, rule: any): { container: string; code: number } | undefined {
  const on = rule.onExitCodes;
  if (!on) return undefined;
  const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  for (const cs of statuses) {
    if (on.containerName && cs.name !== on.containerName) continue;
    const code = cs.state?.terminated?.exitCode;
    if (code === undefined || code === 0) continue;
    const listed = (on.values ?? []).includes(code);
    if ((on.operator === 'In' && listed) || (on.operator === 'NotIn' && !listed)) return { container: cs.name, code };
  }
  return undefined;
}

/** The first pod condition a rule's onPodConditions patterns match, if any. */
function matchingCondition(pod: KubeObject, rule: any): { type: string } | undefined {
  for (const c of pod.status?.conditions ?? []) {
    if ((rule.onPodConditions ?? []).some((p: any) => c.type === p.type && c.status === (p.status ?? 'True'))) return c;
  }
  return undefined;
}

export function evaluateFailurePolicy(policy: any, pod: KubeObject): FailureVerdict {
  for (const [i, rule] of (policy?.rules ?? []).entries()) {
    const exit = matchesExitCodes(pod, rule);
    if (exit) {
      return {
        action: rule.action,
        message: `Container ${exit.container} for pod ${pod.metadata.namespace}/${pod.metadata.name} failed with exit code ${exit.code} matching ${rule.action} rule at index ${i}`,
      };
    }
    const cond = matchingCondition(pod, rule);
    if (cond) {
      return { action: rule.action, message: `Pod ${pod.metadata.namespace}/${pod.metadata.name} has condition ${cond.type} matching ${rule.action} rule at index ${i}` };
    }
  }
  return { action: 'Count' };
}
