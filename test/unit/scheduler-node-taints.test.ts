// The scheduler keeps pods off nodes that are not Ready or unreachable, even when the node carries
// only the NoExecute taint the node lifecycle controller adds: pods tolerate that one for a while
// (DefaultTolerationSeconds), never the NoSchedule one upstream keeps beside it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { effectiveTaints, filterNode } from '../../src/scheduler/fit.js';
import { NodeUsageIndex } from '../../src/scheduler/node-usage.js';

function node(name: string, ready: string | undefined, taints: object[] = []): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Node', metadata: { name },
    spec: { taints },
    status: { conditions: ready ? [{ type: 'Ready', status: ready }] : [], allocatable: { cpu: '4', memory: '8Gi', pods: '110' } },
  };
}

/** A pod as the DefaultTolerationSeconds admission leaves it. */
const defaultTolerations = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];
const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { tolerations: defaultTolerations, containers: [{ name: 'c' }] } };

function failures(n: KubeObject, p: KubeObject = pod): string[] {
  return filterNode(p, n, new NodeUsageIndex().usage(n.metadata.name!), new Map());
}

test('a node tainted NoExecute by the node lifecycle controller also counts as tainted NoSchedule', () => {
  const unreachable = node('gone', 'Unknown', [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }]);
  assert.deepEqual(effectiveTaints(unreachable).map((t) => `${t.key}:${t.effect}`), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
  assert.deepEqual(failures(unreachable), ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }']);
  const notReady = node('sick', 'False', [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]);
  assert.deepEqual(failures(notReady), ['node(s) had untolerated taint {node.kubernetes.io/not-ready: }']);
  // A node that never reported (no Ready condition) is not ready either.
  assert.deepEqual(failures(node('new', undefined, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }])), ['node(s) had untolerated taint {node.kubernetes.io/not-ready: }']);
});

test('a NoSchedule taint already there is not doubled; a pod tolerating the key with any effect fits; Ready nodes fit', () => {
  const both = node('gone', 'Unknown', [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }]);
  assert.equal(effectiveTaints(both).length, 2);
  const tolerant: KubeObject = { ...pod, spec: { ...pod.spec, tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }] } };
  assert.deepEqual(failures(both, tolerant), []);
  assert.deepEqual(failures(node('fine', 'True')), []);
});
