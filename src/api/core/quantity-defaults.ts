// Resource lists as upstream stores them: every quantity rounded up to milli precision
// (SetDefaults_ResourceList) and written back in canonical form ("0.5" → "500m", "1024Mi" → "1Gi").
// Values that do not parse are left alone for validation to report.
import { Quantity } from '../quantity.js';
import { isObj } from './shape.js';

export function canonicalQuantity(v: unknown): unknown {
  if (typeof v !== 'string' && typeof v !== 'number') return v;
  if (typeof v === 'number' && !Number.isFinite(v)) return v;
  // Exponent forms keep their own canonical spelling upstream ("1e3"); leave them as written.
  if (typeof v === 'string' && /^[+-]?[0-9.]+[eE][-+]?[0-9]+$/.test(v.trim())) return v;
  let q: Quantity;
  try {
    q = Quantity.parse(v);
  } catch {
    return v;
  }
  const milli = q.milliValue();
  const rounded = Quantity.parse(`${milli}m`);
  if (rounded.cmp(q) !== 0) q = rounded;
  return q.toString();
}

export function canonicalResourceList(rl: unknown): void {
  if (!isObj(rl)) return;
  for (const k of Object.keys(rl)) rl[k] = canonicalQuantity(rl[k]);
}
