// The Job controller counts each finished pod once even when its pod cache lags behind its Job
// cache (as informers on separate watches may): after a pod's UID has been folded from
// uncountedTerminatedPods into the counters, a stale copy of the pod still carrying the
// job-tracking finalizer must not be counted again (upstream's finalizer-removal expectations).
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
const ns = 'tracking';
const podLagMs = 300;

let client: ApiClient;
let controller: JobController;

/** Pod watch events on their way to the controller. */
let inFlight = 0;

function later(ms: number, fn: () => void): void {
  inFlight++;
  setTimeout(() => {
    inFlight--;
    fn();
  }, ms);
}

/** The controller's view: pod watch events arrive late, Job events at once. */
function withPodWatchLag(inner: ApiClient, ms: number): ApiClient {
  const lagging: ApiClient = Object.create(inner);
  lagging.watch = (ref, namespace, opts, onEvent, onClose) => (ref.plural !== 'pods'
    ? inner.watch(ref, namespace, opts, onEvent, onClose)
    : inner.watch(ref, namespace, opts, (ev) => later(ms, () => onEvent(ev)), (err) => later(ms, () => onClose(err))));
  return lagging;
}

before(async () => {
  const registry = defaultRegistry();
  client = new LocalApiClient(new ResourceService(new MemoryStore(), registry), registry);
  await client.create(refs.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  controller = new JobController(withPodWatchLag(client, podLagMs));
  await controller.start();
});

after(() => controller?.stop());

async function succeedPod(pod: KubeObject): Promise<void> {
  const at = nowTimestamp();
  await client.patch(refs.pods, ns, pod.metadata.name!, 'merge', {
    status: {
      phase: 'Succeeded',
      containerStatuses: [{ name: 'main', ready: false, restartCount: 0, image: 'busybox', imageID: '', started: false, state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: at, finishedAt: at } } }],
    },
  }, { subresource: 'status' });
}

test('finished pods are counted once although the pod cache is behind', { timeout: 60_000 }, async () => {
  await client.create(jobs, ns, {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'three' },
    spec: { completions: 3, parallelism: 3, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['true'] }] } } },
  });
  let maxSucceeded = 0;
  const list = await client.list(jobs, ns);
  const watch = client.watch(jobs, ns, { resourceVersion: list.metadata.resourceVersion }, (ev) => {
    if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') return;
    maxSucceeded = Math.max(maxSucceeded, ev.object.status?.succeeded ?? 0);
    // Counting a pod twice feeds on itself (each count is a write that syncs the Job again): stop it.
    if (maxSucceeded > 3) controller.stop();
  }, () => undefined);
  try {
    const pods = await waitFor('three pods', async () => {
      const l = (await client.list(refs.pods, ns)).items;
      return l.length === 3 && l;
    }, 30_000);
    for (const p of pods) await succeedPod(p);
    await waitFor('the Job complete', async () => {
      const j = await client.get(jobs, ns, 'three');
      return j.status?.conditions?.some((c: any) => c.type === 'Complete' && c.status === 'True');
    }, 30_000);
    await waitFor('every tracking finalizer removed', async () => {
      const l = (await client.list(refs.pods, ns)).items;
      return l.every((p) => !p.metadata.finalizers?.includes(trackingFinalizer));
    }, 30_000);
    // Every stale copy has reached the controller; a moment more for the syncs they cause.
    await waitFor('the lagging pod events delivered', () => inFlight === 0, 30_000, 20);
    await new Promise((r) => setTimeout(r, 200));
    const j = await client.get(jobs, ns, 'three');
    assert.equal(j.status.succeeded, 3);
    assert.equal(maxSucceeded, 3, 'never counted more than three');
    assert.deepEqual(j.status.uncountedTerminatedPods, {});
    // Seen running in the stale cache after the Job completed, they are not "leftover" pods to delete.
    const left = (await client.list(refs.pods, ns)).items;
    assert.equal(left.filter((p) => p.status?.phase === 'Succeeded' && !p.metadata.deletionTimestamp).length, 3, 'the succeeded pods are kept');
  } finally {
    watch.stop();
  }
});
