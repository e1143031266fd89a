// Service accounts as upstream's controllers and TokenRequest keep them: every namespace has the
// `default` ServiceAccount and the kube-root-ca.crt ConfigMap (made again when deleted);
// `kubectl create token` issues a token the server accepts as that service account until the
// account, or the pod the token is bound to, is gone.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { kubectlVersions, TestCluster, waitFor } from '../support/cluster.js';

let c: TestCluster;

before(async () => {
  c = await TestCluster.start();
});

after(async () => {
  await c?.destroy();
});

test('every namespace gets the default ServiceAccount and kube-root-ca.crt, again after they are deleted', async () => {
  await c.ok('1.33', ['create', 'namespace', 'fresh']);
  const ca = fs.readFileSync(path.join(c.dataDir, 'pki', 'ca.crt'), 'utf8');
  const present = () => waitFor('the default ServiceAccount and the CA ConfigMap in namespace fresh', async () => {
    const sa = await c.kubectl('1.33', ['get', 'serviceaccount', 'default', '-n', 'fresh', '-o', 'name']);
    const cm = await c.kubectl('1.33', ['get', 'configmap', 'kube-root-ca.crt', '-n', 'fresh', '-o', 'json']);
    return sa.code === 0 && cm.code === 0 && JSON.parse(cm.stdout).data['ca.crt'] === ca;
  }, 60_000, 250);
  await present();
  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    await c.ok('1.33', ['get', 'serviceaccount', 'default', '-n', ns]);
    await c.ok('1.33', ['get', 'configmap', 'kube-root-ca.crt', '-n', ns]);
  }
  await c.ok('1.33', ['delete', 'serviceaccount', 'default', '-n', 'fresh']);
  await c.ok('1.33', ['delete', 'configmap', 'kube-root-ca.crt', '-n', 'fresh']);
  await present();
  await c.ok('1.33', ['delete', 'namespace', 'fresh', '--timeout=60s']);
});

for (const v of kubectlVersions) {
  test(`kubectl ${v}: create token gives a token that authenticates as the service account while it exists`, async () => {
    const ns = `tokens-${v.replace('.', '-')}`;
    await c.ok(v, ['create', 'namespace', ns]);
    await c.ok(v, ['create', 'serviceaccount', 'robot', '-n', ns]);
    const token = (await c.ok(v, ['create', 'token', 'robot', '-n', ns])).trim();
    const asRobot = (args: string[]) => c.kubectl(v, [`--token=${token}`, ...args]);
    const whoami = await asRobot(['auth', 'whoami', '-o', 'json']);
    assert.equal(whoami.code, 0, whoami.stderr);
    assert.deepEqual(JSON.parse(whoami.stdout).status.userInfo, {
      username: `system:serviceaccount:${ns}:robot`, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
    });
    assert.equal((await asRobot(['get', 'serviceaccounts', '-n', ns, '-o', 'name'])).code, 0);

    const short = await c.kubectl(v, ['create', 'token', 'robot', '-n', ns, '--duration=5m']);
    assert.notEqual(short.code, 0);
    assert.match(short.stderr, /spec\.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes/);
    const missing = await c.kubectl(v, ['create', 'token', 'nobody', '-n', ns]);
    assert.match(missing.stderr, /serviceaccounts "nobody" not found/);

    await c.ok(v, ['delete', 'serviceaccount', 'robot', '-n', ns]);
    const after = await asRobot(['get', 'pods', '-n', ns]);
    assert.notEqual(after.code, 0);
    assert.match(after.stderr, /Unauthorized/);
    // A service account of the same name made again has another uid: the old token stays refused.
    await c.ok(v, ['create', 'serviceaccount', 'robot', '-n', ns]);
    assert.match((await asRobot(['get', 'pods', '-n', ns])).stderr, /Unauthorized/);
  });
}

test('a token bound to a pod stops working when the pod is deleted; tampered tokens are refused', async () => {
  await c.apply('1.33', [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'holder' }, spec: { containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] } }]);
  const token = (await c.ok('1.33', ['create', 'token', 'default', '--bound-object-kind=Pod', '--bound-object-name=holder'])).trim();
  assert.equal((await c.kubectl('1.33', [`--token=${token}`, 'get', 'pods'])).code, 0);
  const [h, p, s] = token.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'system:serviceaccount:kube-system:default' })).toString('base64url')}.${s}`;
  assert.match((await c.kubectl('1.33', [`--token=${forged}`, 'get', 'pods'])).stderr, /Unauthorized/);
  await c.ok('1.33', ['delete', 'pod', 'holder', '--grace-period=0', '--force']);
  await waitFor('the bound token to be refused', async () => /Unauthorized/.test((await c.kubectl('1.33', [`--token=${token}`, 'get', 'pods'])).stderr), 60_000, 250);
});

test('a projected serviceAccountToken volume holds a token of the pod\'s service account, bound to the pod', async () => {
  const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
  await c.apply('1.33', [{
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'api-access' },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'], volumeMounts: [{ name: 'kube-api-access', mountPath: dir, readOnly: true }] }],
      volumes: [{
        name: 'kube-api-access',
        projected: {
          sources: [
            { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
          ],
        },
      }],
    },
  }]);
  await waitFor('the pod to run', async () => (await c.ok('1.33', ['get', 'pod', 'api-access', '-o', 'jsonpath={.status.phase}'])) === 'Running', 120_000, 250);
  const pod = JSON.parse(await c.ok('1.33', ['get', 'pod', 'api-access', '-o', 'json']));
  const token = (await c.ok('1.33', ['exec', 'api-access', '--', 'cat', `${dir}/token`])).trim();
  assert.equal((await c.ok('1.33', ['exec', 'api-access', '--', 'cat', `${dir}/namespace`])).trim(), 'default');
  assert.match(await c.ok('1.33', ['exec', 'api-access', '--', 'cat', `${dir}/ca.crt`]), /BEGIN CERTIFICATE/);
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
  assert.equal(claims.sub, 'system:serviceaccount:default:default');
  assert.deepEqual(claims['kubernetes.io'].pod, { name: 'api-access', uid: pod.metadata.uid });
  assert.equal(claims.exp - claims.iat, 3607);
  const whoami = JSON.parse(await c.ok('1.33', [`--token=${token}`, 'auth', 'whoami', '-o', 'json']));
  assert.equal(whoami.status.userInfo.username, 'system:serviceaccount:default:default');
  await c.ok('1.33', ['delete', 'pod', 'api-access']);
  await waitFor('the pod\'s token to be refused', async () => /Unauthorized/.test((await c.kubectl('1.33', [`--token=${token}`, 'get', 'pods'])).stderr), 60_000, 250);
});
