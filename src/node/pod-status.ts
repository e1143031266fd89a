// A pod's status from what the worker knows: phase, conditions and container statuses, computed
// as upstream's kubelet does (getPhase, generateContainersReadyCondition, …).
import { nowTimestamp, type KubeObject } from '../api/object.js';
import type { ContainerRecord } from './container-record.js';

export interface PodStatusInput {
  pod: KubeObject;
  uid: string;
  containers: ContainerRecord[];
  podIP?: string;
  hostIP: string;
  startTime?: string;
  finalPhase?: 'Succeeded' | 'Failed';
  finalReason?: { reason: string; message: string };
  sandboxReady: boolean;
}

function phaseOf(input: PodStatusInput, initDone: boolean): string {
  if (input.finalPhase) return input.finalPhase;
  if (!initDone) return 'Pending';
  const apps = input.containers.filter((c) => c.kind === 'app');
  if (apps.some((c) => !c.isRunning && !c.terminated && !c.lastTerminated)) return 'Pending';
  return 'Running';
}

export function computePodStatus(input: PodStatusInput): Record<string, unknown> {
  const { pod, containers } = input;
  const inits = containers.filter((c) => c.kind !== 'app');
  const apps = containers.filter((c) => c.kind === 'app');
  const incompleteInit = inits.filter((c) => (c.kind === 'init' ? c.terminated?.exitCode !== 0 : !c.started)).map((c) => c.name);
  const initDone = incompleteInit.length === 0;
  const phase = phaseOf(input, initDone);
  const finished = phase === 'Succeeded' || phase === 'Failed';
  const unready = [...apps, ...inits.filter((c) => c.kind === 'sidecar')].filter((c) => !c.ready).map((c) => c.name);
  const gates: string[] = (pod.spec?.readinessGates ?? []).map((g: any) => g.conditionType);
  const existing: any[] = pod.status?.conditions ?? [];
  const gateFailures = gates.filter((g) => existing.find((c) => c.type === g)?.status !== 'True');

  const previous = new Map(existing.map((c) => [c.type, c]));
  const condition = (type: string, ok: boolean, reason?: string, message?: string) => {
    const status = ok ? 'True' : 'False';
    const prev = previous.get(type);
    const c: Record<string, unknown> = {
      type, status, lastProbeTime: null,
      lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : nowTimestamp(),
    };
    if (!ok && reason) c.reason = reason;
    if (!ok && message) c.message = message;
    return c;
  };
  const conditions = [
    condition('PodReadyToStartContainers', input.sandboxReady),
    condition('Initialized', initDone, 'ContainersNotInitialized', `containers with incomplete status: [${incompleteInit.join(' ')}]`),
    finished
      ? condition('Ready', false, 'PodCompleted')
      : unready.length
        ? condition('Ready', false, 'ContainersNotReady', `containers with unready status: [${unready.join(' ')}]`)
        : gateFailures.length
          ? condition('Ready', false, 'ReadinessGatesNotReady', `corresponding condition of pod readiness gate "${gateFailures[0]}" does not exist.`)
          : condition('Ready', true),
    finished ? condition('ContainersReady', false, 'PodCompleted') : condition('ContainersReady', unready.length === 0, 'ContainersNotReady', `containers with unready status: [${unready.join(' ')}]`),
    ...existing.filter((c) => c.type === 'PodScheduled' || gates.includes(c.type)),
  ];
  const status: Record<string, unknown> = {
    phase,
    conditions,
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    startTime: input.startTime,
    containerStatuses: apps.map((c) => c.status(input.uid)),
    qosClass: pod.status?.qosClass,
  };
  if (input.podIP) {
    status.podIP = input.podIP;
    status.podIPs = [{ ip: input.podIP }];
  }
  if (inits.length) status.initContainerStatuses = inits.map((c) => c.status(input.uid));
  if (input.finalReason) {
    status.reason = input.finalReason.reason;
    status.message = input.finalReason.message;
  }
  return status;
}
