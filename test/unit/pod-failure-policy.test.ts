// A Job's podFailurePolicy: the first rule that matches a failed pod decides, on exit codes (In /
// NotIn, optionally one container, exit 0 never matching) or on pod conditions, with upstream's
// FailJob messages; a pod no rule matches counts towards backoffLimit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { evaluateFailurePolicy } from '../../src/controllers/pod-failure-policy.js';

function failedPod(exits: Record<string, number>, conditions: { type: string; status: string }[] = [], init: Record<string, number> = {}): KubeObject {
  const statuses = (m: Record<string, number>) => Object.entries(m).map(([name, exitCode]) => ({ name, state: { terminated: { exitCode } } }));
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p-1', namespace: 'ns' },
    status: { phase: 'Failed', conditions, containerStatuses: statuses(exits), initContainerStatuses: statuses(init) },
  };
}

test('exit codes: In and NotIn, a named container only, exit 0 never matches', () => {
  const policy = { rules: [
    { action: 'Ignore', onExitCodes: { containerName: 'side', operator: 'In', values: [1] } },
    { action: 'FailJob', onExitCodes: { operator: 'NotIn', values: [1, 2] } },
  ] };
  assert.deepEqual(evaluateFailurePolicy(policy, failedPod({ main: 0, side: 1 })).action, 'Ignore');
  // main's 1 is not side's: the first rule does not match; NotIn [1, 2] does not hold for 1 either.
  assert.deepEqual(evaluateFailurePolicy(policy, failedPod({ main: 1, side: 0 })), { action: 'Count' });
  assert.deepEqual(evaluateFailurePolicy(policy, failedPod({ main: 3, side: 0 })), {
    action: 'FailJob', message: 'Container main for pod ns/p-1 failed with exit code 3 matching FailJob rule at index 1',
  });
  assert.deepEqual(evaluateFailurePolicy(policy, failedPod({ main: 0 }, [], { setup: 7 })).action, 'FailJob', 'init containers count too');
});

test('pod conditions: type and status must both match; the message names the condition', () => {
  const policy = { rules: [
    { action: 'Count', onPodConditions: [{ type: 'DisruptionTarget', status: 'False' }] },
    { action: 'FailJob', onPodConditions: [{ type: 'ConfigIssue', status: 'True' }, { type: 'DisruptionTarget', status: 'True' }] },
  ] };
  assert.deepEqual(evaluateFailurePolicy(policy, failedPod({ main: 137 }, [{ type: 'DisruptionTarget', status: 'True' }])), {
    action: 'FailJob', message: 'Pod ns/p-1 has condition DisruptionTarget matching FailJob rule at index 1',
  });
  assert.equal(evaluateFailurePolicy(policy, failedPod({ main: 137 }, [{ type: 'DisruptionTarget', status: 'False' }])).action, 'Count');
  assert.deepEqual(evaluateFailurePolicy(policy, failedPod({ main: 137 }, [{ type: 'Ready', status: 'False' }])), { action: 'Count' });
  assert.deepEqual(evaluateFailurePolicy(undefined, failedPod({ main: 1 })), { action: 'Count' });
});
