// CronJob schedules: robfig/cron's ParseStandard grammar and messages, fire times via cron-parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cronScheduleError, loadLocationError, parseCronSchedule } from '../../src/api/batch/cron-schedule.js';

const at = (iso: string) => new Date(iso);

/** The next `n` fire times after `from`, as ISO strings. */
function times(schedule: string, from: string, n: number, tz: string | null = 'UTC'): string[] {
  const cron = parseCronSchedule(schedule, tz ?? undefined);
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) {
    t = cron.next(t);
    out.push(t.toISOString());
  }
  return out;
}

test('five fields: next is strictly after, steps, ranges, lists and names', () => {
  assert.deepEqual(times('*/15 * * * *', '2024-01-01T00:00:00Z', 3), ['2024-01-01T00:15:00.000Z', '2024-01-01T00:30:00.000Z', '2024-01-01T00:45:00.000Z']);
  assert.deepEqual(times('0 9-10 * * mon-fri', '2024-01-05T09:30:00Z', 3), ['2024-01-05T10:00:00.000Z', '2024-01-08T09:00:00.000Z', '2024-01-08T10:00:00.000Z']);
  assert.deepEqual(times('30 2 1,15 JAN *', '2024-01-01T02:30:00Z', 2), ['2024-01-15T02:30:00.000Z', '2025-01-01T02:30:00.000Z']);
  // "N/step" runs from N to the maximum.
  assert.deepEqual(times('50/5 * * * *', '2024-01-01T00:00:00Z', 3), ['2024-01-01T00:50:00.000Z', '2024-01-01T00:55:00.000Z', '2024-01-01T01:50:00.000Z']);
  // Seconds of the starting time do not matter: the next minute boundary after it.
  assert.deepEqual(times('* * * * *', '2024-01-01T00:00:30.5Z', 1), ['2024-01-01T00:01:00.000Z']);
});

test('day of month and day of week: either one when both are restricted, both when one is a star', () => {
  // 2024-02-01 is a Thursday.
  assert.deepEqual(times('0 0 1 * mon', '2024-01-28T00:00:00Z', 3), ['2024-01-29T00:00:00.000Z', '2024-02-01T00:00:00.000Z', '2024-02-05T00:00:00.000Z']);
  assert.deepEqual(times('0 0 * * mon', '2024-01-28T00:00:00Z', 2), ['2024-01-29T00:00:00.000Z', '2024-02-05T00:00:00.000Z']);
  assert.deepEqual(times('0 0 ? * 1', '2024-01-28T00:00:00Z', 1), ['2024-01-29T00:00:00.000Z']);
  // A step over 1 is not a star: "*/10" days OR Mondays.
  assert.deepEqual(times('0 0 */10 * 1', '2024-01-28T00:00:00Z', 3), ['2024-01-29T00:00:00.000Z', '2024-01-31T00:00:00.000Z', '2024-02-01T00:00:00.000Z']);
});

test('descriptors', () => {
  assert.deepEqual(times('@hourly', '2024-01-01T00:10:00Z', 1), ['2024-01-01T01:00:00.000Z']);
  assert.deepEqual(times('@daily', '2024-01-01T00:10:00Z', 1), ['2024-01-02T00:00:00.000Z']);
  assert.deepEqual(times('@midnight', '2024-01-01T00:10:00Z', 1), ['2024-01-02T00:00:00.000Z']);
  assert.deepEqual(times('@weekly', '2024-01-01T00:10:00Z', 1), ['2024-01-07T00:00:00.000Z']);
  assert.deepEqual(times('@monthly', '2024-01-01T00:10:00Z', 1), ['2024-02-01T00:00:00.000Z']);
  assert.deepEqual(times('@yearly', '2024-01-01T00:10:00Z', 1), ['2025-01-01T00:00:00.000Z']);
  assert.deepEqual(times('@annually', '2024-01-01T00:10:00Z', 1), ['2025-01-01T00:00:00.000Z']);
  // @every counts from the (whole-second) time it is asked about.
  assert.deepEqual(times('@every 1h30m', '2024-01-01T00:10:00.700Z', 2), ['2024-01-01T01:40:00.000Z', '2024-01-01T03:10:00.000Z']);
  assert.equal(cronScheduleError('@every 1x'), 'failed to parse duration @every 1x: time: unknown unit "x" in duration "1x"');
  assert.equal(cronScheduleError('@fortnightly'), 'unrecognized descriptor: @fortnightly');
});

test('time zones: the timeZone argument, TZ= and CRON_TZ= prefixes, daylight saving', () => {
  // 09:00 in New York is 14:00 UTC in winter and 13:00 UTC in summer.
  assert.deepEqual(times('0 9 * * *', '2024-03-09T00:00:00Z', 2, 'America/New_York'), ['2024-03-09T14:00:00.000Z', '2024-03-10T13:00:00.000Z']);
  assert.deepEqual(times('TZ=Asia/Tokyo 0 9 * * *', '2024-01-01T00:00:00Z', 1, null), ['2024-01-02T00:00:00.000Z']);
  assert.deepEqual(times('CRON_TZ=Asia/Tokyo 0 9 * * *', '2023-12-31T23:00:00Z', 1, null), ['2024-01-01T00:00:00.000Z']);
  // A schedule that mentions TZ ignores the timeZone field, as upstream's controller does.
  assert.deepEqual(times('TZ=UTC 0 9 * * *', '2024-01-01T00:00:00Z', 1, 'Asia/Tokyo'), ['2024-01-01T09:00:00.000Z']);
  assert.throws(() => parseCronSchedule('0 9 * * *', 'Mars/Olympus'), { message: 'unknown time zone Mars/Olympus' });
  assert.equal(cronScheduleError('TZ=Mars/Olympus 0 9 * * *'), 'provided bad location Mars/Olympus: unknown time zone Mars/Olympus');
  assert.equal(cronScheduleError('0 9 * * *', 'Europe/Paris'), undefined);
  assert.equal(cronScheduleError('0 9 * * *', 'europe/paris'), 'provided bad location europe/paris: unknown time zone europe/paris');
  assert.equal(loadLocationError('UTC'), undefined);
  assert.equal(loadLocationError('+01:00'), 'unknown time zone +01:00');
});

test('invalid schedules are rejected with robfig/cron messages', () => {
  const cases: [string, string][] = [
    ['', 'empty spec string'],
    ['bad', 'expected exactly 5 fields, found 1: [bad]'],
    ['0 * * * * *', 'expected exactly 5 fields, found 6: [0 * * * * *]'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['* * * 13 *', 'end of range (13) above maximum (12): 13'],
    ['* * * * 7', 'end of range (7) above maximum (6): 7'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['*/2/3 * * * *', 'too many slashes: */2/3'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['* * L * *', 'failed to parse int from L: strconv.Atoi: parsing "L": invalid syntax'],
    ['* * * * 1#2', 'failed to parse int from 1#2: strconv.Atoi: parsing "1#2": invalid syntax'],
    ['* * * * mon-foo', 'failed to parse int from foo: strconv.Atoi: parsing "foo": invalid syntax'],
    ['*/-1 * * * *', 'negative number (-1) not allowed: -1'],
  ];
  for (const [schedule, message] of cases) {
    assert.equal(cronScheduleError(schedule), message, schedule);
    assert.throws(() => parseCronSchedule(schedule), { message }, schedule);
  }
  for (const good of ['* * * * *', '0 0 29 2 *', '0 0 31 2 *', '@every 90s', '0 0 * * SUN', '1,2,3-5/2 */4 ? JAN-mar *']) {
    assert.equal(cronScheduleError(good), undefined, good);
  }
});

test('a valid schedule that never fires parses, but asking for its next time throws', () => {
  const cron = parseCronSchedule('0 0 31 2 *', 'UTC');
  assert.throws(() => cron.next(at('2024-01-01T00:00:00Z')), /no time matches the schedule "0 0 31 2 \*"/);
  assert.deepEqual(times('0 0 29 2 *', '2024-03-01T00:00:00Z', 1), ['2028-02-29T00:00:00.000Z']);
});
