// Which pods a replica set deletes first on scale-down, criterion by criterion, and what counts as
// active, ready and available.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { compareForDeletion, isPodActive, isPodAvailable, podsToDelete } from '../../src/controllers/active-pods.js';

const now = Date.parse('2024-06-01T12:00:00Z');
const ago = (s: number) => new Date(now - s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface PodShape {
  name: string;
  node?: string;
  phase?: string;
  readySince?: number;
  restarts?: number;
  createdAgo?: number;
  cost?: string;
}

function pod(p: PodShape): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name: p.name, uid: `uid-${p.name}`, creationTimestamp: ago(p.createdAgo ?? 3600),
      annotations: p.cost ? { 'controller.kubernetes.io/pod-deletion-cost': p.cost } : undefined,
    },
    spec: { nodeName: p.node },
    status: {
      phase: p.phase ?? 'Running',
      conditions: p.readySince !== undefined ? [{ type: 'Ready', status: 'True', lastTransitionTime: ago(p.readySince) }] : [{ type: 'Ready', status: 'False' }],
      containerStatuses: [{ name: 'app', restartCount: p.restarts ?? 0 }],
    },
  };
}

/** Asserts `first` is deleted before `second`, both ways round. */
function before(first: KubeObject, second: KubeObject, ranks: [number, number] = [0, 0]): void {
  assert.ok(compareForDeletion(first, second, now, ranks[0], ranks[1]) < 0, `${first.metadata.name} before ${second.metadata.name}`);
  assert.ok(compareForDeletion(second, first, now, ranks[1], ranks[0]) > 0, `${second.metadata.name} after ${first.metadata.name}`);
}

const base = { node: 'n1', readySince: 3600 };

test('unassigned pods go before assigned ones', () => {
  before(pod({ ...base, name: 'a', node: undefined }), pod({ ...base, name: 'b' }));
});

test('Pending before Unknown before Running', () => {
  before(pod({ ...base, name: 'a', phase: 'Pending' }), pod({ ...base, name: 'b', phase: 'Unknown' }));
  before(pod({ ...base, name: 'a', phase: 'Unknown' }), pod({ ...base, name: 'b', phase: 'Running' }));
});

test('not ready before ready', () => {
  before(pod({ ...base, name: 'a', readySince: undefined }), pod({ ...base, name: 'b' }));
});

test('lower pod-deletion-cost first, then pods doubled up on a node', () => {
  before(pod({ ...base, name: 'a', cost: '-5' }), pod({ ...base, name: 'b' }));
  before(pod({ ...base, name: 'a' }), pod({ ...base, name: 'b', cost: '10' }));
  before(pod({ ...base, name: 'a' }), pod({ ...base, name: 'b' }), [3, 1]);
});

test('ready for less time first (compared on a logarithmic scale)', () => {
  before(pod({ ...base, name: 'a', readySince: 10 }), pod({ ...base, name: 'b', readySince: 3600 }));
  // 100 s and 110 s fall in the same power-of-two bucket: the next criterion decides.
  before(pod({ ...base, name: 'a', readySince: 100, restarts: 3 }), pod({ ...base, name: 'b', readySince: 110 }));
});

test('more restarts first, then newer first', () => {
  before(pod({ ...base, name: 'a', restarts: 5 }), pod({ ...base, name: 'b', restarts: 1 }));
  // Sidecar (restartPolicy Always init container) restarts break a tie of regular ones, and only that.
  const withSidecar = (name: string, restarts: number, sidecarRestarts: number, createdAgo = 3600) => {
    const p = pod({ ...base, name, restarts, createdAgo });
    p.spec.initContainers = [{ name: 'proxy', restartPolicy: 'Always' }, { name: 'setup' }];
    p.status.initContainerStatuses = [{ name: 'proxy', restartCount: sidecarRestarts }, { name: 'setup', restartCount: 9 }];
    return p;
  };
  before(withSidecar('a', 1, 3, 86400), withSidecar('b', 1, 0, 60));
  before(withSidecar('a', 2, 0), withSidecar('b', 1, 7));
  // A plain init container's restarts do not count: newer first decides.
  before(withSidecar('a', 1, 0, 60), withSidecar('b', 1, 0, 86400));
  before(pod({ ...base, name: 'a', createdAgo: 60 }), pod({ ...base, name: 'b', createdAgo: 86400 }));
});

test('podsToDelete picks the worst pods and spreads what remains across nodes', () => {
  const pods = [
    pod({ name: 'ready-old', node: 'n1', readySince: 86400 }),
    pod({ name: 'not-ready', node: 'n1' }),
    pod({ name: 'pending', node: undefined, phase: 'Pending' }),
    pod({ name: 'crowded', node: 'n2', readySince: 86400 }),
  ];
  assert.deepEqual(podsToDelete(pods, pods, 2, now).map((p) => p.metadata.name), ['pending', 'not-ready']);
  const related = [...pods, pod({ name: 'sibling-1', node: 'n2', readySince: 5 }), pod({ name: 'sibling-2', node: 'n2', readySince: 5 })];
  assert.deepEqual(podsToDelete(pods, related, 3, now).map((p) => p.metadata.name), ['pending', 'not-ready', 'crowded']);
  assert.equal(podsToDelete(pods, pods, 9, now).length, 4);
});

test('terminating and finished pods are not active; availability waits minReadySeconds', () => {
  assert.ok(isPodActive(pod({ name: 'a' })));
  assert.ok(!isPodActive(pod({ name: 'a', phase: 'Succeeded' })));
  assert.ok(!isPodActive(pod({ name: 'a', phase: 'Failed' })));
  const terminating = pod({ name: 'a' });
  terminating.metadata.deletionTimestamp = ago(0);
  assert.ok(!isPodActive(terminating));

  const readyFor10s = pod({ name: 'a', readySince: 10 });
  assert.ok(isPodAvailable(readyFor10s, 0, now));
  assert.ok(isPodAvailable(readyFor10s, 9, now));
  assert.ok(!isPodAvailable(readyFor10s, 10, now), 'ready for exactly minReadySeconds is not yet available');
  assert.ok(!isPodAvailable(pod({ name: 'b' }), 0, now));
});
