// The seed notes' volume examples under the isolated runtime (the default as root), where each
// container's volumes are bind mounts in its own mount namespace beside the pod's network and UTS
// namespaces: the emptyDir, gitRepo and hostPath Deployments, and ConfigMap/Secret/downwardAPI files
// that follow edits. volumes.test.ts covers the same and more under the host runtime.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isolatedRuntimeProblem } from '../../src/cli/node-networking.js';
import { TestCluster } from '../support/cluster.js';
import { destroyVolumeCluster, emptyDirSeed, gitRepoSeed, hostPathSeed, makeRepo, projectedFiles, v } from '../support/volume-cases.js';

const skip = isolatedRuntimeProblem();
let c: TestCluster;
let tmp: string;
const namespaces = ['iso-empty', 'iso-git', 'iso-host', 'iso-cm'];

before(async () => {
  if (skip) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-volumes-isolated-'));
  c = await TestCluster.start(['--runtime', 'isolated', '--node-name', 'iso-a']);
  await c.waitForReadyNodes(v, 1);
  await Promise.all(namespaces.map((ns) => c.ok(v, ['create', 'ns', ns])));
});

after(async () => {
  if (c) await destroyVolumeCluster(c, namespaces);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('volumes under the isolated runtime', { concurrency: true }, () => {
  test('emptyDir: the seed Deployment\'s containers share files; a container restart keeps them, the pod\'s deletion does not', { skip, timeout: 300_000 }, async () => {
    await emptyDirSeed(c, 'iso-empty');
  });

  test('gitRepo: the seed Deployment clones branch main', { skip, timeout: 300_000 }, async () => {
    const repo = path.join(tmp, 'repo');
    makeRepo(repo);
    await gitRepoSeed(c, 'iso-git', repo);
  });

  test('hostPath: the seed Deployment\'s replacement pod reads what the first wrote', { skip, timeout: 300_000 }, async () => {
    await hostPathSeed(c, 'iso-host', path.join(tmp, 'host-data'), 'iso-a');
  });

  test('configMap, secret and downwardAPI files in the container\'s mount namespace; edits show up', { skip, timeout: 300_000 }, async () => {
    await projectedFiles(c, 'iso-cm', '/nanokube-e2e-volumes-isolated');
  });
});
