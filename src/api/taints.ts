// Taints and tolerations, matched as upstream's v1helper.TolerationsTolerateTaint.

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' | string;
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal' | string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  // An empty key with Exists tolerates every taint.
  if ((t.operator ?? 'Equal') === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

export function toleratesAll(tolerations: Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => tolerates(t, taint));
}

/** The first taint with one of the effects that the tolerations do not tolerate. */
export function firstUntolerated(taints: Taint[] | undefined, tolerations: Toleration[] | undefined, effects: string[]): Taint | undefined {
  return (taints ?? []).find((taint) => effects.includes(taint.effect) && !toleratesAll(tolerations, taint));
}
