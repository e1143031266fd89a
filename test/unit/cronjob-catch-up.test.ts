// The CronJob controller's catch-up logic with an injectable clock: which scheduled run it starts after
// missed schedules (inside and outside startingDeadlineSeconds), upstream's >100 missed starts rule,
// and no second Job for one schedule when the controller restarts. The controller runs against an
// in-process API server on a memory store; the clock is moved instead of waiting for minutes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../src/storage/memory.js';
import { defaultRegistry } from '../../src/api/registry.js';
import { ResourceService } from '../../src/apiserver/resource-service.js';
import { LocalApiClient } from '../../src/apiserver/local-client.js';
import type { KubeObject } from '../../src/api/object.js';
import type { ApiClient } from '../../src/client/api-client.js';
import type { ResourceRef } from '../../src/client/resource-ref.js';
import { parseCronSchedule } from '../../src/api/batch/cron-schedule.js';
import { CronJobController, jobNameFor, rfc3339InZone } from '../../src/controllers/cronjob-controller.js';
import { mostRecentScheduleTime, planSchedule } from '../../src/controllers/cronjob-missed-schedules.js';
import { waitFor } from '../support/cluster.js';
import { refs } from '../support/refs.js';

const cronjobs: ResourceRef = { group: 'batch', version: 'v1', kind: 'CronJob', plural: 'cronjobs', namespaced: true };
const jobs: ResourceRef = { group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true };
const events: ResourceRef = { group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true };
const ns = 'cron';
const minute = 60_000;
const at = (iso: string) => new Date(iso);

// ---- the schedule arithmetic ----

test('the latest missed schedule and how many were missed', () => {
  const cron = parseCronSchedule('* * * * *');
  assert.deepEqual(mostRecentScheduleTime(cron, at('2024-01-01T10:00:00Z'), at('2024-01-01T10:00:59Z')), { count: 0 });
  assert.deepEqual(mostRecentScheduleTime(cron, at('2024-01-01T10:00:00Z'), at('2024-01-01T10:01:00Z')), { latest: at('2024-01-01T10:01:00Z'), count: 1 });
  assert.deepEqual(mostRecentScheduleTime(cron, at('2024-01-01T10:00:00Z'), at('2024-01-01T10:05:30Z')), { latest: at('2024-01-01T10:05:00Z'), count: 5 });
  // Irregular intervals: a weekday schedule over a weekend still finds the latest run.
  const weekdays = parseCronSchedule('0 9 * * 1-5');
  assert.equal(mostRecentScheduleTime(weekdays, at('2024-01-01T09:00:00Z'), at('2024-01-08T09:30:00Z')).latest?.toISOString(), '2024-01-08T09:00:00.000Z');
  assert.equal(mostRecentScheduleTime(weekdays, at('2024-01-03T09:00:00Z'), at('2024-01-07T12:00:00Z')).latest?.toISOString(), '2024-01-05T09:00:00.000Z');
  // Ten years of minutes are counted, not walked.
  const started = Date.now();
  const decade = mostRecentScheduleTime(cron, at('2014-01-01T00:00:00Z'), at('2024-01-01T00:00:30Z'));
  assert.equal(decade.latest?.toISOString(), '2024-01-01T00:00:00.000Z');
  assert.ok(decade.count > 5_000_000);
  assert.ok(Date.now() - started < 1000);
});

test('startingDeadlineSeconds: only runs inside the window start; older ones are missed', () => {
  const cron = parseCronSchedule('* * * * *');
  const earliest = at('2024-01-01T10:00:00Z');
  const now = at('2024-01-01T10:05:30Z');
  // No deadline: the latest missed run starts, late.
  assert.deepEqual(planSchedule(cron, earliest, now), { scheduled: at('2024-01-01T10:05:00Z'), missed: undefined, missedStarts: 5, tooMany: false, next: at('2024-01-01T10:06:00Z') });
  // 60 s: 10:05 is still inside its deadline, 10:04 is not.
  const inside = planSchedule(cron, earliest, now, 60);
  assert.equal(inside.scheduled?.toISOString(), '2024-01-01T10:05:00.000Z');
  assert.equal(inside.missed?.toISOString(), '2024-01-01T10:04:00.000Z');
  // 20 s: even 10:05 is too late to start.
  const outside = planSchedule(cron, earliest, now, 20);
  assert.equal(outside.scheduled, undefined);
  assert.equal(outside.missed?.toISOString(), '2024-01-01T10:05:00.000Z');
  // Nothing missed before the window: no miss reported.
  assert.equal(planSchedule(cron, at('2024-01-01T10:05:00Z'), now, 20).missed, undefined);
});

test('more than 100 missed starts: TooManyMissedTimes, still the latest run; a deadline bounds the count', () => {
  const cron = parseCronSchedule('* * * * *');
  const earliest = at('2024-01-01T00:00:00Z');
  assert.equal(planSchedule(cron, earliest, at('2024-01-01T01:40:30Z')).tooMany, false); // exactly 100
  const many = planSchedule(cron, earliest, at('2024-01-01T01:41:30Z'));
  assert.equal(many.tooMany, true);
  assert.equal(many.missedStarts, 101);
  assert.equal(many.scheduled?.toISOString(), '2024-01-01T01:41:00.000Z');
  const bounded = planSchedule(cron, earliest, at('2024-01-03T00:00:30Z'), 600);
  assert.equal(bounded.tooMany, false);
  assert.equal(bounded.scheduled?.toISOString(), '2024-01-03T00:00:00.000Z');
});

// ---- the controller with a moved clock ----

let client: ApiClient;
let clock = Date.now();
const running: CronJobController[] = [];

function startController(): CronJobController {
  const c = new CronJobController(client, { now: () => clock });
  running.push(c);
  return c;
}

before(async () => {
  const registry = defaultRegistry();
  client = new LocalApiClient(new ResourceService(new MemoryStore(), registry), registry);
  await client.create(refs.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
});

after(() => {
  for (const c of running) c.stop();
});

function cronJob(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name, namespace: ns },
    spec: {
      schedule: '* * * * *', ...spec,
      jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['true'] }] } } } },
    },
  };
}

async function jobsOf(name: string): Promise<string[]> {
  const list = await client.list(jobs, ns);
  return list.items.filter((j) => j.metadata.ownerReferences?.some((o) => o.name === name)).map((j) => j.metadata.name!).sort();
}

async function eventsOf(name: string, reason: string): Promise<KubeObject[]> {
  return (await client.list(events, ns)).items.filter((e) => e.involvedObject?.name === name && e.reason === reason);
}

/** The start of the minute `n` minutes after the one holding `t`. */
function minuteAfter(t: number, n: number): number {
  return Math.floor(t / minute) * minute + n * minute;
}

/** Lets the controller see everything again and work until `check` holds, then a little longer. */
async function settle<T>(c: CronJobController, what: string, check: () => Promise<T | undefined | false>): Promise<T> {
  c.resync();
  const v = await waitFor(what, check, 20_000, 20);
  await new Promise((r) => setTimeout(r, 300));
  return v;
}

test('a controller that was down starts only the latest missed run, and a restart never starts it again', async () => {
  const cj = await client.create(cronjobs, ns, cronJob('catchup'));
  const created = Date.parse(cj.metadata.creationTimestamp!);
  // Down for three schedules: only the latest runs (no startingDeadlineSeconds).
  clock = minuteAfter(created, 3) + 10_000;
  const first = startController();
  await first.start();
  const latest = jobNameFor('catchup', new Date(minuteAfter(created, 3)));
  assert.deepEqual(await settle(first, 'the latest run', async () => {
    const names = await jobsOf('catchup');
    return names.length > 0 && names;
  }), [latest]);
  const status = (await client.get(cronjobs, ns, 'catchup')).status;
  assert.equal(status.lastScheduleTime, new Date(minuteAfter(created, 3)).toISOString().replace('.000Z', 'Z'));
  assert.equal(status.active.length, 1);

  // A restart, even one that lost the status write (crash between creating the Job and recording it),
  // finds the Job by its name and does not create a second one.
  first.stop();
  await client.update(cronjobs, ns, { ...(await client.get(cronjobs, ns, 'catchup')), status: {} }, { subresource: 'status' });
  const second = startController();
  await second.start();
  await settle(second, 'the status to be restored', async () => (await client.get(cronjobs, ns, 'catchup')).status?.lastScheduleTime);
  assert.deepEqual(await jobsOf('catchup'), [latest]);

  // The next minute: exactly one more.
  clock = minuteAfter(created, 4) + 1_000;
  const names = await settle(second, 'the next run', async () => {
    const n = await jobsOf('catchup');
    return n.length === 2 && n;
  });
  assert.deepEqual(names, [latest, jobNameFor('catchup', new Date(minuteAfter(created, 4)))].sort());
  second.stop();
});

test('startingDeadlineSeconds: a run past its deadline is skipped with MissSchedule, one inside it starts', async () => {
  const cj = await client.create(cronjobs, ns, cronJob('deadline', { startingDeadlineSeconds: 30 }));
  const created = Date.parse(cj.metadata.creationTimestamp!);
  const c = startController();
  // 45 s after the first schedule: outside the 30 s deadline.
  clock = minuteAfter(created, 1) + 45_000;
  await c.start();
  const missed = await settle(c, 'a MissSchedule event', async () => {
    const e = await eventsOf('deadline', 'MissSchedule');
    return e.length > 0 && e;
  });
  assert.equal(missed[0].type, 'Warning');
  assert.equal(missed[0].message, `Missed scheduled time to start a job: ${new Date(minuteAfter(created, 1)).toUTCString().replace('GMT', '+0000')}`);
  assert.deepEqual(await jobsOf('deadline'), []);
  assert.equal((await client.get(cronjobs, ns, 'deadline')).status?.lastScheduleTime, undefined);

  // 20 s after the next schedule: inside the deadline.
  clock = minuteAfter(created, 2) + 20_000;
  assert.deepEqual(await settle(c, 'the run inside its deadline', async () => {
    const n = await jobsOf('deadline');
    return n.length > 0 && n;
  }), [jobNameFor('deadline', new Date(minuteAfter(created, 2)))]);
  assert.equal((await eventsOf('deadline', 'MissSchedule')).length, 1, 'the miss is reported once');
  c.stop();
});

test('more than 100 missed starts: a TooManyMissedTimes warning and the latest run', async () => {
  const cj = await client.create(cronjobs, ns, cronJob('toomany'));
  const created = Date.parse(cj.metadata.creationTimestamp!);
  const c = startController();
  clock = minuteAfter(created, 200) + 5_000;
  await c.start();
  const names = await settle(c, 'the latest run', async () => {
    const n = await jobsOf('toomany');
    return n.length > 0 && n;
  });
  assert.deepEqual(names, [jobNameFor('toomany', new Date(minuteAfter(created, 200)))]);
  const warnings = await eventsOf('toomany', 'TooManyMissedTimes');
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].message, 'too many missed start times: 200. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
  c.stop();
});

test('suspend: no runs while suspended, and on resume missed runs follow the same rules', async () => {
  const cj = await client.create(cronjobs, ns, cronJob('held', { suspend: true, startingDeadlineSeconds: 30 }));
  const created = Date.parse(cj.metadata.creationTimestamp!);
  const c = startController();
  clock = minuteAfter(created, 2) + 5_000;
  await c.start();
  c.resync();
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(await jobsOf('held'), []);
  await client.patch(cronjobs, ns, 'held', 'merge', { spec: { suspend: false } });
  assert.deepEqual(await settle(c, 'the run after resume', async () => {
    const n = await jobsOf('held');
    return n.length > 0 && n;
  }), [jobNameFor('held', new Date(minuteAfter(created, 2)))]);
  c.stop();
});

test('the scheduled-timestamp annotation is RFC 3339 in the CronJob\'s time zone', () => {
  const t = at('2024-01-01T15:00:00Z');
  assert.equal(rfc3339InZone(t), '2024-01-01T15:00:00Z');
  assert.equal(rfc3339InZone(t, 'Asia/Seoul'), '2024-01-02T00:00:00+09:00');
  assert.equal(rfc3339InZone(t, 'America/New_York'), '2024-01-01T10:00:00-05:00');
  assert.equal(rfc3339InZone(at('2024-07-01T15:00:00Z'), 'America/New_York'), '2024-07-01T11:00:00-04:00');
  assert.equal(Date.parse(rfc3339InZone(t, 'Asia/Kolkata')), t.getTime());
});
