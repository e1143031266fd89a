// The DaemonSet controller: one pod per eligible node (nodeSelector, node affinity, taints with the
// upstream default tolerations), placed through the scheduler with node affinity on the node's
// name; RollingUpdate (maxUnavailable) and OnDelete updates; ControllerRevisions; status counts.
import { clone, type KubeObject } from '../api/object.js';
import { ApiError } from '../api/status.js';
import { selectorFromLabelSelector } from '../api/labels.js';
import { nodeMatchesPod } from '../api/node-affinity.js';
import { firstUntolerated, type Toleration } from '../api/taints.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { Informer, cacheKey } from '../client/informer.js';
import { WorkQueue } from '../client/work-queue.js';
import { EventRecorder } from '../client/event-recorder.js';
import { ControllerExpectations } from './expectations.js';
import { controllerRefOf } from './controller-ref.js';
import { computePodTemplateHash } from './pod-template-hash.js';

const refs = {
  daemonsets: { group: 'apps', version: 'v1', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true },
  pods: { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true },
  nodes: { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false },
  revisions: { group: 'apps', version: 'v1', kind: 'ControllerRevision', plural: 'controllerrevisions', namespaced: true },
} satisfies Record<string, ResourceRef>;

const revisionHashLabel = 'controller-revision-hash';
const templateGenerationLabel = 'pod-template-generation';

/** Tolerations every DaemonSet pod gets, as upstream's daemon controller adds them. */
export function daemonTolerations(spec: any): Toleration[] {
  const t: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec?.hostNetwork) t.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  return t.reduce(addOrUpdateToleration, [...(spec?.tolerations ?? [])]);
}

/** Same key, operator, value and effect (upstream's MatchToleration: tolerationSeconds aside). */
function sameToleration(a: Toleration, b: Toleration): boolean {
  return (a.key ?? '') === (b.key ?? '') && (a.operator ?? '') === (b.operator ?? '')
    && (a.value ?? '') === (b.value ?? '') && (a.effect ?? '') === (b.effect ?? '');
}

/**
 * Upstream's AddOrUpdateTolerationInPodSpec: a toleration matching `added` is replaced by it (so a
 * user's tolerationSeconds on a default one goes: daemon pods are never evicted for these taints);
 * otherwise `added` is appended.
 */
function addOrUpdateToleration(tolerations: Toleration[], added: Toleration): Toleration[] {
  if (!tolerations.some((t) => sameToleration(t, added))) return [...tolerations, added];
  return tolerations.map((t) => (sameToleration(t, added) ? added : t));
}

export function nodeShouldRunDaemonPod(node: KubeObject, podSpec: any): boolean {
  if (!nodeMatchesPod(node, podSpec)) return false;
  return !firstUntolerated(node.spec?.taints, daemonTolerations(podSpec), ['NoSchedule', 'NoExecute']);
}

/** A daemon pod already there stays unless the node stops matching or has a NoExecute taint it does not tolerate (upstream's shouldContinueRunning). */
export function nodeShouldKeepDaemonPod(node: KubeObject, podSpec: any): boolean {
  if (!nodeMatchesPod(node, podSpec)) return false;
  return !firstUntolerated(node.spec?.taints, daemonTolerations(podSpec), ['NoExecute']);
}

/** Upstream names revisions and labels pods by the same hash a Deployment gives its replica sets. */
function templateHash(ds: KubeObject): string {
  return computePodTemplateHash(ds.spec?.template, ds.status?.collisionCount);
}

function podReady(pod: KubeObject): boolean {
  return (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
}

function nodeOfPod(pod: KubeObject): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const t of terms) for (const f of t.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In') return f.values?.[0];
  return undefined;
}

export class DaemonSetController {
  private readonly daemonsets: Informer;
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private readonly revisions: Informer;
  private readonly queue = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 10_000 });
  private readonly events: EventRecorder;
  /** Creates and deletes issued but not yet seen, so a sync on a stale cache does not repeat them. */
  private readonly expectations = new ControllerExpectations();

  constructor(private readonly client: ApiClient) {
    this.events = new EventRecorder(client, { component: 'daemonset-controller' });
    this.daemonsets = new Informer(client, refs.daemonsets);
    this.pods = new Informer(client, refs.pods);
    this.nodes = new Informer(client, refs.nodes);
    this.revisions = new Informer(client, refs.revisions);
    const dsKey = (d: KubeObject) => this.queue.add(cacheKey(d));
    this.daemonsets.on({
      add: dsKey,
      update: (_o, n) => dsKey(n),
      delete: (d) => this.expectations.delete(cacheKey(d)),
    });
    /** The key of the DaemonSet controlling `p`, if any. */
    const ownerKey = (p: KubeObject) => {
      const owner = controllerRefOf(p);
      return owner?.kind === 'DaemonSet' ? `${p.metadata.namespace}/${owner.name}` : undefined;
    };
    const podAdded = (p: KubeObject) => {
      const key = ownerKey(p);
      if (!key) return;
      this.expectations.creationObserved(key);
      this.queue.add(key);
    };
    const podGone = (p: KubeObject) => {
      const key = ownerKey(p);
      if (!key) return;
      this.expectations.deletionObserved(key, `${p.metadata.namespace}/${p.metadata.name}`);
      this.queue.add(key);
    };
    const podUpdated = (p: KubeObject) => {
      if (p.metadata.deletionTimestamp) return podGone(p);
      const key = ownerKey(p);
      if (key) this.queue.add(key);
    };
    this.pods.on({ add: podAdded, update: (_o, n) => podUpdated(n), delete: podGone });
    const all = () => this.daemonsets.list().forEach(dsKey);
    this.nodes.on({ add: all, update: all, delete: all });
  }

  async start(): Promise<void> {
    await Promise.all([this.daemonsets.start(), this.pods.start(), this.nodes.start(), this.revisions.start()]);
    this.queue.run(2, (key) => this.sync(key));
  }

  stop(): void {
    this.queue.stop();
    for (const i of [this.daemonsets, this.pods, this.nodes, this.revisions]) i.stop();
  }

  private async sync(key: string): Promise<void> {
    const [ns, name] = key.split('/');
    const ds = this.daemonsets.get(ns, name);
    if (!ds || ds.metadata.deletionTimestamp) return;
    const hash = templateHash(ds);
    const revision = await this.ensureRevision(ds, hash);
    const selector = selectorFromLabelSelector(ds.spec?.selector);
    const pods = this.pods.list(ns).filter((p) =>
      selector.matches(p.metadata.labels) && p.metadata.ownerReferences?.some((o) => o.controller && o.uid === ds.metadata.uid) && !p.metadata.deletionTimestamp);
    const byNode = new Map<string, KubeObject[]>();
    for (const p of pods) {
      const n = nodeOfPod(p);
      if (!n) continue;
      (byNode.get(n) ?? byNode.set(n, []).get(n)!).push(p);
    }
    const nodes = this.nodes.list();
    const toCreate: string[] = [];
    const toDelete: KubeObject[] = [];
    let desired = 0;
    let misscheduled = 0;
    /** Nodes that should run a daemon pod: only their pods count in the status, as upstream's. */
    const eligible = new Set<string>();
    for (const node of nodes) {
      const nodeName = node.metadata.name!;
      const running = (byNode.get(nodeName) ?? []).filter((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded');
      const failed = (byNode.get(nodeName) ?? []).filter((p) => p.status?.phase === 'Failed');
      toDelete.push(...failed);
      if (nodeShouldRunDaemonPod(node, ds.spec?.template?.spec)) {
        desired++;
        eligible.add(nodeName);
        if (running.length === 0) toCreate.push(nodeName);
        // Keep the oldest if there are duplicates.
        toDelete.push(...running.sort((a, b) => (a.metadata.creationTimestamp! < b.metadata.creationTimestamp! ? -1 : 1)).slice(1));
      } else if (running.length) {
        misscheduled++;
        // A NoSchedule taint added later keeps new pods away but leaves this one running.
        if (!nodeShouldKeepDaemonPod(node, ds.spec?.template?.spec)) toDelete.push(...running);
      }
    }
    for (const [nodeName, ps] of byNode) if (!nodes.some((n) => n.metadata.name === nodeName)) toDelete.push(...ps);

    // RollingUpdate: replace old pods, at most maxUnavailable unavailable at a time.
    const strategy = ds.spec?.updateStrategy ?? { type: 'RollingUpdate' };
    if (strategy.type !== 'OnDelete') {
      const maxUnavailable = resolveMax(strategy.rollingUpdate?.maxUnavailable ?? 1, desired);
      const current = pods.filter((p) => !toDelete.includes(p) && eligible.has(nodeOfPod(p)!));
      const unavailable = desired - current.filter((p) => podReady(p)).length;
      let budget = Math.max(0, maxUnavailable - Math.max(0, unavailable - toCreate.length));
      const old = current.filter((p) => p.metadata.labels?.[revisionHashLabel] !== hash)
        .sort((a, b) => Number(podReady(a)) - Number(podReady(b)));
      for (const p of old) {
        if (!podReady(p)) toDelete.push(p);
        else if (budget > 0) {
          toDelete.push(p);
          budget--;
        }
      }
    }
    // While earlier creates or deletes are not yet in the cache, acting on it would repeat them.
    if (this.expectations.satisfied(key)) await this.manage(key, ds, toCreate, toDelete, hash, revision);
    else toDelete.length = 0;
    const kept = pods.filter((p) => !toDelete.includes(p) && eligible.has(nodeOfPod(p)!));
    const ready = kept.filter(podReady);
    const minReady = (ds.spec?.minReadySeconds ?? 0) * 1000;
    const available = ready.filter((p) => {
      const c = (p.status?.conditions ?? []).find((x: any) => x.type === 'Ready');
      return !minReady || (c?.lastTransitionTime && Date.now() - Date.parse(c.lastTransitionTime) >= minReady);
    });
    const status = {
      currentNumberScheduled: kept.length,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desired,
      numberReady: ready.length,
      observedGeneration: ds.metadata.generation,
      updatedNumberScheduled: kept.filter((p) => p.metadata.labels?.[revisionHashLabel] === hash).length,
      numberAvailable: available.length,
      numberUnavailable: Math.max(0, desired - available.length),
    };
    const next: Record<string, unknown> = { ...(ds.status ?? {}), ...status };
    // These four are omitempty upstream: a zero is not written.
    for (const f of ['observedGeneration', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable']) if (!next[f]) delete next[f];
    if (JSON.stringify(ds.status ?? {}) !== JSON.stringify(next)) {
      try {
        await this.client.update(refs.daemonsets, ns, { ...clone(ds), status: next }, { subresource: 'status' });
      } catch (e) {
        if (!(e instanceof ApiError && (e.code === 404 || e.code === 409))) throw e;
        if (e.code === 409) this.queue.addAfter(key, 100);
      }
    }
    if (minReady && ready.length !== available.length) this.queue.addAfter(key, minReady);
  }

  private async manage(key: string, ds: KubeObject, toCreate: string[], toDelete: KubeObject[], hash: string, revision: number): Promise<void> {
    const ns = ds.metadata.namespace!;
    const podKey = (p: KubeObject) => `${ns}/${p.metadata.name}`;
    this.expectations.expect(key, toCreate.length, toDelete.map(podKey));
    let firstError: unknown;
    for (const nodeName of toCreate) {
      try {
        await this.createPod(ds, nodeName, hash, revision);
      } catch (e) {
        // A pod never created will never be observed.
        this.expectations.creationObserved(key);
        firstError ??= e;
      }
    }
    for (const p of toDelete) {
      try {
        await this.client.delete(refs.pods, ns, p.metadata.name!, { preconditions: { uid: p.metadata.uid } });
        this.events.normal(ds, 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
      } catch (e) {
        this.expectations.deletionObserved(key, podKey(p));
        if (!(e instanceof ApiError && (e.code === 404 || e.code === 409))) firstError ??= e;
      }
    }
    if (firstError) throw firstError;
  }

  private async ensureRevision(ds: KubeObject, hash: string): Promise<number> {
    const ns = ds.metadata.namespace!;
    const mine = this.revisions.list(ns).filter((r) => r.metadata.ownerReferences?.some((o) => o.uid === ds.metadata.uid));
    const existing = mine.find((r) => r.metadata.labels?.[revisionHashLabel] === hash);
    const max = mine.reduce((m, r) => Math.max(m, r.revision ?? 0), 0);
    if (existing) {
      if ((existing.revision ?? 0) < max) {
        await this.client.patch(refs.revisions, ns, existing.metadata.name!, 'merge', { revision: max + 1 });
        return max + 1;
      }
      return existing.revision;
    }
    const rev: KubeObject = {
      apiVersion: 'apps/v1', kind: 'ControllerRevision',
      metadata: {
        name: `${ds.metadata.name}-${hash}`, namespace: ns,
        labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [revisionHashLabel]: hash },
        // As upstream: the DaemonSet's annotations (change-cause among them) for `kubectl rollout history`.
        ...(ds.metadata.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata.name!, uid: ds.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      data: { spec: { template: { ...clone(ds.spec?.template ?? {}), $patch: 'replace' } } },
      revision: max + 1,
    };
    try {
      await this.client.create(refs.revisions, ns, rev);
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409)) throw e;
    }
    // Old revisions beyond revisionHistoryLimit go.
    const limit = ds.spec?.revisionHistoryLimit ?? 10;
    const old = mine.filter((r) => r.metadata.labels?.[revisionHashLabel] !== hash).sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
    for (const r of old.slice(0, Math.max(0, old.length - limit))) {
      try {
        await this.client.delete(refs.revisions, ns, r.metadata.name!);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    return max + 1;
  }

  private async createPod(ds: KubeObject, nodeName: string, hash: string, _revision: number): Promise<void> {
    const tpl = clone(ds.spec?.template ?? {});
    const spec = tpl.spec ?? {};
    spec.tolerations = daemonTolerations(spec);
    // Placed by the scheduler with a required affinity to exactly this node, as upstream does.
    const nodeAffinity = { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] } };
    spec.affinity = { ...(spec.affinity ?? {}), nodeAffinity };
    const pod: KubeObject = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        generateName: `${ds.metadata.name}-`,
        labels: { ...(tpl.metadata?.labels ?? {}), [revisionHashLabel]: hash, [templateGenerationLabel]: String(ds.metadata.generation ?? 1) },
        annotations: tpl.metadata?.annotations,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata.name!, uid: ds.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      spec,
    };
    try {
      const created = await this.client.create(refs.pods, ds.metadata.namespace!, pod);
      this.events.normal(ds, 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
    } catch (e) {
      this.events.warning(ds, 'FailedCreate', `Error creating: ${(e as Error).message}`);
      throw e;
    }
  }
}

function resolveMax(v: number | string, total: number): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return Number(v) || 1;
  return Math.max(1, Math.floor((Number(m[1]) * total) / 100));
}
