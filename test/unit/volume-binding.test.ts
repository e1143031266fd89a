import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { claimProblem, noVolumesToBind, unboundImmediateClaims, volumeNodeAffinityConflict, volumesProblemOnNode, type VolumeObjects } from '../../src/scheduler/volume-binding.js';

const obj = (kind: string, name: string, rest: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: 'v1', kind, metadata: { name, namespace: 'default', ...meta }, ...rest }) as KubeObject;

function objects(claims: KubeObject[], volumes: KubeObject[] = [], classes: KubeObject[] = []): VolumeObjects {
  return {
    claim: (_ns, n) => claims.find((c) => c.metadata.name === n),
    volume: (n) => volumes.find((v) => v.metadata.name === n),
    volumes: () => volumes,
    storageClass: (n) => classes.find((c) => c.metadata.name === n),
    defaultStorageClass: () => classes.find((c) => c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true'),
  };
}

const pod = obj('Pod', 'p', { spec: { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'c' } }, { name: 'e', emptyDir: {} }] } });
const node = (name: string) => obj('Node', name, {}, { namespace: undefined, labels: { 'kubernetes.io/hostname': name } });
const wffc = obj('StorageClass', 'local-path', { volumeBindingMode: 'WaitForFirstConsumer' }, { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } });
const immediate = obj('StorageClass', 'fast', { volumeBindingMode: 'Immediate' });

test('missing and deleted claims are whole messages; unbound Immediate claims a per-node reason', () => {
  assert.deepEqual(claimProblem(pod, objects([])), { message: 'persistentvolumeclaim "c" not found' });
  assert.deepEqual(claimProblem(pod, objects([obj('PersistentVolumeClaim', 'c', {}, { deletionTimestamp: '2026-01-01T00:00:00Z' })])), { message: 'persistentvolumeclaim "c" is being deleted' });
  assert.deepEqual(claimProblem(pod, objects([obj('PersistentVolumeClaim', 'c', { spec: { storageClassName: 'fast' } })], [], [immediate])), { reason: unboundImmediateClaims });
  // No class at all ("") never waits for a consumer.
  assert.deepEqual(claimProblem(pod, objects([obj('PersistentVolumeClaim', 'c', { spec: { storageClassName: '' } })], [], [wffc])), { reason: unboundImmediateClaims });
});

test('WaitForFirstConsumer claims (named or by the default class) and bound claims let the pod be scheduled', () => {
  assert.equal(claimProblem(pod, objects([obj('PersistentVolumeClaim', 'c', { spec: { storageClassName: 'local-path' } })], [], [wffc])), undefined);
  assert.equal(claimProblem(pod, objects([obj('PersistentVolumeClaim', 'c', { spec: {} })], [], [wffc])), undefined);
  assert.equal(claimProblem(pod, objects([obj('PersistentVolumeClaim', 'c', { spec: { volumeName: 'v' }, status: { phase: 'Bound' } })])), undefined);
  assert.equal(claimProblem(obj('Pod', 'q', { spec: {} }), objects([])), undefined);
});

const onlyOn = (node: string) => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } });

test('a bound volume\'s node affinity limits the nodes', () => {
  const claim = obj('PersistentVolumeClaim', 'c', { spec: { volumeName: 'v' }, status: { phase: 'Bound' } });
  const pinned = obj('PersistentVolume', 'v', { spec: { nodeAffinity: onlyOn('a') } });
  assert.equal(volumesProblemOnNode(pod, node('a'), objects([claim], [pinned])), undefined);
  assert.equal(volumesProblemOnNode(pod, node('b'), objects([claim], [pinned])), volumeNodeAffinityConflict);
  assert.equal(volumesProblemOnNode(pod, node('b'), objects([claim], [obj('PersistentVolume', 'v', { spec: {} })])), undefined);
});

test('a WaitForFirstConsumer claim of a class that cannot provision needs a free volume the node reaches', () => {
  const manual = obj('StorageClass', 'local-storage', { provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' });
  const claim = obj('PersistentVolumeClaim', 'c', { spec: { storageClassName: 'local-storage', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
  const local = obj('PersistentVolume', 'on-a', { spec: { storageClassName: 'local-storage', accessModes: ['ReadWriteOnce'], capacity: { storage: '5Gi' }, nodeAffinity: onlyOn('a') } }, { namespace: undefined });
  const vols = objects([claim], [local], [manual]);
  assert.equal(volumesProblemOnNode(pod, node('a'), vols), undefined);
  assert.equal(volumesProblemOnNode(pod, node('b'), vols), noVolumesToBind);
  // One taken by another claim is no help.
  const taken = obj('PersistentVolume', 'on-a', { spec: { ...local.spec, claimRef: { namespace: 'default', name: 'other', uid: 'x' } } }, { namespace: undefined });
  assert.equal(volumesProblemOnNode(pod, node('a'), objects([claim], [taken], [manual])), noVolumesToBind);
  // A class that provisions (local-path) fits every node.
  const provisioned = obj('PersistentVolumeClaim', 'c', { spec: { storageClassName: 'local-path' } });
  assert.equal(volumesProblemOnNode(pod, node('b'), objects([provisioned], [], [{ ...wffc, provisioner: 'rancher.io/local-path' } as KubeObject])), undefined);
});
