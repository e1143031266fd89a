// Node selection terms (nodeSelector, required node affinity, preferred weights) as upstream matches them.
import type { KubeObject } from './object.js';

interface Requirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt' | string;
  values?: string[];
}

interface Term {
  matchExpressions?: Requirement[];
  matchFields?: Requirement[];
}

function matchRequirement(value: string | undefined, r: Requirement): boolean {
  switch (r.operator) {
    case 'In':
      return value !== undefined && (r.values ?? []).includes(value);
    case 'NotIn':
      return value === undefined || !(r.values ?? []).includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      const v = Number(value);
      const bound = Number(r.values?.[0]);
      return r.operator === 'Gt' ? v > bound : v < bound;
    }
    default:
      return false;
  }
}

/** A term matches when all its requirements do; an empty term matches nothing (upstream). */
export function matchTerm(node: KubeObject, term: Term): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  return exprs.every((r) => matchRequirement(labels[r.key], r))
    && fields.every((r) => matchRequirement(r.key === 'metadata.name' ? node.metadata.name : undefined, r));
}

/** nodeSelector and requiredDuringSchedulingIgnoredDuringExecution both hold. */
export function nodeMatchesPod(node: KubeObject, podSpec: any): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(podSpec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms: Term[] | undefined = podSpec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && !terms.some((t) => matchTerm(node, t))) return false;
  return true;
}

/** Sum of the weights of matching preferred terms. */
export function preferredAffinityScore(node: KubeObject, podSpec: any): number {
  let score = 0;
  for (const p of podSpec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
    if (p.preference && matchTerm(node, p.preference)) score += p.weight ?? 0;
  }
  return score;
}
