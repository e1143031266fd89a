// kubectl 1.27 and 1.33 against `nanokube up`: version, discovery, explain, get in every form, watch, describe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { TestCluster, kubectlVersions } from '../support/cluster.js';

let cluster: TestCluster;

before(async () => {
  cluster = await TestCluster.start();
});

after(async () => {
  await cluster?.destroy();
});

const podManifest = (name: string, labels: Record<string, string>) => JSON.stringify({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels },
  spec: { containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'], ports: [{ containerPort: 80 }] }] },
});

for (const v of kubectlVersions) {
  test(`kubectl ${v}: version reports the server's 1.33`, async () => {
    const out = JSON.parse(await cluster.ok(v, ['version', '-o', 'json']));
    assert.equal(out.serverVersion.major, '1');
    assert.equal(out.serverVersion.minor, '33');
  });

  test(`kubectl ${v}: api-resources lists every kind with upstream names`, async () => {
    const out = await cluster.ok(v, ['api-resources', '--no-headers']);
    const rows = out.trim().split('\n').map((l) => l.trim().split(/\s+/));
    const find = (name: string) => rows.find((r) => r[0] === name);
    assert.deepEqual(find('pods'), ['pods', 'po', 'v1', 'true', 'Pod']);
    assert.deepEqual(find('deployments'), ['deployments', 'deploy', 'apps/v1', 'true', 'Deployment']);
    assert.deepEqual(find('replicationcontrollers'), ['replicationcontrollers', 'rc', 'v1', 'true', 'ReplicationController']);
    assert.deepEqual(find('cronjobs'), ['cronjobs', 'cj', 'batch/v1', 'true', 'CronJob']);
    assert.deepEqual(find('ingresses'), ['ingresses', 'ing', 'networking.k8s.io/v1', 'true', 'Ingress']);
    assert.deepEqual(find('storageclasses'), ['storageclasses', 'sc', 'storage.k8s.io/v1', 'false', 'StorageClass']);
    assert.deepEqual(find('namespaces'), ['namespaces', 'ns', 'v1', 'false', 'Namespace']);
    for (const name of ['endpoints', 'nodes', 'events', 'configmaps', 'secrets', 'serviceaccounts', 'persistentvolumes',
      'persistentvolumeclaims', 'replicasets', 'daemonsets', 'controllerrevisions', 'jobs', 'ingressclasses', 'endpointslices', 'leases']) {
      assert.ok(find(name), `api-resources lists ${name}`);
    }
  });

  test(`kubectl ${v}: explain pod.spec.containers.livenessProbe.httpGet`, async () => {
    const out = await cluster.ok(v, ['explain', 'pod.spec.containers.livenessProbe.httpGet']);
    assert.match(out, /HTTPGetAction/);
    assert.match(out, /path\s+<string>/);
    assert.match(out, /httpHeaders\s+<\[\]HTTPHeader>/);
    assert.match(out, /port\s+<IntOrString> -required-/);
  });

  test(`kubectl ${v}: get in every output form, with selectors, -A and get all`, async () => {
    const ns = `read-${v.replace('.', '-')}`;
    await cluster.ok(v, ['create', 'namespace', ns]);
    await cluster.ok(v, ['apply', '-n', ns, '-f', '-'], { input: podManifest('web-1', { app: 'web', tier: 'a' }) });
    await cluster.ok(v, ['apply', '-n', ns, '-f', '-'], { input: podManifest('web-2', { app: 'web', tier: 'b' }) });
    await cluster.ok(v, ['apply', '-n', ns, '-f', '-'], { input: podManifest('db-1', { app: 'db' }) });

    const plain = await cluster.ok(v, ['get', 'pods', '-n', ns]);
    assert.match(plain, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
    assert.match(plain, /web-1\s+[01]\/1\s+(Pending|ContainerCreating|Running)\s+0\s+\d+s/);
    const wide = await cluster.ok(v, ['get', 'pods', '-n', ns, '-o', 'wide']);
    assert.match(wide, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES\n/);
    const yaml = await cluster.ok(v, ['get', 'pod', 'web-1', '-n', ns, '-o', 'yaml']);
    assert.match(yaml, /restartPolicy: Always/);
    assert.match(yaml, /terminationGracePeriodSeconds: 30/);
    assert.match(yaml, /imagePullPolicy: Always/);
    const json = JSON.parse(await cluster.ok(v, ['get', 'pods', '-n', ns, '-o', 'json']));
    assert.equal(json.kind, 'List');
    assert.equal(json.items.length, 3);
    const names = await cluster.ok(v, ['get', 'pods', '-n', ns, '-o', 'name']);
    assert.deepEqual(names.trim().split('\n').sort(), ['pod/db-1', 'pod/web-1', 'pod/web-2']);
    const jp = await cluster.ok(v, ['get', 'pods', '-n', ns, '-o', 'jsonpath={.items[*].metadata.name}']);
    assert.deepEqual(jp.trim().split(' ').sort(), ['db-1', 'web-1', 'web-2']);
    const sel = await cluster.ok(v, ['get', 'pods', '-n', ns, '-l', 'app=web,tier in (b)', '-o', 'name']);
    assert.equal(sel.trim(), 'pod/web-2');
    const fsel = await cluster.ok(v, ['get', 'pods', '-n', ns, '--field-selector', 'metadata.name=db-1,spec.restartPolicy=Always', '-o', 'name']);
    assert.equal(fsel.trim(), 'pod/db-1');
    const none = await cluster.ok(v, ['get', 'pods', '-n', ns, '--field-selector', 'metadata.name!=db-1,metadata.name!=web-1', '-o', 'name']);
    assert.equal(none.trim(), 'pod/web-2');
    const bad = await cluster.kubectl(v, ['get', 'pods', '-n', ns, '--field-selector', 'spec.bogus=x']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /field label not supported: spec.bogus/);
    const all = await cluster.ok(v, ['get', 'pods', '-A']);
    assert.match(all, /^NAMESPACE\s+NAME\s+READY/);
    assert.match(all, new RegExp(`${ns}\\s+web-1\\s+[01]/1`));
    const labels = await cluster.ok(v, ['get', 'pods', '-n', ns, '--show-labels']);
    assert.match(labels, /web-1\s.*app=web,tier=a/);
    const getAll = await cluster.ok(v, ['get', 'all', '-n', ns]);
    assert.match(getAll, /pod\/web-1/);
  });

  test(`kubectl ${v}: auth can-i and auth whoami answer for the admin; reviews are create-only`, async () => {
    assert.equal((await cluster.ok(v, ['auth', 'can-i', 'create', 'pods'])).trim(), 'yes');
    assert.equal((await cluster.ok(v, ['auth', 'can-i', 'delete', 'nodes', '--all-namespaces'])).trim(), 'yes');
    assert.match(await cluster.ok(v, ['auth', 'can-i', '--list']), /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs\n\*\.\*\s+\[\]\s+\[\]\s+\[\*\]/);
    const whoami = JSON.parse(await cluster.ok(v, ['auth', 'whoami', '-o', 'json']));
    assert.equal(whoami.kind, 'SelfSubjectReview');
    assert.deepEqual(whoami.status.userInfo, { username: 'admin', groups: ['system:masters', 'system:authenticated'] });
    const get = await cluster.kubectl(v, ['get', 'selfsubjectaccessreviews']);
    assert.notEqual(get.code, 0);
    assert.match(get.stderr, /MethodNotAllowed/);
  });

  test(`kubectl ${v}: get -w sees a change made by another kubectl`, async () => {
    const ns = `watch-${v.replace('.', '-')}`;
    await cluster.ok(v, ['create', 'namespace', ns]);
    await cluster.ok(v, ['create', 'configmap', 'watched', '-n', ns, '--from-literal=a=1']);
    const watcher = cluster.kubectl(v, ['get', 'configmaps', '-n', ns, '-w', '--output-watch-events'], { timeoutMs: 12_000 });
    // The watch starts after its list; keep changing the object until the watcher has printed a MODIFIED line.
    let n = 0;
    const changer = (async () => {
      for (; n < 12; n++) {
        await cluster.ok(v, ['label', 'configmap', 'watched', '-n', ns, `round=${n}`, '--overwrite']);
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    const r = await watcher;
    await changer;
    assert.match(r.stdout, /ADDED\s+watched\s+1\s/);
    assert.match(r.stdout, /MODIFIED\s+watched\s+1\s/);
  });

  test(`kubectl ${v}: describe shows the object and its Events`, async () => {
    const ns = `describe-${v.replace('.', '-')}`;
    await cluster.ok(v, ['create', 'namespace', ns]);
    await cluster.ok(v, ['apply', '-n', ns, '-f', '-'], { input: podManifest('described', { app: 'd' }) });
    const pod = JSON.parse(await cluster.ok(v, ['get', 'pod', 'described', '-n', ns, '-o', 'json']));
    const event = {
      apiVersion: 'v1', kind: 'Event', metadata: { name: 'described.1', namespace: ns },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'described', namespace: ns, uid: pod.metadata.uid },
      reason: 'Testing', message: 'hello from the test', type: 'Normal', source: { component: 'e2e' },
      firstTimestamp: new Date().toISOString(), lastTimestamp: new Date().toISOString(), count: 1,
    };
    await cluster.ok(v, ['create', '-f', '-'], { input: JSON.stringify(event) });
    const out = await cluster.ok(v, ['describe', 'pod', 'described', '-n', ns]);
    assert.match(out, /Name:\s+described/);
    assert.match(out, /Namespace:\s+describe-/);
    assert.match(out, /Status:\s+(Pending|Running)/);
    assert.match(out, /Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message/);
    assert.match(out, /Normal\s+Testing\s+\S+\s+e2e\s+hello from the test/);
  });
}

test('kubectl on PATH (the dispatcher) picks kubectl 1.33 from the server version', () => {
  const r = spawnSync('kubectl', ['version', '-o', 'json'], { env: { ...process.env, KUBECONFIG: cluster.kubeconfig, HOME: cluster.home }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.match(out.clientVersion.gitVersion, /^v1\.33\./);
  assert.equal(out.serverVersion.minor, '33');
});
