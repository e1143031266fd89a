// Shared pieces of the server-side Table printers: how upstream renders durations, empty values,
// label maps and selectors, container lists and long lists, plus the columns most kinds repeat.
// The apiserver prints every table "wide", so cells never clip (upstream clips only narrow output).
import type { PrinterColumn } from './resource-type.js';

export const NONE = '<none>';
export const UNKNOWN = '<unknown>';
export const UNSET = '<unset>';

/** Upstream's duration.HumanDuration: two significant units at most, coarser as time goes by. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  // Up to a second in the future counts as now, to tolerate clock skew between machines.
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

/** Milliseconds since the epoch for an API timestamp (Time or MicroTime); undefined when unset. */
export function timeOf(timestamp: string | undefined | null): number | undefined {
  if (!timestamp) return undefined;
  const t = Date.parse(timestamp);
  return Number.isNaN(t) ? undefined : t;
}

/** How long ago a timestamp was, as the Age column shows it ("<unknown>" when unset). */
export function since(timestamp: string | undefined | null, now: Date): string {
  const t = timeOf(timestamp);
  return t === undefined ? UNKNOWN : humanDuration(now.getTime() - t);
}

/** The first `max` items joined with ",", and "+ N more..." for the rest, as upstream lists endpoints. */
export function joinWithMore(items: string[], max = 3): string {
  const shown = items.slice(0, max).join(',');
  return items.length > max ? `${shown} + ${items.length - max} more...` : shown;
}

/** Load-balancer ingress points (Service or Ingress status): IPs, else hostnames, de-duplicated and sorted. */
export function loadBalancerAddresses(ingress: { ip?: string; hostname?: string }[] | undefined): string {
  const set = new Set<string>();
  for (const i of ingress ?? []) {
    if (i.ip) set.add(i.ip);
    else if (i.hostname) set.add(i.hostname);
  }
  return [...set].sort().join(',');
}

/** labels.FormatLabels: sorted "k=v" pairs joined with ",", "<none>" when empty. */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const pairs = Object.keys(labels ?? {}).sort().map((k) => `${k}=${labels![k]}`);
  return pairs.length ? pairs.join(',') : NONE;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/**
 * A metav1.LabelSelector as labels.Selector.String() writes it: requirements sorted by key, set
 * values sorted. Undefined when an expression is malformed (upstream reports an error there).
 */
export function labelSelectorString(selector: LabelSelector | undefined | null): string | undefined {
  const reqs: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) reqs.push({ key, text: `${key}=${value}` });
  for (const e of selector?.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort();
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (!values.length) return undefined;
        reqs.push({ key: e.key, text: `${e.key} ${e.operator === 'In' ? 'in' : 'notin'} (${values.join(',')})` });
        break;
      case 'Exists':
        reqs.push({ key: e.key, text: e.key });
        break;
      case 'DoesNotExist':
        reqs.push({ key: e.key, text: `!${e.key}` });
        break;
      default:
        return undefined;
    }
  }
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(',');
}

/** metav1.FormatLabelSelector: "<none>" for an empty or missing selector, "<error>" for a bad one. */
export function formatLabelSelector(selector: LabelSelector | undefined | null): string {
  const s = labelSelectorString(selector);
  if (s === undefined) return '<error>';
  return s || NONE;
}

/** Container names and images, each joined with "," (the wide Containers and Images cells). */
export function containerCells(containers: { name?: string; image?: string }[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? '').join(','), list.map((c) => c.image ?? '').join(',')];
}

/** How upstream prints an optional boolean in a cell. */
export function boolPtrString(value: boolean | undefined | null): string {
  if (value === undefined || value === null) return UNSET;
  return value ? 'True' : 'False';
}

// Columns that most kinds share. Descriptions are informational only; kubectl shows the names.
export const nameColumn: PrinterColumn = {
  name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.',
};
export const ageColumn: PrinterColumn = {
  name: 'Age', type: 'string', description: 'Time since the object was created (metadata.creationTimestamp).',
};
export const containersColumn: PrinterColumn = {
  name: 'Containers', type: 'string', priority: 1, description: 'Names of the containers in the pod template.',
};
export const imagesColumn: PrinterColumn = {
  name: 'Images', type: 'string', priority: 1, description: 'Images of the containers in the pod template.',
};
export const selectorColumn: PrinterColumn = {
  name: 'Selector', type: 'string', priority: 1, description: 'Label selector for the pods this object manages.',
};
