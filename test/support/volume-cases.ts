// The seed notes' volume examples as e2e steps shared by the volume tests of both runtimes (host and
// isolated): each takes a cluster and a namespace of its own, drives the real kubectl and asserts
// what a user would see.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { repoRoot, waitFor, type KubectlVersion, type TestCluster } from './cluster.js';

export const v: KubectlVersion = '1.33';
export const old: KubectlVersion = '1.27';

export const seed = (name: string) => YAML.parse(fs.readFileSync(path.join(repoRoot, 'examples', 'seed', name), 'utf8'));

export async function apply(c: TestCluster, ns: string, obj: unknown): Promise<void> {
  await c.apply(v, [obj], ['-n', ns]);
}

/** Running, not-deleting pods with a label. */
async function runningPods(c: TestCluster, ns: string, selector: string): Promise<any[]> {
  const list = JSON.parse(await c.ok(v, ['get', 'pods', '-n', ns, '-l', selector, '-o', 'json']));
  return list.items.filter((p: any) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running');
}

export async function onePod(c: TestCluster, ns: string, selector: string, exclude: string[] = []): Promise<any> {
  return waitFor(`a running pod ${selector} in ${ns}`, async () => {
    const pods = (await runningPods(c, ns, selector)).filter((p) => !exclude.includes(p.metadata.name));
    return pods.length === 1 ? pods[0] : undefined;
  }, 120_000, 500);
}

/** A file in a container, or '' when it cannot be read. */
export async function cat(c: TestCluster, ns: string, pod: string, container: string, file: string): Promise<string> {
  const r = await c.kubectl(v, ['exec', '-n', ns, pod, '-c', container, '--', 'cat', file]);
  return r.code === 0 ? r.stdout : '';
}

export async function events(c: TestCluster, ns: string, name: string): Promise<any[]> {
  const list = JSON.parse(await c.ok(v, ['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${name}`, '-o', 'json']));
  return list.items;
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], { cwd, encoding: 'utf8' }).trim();
}

/** A repository with two commits of hello.txt (v1, then v2) on branch main; returns the first commit. */
export function makeRepo(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(dir, 'hello.txt'), 'v1\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'one');
  const first = git(dir, 'rev-parse', 'HEAD');
  fs.writeFileSync(path.join(dir, 'hello.txt'), 'v2\n');
  git(dir, 'commit', '-q', '-am', 'two');
  return first;
}

/**
 * Ends a volume test's cluster: its namespaces' pods go first (taking their volumes and the agents'
 * tmpfs mounts with them), then the cluster, then any mount a killed agent could not clean up.
 */
export async function destroyVolumeCluster(c: TestCluster, namespaces: string[]): Promise<void> {
  for (const ns of namespaces) await c.kubectl(v, ['delete', 'ns', ns, '--wait=false']);
  await waitFor('the test pods to be removed', async () => JSON.parse(await c.ok(v, ['get', 'pods', '-A', '-o', 'json'])).items.length === 0, 90_000, 500).catch(() => undefined);
  await c.destroy().catch(() => undefined);
  for (const line of fs.readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const mountPoint = line.split(' ')[1];
    if (mountPoint?.startsWith(c.dataDir + '/')) execFileSync('umount', ['-l', mountPoint]);
  }
  fs.rmSync(c.dataDir, { recursive: true, force: true });
}

/** Where a node of the cluster keeps its data (the server's own node, or an agent's). */
export function nodeDataDir(c: TestCluster, nodeName: string): string {
  const agent = c.agents.find((a) => a.nodeName === nodeName);
  return agent ? agent.dataDir : path.join(c.dataDir, 'node');
}

/**
 * The seed's emptyDir Deployment: container1 sees what container2 writes, a file survives
 * container2's restart, and a new pod starts empty while the old pod's directory leaves the node.
 */
export async function emptyDirSeed(c: TestCluster, ns: string): Promise<void> {
  const d = seed('deployment-emptydir.yaml');
  const [server, writer] = d.spec.template.spec.containers;
  // The host runs what the images would: container2 appends dates, container1 serves the directory.
  server.command = ['sh', '-c', 'while true; do sleep 1; done'];
  writer.command = ['sh', '-c', 'while true; do date >> /data/index.html; if [ -f /data/crash ]; then rm /data/crash; exit 1; fi; sleep 1; done'];
  d.spec.template.spec.terminationGracePeriodSeconds = 1;
  await apply(c, ns, d);
  const pod = await onePod(c, ns, 'app=my-app');
  const name = pod.metadata.name;
  await waitFor('container1 to see container2\'s writes', async () => {
    const text = await cat(c, ns, name, 'container1', '/var/www/html/index.html');
    return text.split('\n').filter(Boolean).length >= 2 ? text : undefined;
  }, 60_000, 500);

  // A marker survives the writer's restart.
  await c.ok(v, ['exec', '-n', ns, name, '-c', 'container1', '--', 'sh', '-c', 'echo keep > /var/www/html/marker && touch /var/www/html/crash']);
  await waitFor('container2 to restart', async () => {
    const p = JSON.parse(await c.ok(v, ['get', 'pod', '-n', ns, name, '-o', 'json']));
    const st = p.status.containerStatuses.find((s: any) => s.name === 'container2');
    return st.restartCount >= 1 && st.state.running ? p : undefined;
  }, 90_000, 500);
  assert.equal((await cat(c, ns, name, 'container2', '/data/marker')).trim(), 'keep');

  // Deleted with the pod: the replacement starts empty and the old directory is gone from the node.
  const volDir = path.join(nodeDataDir(c, pod.spec.nodeName), 'pod-volumes', pod.metadata.uid);
  assert.ok(fs.existsSync(volDir), `${volDir} exists while the pod runs`);
  await c.ok(v, ['delete', 'pod', '-n', ns, name]);
  const next = await onePod(c, ns, 'app=my-app', [name]);
  await waitFor('the new pod to write', async () => (await cat(c, ns, next.metadata.name, 'container1', '/var/www/html/index.html')) || undefined, 60_000, 500);
  assert.equal(await cat(c, ns, next.metadata.name, 'container1', '/var/www/html/marker'), '');
  await waitFor('the old pod\'s volume directory to be removed', () => !fs.existsSync(volDir), 30_000, 250);
  await c.ok(v, ['delete', 'deploy', '-n', ns, 'my-deployment', '--wait=false']);
}

/** The seed's gitRepo Deployment (directory ".", revision main) on a local repository; returns its pod. */
export async function gitRepoSeed(c: TestCluster, ns: string, repo: string): Promise<any> {
  const d = seed('deployment-gitrepo.yaml');
  d.spec.template.spec.volumes[0].gitRepo.repository = repo;
  d.spec.template.spec.containers[0].command = ['sh', '-c', 'while true; do sleep 1; done'];
  d.spec.template.spec.terminationGracePeriodSeconds = 1;
  await apply(c, ns, d);
  const pod = await onePod(c, ns, 'app=my-app');
  assert.equal((await cat(c, ns, pod.metadata.name, 'main-container', '/gitrepo/hello.txt')).trim(), 'v2');
  assert.match(await cat(c, ns, pod.metadata.name, 'main-container', '/gitrepo/.git/HEAD'), /refs\/heads\/main/);
  return pod;
}

/**
 * The seed's hostPath Deployment (DirectoryOrCreate) with its path moved to `dataPath`: a file written
 * by one pod is read by its replacement on the same node.
 */
export async function hostPathSeed(c: TestCluster, ns: string, dataPath: string, nodeName: string): Promise<void> {
  const d = seed('deployment-hostpath.yaml');
  d.spec.template.spec.volumes[0].hostPath.path = dataPath;
  d.spec.template.spec.nodeSelector = { 'kubernetes.io/hostname': nodeName };
  d.spec.template.spec.terminationGracePeriodSeconds = 1;
  d.spec.template.spec.containers[0].command = ['sh', '-c', 'echo "visited by $HOSTNAME" >> /data/visits; while true; do sleep 1; done'];
  await apply(c, ns, d);
  const first = await onePod(c, ns, 'app=my-app');
  assert.ok(fs.statSync(dataPath).isDirectory(), 'DirectoryOrCreate made the directory');
  await waitFor('the first pod to write', () => fs.existsSync(path.join(dataPath, 'visits')) || undefined, 30_000, 250);
  await c.ok(v, ['delete', 'pod', '-n', ns, first.metadata.name]);
  const second = await onePod(c, ns, 'app=my-app', [first.metadata.name]);
  assert.equal(second.spec.nodeName, first.spec.nodeName);
  const seen = await waitFor('the replacement to read both visits', async () => {
    const text = await cat(c, ns, second.metadata.name, 'main-container', '/data/visits');
    return text.includes(first.metadata.name) && text.includes(second.metadata.name) ? text : undefined;
  }, 60_000, 500);
  assert.match(seen, new RegExp(`visited by ${first.metadata.name}`));
  await c.ok(v, ['delete', 'deploy', '-n', ns, 'my-deployment', '--wait=false']);
}

/**
 * configMap (all keys, items with a mode, one key by subPath), secret (defaultMode), a projected
 * volume of the three kinds, an optional missing ConfigMap, downwardAPI labels, a Memory emptyDir
 * with subPathExpr (tmpfs for all but the configMap when root); edits reach the files.
 * Mount paths are under `root` (a path of the node no other test uses: containers run on the node's
 * own file system, where missing mount points are made and removed with the pod).
 */
export async function projectedFiles(c: TestCluster, ns: string, root: string): Promise<void> {
  const at = (p: string) => path.posix.join(root, p);
  await c.ok(v, ['create', 'configmap', '-n', ns, 'app-config', '--from-literal=greeting=hello', '--from-literal=other=x']);
  await c.ok(old, ['create', 'secret', 'generic', '-n', ns, 'app-secret', '--from-literal=password=s3cret']);
  await apply(c, ns, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'files', labels: { app: 'files', tier: 'web' } },
    spec: {
      terminationGracePeriodSeconds: 1,
      volumes: [
        { name: 'config', configMap: { name: 'app-config' } },
        { name: 'picked', configMap: { name: 'app-config', items: [{ key: 'greeting', path: 'sub/hi.txt', mode: 0o600 }] } },
        { name: 'creds', secret: { secretName: 'app-secret', defaultMode: 0o400 } },
        { name: 'maybe', configMap: { name: 'absent', optional: true } },
        { name: 'mem', emptyDir: { medium: 'Memory' } },
        { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
        {
          name: 'bundle', projected: {
            defaultMode: 0o440,
            sources: [
              { configMap: { name: 'app-config', items: [{ key: 'other', path: 'cfg/other' }] } },
              { secret: { name: 'app-secret' } },
              { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
            ],
          },
        },
      ],
      containers: [{
        name: 'main', image: 'busybox', command: ['sh', '-c', 'while true; do sleep 1; done'],
        env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        volumeMounts: [
          { name: 'config', mountPath: at('config') }, { name: 'picked', mountPath: at('picked') }, { name: 'creds', mountPath: at('creds') },
          { name: 'maybe', mountPath: at('maybe') }, { name: 'info', mountPath: at('podinfo') }, { name: 'mem', mountPath: at('mem') },
          { name: 'mem', mountPath: at('mine'), subPathExpr: '$(POD_NAME)' },
          { name: 'config', mountPath: at('single/greeting.txt'), subPath: 'greeting' },
          { name: 'bundle', mountPath: at('bundle') },
        ],
      }],
    },
  });
  await onePod(c, ns, 'app=files');
  assert.equal(await cat(c, ns, 'files', 'main', at('config/greeting')), 'hello');
  assert.equal(await cat(c, ns, 'files', 'main', at('picked/sub/hi.txt')), 'hello');
  assert.equal(await cat(c, ns, 'files', 'main', at('single/greeting.txt')), 'hello', 'one key as a file with subPath');
  assert.equal(await cat(c, ns, 'files', 'main', at('creds/password')), 's3cret');
  assert.equal(await cat(c, ns, 'files', 'main', at('podinfo/labels')), 'app="files"\ntier="web"');
  // A projected volume: items of a ConfigMap, a whole Secret and a downwardAPI field, with its defaultMode.
  assert.equal(await cat(c, ns, 'files', 'main', at('bundle/cfg/other')), 'x');
  assert.equal(await cat(c, ns, 'files', 'main', at('bundle/password')), 's3cret');
  assert.equal(await cat(c, ns, 'files', 'main', at('bundle/namespace')), ns);
  const modes = await c.ok(v, ['exec', '-n', ns, 'files', '-c', 'main', '--', 'stat', '-L', '-c', '%a', at('picked/sub/hi.txt'), at('creds/password'), at('config/greeting'), at('bundle/password')]);
  assert.deepEqual(modes.trim().split('\n'), ['600', '400', '644', '440']);
  assert.match(await c.ok(v, ['exec', '-n', ns, 'files', '-c', 'main', '--', 'ls', '-a', at('config')]), /\.\.data/);
  // A missing optional ConfigMap: an empty set of files (upstream too writes its ..data link).
  assert.equal(await c.ok(v, ['exec', '-n', ns, 'files', '-c', 'main', '--', 'ls', at('maybe')]), '');
  const ro = await c.kubectl(v, ['exec', '-n', ns, 'files', '-c', 'main', '--', 'sh', '-c', `echo x > ${at('config/new')}`]);
  assert.notEqual(ro.code, 0, 'configMap volumes are read-only');
  // Memory-backed emptyDir, secrets and downwardAPI are tmpfs (root); subPathExpr picks a directory by the pod's name.
  if (process.getuid?.() === 0) {
    const mounts = await c.ok(v, ['exec', '-n', ns, 'files', '-c', 'main', '--', 'cat', '/proc/self/mounts']);
    assert.match(mounts, new RegExp(`^tmpfs ${at('mem')} tmpfs `, 'm'));
    assert.match(mounts, new RegExp(`^tmpfs ${at('creds')} tmpfs `, 'm'));
    assert.match(mounts, new RegExp(`^tmpfs ${at('podinfo')} tmpfs `, 'm'));
    assert.match(mounts, new RegExp(`^tmpfs ${at('bundle')} tmpfs `, 'm'));
    assert.doesNotMatch(mounts, new RegExp(`^tmpfs ${at('config')} `, 'm'), 'configMap files are on disk, as upstream');
  }
  await c.ok(v, ['exec', '-n', ns, 'files', '-c', 'main', '--', 'sh', '-c', `echo mine > ${at('mine/f')}`]);
  assert.equal((await cat(c, ns, 'files', 'main', at('mem/files/f'))).trim(), 'mine');

  await c.ok(v, ['patch', 'configmap', '-n', ns, 'app-config', '--type', 'merge', '-p', '{"data":{"greeting":"bye"}}']);
  const t0 = Date.now();
  await waitFor('the edit in the mounted file', async () => ((await cat(c, ns, 'files', 'main', at('config/greeting'))) === 'bye' ? true : undefined), 60_000, 500);
  assert.ok(Date.now() - t0 < 60_000);
  // A Secret's edit reaches its own volume and the projection holding it.
  await c.ok(old, ['patch', 'secret', '-n', ns, 'app-secret', '--type', 'merge', '-p', '{"stringData":{"password":"changed"}}']);
  await waitFor('the Secret edit in both volumes', async () => ((await cat(c, ns, 'files', 'main', at('creds/password'))) === 'changed' && (await cat(c, ns, 'files', 'main', at('bundle/password'))) === 'changed' ? true : undefined), 60_000, 500);
  await c.ok(v, ['label', 'pod', '-n', ns, 'files', 'tier=db', '--overwrite']);
  await waitFor('the label in the downwardAPI file', async () => ((await cat(c, ns, 'files', 'main', at('podinfo/labels'))) === 'app="files"\ntier="db"' ? true : undefined), 60_000, 500);

  // The empty mount points made for the pod (root: private mount namespaces) go with it.
  await c.ok(v, ['delete', 'pod', '-n', ns, 'files']);
  if (process.getuid?.() === 0) {
    await waitFor('the pod\'s mount points to be removed', () => (!fs.existsSync(root) ? true : undefined), 30_000, 250);
  }
}
