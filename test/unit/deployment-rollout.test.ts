// The Deployment controller's pure logic: maxSurge/maxUnavailable resolution, rolling-update
// steps, proportional scaling, revision annotations and the status conditions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { maxSurge, maxUnavailable, resolveFenceposts, withDeploymentDefaults, type Deployment } from '../../src/controllers/deployment-spec.js';
import { newReplicaSetReplicas, oldReplicaSetScaleDowns } from '../../src/controllers/deployment-rolling.js';
import { scaleSteps } from '../../src/controllers/deployment-scaling.js';
import { setNewReplicaSetAnnotations } from '../../src/controllers/deployment-revision.js';
import { rolloutStatus } from '../../src/controllers/deployment-status.js';

const now = Date.parse('2024-06-01T12:00:00Z');

function deploy(replicas: number, strategy: Record<string, unknown> = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } }, extra: Record<string, unknown> = {}): Deployment {
  return withDeploymentDefaults({
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', namespace: 'ns', generation: 1, ...extra },
    spec: { replicas, strategy, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } } } },
  });
}

let created = 0;
function rs(name: string, replicas: number, available = replicas, annotations: Record<string, string> = {}): KubeObject {
  created++;
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name, creationTimestamp: new Date(now - 100_000 + created * 1000).toISOString(), annotations },
    spec: { replicas },
    status: { replicas, readyReplicas: available, availableReplicas: available },
  };
}

const sizes = (steps: { rs: KubeObject; replicas: number }[]) => steps.map((s) => [s.rs.metadata.name, s.replicas]);

test('fenceposts: surge rounds up, unavailable down; both zero means one unavailable', () => {
  assert.deepEqual(resolveFenceposts('25%', '25%', 10), { surge: 3, unavailable: 2 });
  assert.deepEqual(resolveFenceposts('25%', '25%', 1), { surge: 1, unavailable: 0 });
  assert.deepEqual(resolveFenceposts(0, '10%', 5), { surge: 0, unavailable: 1 });
  assert.deepEqual(resolveFenceposts(2, 0, 5), { surge: 2, unavailable: 0 });
  assert.throws(() => resolveFenceposts('1', 0, 5), /not a percentage/);
});

test('maxSurge and maxUnavailable of a Deployment: defaults, clamping, Recreate', () => {
  const defaulted = withDeploymentDefaults({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 4 } });
  assert.deepEqual(defaulted.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(maxSurge(defaulted), 1);
  assert.equal(maxUnavailable(defaulted), 1);
  assert.equal(maxUnavailable(deploy(3, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 5 } })), 3);
  assert.equal(maxUnavailable(deploy(0)), 0);
  const recreate = deploy(3, { type: 'Recreate' });
  assert.equal(maxSurge(recreate), 0);
  assert.equal(maxUnavailable(recreate), 0);
});

test('the new replica set grows within the surge budget; Recreate takes all at once', () => {
  const d = deploy(3);
  const old = rs('old', 3);
  const fresh = rs('new', 0);
  assert.equal(newReplicaSetReplicas(d, [old, fresh], fresh), 1);
  assert.equal(newReplicaSetReplicas(d, [rs('old', 2), rs('n', 2)], rs('n', 2)), 2, 'total at replicas + surge: no growth');
  const first = rs('first', 0);
  assert.equal(newReplicaSetReplicas(d, [first], first), 3);
  assert.equal(newReplicaSetReplicas(deploy(3, { type: 'Recreate' }), [old, fresh], fresh), 3);
});

test('old replica sets shrink only as far as availability allows', () => {
  const d = deploy(3);
  const old = rs('old', 3);
  const fresh = rs('new', 1, 0);
  assert.deepEqual(sizes(oldReplicaSetScaleDowns(d, [old, fresh], [old], fresh)), [['old', 2]]);

  const waiting = rs('new', 2, 0);
  const old2 = rs('old', 2);
  assert.deepEqual(oldReplicaSetScaleDowns(d, [old2, waiting], [old2], waiting), [], 'new pods not available: hold');

  const readyNew = rs('new', 2, 2);
  const old3 = rs('old', 2);
  assert.deepEqual(sizes(oldReplicaSetScaleDowns(d, [old3, readyNew], [old3], readyNew)), [['old', 0]], 'two new available: old may go');
});

test('a replica set still reporting pods it is deleting does not count them as available', () => {
  const d = deploy(3);
  const old = rs('old', 2, 3); // just scaled 3 → 2; status not caught up
  const fresh = rs('new', 2, 1);
  assert.deepEqual(sizes(oldReplicaSetScaleDowns(d, [old, fresh], [old], fresh)), [['old', 1]]);
});

test('unavailable old pods are cleaned up first, oldest replica set first', () => {
  const d = deploy(4, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
  const older = rs('older', 2, 0);
  const newer = rs('newer', 2, 2);
  const fresh = rs('new', 0);
  assert.deepEqual(sizes(oldReplicaSetScaleDowns(d, [older, newer, fresh], [older, newer], fresh)), [['older', 1]]);
});

test('scaling mid-rollout is proportional; a lone replica set takes the whole count', () => {
  const d = deploy(20, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 0 } });
  d.status = { replicas: 13 };
  const old = rs('old', 5, 5, { 'deployment.kubernetes.io/max-replicas': '13', 'deployment.kubernetes.io/desired-replicas': '10' });
  const fresh = rs('new', 8, 8, { 'deployment.kubernetes.io/max-replicas': '13', 'deployment.kubernetes.io/desired-replicas': '10' });
  const steps = scaleSteps(d, fresh, [old]);
  assert.deepEqual(sizes(steps), [['new', 14], ['old', 9]]);
  assert.ok(steps.every((s) => s.operation === 'up'));

  const down = deploy(5, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 0 } });
  assert.deepEqual(sizes(scaleSteps(down, fresh, [old])), [['new', 5], ['old', 3]]);

  const lone = rs('only', 3);
  assert.deepEqual(sizes(scaleSteps(deploy(5), lone, [rs('retired', 0)])), [['only', 5]]);
  assert.deepEqual(scaleSteps(deploy(3), lone, []), []);
});

test('a re-used replica set gets the next revision and remembers its old ones', () => {
  const d = deploy(3, undefined, { annotations: { 'kubernetes.io/change-cause': 'undo', 'kubectl.kubernetes.io/last-applied-configuration': '{}' } });
  const reused = rs('a', 0, 0, { 'deployment.kubernetes.io/revision': '1' });
  assert.ok(setNewReplicaSetAnnotations(d, reused, 3, true, 0, 0));
  assert.equal(reused.metadata.annotations!['deployment.kubernetes.io/revision'], '3');
  assert.equal(reused.metadata.annotations!['deployment.kubernetes.io/revision-history'], '1');
  assert.equal(reused.metadata.annotations!['kubernetes.io/change-cause'], 'undo');
  assert.equal(reused.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration'], undefined);
  assert.ok(setNewReplicaSetAnnotations(d, reused, 5, true, 0, 0));
  assert.equal(reused.metadata.annotations!['deployment.kubernetes.io/revision-history'], '1,3');
  assert.ok(!setNewReplicaSetAnnotations(d, reused, 5, true, 0, 0), 'nothing left to change');

  const fresh = rs('b', 0, 0);
  setNewReplicaSetAnnotations(d, fresh, 1, false, 3, 4);
  assert.deepEqual(
    ['revision', 'desired-replicas', 'max-replicas'].map((k) => fresh.metadata.annotations![`deployment.kubernetes.io/${k}`]),
    ['1', '3', '4'],
  );
  assert.equal(fresh.metadata.annotations!['deployment.kubernetes.io/revision-history'], undefined);
});

test('rollout status: progressing while pods move, complete with upstream messages', () => {
  const d = deploy(3);
  d.status = { replicas: 3, updatedReplicas: 1, availableReplicas: 2, conditions: [] };
  const old = rs('web-old', 2);
  const fresh = rs('web-new', 2, 1);
  const moving = rolloutStatus(d, [old, fresh], fresh, now);
  const progressing = moving.conditions!.find((c) => c.type === 'Progressing')!;
  assert.deepEqual([progressing.status, progressing.reason, progressing.message], ['True', 'ReplicaSetUpdated', 'ReplicaSet "web-new" is progressing.']);
  assert.equal(moving.unavailableReplicas, 1);

  const done = rs('web-new', 3, 3);
  const complete = rolloutStatus(d, [rs('web-old', 0, 0), done], done, now);
  const c = complete.conditions!.find((x) => x.type === 'Progressing')!;
  assert.deepEqual([c.status, c.reason, c.message], ['True', 'NewReplicaSetAvailable', 'ReplicaSet "web-new" has successfully progressed.']);
  const a = complete.conditions!.find((x) => x.type === 'Available')!;
  assert.deepEqual([a.status, a.reason], ['True', 'MinimumReplicasAvailable']);
  assert.deepEqual([complete.replicas, complete.updatedReplicas, complete.availableReplicas, complete.observedGeneration], [3, 3, 3, 1]);
  assert.equal(complete.unavailableReplicas, undefined, 'zero counts are omitted');

  const stuck = deploy(3, undefined, {});
  stuck.spec.progressDeadlineSeconds = 60;
  const since = new Date(now - 120_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  stuck.status = { replicas: 1, updatedReplicas: 1, conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: since, lastTransitionTime: since }] };
  const pending = rs('web-new', 1, 0);
  pending.status.replicas = 1;
  const timedOut = rolloutStatus(stuck, [pending], pending, now).conditions!.find((x) => x.type === 'Progressing')!;
  assert.deepEqual([timedOut.status, timedOut.reason, timedOut.message], ['False', 'ProgressDeadlineExceeded', 'ReplicaSet "web-new" has timed out progressing.']);
});
