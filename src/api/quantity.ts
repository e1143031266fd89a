// resource.Quantity: parsing ("100m", "1.5Gi", "2e3"), exact comparison in milli-units, and
// upstream's canonical string form.

const binary: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const decimal: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const quantityRe = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

/** Exact rational value num/den, from decimal digits and a suffix. */
export class Quantity {
  private constructor(
    /** value × 10^9 (nano-units), exact for every suffix upstream accepts within range. */
    private readonly nanos: bigint,
    private readonly format: 'BinarySI' | 'DecimalSI' | 'DecimalExponent',
  ) {}

  static parse(input: string | number): Quantity {
    const text = typeof input === 'number' ? String(input) : input.trim();
    const m = quantityRe.exec(text);
    if (!m || text === '' || m[1] === '.' || m[1] === '+' || m[1] === '-') {
      throw new Error("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    }
    const [, num, suffix] = m;
    if ((num.match(/\./g) ?? []).length > 1) throw new Error('unable to parse quantity\'s suffix');
    const negative = num.startsWith('-');
    const digits = num.replace(/^[+-]/, '');
    const [intPart, fracPart = ''] = digits.split('.');
    // nanos = digits × 10^(9 - fracLen) then scaled by the suffix.
    let value = BigInt((intPart || '0') + fracPart) * 10n ** 9n;
    let scaleDiv = 10n ** BigInt(fracPart.length);
    let format: Quantity['format'] = 'DecimalSI';
    if (Object.hasOwn(binary, suffix)) {
      value *= binary[suffix];
      format = 'BinarySI';
    } else if (Object.hasOwn(decimal, suffix)) {
      const e = decimal[suffix];
      if (e >= 0) value *= 10n ** BigInt(e);
      else scaleDiv *= 10n ** BigInt(-e);
    } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
      const e = Number(suffix.slice(1));
      if (e >= 0) value *= 10n ** BigInt(e);
      else scaleDiv *= 10n ** BigInt(-e);
      format = 'DecimalExponent';
    } else {
      throw new Error("unable to parse quantity's suffix");
    }
    // Sub-nano precision rounds up, as upstream rounds to the nearest representable value away from zero.
    let nanos = value / scaleDiv + (value % scaleDiv === 0n ? 0n : 1n);
    if (negative) nanos = -nanos;
    return new Quantity(nanos, format);
  }

  /** Value in milli-units, rounded up (cpu "100m" → 100n). */
  milliValue(): bigint {
    return ceilDiv(this.nanos, 1_000_000n);
  }

  /** Value in whole units, rounded up (memory "1Ki" → 1024n). */
  value(): bigint {
    return ceilDiv(this.nanos, 1_000_000_000n);
  }

  cmp(other: Quantity): -1 | 0 | 1 {
    return this.nanos < other.nanos ? -1 : this.nanos > other.nanos ? 1 : 0;
  }

  isZero(): boolean {
    return this.nanos === 0n;
  }

  /** Canonical form as upstream prints it: "1", "500m", "1536Mi", "2k". */
  toString(): string {
    const n = this.nanos;
    if (n === 0n) return '0';
    const sign = n < 0n ? '-' : '';
    const abs = n < 0n ? -n : n;
    if (this.format === 'BinarySI' && abs % 1_000_000_000n === 0n) {
      const units = abs / 1_000_000_000n;
      for (const [suffix, mult] of Object.entries(binary).reverse()) {
        if (units >= mult && units % mult === 0n) return `${sign}${units / mult}${suffix}`;
      }
      if (units < 1024n) return `${sign}${units}`;
    }
    // Decimal: the largest SI suffix that keeps an integer mantissa.
    for (const [suffix, exp] of Object.entries(decimal).sort((a, b) => b[1] - a[1])) {
      const scale = 10n ** BigInt(exp + 9);
      if (abs % scale === 0n) return `${sign}${abs / scale}${suffix}`;
    }
    return `${sign}${abs}n`;
  }
}

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
}

export function isValidQuantity(v: unknown): boolean {
  if (typeof v !== 'string' && typeof v !== 'number') return false;
  try {
    Quantity.parse(v);
    return true;
  } catch {
    return false;
  }
}
