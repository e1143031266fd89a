// CronJob schedules as upstream reads them (robfig/cron v3's ParseStandard): five fields, month and
// weekday names, the @yearly/@annually/@monthly/@weekly/@daily/@midnight/@hourly descriptors,
// "@every <duration>", and a TZ=/CRON_TZ= prefix. Parsing (and its error messages) follows robfig so
// validation reports what the real API server reports; the fire times are computed by cron-parser
// from the normalised fields, so an expression cron-parser would read differently (six fields, L, W,
// #, H, day-of-week 7) never reaches it.
import { CronExpressionParser } from 'cron-parser';

export interface CronSchedule {
  /** The first fire time strictly after `after` (throws if the schedule can never fire). */
  next(after: Date): Date;
}

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const bounds = {
  minute: { min: 0, max: 59 },
  hour: { min: 0, max: 23 },
  dom: { min: 1, max: 31 },
  month: { min: 1, max: 12, names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 } },
  dow: { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } },
} satisfies Record<string, Bounds>;

interface Field {
  values: Set<number>;
  /** robfig's starBit: the field was "*" or "?" (with no step above 1); decides how day-of-month and day-of-week combine. */
  star: boolean;
}

type Parsed =
  | { kind: 'fields'; minute: Field; hour: Field; dom: Field; month: Field; dow: Field; zone?: string }
  | { kind: 'every'; delayMs: number };

const descriptors: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

// ---- time zones, as Go's time.LoadLocation finds them ----

let canonicalZones: { exact: Set<string>; lower: Set<string> } | undefined;

function zones(): { exact: Set<string>; lower: Set<string> } {
  if (!canonicalZones) {
    const names = Intl.supportedValuesOf('timeZone');
    canonicalZones = { exact: new Set(names), lower: new Set(names.map((n) => n.toLowerCase())) };
  }
  return canonicalZones;
}

/** time.LoadLocation's error for a zone name, undefined when it loads ("", "UTC" and "Local" always do). */
export function loadLocationError(name: string): string | undefined {
  if (name === '' || name === 'UTC' || name === 'Local') return undefined;
  if (name.includes('..') || name.startsWith('/') || name.startsWith('\\')) return 'time: invalid location name';
  // Intl also takes UTC offsets, which are not zone names.
  if (/^[+-]\d/.test(name)) return `unknown time zone ${name}`;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
  } catch {
    return `unknown time zone ${name}`;
  }
  // Intl matches names case-insensitively; the zoneinfo files do not.
  const z = zones();
  if (!z.exact.has(name) && z.lower.has(name.toLowerCase())) return `unknown time zone ${name}`;
  return undefined;
}

/** The zone cron-parser gets: undefined for the local zone. */
function parserZone(name: string): string | undefined {
  if (name === 'Local') return undefined;
  return name === '' ? 'UTC' : name;
}

// ---- robfig/cron's field grammar ----

/** strconv.Atoi with its error text. */
function atoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

function mustParseInt(expr: string): number {
  let n: number;
  try {
    n = atoi(expr);
  } catch (e) {
    throw new Error(`failed to parse int from ${expr}: ${(e as Error).message}`);
  }
  if (n < 0) throw new Error(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseIntOrName(expr: string, names?: Record<string, number>): number {
  const named = names?.[expr.toLowerCase()];
  return named !== undefined && Object.hasOwn(names!, expr.toLowerCase()) ? named : mustParseInt(expr);
}

function getRange(expr: string, r: Bounds, into: Field): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let step: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = r.min;
    end = r.max;
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0], r.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], r.names);
    else throw new Error(`too many hyphens: ${expr}`);
  }
  if (rangeAndStep.length === 1) step = 1;
  else if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1]);
    // "N/step" means "N-max/step".
    if (singleDigit) end = r.max;
    if (step > 1) star = false;
  } else throw new Error(`too many slashes: ${expr}`);
  if (start < r.min) throw new Error(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
  if (end > r.max) throw new Error(`end of range (${end}) above maximum (${r.max}): ${expr}`);
  if (start > end) throw new Error(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new Error(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) into.values.add(v);
  if (star) into.star = true;
}

function getField(field: string, r: Bounds): Field {
  const f: Field = { values: new Set(), star: false };
  for (const expr of field.split(',')) getRange(expr, r, f);
  return f;
}

// ---- Go's time.ParseDuration, for "@every" ----

const durationUnits: Record<string, number> = {
  ns: 1e-6, us: 1e-3, '\u00b5s': 1e-3, '\u03bcs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000,
};

/** Milliseconds, or Go's error text. */
function parseGoDuration(orig: string): number {
  const quoted = JSON.stringify(orig);
  let s = orig;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new Error(`time: invalid duration ${quoted}`);
  let total = 0;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    if (!(s[0] === '.' || /\d/.test(s[0])) || (m[1] === '' && !m[2])) throw new Error(`time: invalid duration ${quoted}`);
    const value = Number(`${m[1] || '0'}.${m[2] ?? ''}0`);
    s = s.slice(m[0].length);
    const unitEnd = s.search(/[.\d]/);
    const unit = unitEnd === -1 ? s : s.slice(0, unitEnd);
    if (unit === '') throw new Error(`time: missing unit in duration ${quoted}`);
    if (!Object.hasOwn(durationUnits, unit)) throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    total += value * durationUnits[unit];
    s = s.slice(unit.length);
  }
  return negative ? -total : total;
}

// ---- ParseStandard ----

function parseStandard(input: string): Parsed {
  let spec = input;
  if (spec.length === 0) throw new Error('empty spec string');
  let zone: string | undefined;
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const space = spec.indexOf(' ');
    const eq = spec.indexOf('=');
    const name = space === -1 ? spec.slice(eq + 1) : spec.slice(eq + 1, space);
    const err = loadLocationError(name);
    if (err) throw new Error(`provided bad location ${name}: ${err}`);
    zone = name;
    spec = space === -1 ? '' : spec.slice(space).trim();
  }
  if (spec.startsWith('@')) {
    if (Object.hasOwn(descriptors, spec)) return { ...parseFields(descriptors[spec]), zone };
    const every = '@every ';
    if (spec.startsWith(every)) {
      let ms: number;
      try {
        ms = parseGoDuration(spec.slice(every.length));
      } catch (e) {
        throw new Error(`failed to parse duration ${spec}: ${(e as Error).message}`);
      }
      // cron.Every: at least a second, whole seconds only.
      const delay = ms < 1000 ? 1000 : ms - (ms % 1000);
      return { kind: 'every', delayMs: delay };
    }
    throw new Error(`unrecognized descriptor: ${spec}`);
  }
  return { ...parseFields(spec), zone };
}

function parseFields(spec: string): Extract<Parsed, { kind: 'fields' }> {
  const fields = spec.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  return {
    kind: 'fields',
    minute: getField(fields[0], bounds.minute),
    hour: getField(fields[1], bounds.hour),
    dom: getField(fields[2], bounds.dom),
    month: getField(fields[3], bounds.month),
    dow: getField(fields[4], bounds.dow),
  };
}

/** The error robfig's ParseStandard gives for a schedule (with timeZone as a TZ= prefix), or undefined. */
export function cronScheduleError(text: string, timeZone?: string): string | undefined {
  try {
    parseStandard(timeZone === undefined ? text : `TZ=${timeZone} ${text}`);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function listOf(f: Field, r: Bounds): string {
  const all = f.values.size === r.max - r.min + 1;
  return all ? '*' : [...f.values].sort((a, b) => a - b).join(',');
}

/** The six-field cron-parser expression with robfig's meaning: day fields are "*" exactly when robfig saw a star. */
function parserExpression(p: Extract<Parsed, { kind: 'fields' }>): string {
  const days = (f: Field) => (f.star ? '*' : [...f.values].sort((a, b) => a - b).join(','));
  return ['0', listOf(p.minute, bounds.minute), listOf(p.hour, bounds.hour), days(p.dom), listOf(p.month, bounds.month), days(p.dow)].join(' ');
}

/**
 * A schedule the CronJob controller can step through. As upstream's controller does, a schedule that
 * itself mentions TZ ignores timeZone, and otherwise timeZone becomes its zone. Throws a readable
 * Error for a bad schedule or zone.
 */
export function parseCronSchedule(text: string, timeZone?: string): CronSchedule {
  let spec = text;
  if (!text.includes('TZ') && timeZone !== undefined && timeZone !== null) {
    const err = loadLocationError(timeZone);
    if (err) throw new Error(err);
    spec = `TZ=${timeZone} ${text}`;
  }
  const parsed = parseStandard(spec);
  if (parsed.kind === 'every') {
    return { next: (after) => new Date(Math.floor(after.getTime() / 1000) * 1000 + parsed.delayMs) };
  }
  const expression = parserExpression(parsed);
  const tz = parsed.zone === undefined ? undefined : parserZone(parsed.zone);
  return {
    next(after: Date): Date {
      let iter;
      try {
        iter = CronExpressionParser.parse(expression, { currentDate: after, tz });
        return iter.next().toDate();
      } catch (e) {
        throw new Error(`no time matches the schedule ${JSON.stringify(text)}: ${(e as Error).message}`);
      }
    },
  };
}
