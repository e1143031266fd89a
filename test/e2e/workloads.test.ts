// Workload controllers on `nanokube up` plus a `nanokube agent`, driven by the real kubectl: the seed's
// ReplicationController and ReplicaSet keep their pods (deletion, relabelling, edit, scale, template
// edits, orphaning delete), a Deployment rolls without dropping below replicas − maxUnavailable ready
// pods and `kubectl rollout` works, and a DaemonSet follows a node label.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';
import type { KubeObject } from '../../src/api/object.js';
import { TestCluster, kubectlVersions, repoRoot, waitFor, type KubectlVersion } from '../support/cluster.js';
import { refs } from '../support/refs.js';

let c: TestCluster;
let work: string;
const seedDir = path.join(repoRoot, 'examples', 'seed');

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-e2e-workloads-'));
  c = await TestCluster.start(['--node-name', 'node-a']);
  c.startAgent('node-b');
  await c.waitForReadyNodes('1.33', 2);
});

after(async () => {
  await c?.destroy();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

interface PodView {
  name: string;
  uid: string;
  node: string;
  phase: string;
  ready: boolean;
  deleting: boolean;
  owner?: string;
  labels: Record<string, string>;
  command: string[];
}

function viewOf(p: any): PodView {
  return {
    name: p.metadata.name, uid: p.metadata.uid, node: p.spec.nodeName ?? '', phase: p.status?.phase ?? '',
    ready: (p.status?.conditions ?? []).some((x: any) => x.type === 'Ready' && x.status === 'True'),
    deleting: !!p.metadata.deletionTimestamp,
    owner: (p.metadata.ownerReferences ?? []).find((o: any) => o.controller)?.name,
    labels: p.metadata.labels ?? {},
    command: p.spec.containers[0].command ?? [],
  };
}

async function pods(v: KubectlVersion, ns: string, selector?: string): Promise<PodView[]> {
  const args = ['get', 'pods', '-n', ns, '-o', 'json', ...(selector ? ['-l', selector] : [])];
  return JSON.parse(await c.ok(v, args)).items.map(viewOf);
}

async function getJson(v: KubectlVersion, ns: string, what: string[]): Promise<any> {
  return JSON.parse(await c.ok(v, ['get', ...what, '-n', ns, '-o', 'json']));
}

/** Active (not terminating) pods a controller owns, once there are `n` of them and all run. */
function waitOwnedRunning(v: KubectlVersion, ns: string, owner: string, n: number, timeoutMs = 120_000): Promise<PodView[]> {
  return waitFor(`${n} running pods of ${owner}`, async () => {
    const all = (await pods(v, ns)).filter((p) => !p.deleting && p.owner === owner);
    return all.length === n && all.every((p) => p.phase === 'Running') ? all : undefined;
  }, timeoutMs, 500);
}

/** A seed manifest with its container given a command this host can run (the images are not pulled). */
function seedWithSleep(file: string): any {
  const obj = YAML.parse(fs.readFileSync(path.join(seedDir, file), 'utf8'));
  const spec = obj.spec.template.spec;
  spec.terminationGracePeriodSeconds = 2;
  spec.containers[0].command = ['sh', '-c', 'exec sleep 100000'];
  return obj;
}

let editors = 0;

/**
 * An EDITOR for `kubectl edit` that rewrites the object's `replicas: FROM` to `replicas: TO`; a file of its
 * own per call, since tests run concurrently (rewriting a script another kubectl runs fails it: ETXTBSY).
 */
function replicasEditor(from: number, to: number): string {
  const editor = path.join(work, `edit-${from}-${to}-${++editors}.sh`);
  fs.writeFileSync(editor, `#!/bin/sh\nsed -i "s/^  replicas: ${from}$/  replicas: ${to}/" "$1"\n`, { mode: 0o755 });
  return editor;
}

/** Runs `fn`; when it fails, adds what the namespace's pods and events looked like to the error. */
async function withDiagnostics<T>(v: KubectlVersion, ns: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const podsNow = await c.kubectl(v, ['get', 'pods', '-n', ns, '-o', 'custom-columns=NAME:.metadata.name,LABELS:.metadata.labels,OWNER:.metadata.ownerReferences[0].name,DEL:.metadata.deletionTimestamp,PHASE:.status.phase']);
    const events = await c.kubectl(v, ['get', 'events', '-n', ns, '--sort-by=.lastTimestamp']);
    (e as Error).message += `\n${podsNow.stdout}\n${events.stdout}`;
    throw e;
  }
}

interface ReplicaCase {
  kind: 'rc' | 'rs';
  file: string;
  name: string;
  /** The label the selector matches on, and its value. */
  key: string;
  value: string;
}

const replicaCases: ReplicaCase[] = [
  { kind: 'rc', file: 'replicationcontroller-nginx.yaml', name: 'nginx', key: 'app', value: 'nginx' },
  { kind: 'rs', file: 'replicaset-frontend.yaml', name: 'frontend', key: 'tier', value: 'frontend' },
];

/** A pod becomes ready a moment after it starts (it creates its readiness file), so readiness is real. */
function rollingDeployment(version: string): any {
  const readyDir = path.join(work, 'ready');
  fs.mkdirSync(readyDir, { recursive: true });
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'roll' },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'roll' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: 'roll' } },
        spec: {
          terminationGracePeriodSeconds: 2,
          containers: [{
            name: 'main', image: 'busybox',
            env: [{ name: 'VERSION', value: version }],
            command: ['sh', '-c', `sleep 1; touch ${readyDir}/$HOSTNAME; exec sleep 100000`],
            readinessProbe: { exec: { command: ['sh', '-c', `test -f ${readyDir}/$HOSTNAME`] }, periodSeconds: 1 },
          }],
        },
      },
    },
  };
}

/**
 * Watches the Deployment's pods from a consistent list and records the fewest ready and the most
 * active pods seen at any moment (terminating pods count as neither).
 */
async function watchReadiness(ns: string, selector: string) {
  const client = c.client();
  const byUid = new Map<string, KubeObject>();
  const stats = { minReady: Infinity, maxActive: 0 };
  const record = () => {
    const active = [...byUid.values()].filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded');
    const ready = active.filter((p) => viewOf(p).ready);
    stats.minReady = Math.min(stats.minReady, ready.length);
    stats.maxActive = Math.max(stats.maxActive, active.length);
  };
  const list = await client.list(refs.pods, ns, { labelSelector: selector });
  for (const p of list.items) byUid.set(p.metadata.uid!, p);
  record();
  let errored: unknown;
  const watch = client.watch(refs.pods, ns, { labelSelector: selector, resourceVersion: list.metadata.resourceVersion }, (ev) => {
    if (ev.type === 'DELETED') byUid.delete(ev.object.metadata.uid!);
    else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') byUid.set(ev.object.metadata.uid!, ev.object);
    else return;
    record();
  }, (e) => {
    if (e) errored = e;
  });
  return {
    stats,
    stop() {
      watch.stop();
      client.close();
      if (errored) throw errored;
    },
  };
}

// The tests are independent (a namespace each; the DaemonSets select their pods apart), so they run
// side by side and their waits overlap.
describe('workload controllers', { concurrency: true }, () => {
  describe('the seed ReplicationController and ReplicaSet', { concurrency: true }, () => {
    for (const v of kubectlVersions) {
      for (const rc of replicaCases) {
        test(`kubectl ${v}: ${rc.kind} ${rc.name} replaces deleted and relabelled pods, scales by edit and scale, leaves old pods on template edits, orphans on delete`, { timeout: 600_000 }, async () => {
          const ns = `${rc.kind}-${v.replace('.', '-')}`;
          const selector = `${rc.key}=${rc.value}`;
          await c.ok(v, ['create', 'namespace', ns]);
          await c.ok(v, ['apply', '-n', ns, '-f', '-'], { input: JSON.stringify(seedWithSleep(rc.file)) });
          const first = await waitOwnedRunning(v, ns, rc.name, 3);
          assert.equal(new Set(first.map((p) => p.node)).size, 2, 'the pods spread over both nodes');
          const status = await waitFor('status to count three ready pods', async () => {
            const o = await getJson(v, ns, [rc.kind, rc.name]);
            return o.status?.readyReplicas === 3 && o.status?.availableReplicas === 3 ? o : undefined;
          }, 60_000, 500);
          assert.equal(status.status.replicas, 3);
          assert.equal(status.status.fullyLabeledReplicas, 3);
          assert.equal(status.status.observedGeneration, status.metadata.generation);
          assert.match(await c.ok(v, ['get', rc.kind, rc.name, '-n', ns]), new RegExp(`${rc.name}\\s+3\\s+3\\s+3`));

          // A deleted pod is replaced.
          const victim = first[0];
          await c.ok(v, ['delete', 'pod', victim.name, '-n', ns, '--wait=false']);
          const afterDelete = await waitFor('a replacement for the deleted pod', async () => {
            const all = (await pods(v, ns)).filter((p) => !p.deleting && p.owner === rc.name);
            return all.length === 3 && !all.some((p) => p.uid === victim.uid) && all.every((p) => p.phase === 'Running') ? all : undefined;
          }, 120_000, 500);

          // A relabelled pod leaves the set (its controller reference removed) and keeps running; a new one comes.
          const moved = afterDelete[0];
          await c.ok(v, ['label', 'pod', moved.name, '-n', ns, `${rc.key}=debug`, '--overwrite']);
          const afterRelabel = await waitFor('the relabelled pod released and replaced', async () => {
            const all = await pods(v, ns);
            const released = all.find((p) => p.uid === moved.uid);
            const owned = all.filter((p) => !p.deleting && p.owner === rc.name);
            return released && released.owner === undefined && owned.length === 3 && owned.every((p) => p.phase === 'Running') ? owned : undefined;
          }, 120_000, 500);
          const released = (await getJson(v, ns, ['pod', moved.name]));
          assert.equal(released.metadata.ownerReferences, undefined, 'no ownerReferences left on the released pod');
          assert.equal(released.status.phase, 'Running');
          assert.ok(!afterRelabel.some((p) => p.uid === moved.uid));
          // Relabelled back, it is adopted again and the surplus pod goes.
          await c.ok(v, ['label', 'pod', moved.name, '-n', ns, `${rc.key}=${rc.value}`, '--overwrite']);
          // (Which of the four then goes is the scale-down order's choice: often the re-adopted pod, the newest.)
          await withDiagnostics(v, ns, () => waitFor('the pod adopted back and the surplus deleted', async () => {
            const all = await pods(v, ns, selector);
            const back = all.find((p) => p.uid === moved.uid);
            const owned = all.filter((p) => !p.deleting);
            const adoptedOrDeleted = !back || back.owner === rc.name || back.deleting;
            return adoptedOrDeleted && owned.length === 3 && owned.every((p) => p.owner === rc.name) ? owned : undefined;
          }, 120_000, 500));

          // kubectl edit (EDITOR rewrites replicas 3 → 5), then kubectl scale to 2.
          const editor = replicasEditor(3, 5);
          await c.ok(v, ['edit', rc.kind, rc.name, '-n', ns], { env: { EDITOR: editor, KUBE_EDITOR: editor } });
          assert.equal((await getJson(v, ns, [rc.kind, rc.name])).spec.replicas, 5);
          await waitOwnedRunning(v, ns, rc.name, 5);
          await c.ok(v, ['scale', rc.kind, rc.name, '-n', ns, '--replicas=2']);
          const scaledDown = await waitOwnedRunning(v, ns, rc.name, 2);
          await waitFor('status replicas 2', async () => ((await getJson(v, ns, [rc.kind, rc.name])).status?.replicas === 2 ? true : undefined), 60_000, 500);

          // A template edit changes what new pods run; existing pods are left alone.
          const newCommand = ['sh', '-c', 'exec sleep 200000'];
          await c.ok(v, ['patch', rc.kind, rc.name, '-n', ns, '--type=json', '-p',
            JSON.stringify([{ op: 'replace', path: '/spec/template/spec/containers/0/command', value: newCommand }])]);
          await c.ok(v, ['scale', rc.kind, rc.name, '-n', ns, '--replicas=3']);
          const mixed = await waitOwnedRunning(v, ns, rc.name, 3);
          for (const old of scaledDown) {
            const still = mixed.find((p) => p.uid === old.uid);
            assert.ok(still, `${old.name} was left running`);
            assert.deepEqual(still.command, ['sh', '-c', 'exec sleep 100000']);
          }
          assert.deepEqual(mixed.filter((p) => !scaledDown.some((o) => o.uid === p.uid)).map((p) => p.command), [newCommand]);

          // describe tells the story.
          const described = await c.ok(v, ['describe', rc.kind, rc.name, '-n', ns]);
          assert.match(described, /SuccessfulCreate\s+.*Created pod: /);
          assert.match(described, /SuccessfulDelete\s+.*Deleted pod: /);
          assert.match(described, /Pods Status:\s+3 Running/);

          // --cascade=orphan: the controller goes, its pods stay running with no owner.
          await c.ok(v, ['delete', rc.kind, rc.name, '-n', ns, '--cascade=orphan']);
          const orphans = await waitFor('the pods orphaned', async () => {
            const all = (await pods(v, ns, selector)).filter((p) => !p.deleting);
            return all.length === 3 && all.every((p) => p.owner === undefined) ? all : undefined;
          }, 60_000, 500);
          const gone = await c.kubectl(v, ['get', rc.kind, rc.name, '-n', ns]);
          assert.notEqual(gone.code, 0);
          assert.match(gone.stderr, /NotFound|not found/);
          for (const p of orphans) {
            const pod = await getJson(v, ns, ['pod', p.name]);
            assert.equal(pod.metadata.ownerReferences, undefined);
            assert.equal(pod.status.phase, 'Running');
          }
          await c.ok(v, ['delete', 'namespace', ns, '--wait=false']);
        });
      }
    }
  });

  test('a Deployment rolls A → B keeping replicas − maxUnavailable pods ready; rollout status, history, undo, pause, resume and restart', { timeout: 600_000 }, async () => {
    const v = '1.33';
    const ns = 'rollout';
    await c.ok(v, ['create', 'namespace', ns]);
    await c.ok(v, ['apply', '-n', ns, '-f', '-'], { input: JSON.stringify(rollingDeployment('a')) });
    await c.ok(v, ['annotate', 'deployment', 'roll', '-n', ns, 'kubernetes.io/change-cause=version a']);
    assert.match(await c.ok(v, ['rollout', 'status', 'deployment/roll', '-n', ns, '--timeout=180s']), /successfully rolled out/);
    const ready = async () => (await pods(v, ns, 'app=roll')).filter((p) => !p.deleting && p.ready);
    await waitFor('four ready pods', async () => ((await ready()).length === 4 ? true : undefined), 60_000, 500);

    /** Runs a template change under a watcher and checks the rollout never dipped below 3 ready pods nor rose above 5. */
    const rollWatched = async (what: string, change: () => Promise<unknown>, want: string) => {
      const w = await watchReadiness(ns, 'app=roll');
      assert.equal(w.stats.minReady, 4, `${what}: four ready pods before the change`);
      await change();
      const out = await c.ok(v, ['rollout', 'status', 'deployment/roll', '-n', ns, '--timeout=240s']);
      assert.match(out, /successfully rolled out/, what);
      const settled = await waitFor(`${what}: four ready pods of ${want} and no others`, async () => {
        const list = JSON.parse(await c.ok(v, ['get', 'pods', '-n', ns, '-l', 'app=roll', '-o', 'json'])).items;
        const versions = list.map((p: any) => p.spec.containers[0].env[0].value);
        const readyCount = list.filter((p: any) => viewOf(p).ready && !p.metadata.deletionTimestamp).length;
        return list.length === 4 && readyCount === 4 && versions.every((x: string) => x === want) ? list : undefined;
      }, 120_000, 500);
      w.stop();
      assert.ok(w.stats.minReady >= 3, `${what}: ready pods never below replicas − maxUnavailable = 3 (saw ${w.stats.minReady})`);
      assert.ok(w.stats.maxActive <= 5, `${what}: active pods never above replicas + maxSurge = 5 (saw ${w.stats.maxActive})`);
      return settled;
    };

    await rollWatched('A → B', async () => {
      await c.ok(v, ['set', 'env', 'deployment/roll', '-n', ns, 'VERSION=b']);
      await c.ok(v, ['annotate', 'deployment', 'roll', '-n', ns, '--overwrite', 'kubernetes.io/change-cause=version b']);
    }, 'b');
    const d = await getJson(v, ns, ['deployment', 'roll']);
    assert.equal(d.metadata.annotations['deployment.kubernetes.io/revision'], '2');
    assert.equal(d.status.updatedReplicas, 4);
    assert.equal(d.status.availableReplicas, 4);
    assert.equal(d.status.conditions.find((x: any) => x.type === 'Progressing').reason, 'NewReplicaSetAvailable');
    assert.equal(d.status.conditions.find((x: any) => x.type === 'Available').status, 'True');
    const rsList = (await getJson(v, ns, ['replicasets'])).items;
    assert.equal(rsList.length, 2);
    assert.deepEqual(rsList.map((rs: any) => rs.spec.replicas).sort(), [0, 4]);

    for (const kv of kubectlVersions) {
      const history = await c.ok(kv, ['rollout', 'history', 'deployment/roll', '-n', ns]);
      assert.match(history, /1\s+version a/);
      assert.match(history, /2\s+version b/);
      assert.match(await c.ok(kv, ['rollout', 'history', 'deployment/roll', '-n', ns, '--revision=1']), /VERSION:\s+a/);
    }
    const described = await c.ok(v, ['describe', 'deployment', 'roll', '-n', ns]);
    assert.match(described, /ScalingReplicaSet\s+.*Scaled up replica set roll-\w+ from 0 to 1/);
    assert.match(described, /Scaled down replica set roll-\w+ from 4 to 3/);

    // undo returns to A's template as revision 3.
    await rollWatched('undo to A', () => c.ok('1.27', ['rollout', 'undo', 'deployment/roll', '-n', ns]), 'a');
    const undone = await getJson(v, ns, ['deployment', 'roll']);
    assert.equal(undone.spec.template.spec.containers[0].env[0].value, 'a');
    assert.equal(undone.metadata.annotations['deployment.kubernetes.io/revision'], '3');
    assert.match(await c.ok(v, ['rollout', 'history', 'deployment/roll', '-n', ns]), /2\s+version b[\s\S]*3\s+version a/);

    // pause: a template change does not roll out; resume rolls it out.
    await c.ok(v, ['rollout', 'pause', 'deployment/roll', '-n', ns]);
    await c.ok(v, ['set', 'env', 'deployment/roll', '-n', ns, 'VERSION=c']);
    const paused = await waitFor('the paused change observed', async () => {
      const o = await getJson(v, ns, ['deployment', 'roll']);
      return o.status.observedGeneration === o.metadata.generation ? o : undefined;
    }, 60_000, 500);
    assert.equal(paused.status.conditions.find((x: any) => x.type === 'Progressing').reason, 'DeploymentPaused');
    assert.equal((await getJson(v, ns, ['replicasets'])).items.length, 2, 'no new replica set while paused');
    const pausedStatus = await c.kubectl(v, ['rollout', 'status', 'deployment/roll', '-n', ns, '--watch=false']);
    // As upstream's status viewer: a paused rollout simply has not updated any replica yet.
    assert.match(pausedStatus.stdout, /Waiting for deployment "roll" rollout to finish: 0 out of 4 new replicas have been updated/);
    await rollWatched('resume to C', () => c.ok(v, ['rollout', 'resume', 'deployment/roll', '-n', ns]), 'c');

    // restart: every pod is replaced by one of a new replica set, with the same template otherwise.
    const beforeRestart = new Set((await pods(v, ns, 'app=roll')).map((p) => p.uid));
    await rollWatched('restart', () => c.ok('1.27', ['rollout', 'restart', 'deployment/roll', '-n', ns]), 'c');
    const restarted = (await pods(v, ns, 'app=roll')).filter((p) => !p.deleting);
    assert.ok(restarted.every((p) => !beforeRestart.has(p.uid)), 'every pod was replaced');
    const restartedD = await getJson(v, ns, ['deployment', 'roll']);
    assert.ok(restartedD.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']);
    assert.equal(restartedD.metadata.annotations['deployment.kubernetes.io/revision'], '5');
    await c.ok(v, ['delete', 'namespace', ns, '--wait=false']);
  });

  test('a DaemonSet with a nodeSelector follows `kubectl label node`', { timeout: 300_000 }, async () => {
    const v = '1.27';
    const ns = 'daemons';
    await c.ok(v, ['create', 'namespace', ns]);
    await c.ok(v, ['apply', '-n', ns, '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'ssd-monitor' },
        spec: {
          selector: { matchLabels: { app: 'ssd-monitor' } },
          template: {
            metadata: { labels: { app: 'ssd-monitor' } },
            spec: { nodeSelector: { disk: 'ssd' }, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', command: ['sleep', '100000'] }] },
          },
        },
      }),
    });
    const dsStatus = async () => (await getJson(v, ns, ['daemonset', 'ssd-monitor'])).status ?? {};
    const daemonPods = async () => (await pods(v, ns, 'app=ssd-monitor')).filter((p) => !p.deleting);
    await waitFor('the DaemonSet observed with nothing to run', async () => {
      const s = await dsStatus();
      return s.observedGeneration === 1 && (s.desiredNumberScheduled ?? 0) === 0 ? s : undefined;
    }, 60_000, 500);
    assert.equal((await daemonPods()).length, 0);

    await c.ok(v, ['label', 'node', 'node-b', 'disk=ssd']);
    const onB = await waitFor('a daemon pod running on node-b', async () => {
      const ps = await daemonPods();
      return ps.length === 1 && ps[0].node === 'node-b' && ps[0].phase === 'Running' ? ps[0] : undefined;
    }, 120_000, 500);
    await c.ok('1.33', ['label', 'node', 'node-a', 'disk=ssd']);
    await waitFor('daemon pods running on both nodes', async () => {
      const ps = await daemonPods();
      return ps.length === 2 && new Set(ps.map((p) => p.node)).size === 2 && ps.every((p) => p.phase === 'Running') ? ps : undefined;
    }, 120_000, 500);
    const both = await waitFor('status: two desired, ready and available', async () => {
      const s = await dsStatus();
      return s.desiredNumberScheduled === 2 && s.numberReady === 2 && s.numberAvailable === 2 && s.updatedNumberScheduled === 2 ? s : undefined;
    }, 60_000, 500);
    assert.equal(both.currentNumberScheduled, 2);
    assert.equal(both.numberMisscheduled, 0);
    assert.match(await c.ok(v, ['get', 'daemonset', 'ssd-monitor', '-n', ns]), /ssd-monitor\s+2\s+2\s+2\s+2\s+2\s+disk=ssd/);

    // A template change rolls out (RollingUpdate, one node at a time) as a new ControllerRevision.
    const before = new Set((await daemonPods()).map((p) => p.uid));
    await c.ok(v, ['set', 'env', 'daemonset/ssd-monitor', '-n', ns, 'ROUND=2']);
    assert.match(await c.ok('1.33', ['rollout', 'status', 'daemonset/ssd-monitor', '-n', ns, '--timeout=120s']), /daemon set "ssd-monitor" successfully rolled out/);
    const rolled = await waitFor('two new daemon pods', async () => {
      const ps = await daemonPods();
      return ps.length === 2 && ps.every((p) => !before.has(p.uid) && p.phase === 'Running') ? ps : undefined;
    }, 120_000, 500);
    assert.equal(new Set(rolled.map((p) => p.node)).size, 2);
    const revisions = (await getJson(v, ns, ['controllerrevisions'])).items;
    assert.deepEqual(revisions.map((r: any) => r.revision).sort(), [1, 2]);
    assert.match(await c.ok(v, ['rollout', 'history', 'daemonset/ssd-monitor', '-n', ns]), /1\s+<none>[\s\S]*2\s+<none>/);

    await c.ok(v, ['label', 'node', 'node-b', 'disk-']);
    const left = await waitFor('the daemon pod on node-b removed', async () => {
      const ps = await daemonPods();
      return ps.length === 1 && ps[0].node === 'node-a' ? ps : undefined;
    }, 120_000, 500);
    assert.ok(!left.some((p) => p.uid === onB.uid));
    await waitFor('status: one desired', async () => {
      const s = await dsStatus();
      return s.desiredNumberScheduled === 1 && s.currentNumberScheduled === 1 ? s : undefined;
    }, 60_000, 500);
    const described = await c.ok(v, ['describe', 'daemonset', 'ssd-monitor', '-n', ns]);
    assert.match(described, /SuccessfulCreate\s+.*Created pod: ssd-monitor-/);
    assert.match(described, /SuccessfulDelete\s+.*Deleted pod: ssd-monitor-/);
    await c.ok(v, ['label', 'node', 'node-a', 'disk-']);
    await c.ok(v, ['delete', 'namespace', ns, '--wait=false']);
  });

  test('a ReplicaSet selector with matchExpressions (In, NotIn, Exists, DoesNotExist) adopts only the pods it selects', { timeout: 300_000 }, async () => {
    const ns = 'set-based';
    await c.ok('1.27', ['create', 'namespace', ns]);
    const bare = (name: string, labels: Record<string, string>) => ({
      apiVersion: 'v1', kind: 'Pod', metadata: { name, labels },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'exec sleep 100000'] }] },
    });
    // Only `match` satisfies every requirement: env is absent (NotIn holds), legacy absent (DoesNotExist holds).
    await c.apply('1.27', [
      bare('match', { app: 'sel', tier: 'api' }),
      bare('prod', { app: 'sel', tier: 'web', env: 'prod' }),
      bare('legacy', { app: 'sel', tier: 'web', legacy: 'yes' }),
      bare('other-tier', { app: 'sel', tier: 'db' }),
    ], ['-n', ns]);
    await waitFor('the bare pods running', async () => {
      const ps = await pods('1.33', ns);
      return ps.length === 4 && ps.every((p) => p.phase === 'Running') ? ps : undefined;
    }, 120_000, 500);
    await c.apply('1.33', [{
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'picky' },
      spec: {
        replicas: 2,
        selector: {
          matchLabels: { app: 'sel' },
          matchExpressions: [
            { key: 'tier', operator: 'In', values: ['web', 'api'] },
            { key: 'env', operator: 'NotIn', values: ['prod'] },
            { key: 'app', operator: 'Exists' },
            { key: 'legacy', operator: 'DoesNotExist' },
          ],
        },
        template: {
          metadata: { labels: { app: 'sel', tier: 'web', env: 'dev' } },
          spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'exec sleep 100000'] }] },
        },
      },
    }], ['-n', ns]);
    const owned = await waitOwnedRunning('1.33', ns, 'picky', 2);
    assert.ok(owned.some((p) => p.name === 'match'), 'the matching orphan was adopted instead of a second pod being created');
    const all = await pods('1.27', ns);
    for (const name of ['prod', 'legacy', 'other-tier']) {
      const p = all.find((x) => x.name === name);
      assert.ok(p && !p.deleting && p.owner === undefined, `${name} is left alone`);
    }
    assert.equal(all.filter((p) => !p.deleting).length, 5, 'one pod created, none deleted');
    const rs = await getJson('1.27', ns, ['rs', 'picky']);
    assert.equal(rs.status.replicas, 2);
    assert.equal(rs.status.fullyLabeledReplicas, 1, 'only the created pod carries every template label');
    // The same set-based selector, as kubectl sends it to the server.
    for (const v of kubectlVersions) {
      const out = await c.ok(v, ['get', 'pods', '-n', ns, '-l', 'app,tier in (web,api),env notin (prod),!legacy', '-o', 'name']);
      assert.deepEqual(out.trim().split('\n').sort(), owned.map((p) => `pod/${p.name}`).sort());
    }
    await c.ok('1.33', ['delete', 'namespace', ns, '--wait=false']);
  });

  for (const v of kubectlVersions) {
    test(`kubectl ${v}: rollout status, pause, resume, history, undo --to-revision and restart on a Deployment`, { timeout: 300_000 }, async () => {
      const ns = `rollout-cmds-${v.replace('.', '-')}`;
      const name = 'cmds';
      const dep = `deployment/${name}`;
      await c.ok(v, ['create', 'namespace', ns]);
      await c.apply(v, [{
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, annotations: { 'kubernetes.io/change-cause': 'first' } },
        spec: {
          replicas: 2, selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', env: [{ name: 'VERSION', value: 'a' }], command: ['sh', '-c', 'exec sleep 100000'] }] },
          },
        },
      }], ['-n', ns]);
      const status = async () => c.ok(v, ['rollout', 'status', dep, '-n', ns, '--timeout=180s']);
      assert.match(await status(), new RegExp(`deployment "${name}" successfully rolled out`));
      const env = async () => (await getJson(v, ns, ['deployment', name])).spec.template.spec.containers[0].env[0].value;
      const revision = async () => (await getJson(v, ns, ['deployment', name])).metadata.annotations['deployment.kubernetes.io/revision'];

      assert.match(await c.ok(v, ['rollout', 'pause', dep, '-n', ns]), new RegExp(`deployment.apps/${name} paused`));
      await c.ok(v, ['set', 'env', dep, '-n', ns, 'VERSION=b']);
      await c.ok(v, ['annotate', dep, '-n', ns, '--overwrite', 'kubernetes.io/change-cause=second']);
      await waitFor('the paused change observed', async () => {
        const o = await getJson(v, ns, ['deployment', name]);
        return o.status?.observedGeneration === o.metadata.generation && o.status.conditions?.some((x: any) => x.reason === 'DeploymentPaused');
      }, 60_000, 500);
      assert.equal((await getJson(v, ns, ['replicasets'])).items.length, 1, 'no new replica set while paused');
      const pausedStatus = await c.kubectl(v, ['rollout', 'status', dep, '-n', ns, '--watch=false']);
      assert.match(pausedStatus.stdout, new RegExp(`Waiting for deployment "${name}" rollout to finish: 0 out of 2 new replicas have been updated`));
      assert.match(await c.ok(v, ['rollout', 'resume', dep, '-n', ns]), new RegExp(`deployment.apps/${name} resumed`));
      assert.match(await status(), /successfully rolled out/);
      assert.equal(await revision(), '2');

      const history = await c.ok(v, ['rollout', 'history', dep, '-n', ns]);
      assert.match(history, /REVISION\s+CHANGE-CAUSE\s+1\s+first\s+2\s+second/);
      assert.match(await c.ok(v, ['rollout', 'history', dep, '-n', ns, '--revision=2']), /revision #2[\s\S]*VERSION:\s+b/);

      assert.match(await c.ok(v, ['rollout', 'undo', dep, '-n', ns, '--to-revision=1']), new RegExp(`deployment.apps/${name} rolled back`));
      assert.match(await status(), /successfully rolled out/);
      assert.equal(await env(), 'a');
      // The re-used replica set gets revision 3 first; the Deployment's annotation follows on its next sync.
      await waitFor('revision 3', async () => (await revision()) === '3', 60_000, 250);
      const undoneHistory = await c.ok(v, ['rollout', 'history', dep, '-n', ns]);
      assert.doesNotMatch(undoneHistory, /^1\s/m, 'revision 1 became revision 3');

      const before = new Set((await pods(v, ns, `app=${name}`)).map((p) => p.uid));
      assert.match(await c.ok(v, ['rollout', 'restart', dep, '-n', ns]), new RegExp(`deployment.apps/${name} restarted`));
      assert.match(await status(), /successfully rolled out/);
      const after = await waitFor('only new pods left', async () => {
        const ps = await pods(v, ns, `app=${name}`);
        return ps.length === 2 && ps.every((p) => !before.has(p.uid) && p.phase === 'Running') ? ps : undefined;
      }, 120_000, 500);
      assert.equal(after.length, 2);
      assert.equal(await revision(), '4');
      assert.equal(await env(), 'a', 'a restart keeps the template');
      const described = await c.ok(v, ['describe', 'deployment', name, '-n', ns]);
      assert.match(described, /ScalingReplicaSet\s+.*Scaled up replica set cmds-\w+ from 0 to 1/);
      assert.match(described, /ScalingReplicaSet\s+.*Scaled down replica set cmds-\w+ from 2 to 1/);
      await c.ok(v, ['delete', 'namespace', ns, '--wait=false']);
    });
  }

  test('a DaemonSet runs on every node with the default tolerations; OnDelete replaces only pods that are deleted; a new node gets a pod, kept through a later NoSchedule taint, lost with the node', { timeout: 300_000 }, async () => {
    const v = '1.33';
    const ns = 'ondelete';
    await c.ok(v, ['create', 'namespace', ns]);
    await c.apply(v, [{
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'everywhere' },
      spec: {
        selector: { matchLabels: { app: 'everywhere' } },
        updateStrategy: { type: 'OnDelete' },
        template: {
          metadata: { labels: { app: 'everywhere' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            // Replaced by the default (no tolerationSeconds), as upstream: daemon pods stay on unreachable nodes.
            tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }],
            containers: [{ name: 'main', image: 'busybox', command: ['sleep', '100000'] }],
          },
        },
      },
    }], ['-n', ns]);
    const daemonPods = async (kv: KubectlVersion) => (await pods(kv, ns, 'app=everywhere')).filter((p) => !p.deleting);
    const first = await waitFor('a daemon pod running on each node', async () => {
      const ps = await daemonPods(v);
      return ps.length === 2 && new Set(ps.map((p) => p.node)).size === 2 && ps.every((p) => p.phase === 'Running') ? ps : undefined;
    }, 120_000, 500);
    const pod = await getJson('1.27', ns, ['pod', first[0].name]);
    const tolerations = pod.spec.tolerations.map((t: any) => `${t.key}:${t.operator}:${t.effect}:${t.tolerationSeconds ?? '-'}`).sort();
    assert.deepEqual(tolerations, [
      'node.kubernetes.io/disk-pressure:Exists:NoSchedule:-',
      'node.kubernetes.io/memory-pressure:Exists:NoSchedule:-',
      'node.kubernetes.io/not-ready:Exists:NoExecute:-',
      'node.kubernetes.io/pid-pressure:Exists:NoSchedule:-',
      'node.kubernetes.io/unreachable:Exists:NoExecute:-',
      'node.kubernetes.io/unschedulable:Exists:NoSchedule:-',
    ]);
    const firstHash = first[0].labels['controller-revision-hash'];

    // A template change under OnDelete: observed, nothing replaced.
    await c.ok(v, ['set', 'env', 'daemonset/everywhere', '-n', ns, 'ROUND=2']);
    const observed = await waitFor('the change observed', async () => {
      const o = await getJson(v, ns, ['daemonset', 'everywhere']);
      return o.status?.observedGeneration === 2 ? o : undefined;
    }, 60_000, 500);
    assert.equal(observed.status.updatedNumberScheduled, undefined, 'no pod runs the new template yet');
    assert.equal(observed.status.desiredNumberScheduled, 2);
    assert.deepEqual((await daemonPods(v)).map((p) => p.uid).sort(), first.map((p) => p.uid).sort(), 'the pods were left alone');
    for (const kv of kubectlVersions) {
      const r = await c.kubectl(kv, ['rollout', 'status', 'daemonset/everywhere', '-n', ns]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /rollout status is only available for RollingUpdate strategy type/);
    }

    // A deleted pod comes back from the new template, on the same node.
    await c.ok('1.27', ['delete', 'pod', first[0].name, '-n', ns, '--wait=false']);
    const replaced = await waitFor('the deleted pod replaced', async () => {
      const ps = await daemonPods(v);
      const fresh = ps.find((p) => p.uid !== first[0].uid && p.uid !== first[1].uid);
      return ps.length === 2 && fresh?.phase === 'Running' ? fresh : undefined;
    }, 120_000, 500);
    assert.equal(replaced.node, first[0].node);
    assert.notEqual(replaced.labels['controller-revision-hash'], firstHash);
    assert.ok((await daemonPods(v)).some((p) => p.uid === first[1].uid), 'the other pod still runs the old template');
    const updated = await waitFor('one updated pod counted', async () => {
      const s = (await getJson(v, ns, ['daemonset', 'everywhere'])).status;
      return s.updatedNumberScheduled === 1 && s.numberReady === 2 ? s : undefined;
    }, 60_000, 500);
    assert.equal(updated.currentNumberScheduled, 2);

    // A node that appears gets a daemon pod (placed by the scheduler through node affinity: this
    // Node has no agent and never becomes Ready, so the pod stays unscheduled); deleting the Node removes it.
    const affinityNode = (p: any) => p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0];
    await c.apply('1.27', [{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-c', labels: { 'kubernetes.io/hostname': 'node-c' } } }]);
    try {
      const forC = await waitFor('a daemon pod for the new node', async () => {
        const list = (await getJson(v, ns, ['pods', '-l', 'app=everywhere'])).items;
        return list.find((p: any) => affinityNode(p) === 'node-c' && !p.metadata.deletionTimestamp);
      }, 60_000, 500);
      assert.equal(forC.metadata.labels['controller-revision-hash'], replaced.labels['controller-revision-hash'], 'a new pod runs the current template');
      const dsStatus = async () => (await getJson(v, ns, ['daemonset', 'everywhere'])).status;
      await waitFor('three desired', async () => ((await dsStatus()).desiredNumberScheduled === 3 ? true : undefined), 60_000, 500);
      // A NoSchedule taint added later keeps the pod running (misscheduled); only NoExecute would evict it.
      await c.ok('1.27', ['taint', 'node', 'node-c', 'dedicated=infra:NoSchedule']);
      const tainted = await waitFor('node-c no longer desired, its pod misscheduled', async () => {
        const st = await dsStatus();
        return st.desiredNumberScheduled === 2 && st.numberMisscheduled === 1 ? st : undefined;
      }, 60_000, 500);
      assert.equal(tainted.currentNumberScheduled, 2, 'the misscheduled pod is not counted as scheduled');
      const stillThere = await getJson(v, ns, ['pod', forC.metadata.name]);
      assert.equal(stillThere.metadata.uid, forC.metadata.uid);
      assert.equal(stillThere.metadata.deletionTimestamp, undefined, 'the pod was left running');
      await c.ok('1.33', ['taint', 'node', 'node-c', 'dedicated-']);
      await waitFor('node-c desired again', async () => {
        const st = await dsStatus();
        return st.desiredNumberScheduled === 3 && st.numberMisscheduled === 0 ? st : undefined;
      }, 60_000, 500);
      await c.ok(v, ['delete', 'node', 'node-c']);
      await waitFor('the new node\'s daemon pod removed with it', async () => {
        const list = (await getJson('1.27', ns, ['pods', '-l', 'app=everywhere'])).items;
        return !list.some((p: any) => p.metadata.uid === forC.metadata.uid && !p.metadata.deletionTimestamp);
      }, 60_000, 500);
    } finally {
      await c.kubectl(v, ['delete', 'node', 'node-c', '--ignore-not-found']);
    }
    await waitFor('status back to two nodes', async () => {
      const s = (await getJson(v, ns, ['daemonset', 'everywhere'])).status;
      return s.desiredNumberScheduled === 2 && s.currentNumberScheduled === 2 ? s : undefined;
    }, 60_000, 500);
    await c.ok(v, ['delete', 'namespace', ns, '--wait=false']);
  });
});
