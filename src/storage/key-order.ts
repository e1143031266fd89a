// Keys are ordered by the bytes of their UTF-8 encoding, as SQLite's BINARY collation and etcd order
// them. JavaScript compares UTF-16 code units, which differs only between astral characters
// (surrogate pairs) and U+E000..U+FFFF, so the comparator remaps those two ranges.

function byteOrderUnit(unit: number): number {
  if (unit < 0xd800) return unit;
  // Surrogates encode code points above U+FFFF, so they must sort after U+E000..U+FFFF.
  return unit < 0xe000 ? unit + 0x2000 : unit - 0x800;
}

/** Negative, zero or positive as a sorts before, equal to or after b in UTF-8 byte order. */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return byteOrderUnit(x) - byteOrderUnit(y);
  }
  return a.length - b.length;
}

/**
 * The smallest key greater than every key that starts with prefix, or undefined when there is none
 * (an empty prefix). Incrementing the last code point works because UTF-8 byte order is code point order.
 */
export function prefixEnd(prefix: string): string | undefined {
  const codePoints = Array.from(prefix);
  while (codePoints.length > 0) {
    const last = codePoints.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return codePoints.join('') + String.fromCodePoint(next);
    }
  }
  return undefined;
}

/** The keys a list reads: those with the prefix, strictly after startAfter when given. */
export interface KeyRange {
  /** Lower bound; inclusive unless lowerExclusive. */
  lower: string;
  lowerExclusive: boolean;
  /** Exclusive upper bound; undefined means unbounded. */
  upper: string | undefined;
}

export function keyRange(prefix: string, startAfter?: string): KeyRange {
  const upper = prefixEnd(prefix);
  if (startAfter !== undefined && compareKeys(startAfter, prefix) >= 0) {
    return { lower: startAfter, lowerExclusive: true, upper };
  }
  return { lower: prefix, lowerExclusive: false, upper };
}

export function inKeyRange(key: string, range: KeyRange): boolean {
  const low = compareKeys(key, range.lower);
  if (range.lowerExclusive ? low <= 0 : low < 0) return false;
  return range.upper === undefined || compareKeys(key, range.upper) < 0;
}
