// Why a pod is not a ready backend, in plain words, from what the API holds: its phase, scheduling,
// init and app container states, probes (with the last Unhealthy event's message), readiness gates,
// its node's health and, when nothing else explains it, its newest Warning event.
import type { KubeObject } from '../api/object.js';

function eventTime(e: KubeObject): string {
  return e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? '';
}

function eventsOf(pod: KubeObject, events: KubeObject[]): KubeObject[] {
  return events
    .filter((e) => e.type === 'Warning' && e.involvedObject?.kind === 'Pod'
      && (e.involvedObject.uid ? e.involvedObject.uid === pod.metadata.uid : e.involvedObject.name === pod.metadata.name))
    .sort((a, b) => (eventTime(a) < eventTime(b) ? 1 : eventTime(a) > eventTime(b) ? -1 : 0));
}

function eventText(e: KubeObject): string {
  const times = (e.count ?? 1) > 1 ? `, ${e.count} times` : '';
  return `${e.message} (${e.reason} event${times})`;
}

function terminatedText(t: any): string {
  const why = t.reason ? ` (${t.reason}${t.message ? `: ${t.message}` : ''})` : t.message ? ` (${t.message})` : '';
  return t.signal ? `killed by signal ${t.signal}${why}` : `exit code ${t.exitCode ?? 0}${why}`;
}

/** The last probe failure of one kind reported for a container ("Readiness probe failed: …"). */
function probeFailure(events: KubeObject[], container: string, kind: 'Readiness' | 'Startup'): KubeObject | undefined {
  return events.find((e) => e.reason === 'Unhealthy' && String(e.message ?? '').startsWith(`${kind} probe failed`)
    && (!e.involvedObject?.fieldPath || e.involvedObject.fieldPath.endsWith(`{${container}}`)));
}

function containerReasons(spec: any, status: any, events: KubeObject[], kind: 'init' | 'app'): string[] {
  const label = `${kind === 'init' ? 'init container' : 'container'} ${spec.name}`;
  if (!status) return [`${label} has not been created yet`];
  const state = status.state ?? {};
  if (state.waiting) {
    const w = state.waiting;
    const last = status.lastState?.terminated ? `; it last ended with ${terminatedText(status.lastState.terminated)}` : '';
    const restarts = status.restartCount ? `, ${status.restartCount} restarts` : '';
    return [`${label} is waiting: ${w.reason ?? 'no reason given'}${w.message ? ` (${w.message})` : ''}${restarts}${last}`];
  }
  if (state.terminated) {
    if (kind === 'init' && (state.terminated.exitCode ?? 0) === 0) return [];
    return [`${label} terminated: ${terminatedText(state.terminated)}`];
  }
  if (kind === 'init') return spec.restartPolicy === 'Always' && status.started ? [] : [`${label} is still running (the app containers start after it)`];
  if (status.ready) return [];
  if (status.started === false && spec.startupProbe) {
    const e = probeFailure(events, spec.name, 'Startup');
    return [`${label} has not started: its startup probe has not succeeded yet${e ? `: ${eventText(e)}` : ''}`];
  }
  if (spec.readinessProbe) {
    const e = probeFailure(events, spec.name, 'Readiness');
    if (e) return [`${label} is running, readiness probe failing: ${eventText(e)}`];
    const delay = spec.readinessProbe.initialDelaySeconds ? ` (initialDelaySeconds ${spec.readinessProbe.initialDelaySeconds})` : '';
    return [`${label} is running; its readiness probe has not succeeded yet${delay}`];
  }
  return [`${label} is running but not ready yet`];
}

/** The reasons, one line each, why a pod selected by a Service is not Ready (empty when it is). */
export function podUnreadyReasons(pod: KubeObject, allEvents: KubeObject[], nodes: KubeObject[]): string[] {
  const status = pod.status ?? {};
  const spec = pod.spec ?? {};
  const events = eventsOf(pod, allEvents);
  const conditions: any[] = status.conditions ?? [];
  const condition = (type: string) => conditions.find((c) => c.type === type);
  if (pod.metadata.deletionTimestamp) return [`terminating since ${pod.metadata.deletionTimestamp}: a deleted pod leaves the endpoints`];
  if (status.phase === 'Succeeded' || status.phase === 'Failed') {
    const why = status.reason ? ` (${status.reason}${status.message ? `: ${status.message}` : ''})` : '';
    return [`phase ${status.phase}${why}: it has stopped running; a Service needs pods that keep running`];
  }
  if (!spec.nodeName) {
    const scheduled = condition('PodScheduled');
    if (scheduled?.reason === 'SchedulingGated') return [`Pending: scheduling gated by ${(spec.schedulingGates ?? []).map((g: any) => g.name).join(', ')}`];
    if (scheduled?.status === 'False') return [`Pending, not scheduled: ${scheduled.message ?? scheduled.reason ?? 'no node fits'}`];
    return ['Pending: not scheduled to a node yet'];
  }
  const out: string[] = [];
  const node = nodes.find((n) => n.metadata.name === spec.nodeName);
  const nodeReady = (node?.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
  if (!node) out.push(`its node ${spec.nodeName} does not exist`);
  else if (nodeReady?.status !== 'True') out.push(`its node ${spec.nodeName} is NotReady${nodeReady?.message ? ` (${nodeReady.message})` : ''}`);

  const initStatuses = new Map<string, any>((status.initContainerStatuses ?? []).map((s: any) => [s.name, s]));
  for (const c of spec.initContainers ?? []) {
    const reasons = containerReasons(c, initStatuses.get(c.name), events, 'init');
    if (reasons.length) {
      out.push(...reasons);
      return out; // the app containers wait for this one
    }
  }
  const statuses = new Map<string, any>((status.containerStatuses ?? []).map((s: any) => [s.name, s]));
  for (const c of spec.containers ?? []) out.push(...containerReasons(c, statuses.get(c.name), events, 'app'));
  for (const g of spec.readinessGates ?? []) {
    const c = condition(g.conditionType);
    if (c?.status !== 'True') out.push(`readiness gate ${g.conditionType} is ${c ? c.status : 'not set'}`);
  }
  if (!status.podIP && out.length === 0) out.push('it has no IP address yet');
  const ready = condition('Ready');
  if (out.length === 0 && ready?.status !== 'True') out.push(`Ready is ${ready?.status ?? 'not reported'}${ready?.message ? `: ${ready.message}` : ''}`);
  // Probe failures, scheduling and restart back-off are told above; anything else (mounts, sandbox) here.
  const other = events.find((e) => !['Unhealthy', 'FailedScheduling', 'BackOff'].includes(e.reason));
  if (other) out.push(`last warning: ${eventText(other)}`);
  return out;
}
