// Which pods back a Service and on which ports: shared by the Endpoints and EndpointSlice controllers.
import type { KubeObject } from '../api/object.js';
import { selectorFromMap } from '../api/labels.js';

export interface BackendPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface Backend {
  pod: KubeObject;
  ip: string;
  ready: boolean;
  terminating: boolean;
  ports: BackendPort[];
}

export function podReady(pod: KubeObject): boolean {
  return (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
}

/** A Service port's targetPort on one pod: a number, or a named container port (undefined if the pod lacks it). */
export function resolveTargetPort(pod: KubeObject, sp: any): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(String(target))) return Number(target);
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === (sp.protocol ?? 'TCP')) return p.containerPort;
  }
  return undefined;
}

/** Pods selected by the Service that have an IP and are not finished, with their resolved ports. */
export function backendsOf(svc: KubeObject, pods: KubeObject[]): Backend[] {
  const selector = selectorFromMap(svc.spec?.selector);
  const out: Backend[] = [];
  for (const pod of pods) {
    if (pod.metadata.namespace !== svc.metadata.namespace) continue;
    if (!selector.matches(pod.metadata.labels)) continue;
    const ip = pod.status?.podIP;
    const phase = pod.status?.phase;
    if (!ip || phase === 'Succeeded' || phase === 'Failed') continue;
    const ports: BackendPort[] = [];
    for (const sp of svc.spec?.ports ?? []) {
      const port = resolveTargetPort(pod, sp);
      if (port === undefined) continue;
      const bp: BackendPort = { port, protocol: sp.protocol ?? 'TCP' };
      if (sp.name) bp.name = sp.name;
      if (sp.appProtocol) bp.appProtocol = sp.appProtocol;
      ports.push(bp);
    }
    out.push({ pod, ip, ready: podReady(pod), terminating: !!pod.metadata.deletionTimestamp, ports });
  }
  return out.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
}

/** Services that manage endpoints: a selector, and not ExternalName. */
export function managesEndpoints(svc: KubeObject): boolean {
  return svc.spec?.type !== 'ExternalName' && !!svc.spec?.selector && Object.keys(svc.spec.selector).length > 0;
}

export function portsKey(ports: BackendPort[]): string {
  return JSON.stringify(ports);
}
