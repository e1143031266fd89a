// A pod's QoS class, as upstream's qos.ComputePodQOS: only cpu and memory count. Guaranteed when every
// container limits both and requests equal limits; BestEffort when nothing is requested or limited.
import { Quantity } from '../quantity.js';
import { isObj, list } from './shape.js';

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const qosResources = ['cpu', 'memory'];

function positive(v: unknown): Quantity | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try {
    const q = Quantity.parse(v);
    return q.cmp(Quantity.parse('0')) > 0 ? q : undefined;
  } catch {
    return undefined;
  }
}

/** Sums in milli-units: cpu and memory are rounded up to milli precision when stored. */
function add(total: Map<string, bigint>, name: string, q: Quantity): void {
  total.set(name, (total.get(name) ?? 0n) + q.milliValue());
}

export function computePodQOS(spec: unknown): QOSClass {
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  let guaranteed = true;
  const s = isObj(spec) ? spec : {};
  for (const c of [...list(s.containers), ...list(s.initContainers)]) {
    const res = isObj(c) && isObj(c.resources) ? c.resources : {};
    const req = isObj(res.requests) ? res.requests : {};
    const lim = isObj(res.limits) ? res.limits : {};
    for (const name of Object.keys(req)) {
      if (!qosResources.includes(name)) continue;
      const q = positive(req[name]);
      if (q) add(requests, name, q);
    }
    const found = new Set<string>();
    for (const name of Object.keys(lim)) {
      if (!qosResources.includes(name)) continue;
      const q = positive(lim[name]);
      if (q) {
        found.add(name);
        add(limits, name, q);
      }
    }
    if (!qosResources.every((r) => found.has(r))) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      if (limits.get(name) !== req) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
