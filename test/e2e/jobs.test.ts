// Jobs under `nanokube up`, driven by the real kubectl: the seed's pi Job, completions and
// parallelism, back-off under both restart policies, activeDeadlineSeconds, Indexed completion,
// ttlSecondsAfterFinished, suspend and podFailurePolicy.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { KubeObject, WatchEvent } from '../../src/api/object.js';
import { TestCluster, kubectlVersions, repoRoot, waitFor, type KubectlVersion } from '../support/cluster.js';
import { refs } from '../support/refs.js';

let cluster: TestCluster;

before(async () => {
  cluster = await TestCluster.start();
});

after(async () => {
  await cluster?.destroy();
});

async function apply(v: KubectlVersion, obj: unknown): Promise<void> {
  await cluster.apply(v, [obj]);
}

async function getJson(v: KubectlVersion, args: string[]): Promise<any> {
  return JSON.parse(await cluster.ok(v, ['get', ...args, '-o', 'json']));
}

function job(name: string, spec: any, podSpec: any): KubeObject {
  return {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name },
    spec: { ...spec, template: { spec: { terminationGracePeriodSeconds: 1, ...podSpec } } },
  };
}

function shell(script: string, restartPolicy = 'Never'): any {
  return { restartPolicy, containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', script] }] };
}

function jobCondition(j: any, type: string): any {
  return (j.status?.conditions ?? []).find((c: any) => c.type === type && c.status === 'True');
}

async function podsOf(v: KubectlVersion, jobName: string): Promise<any[]> {
  return (await getJson(v, ['pods', '-l', `batch.kubernetes.io/job-name=${jobName}`])).items;
}

/** Waits for the Job's terminal condition with `kubectl wait` and returns the Job. */
async function waitCondition(v: KubectlVersion, name: string, condition: 'complete' | 'failed', timeoutSeconds = 150): Promise<any> {
  await cluster.ok(v, ['wait', `--for=condition=${condition}`, `job/${name}`, `--timeout=${timeoutSeconds}s`]);
  return getJson(v, ['job', name]);
}

const seconds = (ts: string) => Date.parse(ts) / 1000;

describe('jobs', { concurrency: true }, () => {
  test('the seed pi Job completes with the host\'s perl and kubectl logs job/pi prints 2000 digits', async () => {
    await cluster.ok('1.33', ['apply', '-f', path.join(repoRoot, 'examples', 'seed', 'job-pi.yaml')]);
    for (const v of kubectlVersions) {
      const j = await waitCondition(v, 'pi', 'complete', 240);
      assert.equal(j.status.succeeded, 1);
      assert.ok(j.status.completionTime);
      const logs = (await cluster.ok(v, ['logs', 'job/pi'])).trim();
      assert.match(logs, /^3\.14159265358979323846264338327950288419716939937510/);
      // bpi(2000): 2000 significant digits.
      assert.equal(logs.replace('.', '').length, 2000, 'perl printed 2000 digits (Debian needs libmath-bigint-perl for bpi)');
      const table = await cluster.ok(v, ['get', 'job', 'pi']);
      assert.match(table, /pi\s+(Complete\s+)?1\/1/);
    }
    const described = await cluster.ok('1.33', ['describe', 'job', 'pi']);
    assert.match(described, /Pods Statuses:\s+0 Active .*1 Succeeded \/ 0 Failed/);
    assert.match(described, /Normal\s+SuccessfulCreate\s+.*job-controller\s+Created pod: pi-/);
    assert.match(described, /Normal\s+Completed\s+.*job-controller\s+Job completed/);
  });

  test('completions 5 / parallelism 2: five succeeded pods, never more than two active at once', async () => {
    const api = cluster.client();
    const seen = new Map<string, KubeObject>();
    let maxActive = 0;
    const activeNow = () => [...seen.values()].filter((p) => !['Succeeded', 'Failed'].includes(p.status?.phase)).length;
    const list = await api.list(refs.pods, 'default');
    const watch = api.watch(refs.pods, 'default', { resourceVersion: list.metadata.resourceVersion, labelSelector: 'batch.kubernetes.io/job-name=par' }, (ev: WatchEvent) => {
      if (ev.type === 'DELETED') seen.delete(ev.object.metadata.uid!);
      else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') seen.set(ev.object.metadata.uid!, ev.object);
      maxActive = Math.max(maxActive, activeNow());
    }, () => undefined);
    try {
      await apply('1.27', job('par', { completions: 5, parallelism: 2 }, shell('sleep 1; echo done')));
      const j = await waitCondition('1.27', 'par', 'complete');
      assert.equal(j.status.succeeded, 5);
      assert.equal(j.status.failed, undefined);
      const pods = await podsOf('1.27', 'par');
      assert.equal(pods.filter((p) => p.status.phase === 'Succeeded').length, 5);
      assert.equal(pods.length, 5);
      assert.ok(maxActive >= 1 && maxActive <= 2, `at most two active pods at once (saw ${maxActive})`);
      assert.match(await cluster.ok('1.33', ['get', 'job', 'par']), /par\s+(Complete\s+)?5\/5/);
      // The generated selector and the labels naming the Job.
      assert.deepEqual(Object.keys(j.spec.selector.matchLabels), ['batch.kubernetes.io/controller-uid']);
      for (const p of pods) {
        assert.equal(p.metadata.labels['batch.kubernetes.io/job-name'], 'par');
        assert.equal(p.metadata.labels['batch.kubernetes.io/controller-uid'], j.metadata.uid);
        assert.equal(p.metadata.labels['job-name'], 'par');
        assert.deepEqual(p.metadata.finalizers ?? [], [], 'the job-tracking finalizer is removed once counted');
        assert.equal(p.metadata.ownerReferences[0].kind, 'Job');
      }
    } finally {
      watch.stop();
    }
  });

  test('restartPolicy Never: a new pod per failure, 10 s then 20 s apart, until backoffLimit is exceeded', async () => {
    await apply('1.33', job('fail-never', { backoffLimit: 2 }, shell('echo failing; exit 3')));
    const j = await waitCondition('1.33', 'fail-never', 'failed', 180);
    const failed = jobCondition(j, 'Failed');
    assert.equal(failed.reason, 'BackoffLimitExceeded');
    assert.equal(failed.message, 'Job has reached the specified backoff limit');
    assert.equal(j.status.failed, 3);
    const pods = (await podsOf('1.33', 'fail-never')).sort((a, b) => a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp));
    assert.equal(pods.length, 3);
    assert.ok(pods.every((p) => p.status.phase === 'Failed'));
    // Upstream's pod failure back-off: 10 s after the first failure, 20 s after the second.
    const gap1 = seconds(pods[1].metadata.creationTimestamp) - seconds(pods[0].metadata.creationTimestamp);
    const gap2 = seconds(pods[2].metadata.creationTimestamp) - seconds(pods[1].metadata.creationTimestamp);
    assert.ok(gap1 >= 9, `first re-creation after ~10 s (was ${gap1} s)`);
    assert.ok(gap2 >= 19, `second re-creation after ~20 s (was ${gap2} s)`);
    for (const v of kubectlVersions) {
      assert.match(await cluster.ok(v, ['describe', 'job', 'fail-never']), /Warning\s+BackoffLimitExceeded\s+.*job-controller\s+Job has reached the specified backoff limit/);
      assert.match(await cluster.ok(v, ['get', 'job', 'fail-never']), /fail-never\s+(Failed\s+)?0\/1/);
    }
  });

  test('restartPolicy OnFailure: the container restarts in place and the restarts count towards backoffLimit', async () => {
    await apply('1.27', job('fail-onfailure', { backoffLimit: 2 }, shell('echo failing; exit 3', 'OnFailure')));
    const pod = await waitFor('the pod to restart in place', async () => {
      const pods = await podsOf('1.27', 'fail-onfailure');
      return pods.find((p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1);
    }, 90_000, 250);
    const j = await waitCondition('1.27', 'fail-onfailure', 'failed', 180);
    assert.equal(jobCondition(j, 'Failed').reason, 'BackoffLimitExceeded');
    // One pod only: restarts happen inside it; the Job removes it when it fails.
    await waitFor('the failed Job\'s pod to be gone', async () => (await podsOf('1.27', 'fail-onfailure')).length === 0, 60_000, 250);
    assert.equal(j.status.active, undefined);
    assert.ok(pod.metadata.name.startsWith('fail-onfailure-'));
  });

  test('activeDeadlineSeconds stops an endless Job: its pod is killed, reason DeadlineExceeded', async () => {
    await apply('1.33', job('endless', { activeDeadlineSeconds: 4, backoffLimit: 6 }, shell('sleep 3600')));
    await waitFor('the endless pod to run', async () => (await podsOf('1.33', 'endless')).some((p) => p.status?.phase === 'Running'), 60_000, 250);
    const j = await waitCondition('1.33', 'endless', 'failed', 120);
    const failed = jobCondition(j, 'Failed');
    assert.equal(failed.reason, 'DeadlineExceeded');
    assert.equal(failed.message, 'Job was active longer than specified deadline');
    assert.ok(seconds(failed.lastTransitionTime) - seconds(j.status.startTime) >= 4);
    await waitFor('the endless pod to be gone', async () => (await podsOf('1.33', 'endless')).length === 0, 60_000, 250);
    assert.match(await cluster.ok('1.27', ['describe', 'job', 'endless']), /Warning\s+DeadlineExceeded\s+.*Job was active longer than specified deadline/);
  });

  test('Indexed completion mode: each pod gets its index as JOB_COMPLETION_INDEX, the annotation and the label', async () => {
    await apply('1.33', job('indexed', { completions: 3, parallelism: 2, completionMode: 'Indexed' }, shell('echo "index=$JOB_COMPLETION_INDEX host=$(hostname)"')));
    const j = await waitCondition('1.33', 'indexed', 'complete');
    assert.equal(j.status.completedIndexes, '0-2');
    assert.equal(j.status.succeeded, 3);
    const pods = await podsOf('1.33', 'indexed');
    assert.equal(pods.length, 3);
    const indexes = new Set<string>();
    for (const p of pods) {
      const index = p.metadata.annotations['batch.kubernetes.io/job-completion-index'];
      assert.equal(p.metadata.labels['batch.kubernetes.io/job-completion-index'], index);
      assert.ok(p.metadata.name.startsWith(`indexed-${index}-`));
      indexes.add(index);
      for (const v of kubectlVersions) assert.match(await cluster.ok(v, ['logs', p.metadata.name]), new RegExp(`^index=${index} `));
    }
    assert.deepEqual([...indexes].sort(), ['0', '1', '2']);
    assert.match(await cluster.ok('1.27', ['describe', 'job', 'indexed']), /Completion Mode:\s+Indexed[\s\S]*Completed Indexes:\s+0-2/);
  });

  test('ttlSecondsAfterFinished deletes the finished Job and its pods', async () => {
    await apply('1.27', job('short-lived', { ttlSecondsAfterFinished: 6 }, shell('echo bye')));
    const j = await waitFor('the Job to complete', async () => {
      const x = await getJson('1.27', ['job', 'short-lived']);
      return jobCondition(x, 'Complete') ? x : undefined;
    }, 60_000, 200);
    const done = seconds(jobCondition(j, 'Complete').lastTransitionTime);
    await waitFor('the Job to be deleted', async () => {
      const r = await cluster.kubectl('1.27', ['get', 'job', 'short-lived']);
      return r.code !== 0 && /NotFound/.test(r.stderr);
    }, 60_000, 250);
    assert.ok(Date.now() / 1000 - done >= 5, 'not before the TTL');
    await waitFor('its pods to be deleted', async () => (await podsOf('1.27', 'short-lived')).length === 0, 60_000, 250);
  });

  test('suspend: no pods while suspended, they start on resume; suspending a running Job removes its pods without failures', async () => {
    await apply('1.33', job('paused', { suspend: true, completions: 2, parallelism: 2 }, shell('sleep 4')));
    let j = await waitFor('the Suspended condition', async () => {
      const x = await getJson('1.33', ['job', 'paused']);
      return jobCondition(x, 'Suspended') ? x : undefined;
    }, 60_000, 250);
    assert.equal(jobCondition(j, 'Suspended').reason, 'JobSuspended');
    assert.equal(j.status.startTime, undefined);
    assert.equal((await podsOf('1.33', 'paused')).length, 0);

    await cluster.ok('1.27', ['patch', 'job', 'paused', '--type=merge', '-p', '{"spec":{"suspend":false}}']);
    await waitFor('two running pods', async () => (await podsOf('1.33', 'paused')).filter((p) => p.status?.phase === 'Running').length === 2, 60_000, 250);
    j = await getJson('1.33', ['job', 'paused']);
    const resumed = (j.status.conditions ?? []).find((c: any) => c.type === 'Suspended');
    assert.equal(resumed.status, 'False');
    assert.equal(resumed.reason, 'JobResumed');
    assert.ok(j.status.startTime);

    await cluster.ok('1.33', ['patch', 'job', 'paused', '--type=merge', '-p', '{"spec":{"suspend":true}}']);
    await waitFor('the pods of the suspended Job to be gone', async () => (await podsOf('1.33', 'paused')).length === 0, 60_000, 250);
    j = await getJson('1.33', ['job', 'paused']);
    assert.ok(jobCondition(j, 'Suspended'));
    assert.equal(j.status.failed, undefined, 'pods removed by suspension are not failures');
    assert.equal(j.status.active, undefined);

    await cluster.ok('1.33', ['patch', 'job', 'paused', '--type=merge', '-p', '{"spec":{"suspend":false}}']);
    j = await waitCondition('1.33', 'paused', 'complete');
    assert.equal(j.status.succeeded, 2);
    const events = await cluster.ok('1.33', ['describe', 'job', 'paused']);
    assert.match(events, /Normal\s+Suspended\s+.*Job suspended/);
    assert.match(events, /Normal\s+Resumed\s+.*Job resumed/);
  });

  test('podFailurePolicy: FailJob on an exit code fails the Job at once; Ignore does not count', async () => {
    await apply('1.33', job('policy-fail', {
      backoffLimit: 6,
      podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } }] },
    }, shell('exit 42')));
    const j = await waitCondition('1.33', 'policy-fail', 'failed');
    const failed = jobCondition(j, 'Failed');
    assert.equal(failed.reason, 'PodFailurePolicy');
    assert.match(failed.message, /^Container main for pod default\/policy-fail-\w+ failed with exit code 42 matching FailJob rule at index 0$/);
    assert.equal((await podsOf('1.33', 'policy-fail')).length, 1, 'no retry after FailJob');

    // Ignore: the first attempt exits 7 (ignored, not counted, retried at once), the next succeeds.
    // A hostPath directory (in the cluster's data dir) remembers the first attempt across pods.
    const ignorePod = shell('if [ -e /marker/tried ]; then exit 0; fi; touch /marker/tried; exit 7');
    ignorePod.containers[0].volumeMounts = [{ name: 'marker', mountPath: '/marker' }];
    ignorePod.volumes = [{ name: 'marker', hostPath: { path: path.join(cluster.dataDir, 'ignore-marker'), type: 'DirectoryOrCreate' } }];
    await apply('1.33', job('policy-ignore', {
      backoffLimit: 0,
      podFailurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [7] } }] },
    }, ignorePod));
    const k = await waitCondition('1.33', 'policy-ignore', 'complete');
    assert.equal(k.status.failed, undefined);
    assert.equal(k.status.succeeded, 1);
  });
});
