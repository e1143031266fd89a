// Upstream's DefaultTolerationSeconds admission: a new pod that does not already tolerate the
// node.kubernetes.io/not-ready and node.kubernetes.io/unreachable NoExecute taints gets a toleration
// for each, for a limited time (300s by default), so its node's failure evicts it eventually.
import type { KubeObject } from '../../api/object.js';
import type { ResourceType } from '../../api/resource-type.js';
import type { AdmissionPlugin, WriteContext } from '../resource-service.js';

export const notReadyTaintKey = 'node.kubernetes.io/not-ready';
export const unreachableTaintKey = 'node.kubernetes.io/unreachable';

export interface DefaultTolerationSecondsOptions {
  notReadySeconds?: number;
  unreachableSeconds?: number;
}

function isObj(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A toleration covers the taint if its key is the taint's (or empty) and its effect NoExecute (or empty). */
function tolerates(t: unknown, key: string): boolean {
  if (!isObj(t)) return false;
  return (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect);
}

export class DefaultTolerationSeconds implements AdmissionPlugin {
  private readonly notReadySeconds: number;
  private readonly unreachableSeconds: number;

  constructor(opts: DefaultTolerationSecondsOptions = {}) {
    this.notReadySeconds = opts.notReadySeconds ?? 300;
    this.unreachableSeconds = opts.unreachableSeconds ?? 300;
  }

  admit(op: 'CREATE' | 'UPDATE' | 'DELETE', rt: ResourceType, obj: KubeObject, _old?: KubeObject, _ctx?: WriteContext): void {
    if (op !== 'CREATE' || rt.group !== '' || rt.kind !== 'Pod') return;
    const spec = obj.spec;
    if (!isObj(spec)) return;
    if (spec.tolerations !== undefined && spec.tolerations !== null && !Array.isArray(spec.tolerations)) return;
    const tolerations: unknown[] = spec.tolerations ?? [];
    const added: Record<string, unknown>[] = [];
    if (!tolerations.some((t) => tolerates(t, notReadyTaintKey))) {
      added.push({ key: notReadyTaintKey, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: this.notReadySeconds });
    }
    if (!tolerations.some((t) => tolerates(t, unreachableTaintKey))) {
      added.push({ key: unreachableTaintKey, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: this.unreachableSeconds });
    }
    if (added.length) spec.tolerations = [...tolerations, ...added];
  }
}
