// The tolerations a DaemonSet's pods get on top of their template's (upstream's
// AddOrUpdateDaemonPodTolerations), and which nodes should run (or keep) a daemon pod because of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { daemonTolerations, nodeShouldKeepDaemonPod, nodeShouldRunDaemonPod } from '../../src/controllers/daemonset-controller.js';

const defaults = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

function node(taints: object[], labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels }, spec: { taints } };
}

test('every daemon pod tolerates the node condition taints; hostNetwork pods also network-unavailable', () => {
  assert.deepEqual(daemonTolerations({}), defaults);
  assert.deepEqual(daemonTolerations({ hostNetwork: true }), [
    ...defaults, { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' },
  ]);
});

test('a template toleration equal to a default but for tolerationSeconds is replaced by it; others stay first', () => {
  const own = [
    { key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
  ];
  const got = daemonTolerations({ tolerations: own });
  assert.deepEqual(got[0], own[0]);
  // The pod would otherwise be evicted 30 s after its node became unreachable.
  assert.deepEqual(got.filter((t) => t.key === 'node.kubernetes.io/unreachable'), [defaults[1]]);
  assert.equal(got.length, 1 + defaults.length);
});

test('a toleration for a default key with another operator or value is kept, and the default added', () => {
  const own = [{ key: 'node.kubernetes.io/not-ready', operator: 'Equal', value: 'x', effect: 'NoExecute', tolerationSeconds: 5 }];
  const got = daemonTolerations({ tolerations: own });
  assert.deepEqual(got.filter((t) => t.key === 'node.kubernetes.io/not-ready'), [own[0], defaults[0]]);
});

test('daemon pods go to unschedulable, not-ready and unreachable nodes, not past other taints', () => {
  assert.equal(nodeShouldRunDaemonPod(node([{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]), {}), true);
  assert.equal(nodeShouldRunDaemonPod(node([{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }]), {}), true);
  assert.equal(nodeShouldRunDaemonPod(node([{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]), {}), true);
  const dedicated = node([{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }]);
  assert.equal(nodeShouldRunDaemonPod(dedicated, {}), false);
  assert.equal(nodeShouldRunDaemonPod(dedicated, { tolerations: [{ key: 'dedicated', operator: 'Exists' }] }), true);
  // PreferNoSchedule does not keep a daemon pod away.
  assert.equal(nodeShouldRunDaemonPod(node([{ key: 'soft', effect: 'PreferNoSchedule' }]), {}), true);
  assert.equal(nodeShouldRunDaemonPod(node([], { disk: 'hdd' }), { nodeSelector: { disk: 'ssd' } }), false);
});

test('a daemon pod already on a node stays past a NoSchedule taint, not past an untolerated NoExecute one or a lost label', () => {
  const dedicated = (effect: string) => node([{ key: 'dedicated', value: 'infra', effect }], { disk: 'ssd' });
  assert.equal(nodeShouldRunDaemonPod(dedicated('NoSchedule'), {}), false);
  assert.equal(nodeShouldKeepDaemonPod(dedicated('NoSchedule'), {}), true);
  assert.equal(nodeShouldKeepDaemonPod(dedicated('NoExecute'), {}), false);
  assert.equal(nodeShouldKeepDaemonPod(node([{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }]), {}), true);
  assert.equal(nodeShouldKeepDaemonPod(node([], { disk: 'hdd' }), { nodeSelector: { disk: 'ssd' } }), false);
});
