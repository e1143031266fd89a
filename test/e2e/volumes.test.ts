// Volumes with the real kubectl (host runtime, and one node without private mounts; volumes-isolated.test.ts runs the seed examples under the
// isolated one): the seed notes' emptyDir, gitRepo and hostPath Deployments, ConfigMap/Secret/downwardAPI
// files that follow edits, local-path provisioning, static binding with WaitForFirstConsumer, claim
// protection, and a claim bound to a shared (nfs-from-127.0.0.1) PersistentVolume whose data follows a
// pod to another node when its node dies. The cases are independent and run concurrently; the node
// failure runs last, alone.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TestCluster, waitFor } from '../support/cluster.js';
import { apply as applyIn, cat as catIn, destroyVolumeCluster, emptyDirSeed, events as eventsOf, git, gitRepoSeed, hostPathSeed, makeRepo, old, onePod as onePodIn, projectedFiles, v } from '../support/volume-cases.js';

let c: TestCluster;
let tmp: string;
const symlinkTaint = { key: 'nanokube.test/symlink-mounts', value: 'true', effect: 'NoSchedule' };
const namespaces = ['vol-symlink', 'vol-reclaim', 'vol-empty', 'vol-git', 'vol-host', 'vol-cm', 'vol-local', 'vol-pv', 'vol-pending', 'vol-protect', 'vol-wffc'];

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-volumes-'));
  c = await TestCluster.start([
    '--node-name', 'node-a',
    // Above twice the agents' 10 s lease renewal, so live nodes never flap NotReady under load.
    '--node-monitor-grace-period', '20s',
    '--default-unreachable-toleration-seconds', '4',
    '--default-not-ready-toleration-seconds', '4',
  ]);
  c.startAgent('node-b');
  // A node whose host runtime cannot make private mounts (as without root): mountPath is a symlink to
  // the volume. Tainted, so only the test of that case goes there.
  process.env.NANOKUBE_HOST_MOUNTS = 'symlink';
  try {
    c.startAgent('node-c');
  } finally {
    delete process.env.NANOKUBE_HOST_MOUNTS;
  }
  await c.waitForReadyNodes(v, 3);
  await c.ok(v, ['taint', 'nodes', 'node-c', `${symlinkTaint.key}=${symlinkTaint.value}:${symlinkTaint.effect}`]);
  await Promise.all(namespaces.map((ns) => c.ok(v, ['create', 'ns', ns])));
});

after(async () => {
  if (c) await destroyVolumeCluster(c, namespaces);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const apply = (ns: string, obj: unknown) => applyIn(c, ns, obj);
const onePod = (ns: string, selector: string, exclude: string[] = []) => onePodIn(c, ns, selector, exclude);
const cat = (ns: string, pod: string, container: string, file: string) => catIn(c, ns, pod, container, file);
const events = (ns: string, name: string) => eventsOf(c, ns, name);

describe('volumes', { concurrency: true }, () => {
test('emptyDir: two containers share files, data survives a container restart, is gone with the pod; sizeLimit evicts', { timeout: 300_000 }, async () => {
  const ns = 'vol-empty';
  await emptyDirSeed(c, ns);

  // Writing past sizeLimit: evicted, naming the volume.
  await apply(ns, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hog' },
    spec: {
      restartPolicy: 'Never', terminationGracePeriodSeconds: 1,
      volumes: [{ name: 'cache', emptyDir: { sizeLimit: '1Mi' } }],
      containers: [{ name: 'hog', image: 'busybox', command: ['sh', '-c', 'dd if=/dev/zero of=/cache/big bs=1024 count=3072; sleep 3600'], volumeMounts: [{ name: 'cache', mountPath: '/cache' }] }],
    },
  });
  const evicted = await waitFor('hog to be evicted', async () => {
    const p = JSON.parse(await c.ok(v, ['get', 'pod', '-n', ns, 'hog', '-o', 'json']));
    return p.status?.phase === 'Failed' ? p : undefined;
  }, 90_000, 500);
  assert.equal(evicted.status.reason, 'Evicted');
  assert.match(evicted.status.message, /^Usage of EmptyDir volume "cache" exceeds the limit "1Mi"\./);
  assert.match(await c.ok(old, ['describe', 'pod', '-n', ns, 'hog']), /Reason:\s+Evicted\nMessage:\s+Usage of EmptyDir volume "cache"/);
  assert.ok((await events(ns, 'hog')).some((e) => e.reason === 'Evicted'));
});

test('gitRepo: clones a branch and a commit; failures are events and retried; init-container clone with a pulling sidecar', { timeout: 300_000 }, async () => {
  const ns = 'vol-git';
  const repo = path.join(tmp, 'repo');
  const first = makeRepo(repo);
  await gitRepoSeed(c, ns, repo);

  // At a commit, into a subdirectory.
  const pinned = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pinned', labels: { app: 'pinned' } },
    spec: {
      terminationGracePeriodSeconds: 1,
      volumes: [{ name: 'src', gitRepo: { repository: repo, revision: first, directory: 'checkout' } }],
      containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'while true; do sleep 1; done'], volumeMounts: [{ name: 'src', mountPath: '/gitrepo' }] }],
    },
  };
  await apply(ns, pinned);
  await onePod(ns, 'app=pinned');
  assert.equal((await cat(ns, 'pinned', 'main', '/gitrepo/checkout/hello.txt')).trim(), 'v1');

  // A repository that does not exist yet: FailedMount, ContainerCreating, then it starts once it exists.
  const later = path.join(tmp, 'later');
  await apply(ns, { ...pinned, metadata: { name: 'later', labels: { app: 'later' } }, spec: { ...pinned.spec, volumes: [{ name: 'src', gitRepo: { repository: later } }] } });
  const failed = await waitFor('a FailedMount event', async () => (await events(ns, 'later')).find((e) => e.reason === 'FailedMount'), 60_000, 500);
  assert.match(failed.message, /^MountVolume\.SetUp failed for volume "src" : failed to exec 'git clone -- /);
  assert.match(await c.ok(v, ['get', 'pod', '-n', ns, 'later']), /ContainerCreating/);
  // Built aside and renamed into place: a retry must never clone a half-made repository.
  const staging = path.join(tmp, 'later-staging');
  fs.mkdirSync(staging);
  git(staging, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(staging, 'x'), 'late\n');
  git(staging, 'add', '.');
  git(staging, 'commit', '-q', '-m', 'x');
  fs.renameSync(staging, later);
  await onePod(ns, 'app=later');
  assert.equal((await cat(ns, 'later', 'main', '/gitrepo/later/x')).trim(), 'late');

  // The replacement for gitRepo: an init container clones into an emptyDir, a sidecar keeps pulling.
  await apply(ns, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'synced', labels: { app: 'synced' } },
    spec: {
      terminationGracePeriodSeconds: 1,
      volumes: [{ name: 'work', emptyDir: {} }],
      initContainers: [
        { name: 'clone', image: 'alpine/git', command: ['git', 'clone', '--branch', 'main', repo, '/repo-work/repo'], volumeMounts: [{ name: 'work', mountPath: '/repo-work' }] },
        { name: 'sync', image: 'alpine/git', restartPolicy: 'Always', command: ['sh', '-c', 'while true; do git -C /repo-work/repo pull -q; sleep 1; done'], volumeMounts: [{ name: 'work', mountPath: '/repo-work' }] },
      ],
      containers: [{ name: 'main', image: 'nginx', command: ['sh', '-c', 'while true; do sleep 1; done'], volumeMounts: [{ name: 'work', mountPath: '/usr/share/nginx/html', subPath: 'repo', readOnly: true }] }],
    },
  });
  await onePod(ns, 'app=synced');
  assert.equal((await cat(ns, 'synced', 'main', '/usr/share/nginx/html/hello.txt')).trim(), 'v2');
  fs.writeFileSync(path.join(repo, 'hello.txt'), 'v3\n');
  git(repo, 'commit', '-q', '-am', 'three');
  await waitFor('the sidecar to pull the new commit', async () => ((await cat(ns, 'synced', 'main', '/usr/share/nginx/html/hello.txt')).trim() === 'v3' ? true : undefined), 60_000, 500);
  const ro = await c.kubectl(v, ['exec', '-n', ns, 'synced', '-c', 'main', '--', 'sh', '-c', 'echo x > /usr/share/nginx/html/hello.txt']);
  assert.notEqual(ro.code, 0, 'a readOnly mount cannot be written');

  // Values git would read as options are refused before git runs, as the kubelet does.
  await apply(ns, { ...pinned, metadata: { name: 'optional-looking' }, spec: { ...pinned.spec, volumes: [{ name: 'src', gitRepo: { repository: repo, revision: '--orphan=x' } }] } });
  const refused = await waitFor('a FailedMount event for an option-like revision', async () => (await events(ns, 'optional-looking')).find((e) => e.reason === 'FailedMount'), 60_000, 500);
  assert.equal(refused.message, 'MountVolume.SetUp failed for volume "src" : "--orphan=x" is an invalid value for revision');
  await c.ok(v, ['delete', 'deploy', '-n', ns, 'my-deployment', '--wait=false']);
});

test('hostPath: a file written by one pod is read by its replacement on the same node; types are checked', { timeout: 300_000 }, async () => {
  const ns = 'vol-host';
  await hostPathSeed(c, ns, path.join(tmp, 'host-data'), 'node-a'); // the seed's /data, kept inside the test's directory

  // Type checks as upstream.
  fs.writeFileSync(path.join(tmp, 'a-file'), 'x');
  const checks: [string, string, string][] = [
    ['Directory', path.join(tmp, 'missing'), 'is not a directory'],
    ['File', tmp, 'is not a file'],
    ['Socket', path.join(tmp, 'a-file'), 'is not a socket file'],
    ['CharDevice', path.join(tmp, 'a-file'), 'is not a character device'],
    ['BlockDevice', '/dev/null', 'is not a block device'],
  ];
  for (const [type, p] of checks) {
    await apply(ns, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: `type-${type.toLowerCase()}` },
      spec: { containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'], volumeMounts: [{ name: 'h', mountPath: '/h' }] }], volumes: [{ name: 'h', hostPath: { path: p, type } }] },
    });
  }
  for (const [type, p, what] of checks) {
    const ev = await waitFor(`FailedMount for ${type}`, async () => (await events(ns, `type-${type.toLowerCase()}`)).find((e) => e.reason === 'FailedMount'), 60_000, 500);
    assert.equal(ev.message, `MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${p} ${what}`);
  }
  await apply(ns, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'type-fileorcreate', labels: { app: 'foc' } },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'], volumeMounts: [{ name: 'h', mountPath: '/h.txt' }] }], volumes: [{ name: 'h', hostPath: { path: path.join(tmp, 'created.txt'), type: 'FileOrCreate' } }] },
  });
  await onePod(ns, 'app=foc');
  assert.ok(fs.statSync(path.join(tmp, 'created.txt')).isFile());
  // No type: a missing path is made a directory, as the container runtime makes a bind source.
  await apply(ns, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'untyped', labels: { app: 'untyped' } },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'touch /untyped/here; sleep 3600'], volumeMounts: [{ name: 'h', mountPath: '/untyped' }] }], volumes: [{ name: 'h', hostPath: { path: path.join(tmp, 'untyped') } }] },
  });
  await onePod(ns, 'app=untyped');
  await waitFor('the pod to write into the made directory', () => fs.existsSync(path.join(tmp, 'untyped', 'here')) || undefined, 30_000, 250);
});

test('configMap, secret and downwardAPI files; ConfigMap edits show up within 60 s', { timeout: 300_000 }, async () => {
  const ns = 'vol-cm';
  await projectedFiles(c, ns, '/nanokube-e2e-volumes-host');

  // A missing (non-optional) ConfigMap keeps the pod in ContainerCreating with FailedMount.
  await apply(ns, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'needs-config' },
    spec: { volumes: [{ name: 'cfg', configMap: { name: 'nope' } }], containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'], volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] }] },
  });
  const ev = await waitFor('FailedMount for a missing ConfigMap', async () => (await events(ns, 'needs-config')).find((e) => e.reason === 'FailedMount'), 60_000, 500);
  assert.equal(ev.message, 'MountVolume.SetUp failed for volume "cfg" : configmap "nope" not found');
});

test('local-path: a claim gets the default StorageClass and a volume on its first pod\'s node; Delete removes it', { timeout: 300_000 }, async () => {
  const ns = 'vol-local';
  assert.match(await c.ok(v, ['get', 'storageclass']), /local-path \(default\)\s+rancher\.io\/local-path\s+Delete\s+WaitForFirstConsumer/);
  await apply(ns, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'cache' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '100Mi' } } } });
  const waiting = await waitFor('the claim to wait for its first consumer', async () => (await events(ns, 'cache')).find((e) => e.reason === 'WaitForFirstConsumer'), 60_000, 500);
  assert.equal(waiting.message, 'waiting for first consumer to be created before binding');
  const claim = JSON.parse(await c.ok(v, ['get', 'pvc', '-n', ns, 'cache', '-o', 'json']));
  assert.equal(claim.spec.storageClassName, 'local-path');
  assert.equal(claim.status.phase, 'Pending');

  await apply(ns, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'user', labels: { app: 'user' } },
    spec: {
      terminationGracePeriodSeconds: 1, nodeSelector: { 'kubernetes.io/hostname': 'node-a' },
      volumes: [{ name: 'cache', persistentVolumeClaim: { claimName: 'cache' } }],
      containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo hi > /cache/hello; while true; do sleep 1; done'], volumeMounts: [{ name: 'cache', mountPath: '/cache' }] }],
    },
  });
  await onePod(ns, 'app=user');
  const pvName = `pvc-${claim.metadata.uid}`;
  // Upstream's trail: the PV controller hands the claim to its provisioner, which reports its work.
  const trail = await waitFor('the provisioning events', async () => {
    const evs = await events(ns, 'cache');
    const by = (reason: string) => evs.find((e) => e.reason === reason);
    return by('ExternalProvisioning') && by('Provisioning') && by('ProvisioningSucceeded') ? by : undefined;
  }, 60_000, 500);
  assert.equal(trail('ExternalProvisioning').message, "Waiting for a volume to be created either by the external provisioner 'rancher.io/local-path' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.");
  assert.equal(trail('Provisioning').message, `External provisioner is provisioning volume for claim "${ns}/cache"`);
  assert.equal(trail('ProvisioningSucceeded').message, `Successfully provisioned volume ${pvName}`);
  for (const k of [v, old]) {
    const described = await c.ok(k, ['describe', 'pvc', '-n', ns, 'cache']);
    assert.match(described, /volume\.kubernetes\.io\/selected-node: node-a/);
    assert.match(described, /volume\.kubernetes\.io\/storage-provisioner: rancher\.io\/local-path/);
    assert.match(described, /Normal\s+ProvisioningSucceeded\s.*Successfully provisioned volume/);
  }
  assert.match(await c.ok(v, ['get', 'pvc', '-n', ns, 'cache']), new RegExp(`cache\\s+Bound\\s+${pvName}\\s+100Mi\\s+RWO\\s+local-path`));
  const pv = JSON.parse(await c.ok(v, ['get', 'pv', pvName, '-o', 'json']));
  assert.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values, ['node-a']);
  const dir = pv.spec.hostPath.path;
  assert.ok(dir.startsWith(path.join(c.dataDir, 'storage') + '/'));
  await waitFor('the pod to write', () => fs.existsSync(path.join(dir, 'hello')) || undefined, 30_000, 250);

  await c.ok(v, ['delete', 'pod', '-n', ns, 'user']);
  await c.ok(v, ['delete', 'pvc', '-n', ns, 'cache']);
  await waitFor('the provisioned volume to be deleted', async () => (await c.kubectl(v, ['get', 'pv', pvName])).code !== 0 || undefined, 60_000, 500);
  assert.ok(!fs.existsSync(dir), 'reclaim policy Delete removed the directory');
});

test('a pod with a missing or unbound Immediate claim stays Pending and says why; it runs once the claim binds', { timeout: 300_000 }, async () => {
  const ns = 'vol-pending';
  const dir = fs.mkdtempSync(path.join(tmp, 'pending-'));
  await apply(ns, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'waiter', labels: { app: 'waiter' } },
    spec: {
      terminationGracePeriodSeconds: 1,
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'late' } }],
      containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'while true; do sleep 1; done'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
    },
  });
  const scheduledCondition = async () => {
    const pod = JSON.parse(await c.ok(v, ['get', 'pod', '-n', ns, 'waiter', '-o', 'json']));
    return (pod.status?.conditions ?? []).find((x: any) => x.type === 'PodScheduled');
  };
  const missing = await waitFor('PodScheduled=False for the missing claim', async () => {
    const cond = await scheduledCondition();
    return cond?.status === 'False' && cond.message.includes('not found') ? cond : undefined;
  }, 60_000, 250);
  assert.match(missing.message, /^0\/\d+ nodes are available: persistentvolumeclaim "late" not found\.$/);

  // A claim of a class with Immediate binding and no volume to bind: still Pending, upstream's reason.
  await apply(ns, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'manual-immediate' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'Immediate' });
  await apply(ns, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'late' }, spec: { storageClassName: 'manual-immediate', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } });
  const unbound = await waitFor('PodScheduled=False for the unbound claim', async () => {
    const cond = await scheduledCondition();
    return cond?.status === 'False' && cond.message.includes('unbound') ? cond : undefined;
  }, 60_000, 250);
  // Counted per node, as upstream.
  assert.match(unbound.message, /^0\/(\d+) nodes are available: \1 pod has unbound immediate PersistentVolumeClaims\.$/);
  const described = await c.ok(v, ['describe', 'pod', '-n', ns, 'waiter']);
  assert.match(described, /FailedScheduling.*pod has unbound immediate PersistentVolumeClaims/);

  // A volume for it, usable on node-a only: the claim binds and the pod runs there.
  await apply(ns, {
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `${ns}-pv` },
    spec: {
      capacity: { storage: '1Mi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual-immediate', hostPath: { path: dir },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-a'] }] }] } },
    },
  });
  const pod = await onePod(ns, 'app=waiter');
  assert.equal(pod.spec.nodeName, 'node-a');
  await c.ok(v, ['delete', 'ns', ns, '--wait=false']);
});

test('a mount point made on the node goes with the last pod that used it, not the first', { skip: process.getuid?.() !== 0 && 'mount points are made as root only', timeout: 300_000 }, async () => {
  const ns = 'vol-mountpoints';
  await c.ok(v, ['create', 'ns', ns]);
  const mountPath = '/nanokube-e2e-volumes-shared/data';
  const pod = (name: string) => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } },
    spec: {
      terminationGracePeriodSeconds: 1, nodeSelector: { 'kubernetes.io/hostname': 'node-a' },
      volumes: [{ name: 'scratch', emptyDir: {} }],
      containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', `echo ${name} > ${mountPath}/owner; while true; do sleep 1; done`], volumeMounts: [{ name: 'scratch', mountPath }] }],
    },
  });
  await apply(ns, pod('maker'));
  await onePod(ns, 'app=maker');
  await apply(ns, pod('sharer'));
  await onePod(ns, 'app=sharer');
  await c.ok(v, ['delete', 'pod', '-n', ns, 'maker']);
  assert.ok(fs.existsSync(mountPath), 'kept while another pod mounts there');
  assert.equal((await cat(ns, 'sharer', 'main', `${mountPath}/owner`)).trim(), 'sharer', 'the remaining pod still has its own volume there');
  await c.ok(v, ['delete', 'pod', '-n', ns, 'sharer']);
  await waitFor('the mount point to be removed with its last user', () => !fs.existsSync('/nanokube-e2e-volumes-shared') || undefined, 30_000, 250);
  await c.ok(v, ['delete', 'ns', ns, '--wait=false']);
});

test('without private mounts, mountPath is a link to the volume where the path is free, and a clear error where it is not', { timeout: 300_000 }, async () => {
  const ns = 'vol-symlink';
  const free = path.join(tmp, 'linked-data');
  const taken = path.join(tmp, 'taken');
  fs.mkdirSync(taken);
  fs.writeFileSync(path.join(taken, 'mine'), 'the node\'s\n');
  const pod = (name: string, mountPath: string) => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } },
    spec: {
      terminationGracePeriodSeconds: 1, nodeSelector: { 'kubernetes.io/hostname': 'node-c' }, tolerations: [{ ...symlinkTaint, operator: 'Equal' }],
      volumes: [{ name: 'scratch', emptyDir: {} }],
      containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', `echo hi > ${mountPath}/f; while true; do sleep 1; done`], volumeMounts: [{ name: 'scratch', mountPath }] }],
    },
  });
  await Promise.all([apply(ns, pod('linked', free)), apply(ns, pod('blocked', taken))]);
  const linked = await onePod(ns, 'app=linked');
  await waitFor('the container to write through the link', async () => (await cat(ns, 'linked', 'main', `${free}/f`)).trim() === 'hi' || undefined, 60_000, 500);
  assert.equal(fs.readlinkSync(free), path.join(c.dataDir, 'agents', 'node-c', 'pod-volumes', linked.metadata.uid, 'volumes', 'kubernetes.io~empty-dir', 'scratch'));

  const message = `cannot mount volume at "${taken}": the path exists on the node, and the host runtime cannot mount over a path it does not own`;
  const waiting = await waitFor('the blocked container to wait with CreateContainerError', async () => {
    const p = JSON.parse(await c.ok(v, ['get', 'pod', '-n', ns, 'blocked', '-o', 'json']));
    return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerError' ? p.status.containerStatuses[0].state.waiting : undefined;
  }, 60_000, 500);
  assert.equal(waiting.message, message);
  assert.ok((await events(ns, 'blocked')).some((e) => e.reason === 'Failed' && e.type === 'Warning' && e.message === `Error: ${message}`));
  assert.match(await c.ok(old, ['get', 'pod', '-n', ns, 'blocked']), /blocked\s+0\/1\s+CreateContainerError/);
  assert.deepEqual(fs.readdirSync(taken), ['mine'], 'the node\'s directory is left as it was');

  await c.ok(v, ['delete', 'pod', '-n', ns, 'linked', 'blocked']);
  assert.ok(!fs.existsSync(free) && fs.lstatSync(free, { throwIfNoEntry: false }) === undefined, 'the link went with the pod');
});

test('reclaim policy Delete: a hostPath under /tmp is removed with its volume; where no deleter can, the volume is Failed and its data kept', { timeout: 300_000 }, async () => {
  const ns = 'vol-reclaim';
  const tmpData = fs.mkdtempSync(path.join(tmp, 'reclaim-hostpath-'));
  const nas = fs.mkdtempSync(path.join(tmp, 'reclaim-nfs-'));
  fs.writeFileSync(path.join(nas, 'keep'), 'x');
  const volume = (name: string, source: Record<string, unknown>) => ({
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
    spec: { capacity: { storage: '1Mi' }, accessModes: ['ReadWriteMany'], persistentVolumeReclaimPolicy: 'Delete', storageClassName: 'reclaim', claimRef: { namespace: ns, name }, ...source },
  });
  const claim = (name: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { storageClassName: 'reclaim', accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Mi' } } } });
  await c.apply(v, [volume('reclaim-tmp', { hostPath: { path: tmpData } }), volume('reclaim-nfs', { nfs: { server: '127.0.0.1', path: nas } })]);
  await c.apply(v, [claim('reclaim-tmp'), claim('reclaim-nfs')], ['-n', ns]);
  await waitFor('both claims to be Bound', async () => (await c.ok(v, ['get', 'pvc', '-n', ns, '--no-headers'])).split('\n').filter((l) => /\sBound\s/.test(l)).length === 2 || undefined, 60_000, 500);
  await c.ok(v, ['delete', 'pvc', '-n', ns, 'reclaim-tmp', 'reclaim-nfs']);
  await waitFor('the /tmp hostPath volume to be deleted', async () => (await c.kubectl(v, ['get', 'pv', 'reclaim-tmp'])).code !== 0 || undefined, 60_000, 500);
  assert.ok(!fs.existsSync(tmpData), 'its directory went with it');
  for (const k of [v, old]) {
    await waitFor('the nfs volume to be Failed', async () => /reclaim-nfs\s+1Mi\s+RWX\s+Delete\s+Failed\s+vol-reclaim\/reclaim-nfs/.test(await c.ok(k, ['get', 'pv', 'reclaim-nfs'])) || undefined, 60_000, 500);
    assert.match(await c.ok(k, ['describe', 'pv', 'reclaim-nfs']), /Warning\s+VolumeFailedDelete\s.*error getting deleter volume plugin for volume "reclaim-nfs": no deletable volume plugin matched/);
  }
  const pv = JSON.parse(await c.ok(v, ['get', 'pv', 'reclaim-nfs', '-o', 'json']));
  assert.equal(pv.status.message, 'error getting deleter volume plugin for volume "reclaim-nfs": no deletable volume plugin matched');
  assert.ok(fs.existsSync(path.join(nas, 'keep')), 'the data stays');
  await c.ok(v, ['delete', 'pv', 'reclaim-nfs']);
});

test('a claim in use is not removed until its pods are gone (kubernetes.io/pvc-protection)', { timeout: 300_000 }, async () => {
  const ns = 'vol-protect';
  await apply(ns, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'held' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } });
  const holder = (name: string) => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } },
    spec: {
      terminationGracePeriodSeconds: 1,
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'held' } }],
      containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'while true; do sleep 1; done'], volumeMounts: [{ name: 'data', mountPath: '/held' }] }],
    },
  });
  await apply(ns, holder('holder'));
  await onePod(ns, 'app=holder');
  await waitFor('the claim to be Bound', async () => /held\s+Bound/.test(await c.ok(v, ['get', 'pvc', '-n', ns])) || undefined, 60_000, 500);
  await c.ok(v, ['delete', 'pvc', '-n', ns, 'held', '--wait=false']);
  for (const k of [v, old]) assert.match(await c.ok(k, ['get', 'pvc', '-n', ns, 'held']), /held\s+Terminating\s+pvc-/);
  // A new pod cannot have a claim on its way out; the running one keeps it.
  await apply(ns, holder('latecomer'));
  const refused = await waitFor('the latecomer to be unschedulable', async () => {
    const pod = JSON.parse(await c.ok(v, ['get', 'pod', '-n', ns, 'latecomer', '-o', 'json']));
    return (pod.status?.conditions ?? []).find((x: any) => x.type === 'PodScheduled' && x.status === 'False');
  }, 60_000, 250);
  assert.match(refused.message, /^0\/\d+ nodes are available: persistentvolumeclaim "held" is being deleted\.$/);
  const claim = JSON.parse(await c.ok(v, ['get', 'pvc', '-n', ns, 'held', '-o', 'json']));
  assert.deepEqual(claim.metadata.finalizers, ['kubernetes.io/pvc-protection']);
  assert.match(await c.ok(v, ['get', 'pod', '-n', ns, 'holder']), /holder\s+1\/1\s+Running/);
  await c.ok(v, ['delete', 'pod', '-n', ns, 'holder']);
  await waitFor('the claim to be removed once its pod is gone', async () => (await c.kubectl(v, ['get', 'pvc', '-n', ns, 'held'])).code !== 0 || undefined, 60_000, 250);
  await c.ok(v, ['delete', 'pod', '-n', ns, 'latecomer', '--wait=false']);
});

test('WaitForFirstConsumer with hand-made volumes: nothing binds before a pod, which goes where a volume is', { timeout: 300_000 }, async () => {
  const ns = 'vol-wffc';
  const dir = fs.mkdtempSync(path.join(tmp, 'local-'));
  fs.writeFileSync(path.join(dir, 'where'), 'node-b\n');
  await apply(ns, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local-storage' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' });
  await apply(ns, {
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'local-on-b' },
    spec: {
      capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'local-storage', local: { path: dir },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-b'] }] }] } },
    },
  });
  const claim = (name: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { storageClassName: 'local-storage', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
  await apply(ns, claim('local'));
  await waitFor('the claim to wait for its first consumer', async () => (await events(ns, 'local')).find((e) => e.reason === 'WaitForFirstConsumer'), 60_000, 500);
  assert.match(await c.ok(v, ['get', 'pvc', '-n', ns, 'local']), /local\s+Pending\s+local-storage/);
  assert.match(await c.ok(v, ['get', 'pv', 'local-on-b']), /Available/);

  const user = (name: string, claimName: string) => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } },
    spec: {
      terminationGracePeriodSeconds: 1,
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }],
      containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'while true; do sleep 1; done'], volumeMounts: [{ name: 'data', mountPath: '/local-data' }] }],
    },
  });
  await apply(ns, user('reader', 'local'));
  const pod = await onePod(ns, 'app=reader');
  assert.equal(pod.spec.nodeName, 'node-b', 'scheduled where its volume is');
  assert.equal((await cat(ns, 'reader', 'main', '/local-data/where')).trim(), 'node-b');
  assert.match(await c.ok(old, ['get', 'pvc', '-n', ns, 'local']), /local\s+Bound\s+local-on-b\s+1Gi\s+RWO\s+local-storage/);

  // No volume left for a second claim of the class, which cannot provision: no node fits.
  await apply(ns, claim('none-left'));
  await apply(ns, user('stranded', 'none-left'));
  const stuck = await waitFor('the stranded pod to be unschedulable', async () => {
    const p = JSON.parse(await c.ok(v, ['get', 'pod', '-n', ns, 'stranded', '-o', 'json']));
    return (p.status?.conditions ?? []).find((x: any) => x.type === 'PodScheduled' && x.status === 'False');
  }, 60_000, 250);
  assert.equal(stuck.message, "0/3 nodes are available: 1 node(s) had untolerated taint {nanokube.test/symlink-mounts: true}, 2 node(s) didn't find available persistent volumes to bind.");
  await c.ok(v, ['delete', 'pod', '-n', ns, 'reader', 'stranded', '--wait=false']);
});
});

test('a claim bound to a shared PersistentVolume follows a ReplicationController pod to another node', { timeout: 300_000 }, async () => {
  const ns = 'vol-pv';
  const nas = path.join(tmp, 'nas');
  fs.mkdirSync(nas);
  await c.ok(v, ['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'shared-pv', labels: { kind: 'nas' } },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteMany'], persistentVolumeReclaimPolicy: 'Retain', storageClassName: 'nas', nfs: { server: '127.0.0.1', path: nas } },
    }),
  });
  await c.ok(v, ['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'too-small' },
      spec: { capacity: { storage: '10Mi' }, accessModes: ['ReadWriteMany'], storageClassName: 'nas', nfs: { server: '127.0.0.1', path: nas } },
    }),
  });
  await waitFor('the volumes to be Available', async () => /shared-pv\s+1Gi\s+RWX\s+Retain\s+Available/.test(await c.ok(v, ['get', 'pv'])) || undefined, 60_000, 500);
  await apply(ns, {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' },
    spec: { accessModes: ['ReadWriteMany'], storageClassName: 'nas', resources: { requests: { storage: '500Mi' } }, selector: { matchLabels: { kind: 'nas' } } },
  });
  await waitFor('the claim to be Bound to shared-pv', async () => /data\s+Bound\s+shared-pv\s+1Gi\s+RWX\s+nas/.test(await c.ok(v, ['get', 'pvc', '-n', ns])) || undefined, 60_000, 500);
  assert.match(await c.ok(old, ['get', 'pv', 'shared-pv']), /Bound\s+vol-pv\/data/);
  assert.match(await c.ok(v, ['get', 'pv', 'too-small']), /Available/);
  assert.match(await c.ok(v, ['get', 'pvc', '-n', ns, 'data', '-o', 'jsonpath={.metadata.finalizers}']), /kubernetes\.io\/pvc-protection/);
  assert.match(await c.ok(v, ['get', 'pv', 'shared-pv', '-o', 'jsonpath={.metadata.finalizers}']), /kubernetes\.io\/pv-protection/);

  // Start on node-b (node-a cordoned), then lose node-b.
  await c.ok(v, ['cordon', 'node-a']);
  await apply(ns, {
    apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'writer' },
    spec: {
      replicas: 1, selector: { app: 'writer' },
      template: {
        metadata: { labels: { app: 'writer' } },
        spec: {
          terminationGracePeriodSeconds: 1,
          volumes: [{ name: 'shared', persistentVolumeClaim: { claimName: 'data' } }],
          containers: [{
            name: 'main', image: 'busybox', env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
            command: ['sh', '-c', 'echo "$HOSTNAME on $NODE" >> /shared/log; while true; do sleep 1; done'],
            volumeMounts: [{ name: 'shared', mountPath: '/shared' }],
          }],
        },
      },
    },
  });
  const first = await onePod(ns, 'app=writer');
  assert.equal(first.spec.nodeName, 'node-b');
  await waitFor('the first pod to write', async () => (await cat(ns, first.metadata.name, 'main', '/shared/log')).includes('on node-b') || undefined, 60_000, 500);
  await c.ok(v, ['uncordon', 'node-a']);
  await c.agents.find((a) => a.nodeName === 'node-b')!.kill('SIGKILL');

  const second = await onePod(ns, 'app=writer', [first.metadata.name]);
  assert.equal(second.spec.nodeName, 'node-a');
  const log = await waitFor('the replacement to read the first pod\'s data', async () => {
    const text = await cat(ns, second.metadata.name, 'main', '/shared/log');
    return text.includes(`${first.metadata.name} on node-b`) && text.includes(`${second.metadata.name} on node-a`) ? text : undefined;
  }, 60_000, 500);
  assert.equal(log.trim().split('\n').length, 2);

  // node-b returns and stops its evicted pod; then, without its claim, the volume is Released and,
  // under Retain, keeps its data (the claim waits for its pods: kubernetes.io/pvc-protection).
  c.startAgent('node-b');
  await c.ok(v, ['delete', 'rc', '-n', ns, 'writer']);
  await waitFor('the writer pods to go', async () => (JSON.parse(await c.ok(v, ['get', 'pods', '-n', ns, '-o', 'json'])).items.length === 0) || undefined, 120_000, 500);
  await c.ok(v, ['delete', 'pvc', '-n', ns, 'data', '--wait=false']);
  await waitFor('shared-pv to be Released', async () => /shared-pv\s+1Gi\s+RWX\s+Retain\s+Released/.test(await c.ok(v, ['get', 'pv'])) || undefined, 60_000, 500);
  assert.ok(fs.readFileSync(path.join(nas, 'log'), 'utf8').includes('on node-a'));
});
