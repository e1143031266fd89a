// ConfigMap and Secret payloads: config keys, base64 for []byte fields (upstream's JSON decoder would
// reject bad base64 with "illegal base64 data at input byte N"), and the total size limit.

const base64Alphabet = /[A-Za-z0-9+/]/;

/** The offset Go's base64.StdEncoding reports for malformed input, or -1 when the input is valid. */
export function base64ErrorOffset(input: string): number {
  const s = input.replace(/[\r\n]/g, '');
  let i = 0;
  for (; i < s.length; i++) {
    const c = s[i];
    if (c === '=') break;
    if (!base64Alphabet.test(c)) return i;
  }
  const data = i;
  const pad = s.length - data;
  if (pad > 0) {
    // Padding: only "=" or "==" completing the last quantum, nothing after it.
    for (let j = data; j < s.length; j++) if (s[j] !== '=') return j;
    if (pad > 2 || data % 4 === 0 || data % 4 === 1 || (data + pad) % 4 !== 0) return data;
    return -1;
  }
  if (s.length % 4 !== 0) return s.length - (s.length % 4);
  return -1;
}

export function decodedLength(input: string): number {
  const s = input.replace(/[\r\n]/g, '');
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return Math.floor((s.length * 3) / 4) - pad;
}

/** core.MaxSecretSize: the limit for a Secret's or ConfigMap's data. */
export const maxDataSize = 1024 * 1024;
