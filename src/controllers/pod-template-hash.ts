// The pod-template-hash a Deployment gives each ReplicaSet (and its pods): a 32-bit FNV-1a hash of
// the pod template (plus the collision count, when there was one), its decimal digits rendered in
// upstream's "safe" alphabet of consonants and digits, so names never spell words.
export const podTemplateHashLabel = 'pod-template-hash';

const safeAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v as object).length === 0;
}

/**
 * A JSON value with sorted keys and without null or empty values: two templates that decode to
 * the same Go object (where an omitted, null and empty field are alike) get the same form.
 */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) {
    const c = canonical((v as Record<string, unknown>)[k]);
    if (!isEmpty(c)) out[k] = c;
  }
  return out;
}

export function canonicalJson(v: unknown): string {
  return JSON.stringify(canonical(v) ?? null);
}

function fnv1a32(bytes: Uint8Array, hash = 0x811c9dc5): number {
  for (const b of bytes) hash = Math.imul(hash ^ b, 0x01000193) >>> 0;
  return hash;
}

/** Maps each character to the safe alphabet by its code, as upstream's rand.SafeEncodeString. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += safeAlphabet[s.charCodeAt(i) % safeAlphabet.length];
  return out;
}

/** The hash of a pod template; a collision count (after a name clash) changes it. */
export function computePodTemplateHash(template: unknown, collisionCount?: number): string {
  let hash = fnv1a32(new TextEncoder().encode(canonicalJson(template)));
  if (collisionCount !== undefined && collisionCount !== null) {
    // Eight bytes, the count little-endian in the first four, as upstream writes it.
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    hash = fnv1a32(bytes, hash);
  }
  return safeEncodeString(String(hash));
}

function withoutHashLabel(template: any): unknown {
  if (!template?.metadata?.labels) return template;
  const labels = { ...template.metadata.labels };
  delete labels[podTemplateHashLabel];
  return { ...template, metadata: { ...template.metadata, labels } };
}

/** Whether two pod templates are the same but for the pod-template-hash label. */
export function equalIgnoreHash(a: unknown, b: unknown): boolean {
  return canonicalJson(withoutHashLabel(a)) === canonicalJson(withoutHashLabel(b));
}
