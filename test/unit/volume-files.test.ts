// Volume logic on a temp directory: the atomic ..data writer, hostPath type checks, subPath
// resolution, the projected payloads and the PersistentVolume matching rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { KubeObject } from '../../src/api/object.js';
import { writeAtomically, type Payload } from '../../src/node/volumes/atomic-writer.js';
import { checkHostPathType, prepareHostPath } from '../../src/node/volumes/host-path.js';
import { containerMounts, SubPathError } from '../../src/node/volumes/volume-mounts.js';
import { projectedPayload } from '../../src/node/volumes/projected-files.js';
import { gitRepoSpecProblem } from '../../src/node/volumes/git-repo.js';
import { prepareHostMounts, removeHostMounts } from '../../src/node/volumes/host-runtime-mounts.js';
import { findVolumeForClaim, volumeFitsClaim } from '../../src/api/persistent-volume-match.js';
import type { EnvSources } from '../../src/node/container-env.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-volunit-'));
const payload = (files: Record<string, string>, mode = 0o644): Payload => new Map(Object.entries(files).map(([k, v]) => [k, { data: Buffer.from(v), mode }]));

test('the atomic writer links each name through ..data and swaps the whole set at once', () => {
  const dir = tmp();
  assert.equal(writeAtomically(dir, payload({ a: '1', 'sub/b': '2' })), true);
  assert.equal(fs.readlinkSync(path.join(dir, 'a')), '..data/a');
  assert.equal(fs.readlinkSync(path.join(dir, 'sub')), '..data/sub');
  assert.equal(fs.readFileSync(path.join(dir, 'sub/b'), 'utf8'), '2');
  const first = fs.readlinkSync(path.join(dir, '..data'));
  assert.match(first, /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d+$/);
  assert.equal(writeAtomically(dir, payload({ a: '1', 'sub/b': '2' })), false, 'same content: nothing to do');
  assert.equal(writeAtomically(dir, payload({ a: 'changed' })), true);
  assert.equal(fs.readFileSync(path.join(dir, 'a'), 'utf8'), 'changed');
  assert.ok(!fs.existsSync(path.join(dir, 'sub')), 'a dropped key disappears');
  assert.ok(!fs.existsSync(path.join(dir, first)), 'the old generation is removed');
  assert.equal(writeAtomically(dir, payload({ a: 'changed' }, 0o400)), true, 'a mode change is a change');
  assert.equal(fs.statSync(path.join(dir, 'a')).mode & 0o777, 0o400);
});

test('hostPath types are checked as upstream', async () => {
  const dir = tmp();
  const file = path.join(dir, 'f');
  fs.writeFileSync(file, 'x');
  const msg = (p: string, what: string) => ({ message: `hostPath type check failed: ${p} is not ${what}` });
  checkHostPathType(path.join(dir, 'whatever'), '');
  assert.ok(!fs.existsSync(path.join(dir, 'whatever')), 'no type: nothing checked, nothing made by the check');
  assert.equal(prepareHostPath(path.join(dir, 'untyped/dir'), undefined), path.join(dir, 'untyped/dir'));
  assert.equal(fs.statSync(path.join(dir, 'untyped/dir')).mode & 0o777, 0o755, 'made as the runtime makes a missing bind source');
  checkHostPathType(path.join(dir, 'new/dir'), 'DirectoryOrCreate');
  assert.equal(fs.statSync(path.join(dir, 'new/dir')).mode & 0o777, 0o755);
  assert.throws(() => checkHostPathType(file, 'DirectoryOrCreate'), msg(file, 'a directory'));
  assert.throws(() => checkHostPathType(path.join(dir, 'missing'), 'Directory'), msg(path.join(dir, 'missing'), 'a directory'));
  checkHostPathType(path.join(dir, 'made'), 'FileOrCreate');
  assert.ok(fs.statSync(path.join(dir, 'made')).isFile());
  assert.throws(() => checkHostPathType(path.join(dir, 'no-parent/f'), 'FileOrCreate'), { message: `open ${path.join(dir, 'no-parent/f')}: no such file or directory` });
  assert.throws(() => checkHostPathType(dir, 'File'), msg(dir, 'a file'));
  assert.throws(() => checkHostPathType(file, 'Socket'), msg(file, 'a socket file'));
  assert.throws(() => checkHostPathType(file, 'CharDevice'), msg(file, 'a character device'));
  checkHostPathType('/dev/null', 'CharDevice');
  assert.throws(() => checkHostPathType('/dev/null', 'BlockDevice'), msg('/dev/null', 'a block device'));
  const sock = path.join(dir, 's.sock');
  const server = net.createServer().listen(sock);
  await new Promise((r) => server.once('listening', r));
  checkHostPathType(sock, 'Socket');
  server.close();
});

test('subPath and subPathExpr narrow a mount and never leave the volume', () => {
  const dir = tmp();
  fs.mkdirSync(path.join(dir, 'vol'));
  fs.symlinkSync('/etc', path.join(dir, 'vol', 'escape'));
  const volumes = new Map([['v', { path: path.join(dir, 'vol'), readOnly: false }], ['cfg', { path: path.join(dir, 'vol'), readOnly: true }]]);
  const mounts = containerMounts({
    name: 'c',
    volumeMounts: [
      { name: 'v', mountPath: '/a' },
      { name: 'v', mountPath: '/b', subPath: 'x/y', readOnly: true },
      { name: 'v', mountPath: '/c', subPathExpr: 'pods/$(POD_NAME)' },
      { name: 'cfg', mountPath: '/d' },
    ],
  }, volumes, { POD_NAME: 'web-0' });
  const real = fs.realpathSync(path.join(dir, 'vol'));
  assert.deepEqual(mounts, [
    { hostPath: path.join(dir, 'vol'), containerPath: '/a', readOnly: false },
    { hostPath: path.join(real, 'x/y'), containerPath: '/b', readOnly: true },
    { hostPath: path.join(real, 'pods/web-0'), containerPath: '/c', readOnly: false },
    { hostPath: path.join(dir, 'vol'), containerPath: '/d', readOnly: true },
  ]);
  assert.ok(fs.statSync(path.join(real, 'pods/web-0')).isDirectory());
  const outside = path.join(dir, 'outside');
  fs.mkdirSync(outside);
  fs.symlinkSync(outside, path.join(dir, 'vol', 'out'));
  for (const subPath of ['../up', '/abs', 'escape', 'out/new']) {
    assert.throws(() => containerMounts({ name: 'c', volumeMounts: [{ name: 'v', mountPath: '/e', subPath }] }, volumes, {}), SubPathError);
  }
  assert.ok(!fs.existsSync(path.join(outside, 'new')), 'nothing is created outside the volume');
});

test('configMap, secret, downwardAPI and projected payloads: items, modes, optional sources', async () => {
  const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', labels: { b: '2', a: '1' } }, spec: { containers: [{ name: 'c', resources: { limits: { memory: '64Mi' } } }] } };
  const sources: EnvSources = {
    configMap: async (_ns, name) => (name === 'cm' ? { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k1: 'v1', k2: 'v2' }, binaryData: { bin: Buffer.from([1, 2]).toString('base64') } } as KubeObject : undefined),
    secret: async (_ns, name) => (name === 's' ? { apiVersion: 'v1', kind: 'Secret', metadata: { name }, data: { pw: Buffer.from('hunter2').toString('base64') } } as KubeObject : undefined),
    serviceEnv: async () => ({}),
    nodeAllocatable: {},
  };
  const text = (p: Payload | undefined) => Object.fromEntries([...p!].map(([k, f]) => [k, [f.data.toString('latin1'), f.mode.toString(8)]]));
  assert.deepEqual(text(await projectedPayload(pod, { configMap: { name: 'cm' } }, sources)), { k1: ['v1', '644'], k2: ['v2', '644'], bin: ['\x01\x02', '644'] });
  assert.deepEqual(text(await projectedPayload(pod, { configMap: { name: 'cm', defaultMode: 0o440, items: [{ key: 'k2', path: 'dir/two', mode: 0o600 }, { key: 'k1', path: 'one' }] } }, sources)),
    { 'dir/two': ['v2', '600'], one: ['v1', '440'] });
  await assert.rejects(projectedPayload(pod, { configMap: { name: 'nope' } }, sources), { message: 'configmap "nope" not found' });
  assert.deepEqual(text(await projectedPayload(pod, { configMap: { name: 'nope', optional: true } }, sources)), {});
  await assert.rejects(projectedPayload(pod, { configMap: { name: 'cm', items: [{ key: 'zz', path: 'z' }] } }, sources), { message: 'configmap references non-existent config key: zz' });
  assert.deepEqual(text(await projectedPayload(pod, { secret: { secretName: 's' } }, sources)), { pw: ['hunter2', '644'] });
  await assert.rejects(projectedPayload(pod, { secret: { secretName: 'x' } }, sources), { message: 'secret "x" not found' });
  assert.deepEqual(text(await projectedPayload(pod, {
    downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'mem', resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } }] },
  }, sources)), { labels: ['a="1"\nb="2"', '644'], mem: ['64', '644'] });
  assert.deepEqual(text(await projectedPayload(pod, {
    projected: { defaultMode: 0o400, sources: [{ configMap: { name: 'cm', items: [{ key: 'k1', path: 'cfg/k1' }] } }, { secret: { name: 's' } }, { downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } }] },
  }, sources)), { 'cfg/k1': ['v1', '400'], pw: ['hunter2', '400'], name: ['p', '400'] });
  await assert.rejects(projectedPayload(pod, { configMap: { name: 'cm', items: [{ key: 'k1', path: '../x' }] } }, sources));
});

test('a claim binds to the smallest fitting volume, or to the one pre-bound to it', () => {
  const pv = (name: string, storage: string, extra: any = {}): KubeObject => ({
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name, labels: extra.labels },
    spec: { capacity: { storage }, accessModes: extra.modes ?? ['ReadWriteOnce'], storageClassName: extra.cls ?? '', volumeMode: 'Filesystem', claimRef: extra.claimRef },
    status: { phase: extra.phase ?? 'Available' },
  });
  const pvc: KubeObject = {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'ns', uid: 'u1' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
  };
  const volumes = [pv('big', '10Gi'), pv('small', '1Gi'), pv('tiny', '500Mi'), pv('classy', '1Gi', { cls: 'fast' }), pv('rox', '1Gi', { modes: ['ReadOnlyMany'] }), pv('gone', '1Gi', { phase: 'Released' })];
  assert.equal(findVolumeForClaim(volumes, pvc)?.metadata.name, 'small');
  assert.equal(findVolumeForClaim(volumes, { ...pvc, spec: { ...pvc.spec, storageClassName: 'fast' } })?.metadata.name, 'classy');
  assert.equal(findVolumeForClaim(volumes, { ...pvc, spec: { ...pvc.spec, resources: { requests: { storage: '20Gi' } } } }), undefined);
  assert.equal(findVolumeForClaim([...volumes, pv('mine', '10Gi', { claimRef: { namespace: 'ns', name: 'data' } })], pvc)?.metadata.name, 'mine');
  assert.equal(findVolumeForClaim([pv('theirs', '1Gi', { claimRef: { namespace: 'ns', name: 'other', uid: 'u2' } })], pvc), undefined);
  const labelled = pv('labelled', '5Gi', { labels: { tier: 'gold' } });
  assert.equal(volumeFitsClaim(labelled, { ...pvc, spec: { ...pvc.spec, selector: { matchLabels: { tier: 'gold' } } } }), true);
  assert.equal(volumeFitsClaim(pv('small', '1Gi'), { ...pvc, spec: { ...pvc.spec, selector: { matchLabels: { tier: 'gold' } } } }), false);
});

test('without mount namespaces, mountPath becomes a link to the volume when the path is free', () => {
  process.env.NANOKUBE_HOST_MOUNTS = 'symlink';
  const dir = tmp();
  const state = path.join(dir, 'state');
  const vol = path.join(dir, 'vol');
  fs.mkdirSync(vol);
  const free = path.join(dir, 'app', 'data');
  const taken = path.join(dir, 'taken');
  fs.mkdirSync(taken);
  const prepared = prepareHostMounts(state, [{ hostPath: vol, containerPath: free, readOnly: false }], ['true'], '/w');
  assert.deepEqual(prepared, { command: ['true'], workingDir: '/w', shimMounts: ['-'], mountNamespace: false });
  assert.equal(fs.readlinkSync(free), vol);
  prepareHostMounts(state, [{ hostPath: vol, containerPath: free, readOnly: false }], ['true'], undefined); // a restart reuses its own link
  assert.throws(() => prepareHostMounts(path.join(dir, 'other-pod'), [{ hostPath: vol, containerPath: free, readOnly: false }], ['true'], undefined), /cannot mount volume at/);
  assert.throws(() => prepareHostMounts(state, [{ hostPath: vol, containerPath: taken, readOnly: false }], ['true'], undefined), /the path exists on the node/);
  removeHostMounts(state);
  assert.ok(!fs.existsSync(free));
  assert.ok(fs.statSync(taken).isDirectory(), 'a path nanokube does not own is left alone');
});

test('gitRepo values that git could take for options, and nested directories with a revision, are refused as the kubelet does', () => {
  assert.equal(gitRepoSpecProblem({ repository: '/srv/repo.git', revision: 'main', directory: '.' }), undefined);
  assert.equal(gitRepoSpecProblem({ repository: '/srv/repo.git', revision: 'main', directory: 'checkout/' }), undefined);
  assert.equal(gitRepoSpecProblem({ repository: '/srv/repo.git', directory: 'a/b' }), undefined, 'no revision: any descending path');
  assert.equal(gitRepoSpecProblem({ repository: '--upload-pack=touch /tmp/x' }), '"--upload-pack=touch /tmp/x" is an invalid value for repository');
  assert.equal(gitRepoSpecProblem({ repository: 'r', revision: '-b' }), '"-b" is an invalid value for revision');
  assert.equal(gitRepoSpecProblem({ repository: 'r', directory: '-x' }), '"-x" is an invalid value for directory');
  assert.equal(gitRepoSpecProblem({ repository: 'r', revision: 'main', directory: 'a/b' }), '"a/b" is not a valid directory, it must not contain a directory separator');
});
