// The ReplicationController, ReplicaSet and Deployment controllers against an in-process API
// server (no HTTP). With no node agent here, the test plays the kubelet: every pod it sees is
// marked Running and Ready through the status subresource shortly after it appears.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../src/storage/memory.js';
import { defaultRegistry } from '../../src/api/registry.js';
import { ResourceService } from '../../src/apiserver/resource-service.js';
import { LocalApiClient } from '../../src/apiserver/local-client.js';
import { ApiError } from '../../src/api/status.js';
import { nowTimestamp, type KubeObject, type WatchEvent } from '../../src/api/object.js';
import type { ApiClient, WatchHandle } from '../../src/client/api-client.js';
import type { ResourceRef } from '../../src/client/resource-ref.js';
import { Informer } from '../../src/client/informer.js';
import { ReplicaSetController } from '../../src/controllers/replica-set-controller.js';
import { DeploymentController } from '../../src/controllers/deployment-controller.js';
import { waitFor } from '../support/cluster.js';
import { refs } from '../support/refs.js';

const rcs: ResourceRef = { group: '', version: 'v1', kind: 'ReplicationController', plural: 'replicationcontrollers', namespaced: true };
const events: ResourceRef = { group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true };

/** Generous: the machine may be loaded. */
const deadline = 60_000;

let client: ApiClient;
let service: ResourceService;
let kubelet: FakeKubelet;
const controllers: { start(): Promise<void>; stop(): void }[] = [];

/** Marks pods Running and Ready a moment after they appear, as a node agent would. */
class FakeKubelet {
  private readonly pods: Informer;
  private readonly inFlight = new Set<string>();
  /** Namespaces whose pods stay Pending (to hold a rollout still). */
  readonly frozen = new Set<string>();

  constructor(private readonly api: ApiClient) {
    this.pods = new Informer(api, refs.pods);
    this.pods.on({ add: (p) => this.consider(p), update: (_o, p) => this.consider(p) });
  }

  start(): Promise<void> {
    return this.pods.start();
  }

  stop(): void {
    this.pods.stop();
  }

  /** Looks at every pod again (after a namespace is unfrozen). */
  resync(): void {
    for (const p of this.pods.list()) this.consider(p);
  }

  private consider(pod: KubeObject): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (pod.metadata.deletionTimestamp || ready(pod) || this.inFlight.has(key) || this.frozen.has(pod.metadata.namespace!)) return;
    this.inFlight.add(key);
    setTimeout(() => {
      this.api.patch(refs.pods, pod.metadata.namespace!, pod.metadata.name!, 'merge', {
        status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: nowTimestamp() }] },
      }, { subresource: 'status' }).catch(() => undefined).finally(() => this.inFlight.delete(key));
    }, 20);
  }
}

/**
 * The client the controllers use: watch events arrive `ms` late, like informers behind a network,
 * so that a controller acting on its cache alone would act on stale data.
 */
function withWatchLag(inner: ApiClient, ms: number): ApiClient {
  const lagging: ApiClient = Object.create(inner);
  lagging.watch = (ref, ns, opts, onEvent, onClose) =>
    inner.watch(ref, ns, opts, (ev) => setTimeout(() => onEvent(ev), ms), (err) => setTimeout(() => onClose(err), ms));
  return lagging;
}

function ready(pod: KubeObject): boolean {
  return (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
}

function controlledBy(pod: KubeObject, owner: KubeObject): boolean {
  return !!pod.metadata.ownerReferences?.some((o) => o.controller && o.uid === owner.metadata.uid);
}

async function activePods(ns: string, labelSelector?: string): Promise<KubeObject[]> {
  const list = await client.list(refs.pods, ns, { labelSelector });
  return list.items.filter((p) => !p.metadata.deletionTimestamp);
}

async function createNamespace(name: string): Promise<void> {
  await client.create(refs.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

function podTemplate(labels: Record<string, string>, image = 'busybox:1'): KubeObject['spec'] {
  return {
    metadata: { labels },
    spec: { containers: [{ name: 'app', image, command: ['sleep', '3600'] }] },
  };
}

async function eventsFor(ns: string, name: string): Promise<KubeObject[]> {
  const list = await client.list(events, ns);
  return list.items.filter((e) => e.involvedObject?.name === name);
}

/** What `kubectl rollout status` waits for (kubectl-protocol.md §9). */
function rolloutDone(d: KubeObject): boolean {
  const s = d.status ?? {};
  const replicas = d.spec?.replicas ?? 1;
  return (d.metadata.generation ?? 0) <= (s.observedGeneration ?? 0)
    && (s.updatedReplicas ?? 0) >= replicas
    && (s.replicas ?? 0) === (s.updatedReplicas ?? 0)
    && (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0);
}

async function waitRolledOut(ns: string, name: string): Promise<KubeObject> {
  return waitFor(`deployment ${ns}/${name} rolled out`, async () => {
    const d = await client.get(refs.deployments, ns, name);
    return rolloutDone(d) && d;
  }, deadline);
}

async function replicaSetsOf(d: KubeObject): Promise<KubeObject[]> {
  const list = await client.list(refs.replicasets, d.metadata.namespace!);
  return list.items.filter((rs) => rs.metadata.ownerReferences?.some((o) => o.controller && o.uid === d.metadata.uid));
}

function revision(obj: KubeObject): string | undefined {
  return obj.metadata.annotations?.['deployment.kubernetes.io/revision'];
}

/** Lists and then watches pods in a namespace, calling `check` with the existing pods after each change. */
async function watchPods(ns: string, check: (pods: Map<string, KubeObject>) => void): Promise<WatchHandle> {
  const list = await client.list(refs.pods, ns);
  const pods = new Map(list.items.map((p) => [p.metadata.name!, p]));
  check(pods);
  return client.watch(refs.pods, ns, { resourceVersion: list.metadata.resourceVersion }, (ev: WatchEvent) => {
    if (ev.type === 'DELETED') pods.delete(ev.object.metadata.name!);
    else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') pods.set(ev.object.metadata.name!, ev.object);
    else return;
    check(pods);
  }, () => undefined);
}

function deployment(ns: string, name: string, spec: Record<string, unknown>, template: KubeObject['spec']): KubeObject {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns },
    spec: { selector: { matchLabels: template.metadata.labels }, template, ...spec },
  };
}

before(async () => {
  const registry = defaultRegistry();
  service = new ResourceService(new MemoryStore(), registry);
  // A policy that forbids some pods, so that failing creates can be observed.
  service.addAdmission({
    admit(op, rt, obj) {
      if (op === 'CREATE' && rt.plural === 'pods' && obj.metadata.labels?.forbidden === 'true') {
        throw new ApiError(403, 'Forbidden', 'pods is forbidden: the test admission policy denies pods labelled forbidden=true');
      }
    },
  });
  client = new LocalApiClient(service, registry);
  kubelet = new FakeKubelet(client);
  await kubelet.start();
  const controllerClient = withWatchLag(client, 50);
  controllers.push(
    new ReplicaSetController(controllerClient, 'ReplicationController'),
    new ReplicaSetController(controllerClient, 'ReplicaSet'),
    new DeploymentController(controllerClient),
  );
  await Promise.all(controllers.map((c) => c.start()));
});

after(() => {
  for (const c of controllers) c.stop();
  kubelet.stop();
});

test('a ReplicationController keeps its replicas: replaces deleted and relabelled pods, scales, leaves pods on template change', async () => {
  const ns = 'rc-basics';
  await createNamespace(ns);
  const rc = await client.create(rcs, ns, {
    apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'web' },
    spec: { replicas: 3, selector: { app: 'web' }, template: podTemplate({ app: 'web' }) },
  });
  const owned = async () => (await activePods(ns, 'app=web')).filter((p) => controlledBy(p, rc));

  const first = await waitFor('3 pods, ready, counted in status', async () => {
    const pods = await owned();
    const cur = await client.get(rcs, ns, 'web');
    const s = cur.status ?? {};
    return pods.length === 3 && s.replicas === 3 && s.readyReplicas === 3 && s.availableReplicas === 3
      && s.fullyLabeledReplicas === 3 && s.observedGeneration === cur.metadata.generation && pods;
  }, deadline);
  for (const p of first) {
    assert.ok(p.metadata.name!.startsWith('web-'));
    const ref = p.metadata.ownerReferences!.find((o) => o.controller)!;
    assert.deepEqual(ref, { apiVersion: 'v1', kind: 'ReplicationController', name: 'web', uid: rc.metadata.uid, controller: true, blockOwnerDeletion: true });
  }
  await waitFor('SuccessfulCreate events', async () => {
    const msgs = (await eventsFor(ns, 'web')).filter((e) => e.reason === 'SuccessfulCreate').map((e) => e.message);
    return first.every((p) => msgs.includes(`Created pod: ${p.metadata.name}`));
  }, deadline);

  // A deleted pod is replaced.
  const victim = first[0].metadata.name!;
  await client.delete(refs.pods, ns, victim);
  await waitFor('a replacement pod', async () => {
    const pods = await owned();
    return pods.length === 3 && !pods.some((p) => p.metadata.name === victim);
  }, deadline);

  // A relabelled pod is released (no controller reference) and replaced.
  const [relabelled] = await owned();
  await client.patch(refs.pods, ns, relabelled.metadata.name!, 'merge', { metadata: { labels: { app: 'debug' } } });
  await waitFor('the relabelled pod released and replaced', async () => {
    const released = await client.get(refs.pods, ns, relabelled.metadata.name!);
    const pods = await owned();
    return !released.metadata.ownerReferences?.some((o) => o.controller) && pods.length === 3
      && !pods.some((p) => p.metadata.name === relabelled.metadata.name);
  }, deadline);

  // Scaling up and down.
  await client.patch(rcs, ns, 'web', 'merge', { spec: { replicas: 5 } });
  await waitFor('5 pods', async () => (await owned()).length === 5 && (await client.get(rcs, ns, 'web')).status?.readyReplicas === 5, deadline);
  await client.patch(rcs, ns, 'web', 'merge', { spec: { replicas: 2 } });
  await waitFor('2 pods', async () => (await owned()).length === 2 && (await client.get(rcs, ns, 'web')).status?.replicas === 2, deadline);
  await waitFor('SuccessfulDelete events', async () =>
    (await eventsFor(ns, 'web')).filter((e) => e.reason === 'SuccessfulDelete' && /^Deleted pod: web-/.test(e.message)).length >= 3, deadline);

  // A template change affects only pods created afterwards.
  const before = (await owned()).map((p) => p.metadata.name).sort();
  await client.patch(rcs, ns, 'web', 'merge', { spec: { template: podTemplate({ app: 'web' }, 'busybox:2') } });
  await waitFor('the new generation observed', async () => {
    const cur = await client.get(rcs, ns, 'web');
    return cur.status?.observedGeneration === cur.metadata.generation;
  }, deadline);
  const after = await owned();
  assert.deepEqual(after.map((p) => p.metadata.name).sort(), before);
  assert.ok(after.every((p) => p.spec.containers[0].image === 'busybox:1'));
  await client.delete(refs.pods, ns, before[0]!);
  const replacement = await waitFor('a pod from the new template', async () => {
    const pods = await owned();
    return pods.length === 2 && pods.find((p) => !before.includes(p.metadata.name));
  }, deadline);
  assert.equal(replacement.spec.containers[0].image, 'busybox:2');
});

test('an orphan pod matching a ReplicaSet is adopted instead of creating a new one', async () => {
  const ns = 'rs-adopt';
  await createNamespace(ns);
  await client.create(refs.pods, ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orphan', labels: { app: 'db' } }, spec: podTemplate({}).spec });
  const rs = await client.create(refs.replicasets, ns, {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'db' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'db' } }, template: podTemplate({ app: 'db' }) },
  });
  await waitFor('2 pods, the orphan among them', async () => {
    const pods = await activePods(ns, 'app=db');
    return pods.length === 2 && pods.every((p) => controlledBy(p, rs)) && pods.some((p) => p.metadata.name === 'orphan');
  }, deadline);
});

test('a burst scale of a ReplicaSet to 50 never creates more than 50 pods', async () => {
  const ns = 'rs-burst';
  await createNamespace(ns);
  const rs = await client.create(refs.replicasets, ns, {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'burst' },
    spec: { replicas: 0, selector: { matchLabels: { app: 'burst' } }, template: podTemplate({ app: 'burst' }) },
  });
  const created = new Set<string>();
  let maxExisting = 0;
  const watch = await watchPods(ns, (pods) => {
    for (const name of pods.keys()) created.add(name);
    maxExisting = Math.max(maxExisting, pods.size);
  });
  try {
    await client.patch(refs.replicasets, ns, 'burst', 'merge', { spec: { replicas: 50 } });
    await waitFor('50 ready replicas', async () => {
      const cur = await client.get(refs.replicasets, ns, 'burst');
      return cur.status?.replicas === 50 && cur.status?.readyReplicas === 50;
    }, 120_000);
    const pods = (await activePods(ns)).filter((p) => controlledBy(p, rs));
    assert.equal(pods.length, 50);
    assert.equal(created.size, 50, 'pods ever created');
    assert.equal(maxExisting, 50);
    assert.equal((await eventsFor(ns, 'burst')).filter((e) => e.reason === 'SuccessfulDelete').length, 0);
  } finally {
    watch.stop();
  }
});

test('failing pod creates set ReplicaFailure and a FailedCreate event; the condition clears once creates succeed', async () => {
  const ns = 'rs-failure';
  await createNamespace(ns);
  await client.create(refs.replicasets, ns, {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'denied' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'denied' } }, template: podTemplate({ app: 'denied', forbidden: 'true' }) },
  });
  const failure = await waitFor('the ReplicaFailure condition', async () => {
    const cur = await client.get(refs.replicasets, ns, 'denied');
    return (cur.status?.conditions ?? []).find((c: any) => c.type === 'ReplicaFailure');
  }, deadline);
  assert.equal(failure.status, 'True');
  assert.equal(failure.reason, 'FailedCreate');
  assert.match(failure.message, /forbidden/);
  const warning = await waitFor('a FailedCreate event', async () =>
    (await eventsFor(ns, 'denied')).find((e) => e.reason === 'FailedCreate'), deadline);
  assert.equal(warning.type, 'Warning');
  assert.match(warning.message, /^Error creating: pods is forbidden/);

  await client.patch(refs.replicasets, ns, 'denied', 'merge', { spec: { template: { metadata: { labels: { forbidden: null } } } } });
  await waitFor('pods created and the condition gone', async () => {
    const cur = await client.get(refs.replicasets, ns, 'denied');
    return cur.status?.readyReplicas === 2 && !(cur.status?.conditions ?? []).some((c: any) => c.type === 'ReplicaFailure');
  }, deadline);
});

test('minReadySeconds: ready pods are counted available only once they have been ready that long', async () => {
  const ns = 'rs-minready';
  await createNamespace(ns);
  // Every status the replica set reports, as it reports it.
  const statuses: { ready: number; available: number; at: number }[] = [];
  const watch = client.watch(refs.replicasets, ns, { resourceVersion: '0' }, (ev: WatchEvent) => {
    if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
      statuses.push({ ready: ev.object.status?.readyReplicas ?? 0, available: ev.object.status?.availableReplicas ?? 0, at: Date.now() });
    }
  }, () => undefined);
  try {
    await client.create(refs.replicasets, ns, {
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'slow' },
      spec: { replicas: 1, minReadySeconds: 5, selector: { matchLabels: { app: 'slow' } }, template: podTemplate({ app: 'slow' }) },
    });
    await waitFor('the pod available', () => statuses.some((s) => s.available === 1), deadline);
  } finally {
    watch.stop();
  }
  assert.ok(statuses.some((s) => s.ready === 1 && s.available === 0), 'reported ready before available');
  const [pod] = await activePods(ns, 'app=slow');
  const readySince = Date.parse(pod.status.conditions.find((c: any) => c.type === 'Ready').lastTransitionTime);
  const availableAt = statuses.find((s) => s.available === 1)!.at;
  assert.ok(availableAt >= readySince + 5000, `available ${availableAt - readySince} ms after ready`);
});

test('a Deployment rolls out A → B keeping replicas − maxUnavailable pods ready, and undo returns to A as a new revision', async () => {
  const ns = 'deploy-rolling';
  await createNamespace(ns);
  const templateA = podTemplate({ app: 'web' }, 'web:A');
  await client.create(refs.deployments, ns, deployment(ns, 'web', {
    replicas: 3, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
  }, templateA));

  let d = await waitRolledOut(ns, 'web');
  const [rsA] = await replicaSetsOf(d);
  const hashA = rsA.metadata.labels!['pod-template-hash'];
  assert.match(hashA, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(rsA.metadata.name, `web-${hashA}`);
  assert.deepEqual(rsA.spec.selector, { matchLabels: { app: 'web', 'pod-template-hash': hashA } });
  assert.equal(revision(rsA), '1');
  assert.equal(rsA.metadata.annotations!['deployment.kubernetes.io/desired-replicas'], '3');
  assert.equal(rsA.metadata.annotations!['deployment.kubernetes.io/max-replicas'], '4');
  assert.equal(revision(d), '1');
  const progressing = d.status.conditions.find((c: any) => c.type === 'Progressing');
  assert.equal(progressing.reason, 'NewReplicaSetAvailable');
  assert.equal(progressing.message, `ReplicaSet "web-${hashA}" has successfully progressed.`);
  const available = d.status.conditions.find((c: any) => c.type === 'Available');
  assert.deepEqual([available.status, available.reason, available.message], ['True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.']);
  assert.deepEqual(
    [d.status.replicas, d.status.updatedReplicas, d.status.readyReplicas, d.status.availableReplicas, d.status.unavailableReplicas],
    [3, 3, 3, 3, undefined],
  );

  // Watch the whole rollout: ready pods never drop below replicas − maxUnavailable.
  let minReady = Infinity;
  const watch = await watchPods(ns, (pods) => {
    minReady = Math.min(minReady, [...pods.values()].filter((p) => ready(p) && !p.metadata.deletionTimestamp).length);
  });
  try {
    await client.patch(refs.deployments, ns, 'web', 'merge', {
      metadata: { annotations: { 'kubernetes.io/change-cause': 'image B' } },
      spec: { template: { spec: { containers: [{ name: 'app', image: 'web:B', command: ['sleep', '3600'] }] } } },
    });
    await waitFor('the new generation', async () => (await client.get(refs.deployments, ns, 'web')).metadata.generation === 2, deadline);
    d = await waitRolledOut(ns, 'web');
  } finally {
    watch.stop();
  }
  assert.ok(minReady >= 2, `ready pods dropped to ${minReady}`);
  const rss = await replicaSetsOf(d);
  const rsB = rss.find((rs) => rs.metadata.uid !== rsA.metadata.uid)!;
  assert.equal(rss.length, 2);
  assert.equal(revision(rsB), '2');
  assert.equal(rsB.metadata.annotations!['kubernetes.io/change-cause'], 'image B');
  assert.equal(rss.find((rs) => rs.metadata.uid === rsA.metadata.uid)!.spec.replicas, 0);
  assert.equal(revision(d), '2');
  const pods = await activePods(ns);
  assert.equal(pods.length, 3);
  assert.ok(pods.every((p) => p.spec.containers[0].image === 'web:B' && controlledBy(p, rsB)));
  const scaling = (await eventsFor(ns, 'web')).filter((e) => e.reason === 'ScalingReplicaSet').map((e) => e.message);
  assert.ok(scaling.includes(`Scaled up replica set web-${hashA} from 0 to 3`), scaling.join('\n'));
  assert.ok(scaling.includes(`Scaled up replica set ${rsB.metadata.name} from 0 to 1`), scaling.join('\n'));
  assert.ok(scaling.some((m) => m.startsWith(`Scaled down replica set web-${hashA} from 3 to `)), scaling.join('\n'));

  // `kubectl rollout undo`: the JSON patch it sends, built from revision 1's replica set.
  const skipped = ['kubectl.kubernetes.io/last-applied-configuration', 'deployment.kubernetes.io/revision',
    'deployment.kubernetes.io/revision-history', 'deployment.kubernetes.io/desired-replicas',
    'deployment.kubernetes.io/max-replicas', 'deprecated.deployment.rollback.to'];
  const source = (await replicaSetsOf(d)).find((rs) => revision(rs) === '1')!;
  const template = structuredClone(source.spec.template);
  delete template.metadata.labels['pod-template-hash'];
  const annotations: Record<string, string> = {};
  for (const k of skipped) if (d.metadata.annotations?.[k] !== undefined) annotations[k] = d.metadata.annotations[k];
  for (const [k, v] of Object.entries<string>(source.metadata.annotations ?? {})) if (!skipped.includes(k)) annotations[k] = v;
  await client.patch(refs.deployments, ns, 'web', 'json', [
    { op: 'replace', path: '/spec/template', value: template },
    { op: 'replace', path: '/metadata/annotations', value: annotations },
  ]);
  await waitFor('the undo observed', async () => (await client.get(refs.deployments, ns, 'web')).metadata.generation === 3, deadline);
  d = await waitRolledOut(ns, 'web');
  const back = (await replicaSetsOf(d)).find((rs) => rs.metadata.uid === rsA.metadata.uid)!;
  assert.equal(back.spec.replicas, 3);
  assert.equal(revision(back), '3');
  assert.equal(back.metadata.annotations!['deployment.kubernetes.io/revision-history'], '1');
  assert.equal(revision(d), '3');
  assert.equal(d.spec.template.spec.containers[0].image, 'web:A');
  assert.equal((await replicaSetsOf(d)).length, 2, 'the old replica set is re-used, not duplicated');
  assert.ok((await activePods(ns)).every((p) => p.metadata.labels!['pod-template-hash'] === hashA));
});

test('Recreate: old pods are all gone before any new pod exists', async () => {
  const ns = 'deploy-recreate';
  await createNamespace(ns);
  await client.create(refs.deployments, ns, deployment(ns, 'db', { replicas: 2, strategy: { type: 'Recreate' } }, podTemplate({ app: 'db' }, 'db:1')));
  let d = await waitRolledOut(ns, 'db');
  const [oldRS] = await replicaSetsOf(d);
  let overlap = false;
  const watch = await watchPods(ns, (pods) => {
    const images = new Set([...pods.values()].map((p) => p.spec.containers[0].image));
    if (images.has('db:1') && images.has('db:2')) overlap = true;
  });
  try {
    await client.patch(refs.deployments, ns, 'db', 'merge', { spec: { template: { spec: { containers: [{ name: 'app', image: 'db:2', command: ['sleep', '3600'] }] } } } });
    await waitFor('the new generation', async () => (await client.get(refs.deployments, ns, 'db')).metadata.generation === 2, deadline);
    d = await waitRolledOut(ns, 'db');
  } finally {
    watch.stop();
  }
  assert.equal(overlap, false, 'old and new pods existed at the same time');
  const pods = await activePods(ns);
  assert.equal(pods.length, 2);
  assert.ok(pods.every((p) => p.spec.containers[0].image === 'db:2'));
  const scaling = (await eventsFor(ns, 'db')).filter((e) => e.reason === 'ScalingReplicaSet').map((e) => e.message);
  assert.ok(scaling.includes(`Scaled down replica set ${oldRS.metadata.name} from 2 to 0`), scaling.join('\n'));
});

test('a paused Deployment scales but does not roll out until resumed', async () => {
  const ns = 'deploy-paused';
  await createNamespace(ns);
  await client.create(refs.deployments, ns, deployment(ns, 'api', { replicas: 2 }, podTemplate({ app: 'api' }, 'api:1')));
  let d = await waitRolledOut(ns, 'api');
  await client.patch(refs.deployments, ns, 'api', 'merge', { spec: { paused: true } });
  await waitFor('the Progressing condition to say paused', async () => {
    const cur = await client.get(refs.deployments, ns, 'api');
    const c = (cur.status?.conditions ?? []).find((x: any) => x.type === 'Progressing');
    return c?.reason === 'DeploymentPaused' && c.status === 'Unknown' && c.message === 'Deployment is paused';
  }, deadline);

  await client.patch(refs.deployments, ns, 'api', 'merge', {
    spec: { replicas: 3, template: { spec: { containers: [{ name: 'app', image: 'api:2', command: ['sleep', '3600'] }] } } },
  });
  d = await waitFor('the paused change observed and the scale carried out', async () => {
    const cur = await client.get(refs.deployments, ns, 'api');
    return cur.status?.observedGeneration === cur.metadata.generation && cur.status?.availableReplicas === 3 && cur;
  }, deadline);
  assert.equal((await replicaSetsOf(d)).length, 1, 'no new replica set while paused');
  assert.ok((await activePods(ns)).every((p) => p.spec.containers[0].image === 'api:1'));
  assert.ok(!rolloutDone(d), 'the template change is not rolled out');

  await client.patch(refs.deployments, ns, 'api', 'merge', { spec: { paused: false } });
  d = await waitRolledOut(ns, 'api');
  const pods = await activePods(ns);
  assert.equal(pods.length, 3);
  assert.ok(pods.every((p) => p.spec.containers[0].image === 'api:2'));
  assert.equal((await replicaSetsOf(d)).length, 2);
});

test('revisionHistoryLimit keeps only that many old replica sets across `rollout restart`s', async () => {
  const ns = 'deploy-history';
  await createNamespace(ns);
  await client.create(refs.deployments, ns, deployment(ns, 'job', { replicas: 1, revisionHistoryLimit: 1 }, podTemplate({ app: 'job' })));
  await waitRolledOut(ns, 'job');
  for (let i = 1; i <= 3; i++) {
    // What `kubectl rollout restart` patches: a template annotation.
    await client.patch(refs.deployments, ns, 'job', 'strategic', {
      spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': `2024-01-0${i}T00:00:00Z` } } } },
    });
    await waitFor(`generation ${i + 1}`, async () => (await client.get(refs.deployments, ns, 'job')).metadata.generation === i + 1, deadline);
    await waitRolledOut(ns, 'job');
  }
  const d = await client.get(refs.deployments, ns, 'job');
  const rss = await waitFor('one old replica set left', async () => {
    const list = await replicaSetsOf(d);
    return list.length === 2 && list;
  }, deadline);
  assert.deepEqual(rss.map(revision).sort(), ['3', '4']);
});

test('a progress deadline that passes without progress sets ProgressDeadlineExceeded', async () => {
  const ns = 'deploy-deadline';
  await createNamespace(ns);
  kubelet.frozen.add(ns);
  try {
    await client.create(refs.deployments, ns, deployment(ns, 'stuck', { replicas: 1, progressDeadlineSeconds: 1 }, podTemplate({ app: 'stuck' })));
    const c = await waitFor('the deadline exceeded', async () => {
      const cur = await client.get(refs.deployments, ns, 'stuck');
      const p = (cur.status?.conditions ?? []).find((x: any) => x.type === 'Progressing');
      return p?.reason === 'ProgressDeadlineExceeded' && p;
    }, deadline);
    assert.equal(c.status, 'False');
    assert.match(c.message, /^ReplicaSet "stuck-[a-z0-9]+" has timed out progressing\.$/);
  } finally {
    kubelet.frozen.delete(ns);
    kubelet.resync();
  }
});
