// CronJobs under `nanokube up`, driven by the real kubectl, in real time: the seed's hello CronJob
// runs each minute, Forbid and Replace with a slow Job, history limits, `kubectl create job --from`,
// and a server restart across a scheduled time. The catch-up rules themselves are tested with a moved
// clock in test/unit/cronjob-catch-up.test.ts; here the tests run side by side so that the minutes
// they must wait overlap.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { TestCluster, kubectlVersions, repoRoot, waitFor, type KubectlVersion } from '../support/cluster.js';

let cluster: TestCluster;
const scheduledAnnotation = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** A Job run by a `* * * * *` CronJob appears within a minute and a bit on a loaded machine. */
const nextMinuteMs = 100_000;

before(async () => {
  cluster = await TestCluster.start();
});

after(async () => {
  await cluster?.destroy();
});

async function apply(c: TestCluster, v: KubectlVersion, obj: unknown): Promise<void> {
  await c.apply(v, [obj]);
}

async function getJson(c: TestCluster, v: KubectlVersion, args: string[]): Promise<any> {
  return JSON.parse(await c.ok(v, ['get', ...args, '-o', 'json']));
}

function cronJob(name: string, spec: any, script: string): any {
  return {
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name },
    spec: {
      schedule: '* * * * *', ...spec,
      jobTemplate: { spec: { backoffLimit: 0, template: { spec: {
        restartPolicy: 'Never', terminationGracePeriodSeconds: 1,
        containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', script] }],
      } } } },
    },
  };
}

/** The Jobs a CronJob owns, oldest schedule first. */
async function jobsOf(c: TestCluster, v: KubectlVersion, cronJobName: string): Promise<any[]> {
  const list = await getJson(c, v, ['jobs']);
  return list.items
    .filter((j: any) => j.metadata.ownerReferences?.some((o: any) => o.kind === 'CronJob' && o.name === cronJobName))
    .sort((a: any, b: any) => a.metadata.name.localeCompare(b.metadata.name));
}

function finished(j: any, type: 'Complete' | 'Failed'): boolean {
  return (j.status?.conditions ?? []).some((x: any) => x.type === type && x.status === 'True');
}

/** The minutes since the epoch a scheduled Job is named after, checked against its annotation. */
function scheduledMinute(cronJobName: string, j: any): number {
  const at = Date.parse(j.metadata.annotations[scheduledAnnotation]);
  assert.equal(at % 60_000, 0, 'scheduled on a minute boundary');
  assert.equal(j.metadata.name, `${cronJobName}-${at / 60_000}`);
  return at / 60_000;
}

async function eventsOf(c: TestCluster, name: string, reason: string): Promise<any[]> {
  const list = await getJson(c, '1.33', ['events', '--field-selector', `involvedObject.name=${name},reason=${reason}`]);
  return list.items;
}

describe('cronjobs', { concurrency: true }, () => {
  test('the seed hello CronJob creates a Job each minute whose pod logs the date and the greeting', async () => {
    await cluster.ok('1.33', ['apply', '-f', path.join(repoRoot, 'examples', 'seed', 'cronjob-hello.yaml')]);
    const first = await waitFor('the first hello Job', async () => (await jobsOf(cluster, '1.33', 'hello'))[0], nextMinuteMs, 500);
    const m = scheduledMinute('hello', first);
    // Started within the seed's startingDeadlineSeconds (15 s) of its schedule.
    assert.ok(Date.parse(first.metadata.creationTimestamp) - m * 60_000 < 15_000);
    assert.equal(first.spec.template.spec.restartPolicy, 'OnFailure');
    await waitFor('the first Job to complete', async () => finished(await getJson(cluster, '1.33', ['job', first.metadata.name]), 'Complete'), 60_000, 500);
    for (const v of kubectlVersions) {
      const logs = await cluster.ok(v, ['logs', `job/${first.metadata.name}`]);
      const [date, greeting] = logs.trim().split('\n');
      assert.match(date, /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \w+ \d{4}$/, `date output: ${date}`);
      assert.equal(greeting, 'Hello from the Kubernetes cluster');
    }
    const second = await waitFor('the next minute\'s Job', async () => (await jobsOf(cluster, '1.33', 'hello')).find((j) => j.metadata.name !== first.metadata.name), nextMinuteMs, 500);
    assert.equal(scheduledMinute('hello', second), m + 1);
    const cj = await waitFor('lastSuccessfulTime', async () => {
      const x = await getJson(cluster, '1.27', ['cronjob', 'hello']);
      return x.status?.lastSuccessfulTime && x;
    }, 60_000, 500);
    assert.ok(Date.parse(cj.status.lastScheduleTime) >= (m + 1) * 60_000);
    for (const v of kubectlVersions) {
      assert.match(await cluster.ok(v, ['get', 'cronjob', 'hello']), /hello\s+\* \* \* \* \*\s+(<none>\s+)?False\s+\d+\s+\d+s\s+/);
      assert.match(await cluster.ok(v, ['describe', 'cronjob', 'hello']), /Normal\s+SuccessfulCreate\s+.*cronjob-controller\s+Created job hello-/);
    }
    await cluster.ok('1.33', ['delete', 'cronjob', 'hello']);
  });

  test('concurrencyPolicy Forbid: no second run while the slow one is active; the missed run starts when it ends', async () => {
    await apply(cluster, '1.33', cronJob('forbid', { concurrencyPolicy: 'Forbid' }, 'sleep 75'));
    const first = await waitFor('the first forbid Job', async () => (await jobsOf(cluster, '1.33', 'forbid'))[0], nextMinuteMs, 500);
    const m = scheduledMinute('forbid', first);
    await waitFor('JobAlreadyActive at the next schedule', async () => (await eventsOf(cluster, 'forbid', 'JobAlreadyActive')).length > 0, nextMinuteMs, 500);
    const events = await eventsOf(cluster, 'forbid', 'JobAlreadyActive');
    assert.equal(events[0].message, 'Not starting job because prior execution is running and concurrency policy is Forbid');
    let jobs = await jobsOf(cluster, '1.33', 'forbid');
    assert.equal(jobs.length, 1, 'no concurrent run');
    assert.ok(!finished(jobs[0], 'Complete'));
    // The run that was held back has not been started yet: lastScheduleTime is still the first one's.
    assert.equal(Date.parse((await getJson(cluster, '1.33', ['cronjob', 'forbid'])).status.lastScheduleTime), m * 60_000);
    const late = await waitFor('the held-back run after the first ends', async () => {
      jobs = await jobsOf(cluster, '1.33', 'forbid');
      return jobs.length === 2 && jobs[1];
    }, 150_000, 500);
    const firstNow = await getJson(cluster, '1.33', ['job', first.metadata.name]);
    assert.ok(finished(firstNow, 'Complete'), 'the second run waited for the first');
    assert.ok(Date.parse(late.metadata.creationTimestamp) >= Date.parse(firstNow.status.completionTime));
    assert.ok(scheduledMinute('forbid', late) > m);
    await cluster.ok('1.33', ['delete', 'cronjob', 'forbid']);
  });

  test('concurrencyPolicy Replace: the next schedule deletes the running Job and starts its own', async () => {
    await apply(cluster, '1.27', cronJob('replace', { concurrencyPolicy: 'Replace' }, 'sleep 600'));
    const first = await waitFor('the first replace Job', async () => (await jobsOf(cluster, '1.27', 'replace'))[0], nextMinuteMs, 500);
    const m = scheduledMinute('replace', first);
    await waitFor('the first Job to run a pod', async () => {
      const pods = await getJson(cluster, '1.27', ['pods', '-l', `batch.kubernetes.io/job-name=${first.metadata.name}`]);
      return pods.items.some((p: any) => p.status?.phase === 'Running');
    }, 60_000, 500);
    const second = await waitFor('the replacement', async () => (await jobsOf(cluster, '1.27', 'replace')).find((j) => j.metadata.name !== first.metadata.name), nextMinuteMs, 500);
    assert.equal(scheduledMinute('replace', second), m + 1);
    await waitFor('the replaced Job and its pod to be gone', async () => {
      const r = await cluster.kubectl('1.27', ['get', 'job', first.metadata.name]);
      const pods = await getJson(cluster, '1.27', ['pods', '-l', `batch.kubernetes.io/job-name=${first.metadata.name}`]);
      return r.code !== 0 && pods.items.length === 0;
    }, 60_000, 500);
    const deleted = await eventsOf(cluster, 'replace', 'SuccessfulDelete');
    assert.ok(deleted.some((e) => e.message === `Deleted job ${first.metadata.name}`));
    const cj = await getJson(cluster, '1.33', ['cronjob', 'replace']);
    assert.deepEqual(cj.status.active.map((a: any) => a.name), [second.metadata.name]);
    await cluster.ok('1.33', ['delete', 'cronjob', 'replace']);
  });

  test('kubectl create job --from=cronjob, and the history limits prune the oldest finished Jobs', async () => {
    // A schedule that will not fire during the test; the Jobs come from `kubectl create job --from`.
    // Jobs whose name says "fail" fail, the others succeed.
    await apply(cluster, '1.33', {
      ...cronJob('hist', { schedule: '0 0 1 1 *', successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 }, 'case "$JOB" in *fail*) exit 1;; esac; echo ok'),
    });
    await cluster.ok('1.33', ['patch', 'cronjob', 'hist', '--type=json', '-p', JSON.stringify([{
      op: 'add', path: '/spec/jobTemplate/spec/template/spec/containers/0/env',
      value: [{ name: 'JOB', valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } } }],
    }])]);
    const cj = await getJson(cluster, '1.33', ['cronjob', 'hist']);
    // kubectl 1.27 sets a plain ownerReference, 1.33 a controller reference; upstream's controller
    // reconciles (and prunes) only the Jobs it controls.
    const runs: [string, KubectlVersion][] = [
      ['hist-ok-0', '1.27'], ['hist-ok-1', '1.33'], ['hist-fail-1', '1.33'], ['hist-ok-2', '1.33'], ['hist-fail-2', '1.33'], ['hist-ok-3', '1.33'],
    ];
    for (const [name, v] of runs) {
      assert.match(await cluster.ok(v, ['create', 'job', name, '--from=cronjob/hist']), new RegExp(`job.batch/${name} created`));
      const j = await waitFor(`${name} to finish`, async () => {
        const x = await getJson(cluster, v, ['job', name]);
        return (finished(x, 'Complete') || finished(x, 'Failed')) && x;
      }, 90_000, 250);
      assert.equal(finished(j, name.includes('fail') ? 'Failed' : 'Complete'), true, `${name} finished as its name says`);
      assert.equal(j.metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
      assert.equal(j.metadata.ownerReferences[0].uid, cj.metadata.uid);
      assert.equal(j.metadata.ownerReferences[0].controller, v === '1.33' ? true : undefined);
    }
    let jobs: string[] = [];
    const kept = await waitFor('the oldest finished Jobs to be pruned', async () => {
      jobs = (await jobsOf(cluster, '1.33', 'hist')).map((j) => j.metadata.name).sort();
      return jobs.length === 4 && jobs;
    }, 60_000, 250).catch((e) => {
      throw new Error(`${e.message}; jobs: ${jobs.join(' ')}`);
    });
    assert.deepEqual(kept, ['hist-fail-2', 'hist-ok-0', 'hist-ok-2', 'hist-ok-3']);
    const deleted = await eventsOf(cluster, 'hist', 'SuccessfulDelete');
    assert.deepEqual(deleted.map((e) => e.message).sort(), ['Deleted job hist-fail-1', 'Deleted job hist-ok-1']);
    const status = (await getJson(cluster, '1.27', ['cronjob', 'hist'])).status;
    assert.ok(status.lastSuccessfulTime);
    assert.equal(status.lastScheduleTime, undefined, 'manual runs are not scheduled runs');
  });

  test('schedules and time zones are checked by the API server: a bad one is a 422', async () => {
    for (const v of kubectlVersions) {
      const r = await cluster.kubectl(v, ['create', 'cronjob', 'bad', '--image=busybox', '--schedule=61 * * * *', '--', 'true']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /CronJob.batch "bad" is invalid: spec.schedule: Invalid value: "61 \* \* \* \*": end of range \(61\) above maximum \(59\): 61/);
    }
    const zoned = cronJob('zoned', { schedule: '@daily', timeZone: 'Mars/Olympus_Mons' }, 'true');
    const r = await cluster.kubectl('1.33', ['apply', '-f', '-'], { input: JSON.stringify(zoned) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec.timeZone: Invalid value: "Mars\/Olympus_Mons": unknown time zone Mars\/Olympus_Mons/);
    zoned.spec.timeZone = 'Asia/Seoul';
    await apply(cluster, '1.27', zoned);
    assert.match(await cluster.ok('1.33', ['get', 'cronjob', 'zoned']), /zoned\s+@daily\s+Asia\/Seoul\s+False\s+0\s+<none>/);
  });

  test('a server restart across a scheduled time yields exactly one Job for that schedule', async () => {
    const c = await TestCluster.start();
    try {
      await apply(c, '1.33', cronJob('tick', { startingDeadlineSeconds: 100 }, 'echo tick'));
      const first = await waitFor('the first tick Job', async () => (await jobsOf(c, '1.33', 'tick'))[0], nextMinuteMs, 500);
      const m = scheduledMinute('tick', first);
      await c.stop();
      // Down across the next schedule.
      const resumeAt = (m + 1) * 60_000 + 3_000;
      await new Promise((r) => setTimeout(r, Math.max(0, resumeAt - Date.now())));
      await c.boot();
      const caughtUp = await waitFor('the run missed while down', async () => (await jobsOf(c, '1.33', 'tick')).find((j) => j.metadata.name !== first.metadata.name), 60_000, 250);
      assert.equal(scheduledMinute('tick', caughtUp), m + 1);
      // Killed right after, and back before the following schedule: the run is not started again.
      await c.kill9();
      await c.boot();
      const cj = await waitFor('the controller to have looked again', async () => {
        const x = await getJson(c, '1.27', ['cronjob', 'tick']);
        return Date.parse(x.status?.lastScheduleTime) === (m + 1) * 60_000 && x;
      }, 60_000, 250);
      assert.ok(cj);
      const jobs = await jobsOf(c, '1.33', 'tick');
      const perSchedule = new Map<string, number>();
      for (const j of jobs) perSchedule.set(j.metadata.annotations[scheduledAnnotation], (perSchedule.get(j.metadata.annotations[scheduledAnnotation]) ?? 0) + 1);
      assert.ok([...perSchedule.values()].every((n) => n === 1), `one Job per schedule: ${JSON.stringify([...perSchedule])}`);
      assert.ok(jobs.some((j) => scheduledMinute('tick', j) === m) && jobs.some((j) => scheduledMinute('tick', j) === m + 1));
      assert.equal(jobs.filter((j) => scheduledMinute('tick', j) === m + 1).length, 1);
    } finally {
      await c.destroy();
    }
  });
});
