// The node lifecycle controller: a node whose Lease is not renewed within the grace period becomes
// Ready=Unknown (NodeStatusUnknown) with the unreachable NoSchedule and NoExecute taints; a NotReady
// node gets the not-ready ones. Pods there are marked not ready, and evicted once their toleration runs out.
import { nowTimestamp, type KubeObject } from '../api/object.js';
import { ApiError } from '../api/status.js';
import { toleratesAll, type Taint } from '../api/taints.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { Informer } from '../client/informer.js';
import { EventRecorder } from '../client/event-recorder.js';

const refs = {
  nodes: { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false },
  pods: { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true },
  leases: { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true },
} satisfies Record<string, ResourceRef>;

export const unreachableTaintKey = 'node.kubernetes.io/unreachable';
export const notReadyTaintKey = 'node.kubernetes.io/not-ready';

export interface NodeLifecycleOptions {
  /** --node-monitor-grace-period (upstream default 50 s since 1.32). */
  gracePeriodSeconds?: number;
  /** How often nodes are checked. */
  monitorPeriodMs?: number;
  now?: () => number;
}

export class NodeLifecycleController {
  private readonly nodes: Informer;
  private readonly pods: Informer;
  private readonly leases: Informer;
  private readonly events: EventRecorder;
  private timer?: NodeJS.Timeout;
  private running = false;
  private readonly grace: number;
  private readonly now: () => number;

  constructor(
    private readonly client: ApiClient,
    private readonly opts: NodeLifecycleOptions = {},
  ) {
    this.nodes = new Informer(client, refs.nodes);
    this.pods = new Informer(client, refs.pods);
    this.leases = new Informer(client, refs.leases, { namespace: 'kube-node-lease' });
    this.events = new EventRecorder(client, { component: 'node-controller' });
    this.grace = (opts.gracePeriodSeconds ?? 50) * 1000;
    this.now = opts.now ?? Date.now;
  }

  async start(): Promise<void> {
    await Promise.all([this.nodes.start(), this.pods.start(), this.leases.start()]);
    const period = this.opts.monitorPeriodMs ?? 1000;
    this.timer = setInterval(() => void this.tick(), period);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.nodes.stop();
    this.pods.stop();
    this.leases.stop();
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const node of this.nodes.list()) await this.checkNode(node);
      await this.evict();
    } catch (e) {
      if (process.env.NANOKUBE_DEBUG) console.error('node lifecycle:', e);
    } finally {
      this.running = false;
    }
  }

  private lastHeartbeat(node: KubeObject): number {
    const lease = this.leases.get('kube-node-lease', node.metadata.name!);
    const renew = lease?.spec?.renewTime ? Date.parse(lease.spec.renewTime) : 0;
    const ready = (node.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
    const beat = ready?.lastHeartbeatTime ? Date.parse(ready.lastHeartbeatTime) : 0;
    return Math.max(renew, beat, Date.parse(node.metadata.creationTimestamp ?? '') || 0);
  }

  private async checkNode(node: KubeObject): Promise<void> {
    const name = node.metadata.name!;
    const conditions: any[] = node.status?.conditions ?? [];
    const ready = conditions.find((c) => c.type === 'Ready');
    const stale = this.now() - this.lastHeartbeat(node) > this.grace;
    if (stale && ready?.status !== 'Unknown') {
      const now = nowTimestamp(new Date(this.now()));
      const updated = conditions.map((c) => ({
        ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: now,
      }));
      // A node no kubelet ever reported for (made by hand) gets its Ready condition, as upstream.
      if (!ready) updated.push({ type: 'Ready', status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: node.metadata.creationTimestamp, lastTransitionTime: now });
      await this.ignoreMissing(this.client.patch(refs.nodes, '', name, 'merge', { status: { conditions: updated } }, { subresource: 'status' }));
      this.events.normal(node, 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
      await this.markPodsNotReady(name);
    }
    // As upstream (taint-based eviction and TaintNodesByCondition): the condition's NoExecute taint, which
    // pods tolerate for a while, and its NoSchedule one, which keeps new pods off.
    // A node that has not said yet whether it is Ready gets no taint until its grace period runs out.
    const conditionKey = stale || ready?.status === 'Unknown' ? unreachableTaintKey : ready?.status === 'False' ? notReadyTaintKey : undefined;
    const want: Taint[] = conditionKey ? [{ key: conditionKey, effect: 'NoSchedule' }, { key: conditionKey, effect: 'NoExecute' }] : [];
    const taints: Taint[] = node.spec?.taints ?? [];
    const isOurs = (t: Taint) => (t.effect === 'NoExecute' || t.effect === 'NoSchedule') && (t.key === unreachableTaintKey || t.key === notReadyTaintKey);
    const ours = taints.filter(isOurs);
    const same = (a: Taint, b: Taint) => a.key === b.key && a.effect === b.effect;
    if (ours.length !== want.length || !want.every((w) => ours.some((t) => same(t, w)))) {
      const added = nowTimestamp(new Date(this.now()));
      const next = [...taints.filter((t) => !isOurs(t)), ...want.map((w) => ours.find((t) => same(t, w)) ?? { ...w, timeAdded: added })];
      await this.ignoreMissing(this.client.patch(refs.nodes, '', name, 'merge', {
        metadata: { resourceVersion: node.metadata.resourceVersion }, spec: { taints: next.length ? next : null },
      }));
    }
  }

  private async markPodsNotReady(nodeName: string): Promise<void> {
    for (const pod of this.pods.list()) {
      if (pod.spec?.nodeName !== nodeName) continue;
      const conds: any[] = pod.status?.conditions ?? [];
      if (!conds.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
      const now = nowTimestamp(new Date(this.now()));
      // As upstream's MarkPodsNotReady: only Ready changes (ContainersReady is the kubelet's to say).
      const next = conds.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: now } : c));
      try {
        await this.client.patch(refs.pods, pod.metadata.namespace!, pod.metadata.name!, 'merge', { status: { conditions: next } }, { subresource: 'status' });
      } catch (e) {
        if (e instanceof ApiError && (e.code === 404 || e.code === 409)) continue;
        throw e;
      }
      this.events.warning(pod, 'NodeNotReady', 'Node is not ready');
    }
  }

  /** Taint-based eviction: pods that do not tolerate a NoExecute taint (or whose tolerationSeconds ran out) are deleted. */
  private async evict(): Promise<void> {
    const tainted = new Map<string, Taint[]>();
    for (const node of this.nodes.list()) {
      const t = (node.spec?.taints ?? []).filter((x: Taint) => x.effect === 'NoExecute');
      if (t.length) tainted.set(node.metadata.name!, t);
    }
    if (tainted.size === 0) return;
    for (const pod of this.pods.list()) {
      const taints = tainted.get(pod.spec?.nodeName ?? '');
      if (!taints || pod.metadata.deletionTimestamp) continue;
      let evictAt = -1;
      for (const taint of taints) {
        const tolerations = (pod.spec?.tolerations ?? []).filter((t: any) => toleratesAll([t], taint));
        if (tolerations.length === 0) {
          evictAt = 0;
          break;
        }
        const secs = tolerations.map((t: any) => t.tolerationSeconds).filter((s: unknown) => typeof s === 'number');
        if (secs.length === tolerations.length) {
          const at = (taint.timeAdded ? Date.parse(taint.timeAdded) : this.now()) + Math.min(...secs) * 1000;
          evictAt = evictAt < 0 ? at : Math.min(evictAt, at);
        }
      }
      if (evictAt < 0 || evictAt > this.now()) continue;
      this.events.normal(pod, 'TaintManagerEviction', `Marking for deletion Pod ${pod.metadata.namespace}/${pod.metadata.name}`);
      await this.ignoreMissing(this.markDisruptionTarget(pod));
      await this.ignoreMissing(this.client.delete(refs.pods, pod.metadata.namespace!, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } }));
    }
  }

  /** As upstream's taint manager: the pod says why it goes (a Job's podFailurePolicy can match on it). */
  private async markDisruptionTarget(pod: KubeObject): Promise<void> {
    const conds: any[] = pod.status?.conditions ?? [];
    if (conds.some((c) => c.type === 'DisruptionTarget' && c.status === 'True')) return;
    const condition = {
      type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager',
      message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: nowTimestamp(new Date(this.now())),
    };
    await this.client.patch(refs.pods, pod.metadata.namespace!, pod.metadata.name!, 'merge', {
      status: { conditions: [...conds.filter((c) => c.type !== 'DisruptionTarget'), condition] },
    }, { subresource: 'status' });
  }

  private async ignoreMissing(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (e) {
      if (e instanceof ApiError && (e.code === 404 || e.code === 409)) return;
      throw e;
    }
  }
}
