// A pod's effective resource requests, as the scheduler and kubelet count them: the larger of
// the sum of app containers (plus restartable init containers) and the largest init container.
import { Quantity } from './quantity.js';

export type ResourceAmounts = Map<string, bigint>; // resource name → milli-units

function addInto(total: ResourceAmounts, list: Record<string, string | number> | undefined): void {
  for (const [name, q] of Object.entries(list ?? {})) {
    total.set(name, (total.get(name) ?? 0n) + Quantity.parse(q).milliValue());
  }
}

function maxInto(total: ResourceAmounts, other: ResourceAmounts): void {
  for (const [name, v] of other) if (v > (total.get(name) ?? 0n)) total.set(name, v);
}

export function podRequests(spec: any): ResourceAmounts {
  const total: ResourceAmounts = new Map();
  for (const c of spec?.containers ?? []) addInto(total, c.resources?.requests);
  // Sidecars run for the pod's life, so they add to the app containers; each plain init container
  // runs alone (with the sidecars started before it), so it only raises the maximum.
  const sidecars: ResourceAmounts = new Map();
  for (const c of spec?.initContainers ?? []) {
    if (c.restartPolicy === 'Always') {
      addInto(total, c.resources?.requests);
      addInto(sidecars, c.resources?.requests);
    } else {
      const alone: ResourceAmounts = new Map(sidecars);
      addInto(alone, c.resources?.requests);
      maxInto(total, alone);
    }
  }
  addInto(total, spec?.overhead);
  return total;
}

export function parseResourceList(list: Record<string, string | number> | undefined): ResourceAmounts {
  const out: ResourceAmounts = new Map();
  addInto(out, list);
  return out;
}
