// Pods a Service selector almost selects: the most common Service mistake is a label typo or a
// label missing from the pod template. A pod is a near miss when it has one of the selector's keys
// (with another value), meets some of its pairs, or carries a wanted value under another key.
import type { KubeObject } from '../api/object.js';

export interface NearMiss {
  /** Pods with the same differences (a Deployment's replicas come as one entry). */
  pods: string[];
  /** What differs from the selector, one entry per unmet pair. */
  differences: string[];
}

function differenceOf(key: string, want: string, labels: Record<string, string>): { text: string; related: boolean } | undefined {
  if (Object.hasOwn(labels, key)) {
    return labels[key] === want ? undefined : { text: `${key}=${labels[key]} where the selector wants ${key}=${want}`, related: true };
  }
  const sameKeyOtherCase = Object.keys(labels).find((k) => k.toLowerCase() === key.toLowerCase());
  if (sameKeyOtherCase) return { text: `${sameKeyOtherCase}=${labels[sameKeyOtherCase]} where the selector wants ${key}=${want}`, related: true };
  const sameValue = Object.entries(labels).find(([, v]) => v === want);
  if (sameValue) return { text: `${sameValue[0]}=${want} but no label ${key} (the selector wants ${key}=${want})`, related: true };
  return { text: `no label ${key} (the selector wants ${key}=${want})`, related: false };
}

/** Near misses, closest first (fewest unmet pairs), at most `limit` entries. */
export function selectorNearMisses(selector: Record<string, string>, pods: KubeObject[], limit = 5): NearMiss[] {
  const pairs = Object.entries(selector);
  const byDifferences = new Map<string, NearMiss & { unmet: number }>();
  for (const pod of pods) {
    const labels = pod.metadata.labels ?? {};
    const diffs = pairs.map(([k, v]) => differenceOf(k, v, labels)).filter((d) => d !== undefined);
    const met = pairs.length - diffs.length;
    if (diffs.length === 0 || (met === 0 && !diffs.some((d) => d.related))) continue;
    const differences = diffs.map((d) => d.text);
    const key = differences.join('\n');
    const entry = byDifferences.get(key) ?? { pods: [], differences, unmet: diffs.length };
    entry.pods.push(pod.metadata.name!);
    byDifferences.set(key, entry);
  }
  return [...byDifferences.values()]
    .sort((a, b) => a.unmet - b.unmet || b.pods.length - a.pods.length)
    .slice(0, limit)
    .map(({ pods: names, differences }) => ({ pods: names.sort(), differences }));
}
