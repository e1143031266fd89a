// The Job controller with an injectable clock, against an in-process API server on a memory store
// (the test plays the kubelet and fails every pod): failed pods are re-created after upstream's
// exponential delay (10 s, then 20 s), backoffLimit ends the Job, and a controller restart while a
// pod fails neither loses nor double-counts it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../src/storage/memory.js';
import { defaultRegistry } from '../../src/api/registry.js';
import { ResourceService } from '../../src/apiserver/resource-service.js';
import { LocalApiClient } from '../../src/apiserver/local-client.js';
import { nowTimestamp, type KubeObject } from '../../src/api/object.js';
import type { ApiClient } from '../../src/client/api-client.js';
import type { ResourceRef } from '../../src/client/resource-ref.js';
import { JobController, trackingFinalizer } from '../../src/controllers/job-controller.js';
import { waitFor } from '../support/cluster.js';
import { refs } from '../support/refs.js';

const jobs: ResourceRef = { group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true };
const ns = 'batch-test';

let client: ApiClient;
let clock = Date.now();
const running: JobController[] = [];

before(async () => {
  const registry = defaultRegistry();
  client = new LocalApiClient(new ResourceService(new MemoryStore(), registry), registry);
  await client.create(refs.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
});

after(() => {
  for (const c of running) c.stop();
});

function startController(): JobController {
  const c = new JobController(client, { now: () => clock });
  running.push(c);
  return c;
}

async function podsOf(name: string): Promise<KubeObject[]> {
  const list = await client.list(refs.pods, ns, { labelSelector: `batch.kubernetes.io/job-name=${name}` });
  return list.items.sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
}

/** What a node does when the container exits 1: the pod fails, at the test's clock. */
async function failPod(pod: KubeObject): Promise<void> {
  const at = nowTimestamp(new Date(clock));
  await client.patch(refs.pods, ns, pod.metadata.name!, 'merge', {
    status: {
      phase: 'Failed',
      containerStatuses: [{ name: 'main', ready: false, restartCount: 0, image: 'busybox', imageID: '', started: false, state: { terminated: { exitCode: 1, reason: 'Error', startedAt: at, finishedAt: at } } }],
    },
  }, { subresource: 'status' });
}

async function jobStatus(name: string): Promise<any> {
  return (await client.get(jobs, ns, name)).status ?? {};
}

async function podCountStays(name: string, n: number): Promise<void> {
  await new Promise((r) => setTimeout(r, 400));
  assert.equal((await podsOf(name)).length, n);
}

test('failed pods come back after 10 s, then 20 s; past backoffLimit the Job fails; a restart counts each failure once', async () => {
  let controller = startController();
  await controller.start();
  await client.create(jobs, ns, {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'flaky' },
    spec: { backoffLimit: 2, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['false'] }] } } },
  });
  const [first] = await waitFor('the first pod', async () => {
    const p = await podsOf('flaky');
    return p.length === 1 && p;
  });
  assert.deepEqual(first.metadata.finalizers, [trackingFinalizer]);
  await failPod(first);
  await waitFor('the failure to be counted', async () => (await jobStatus('flaky')).failed === 1);
  assert.deepEqual((await client.get(refs.pods, ns, first.metadata.name!)).metadata.finalizers ?? [], []);

  // 9 s later: still backing off; 11 s: the replacement.
  clock += 9_000;
  controller.resync();
  await podCountStays('flaky', 1);
  clock += 2_000;
  controller.resync();
  const second = await waitFor('the second pod', async () => (await podsOf('flaky')).find((p) => p.metadata.uid !== first.metadata.uid));

  // The controller is down when the second pod fails; the new one counts it exactly once.
  controller.stop();
  await failPod(second);
  controller = startController();
  await controller.start();
  await waitFor('the second failure to be counted', async () => (await jobStatus('flaky')).failed === 2);
  controller.resync();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await jobStatus('flaky')).failed, 2, 'counted once');
  assert.deepEqual((await jobStatus('flaky')).uncountedTerminatedPods, {});

  // Second failure: 20 s.
  clock += 19_000;
  controller.resync();
  await podCountStays('flaky', 2);
  clock += 2_000;
  controller.resync();
  const third = await waitFor('the third pod', async () => (await podsOf('flaky')).find((p) => ![first.metadata.uid, second.metadata.uid].includes(p.metadata.uid)));
  await failPod(third);

  const status = await waitFor('the Job to fail', async () => {
    const s = await jobStatus('flaky');
    return (s.conditions ?? []).some((c: any) => c.type === 'Failed' && c.status === 'True') && s;
  });
  assert.equal(status.failed, 3);
  const failed = status.conditions.find((c: any) => c.type === 'Failed');
  assert.equal(failed.reason, 'BackoffLimitExceeded');
  assert.equal(failed.message, 'Job has reached the specified backoff limit');
  assert.ok(status.conditions.some((c: any) => c.type === 'FailureTarget' && c.reason === 'BackoffLimitExceeded'));
  assert.equal(status.active, undefined);
  await podCountStays('flaky', 3);
});

test('activeDeadlineSeconds is measured on the controller\'s clock', async () => {
  const controller = startController();
  await controller.start();
  await client.create(jobs, ns, {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'deadline' },
    spec: { activeDeadlineSeconds: 30, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] } } },
  });
  await waitFor('the pod', async () => (await podsOf('deadline')).length === 1);
  clock += 29_000;
  controller.resync();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await jobStatus('deadline')).conditions, undefined);
  clock += 2_000;
  controller.resync();
  const s = await waitFor('FailureTarget DeadlineExceeded', async () => {
    const x = await jobStatus('deadline');
    return (x.conditions ?? []).some((c: any) => c.type === 'FailureTarget' && c.reason === 'DeadlineExceeded') && x;
  });
  assert.ok(s);
  // Its pod is deleted (and, being deleted, counted as failed).
  await waitFor('the pod to be deleted', async () => (await podsOf('deadline')).every((p) => p.metadata.deletionTimestamp));
  await waitFor('the deleted pod to be counted', async () => (await jobStatus('deadline')).failed === 1);
});
