// kubectl 1.27 and 1.33 writing to `nanokube up`: create generators (protobuf bodies on 1.33),
// the seed manifests through apply/diff, edit, patch, label, annotate, scale, delete, namespaces, errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestCluster, kubectlVersions, repoRoot, waitFor } from '../support/cluster.js';

let cluster: TestCluster;

before(async () => {
  cluster = await TestCluster.start();
});

after(async () => {
  await cluster?.destroy();
});

const seedDir = path.join(repoRoot, 'examples', 'seed');
const seedFiles = fs.readdirSync(seedDir).filter((f) => f.endsWith('.yaml')).sort();

for (const v of kubectlVersions) {
  const tag = v.replace('.', '-');

  test(`kubectl ${v}: every create generator`, async () => {
    const ns = `gen-${tag}`;
    await cluster.ok(v, ['create', 'namespace', ns]);
    const n = ['-n', ns];
    await cluster.ok(v, ['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2', '--port=80', ...n]);
    await cluster.ok(v, ['create', 'job', 'once', '--image=busybox', ...n, '--', 'echo', 'hi']);
    await cluster.ok(v, ['create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/5 * * * *', '--restart=OnFailure', ...n, '--', 'date']);
    await cluster.ok(v, ['create', 'job', 'tick-now', '--from=cronjob/tick', ...n]);
    await cluster.ok(v, ['create', 'configmap', 'cfg', '--from-literal=a=1', '--from-literal=b=two', ...n]);
    await cluster.ok(v, ['create', 'secret', 'generic', 'sec', '--from-literal=password=s3cret', ...n]);
    await cluster.ok(v, ['create', 'serviceaccount', 'robot', ...n]);
    await cluster.ok(v, ['create', 'service', 'clusterip', 'svc-a', '--tcp=80:8080', ...n]);
    await cluster.ok(v, ['create', 'service', 'nodeport', 'svc-b', '--tcp=80:8080', ...n]);
    await cluster.ok(v, ['create', 'service', 'externalname', 'svc-c', '--external-name=example.com', ...n]);
    await cluster.ok(v, ['create', 'ingress', 'ing', '--rule=foo.com/bar*=svc-a:80', ...n]);

    const deploy = JSON.parse(await cluster.ok(v, ['get', 'deployment', 'web', '-o', 'json', ...n]));
    assert.equal(deploy.spec.replicas, 2);
    assert.equal(deploy.spec.template.spec.containers[0].image, 'nginx:1.27');
    assert.equal(deploy.spec.template.spec.containers[0].ports[0].containerPort, 80);
    assert.equal(deploy.spec.strategy.type, 'RollingUpdate');
    const job = JSON.parse(await cluster.ok(v, ['get', 'job', 'tick-now', '-o', 'json', ...n]));
    assert.equal(job.metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
    assert.equal(job.metadata.ownerReferences[0].kind, 'CronJob');
    const cm = JSON.parse(await cluster.ok(v, ['get', 'configmap', 'cfg', '-o', 'json', ...n]));
    assert.deepEqual(cm.data, { a: '1', b: 'two' });
    const sec = JSON.parse(await cluster.ok(v, ['get', 'secret', 'sec', '-o', 'json', ...n]));
    assert.equal(Buffer.from(sec.data.password, 'base64').toString(), 's3cret');
    const svc = JSON.parse(await cluster.ok(v, ['get', 'service', 'svc-b', '-o', 'json', ...n]));
    assert.equal(svc.spec.type, 'NodePort');
    assert.ok(svc.spec.clusterIP.startsWith(cluster.serviceIpPrefix), svc.spec.clusterIP);
    assert.ok(svc.spec.ports[0].nodePort >= 30000 && svc.spec.ports[0].nodePort <= 32767);
    const ing = JSON.parse(await cluster.ok(v, ['get', 'ingress', 'ing', '-o', 'json', ...n]));
    assert.equal(ing.spec.rules[0].host, 'foo.com');
    assert.equal(ing.spec.rules[0].http.paths[0].pathType, 'Prefix');
    const svcs = await cluster.ok(v, ['get', 'svc', ...n]);
    assert.match(svcs, /svc-b\s+NodePort\s+10\.\d+\.\d+\.\d+\s+<none>\s+80:3\d{4}\/TCP/);
    assert.match(svcs, /svc-c\s+ExternalName\s+<none>\s+example\.com/);
  });

  test(`kubectl ${v}: seed manifests apply, re-apply with a change, diff, and show defaults`, async () => {
    const nsOf = (file: string) => `seed-${tag}-${seedFiles.indexOf(file)}`;
    for (const file of seedFiles) {
      const ns = nsOf(file);
      await cluster.ok(v, ['create', 'namespace', ns]);
      const manifest = fs.readFileSync(path.join(seedDir, file), 'utf8');
      const created = await cluster.ok(v, ['apply', '-n', ns, '-f', '-'], { input: manifest });
      assert.match(created, / created\n$/, `${file}: ${created}`);
      const again = await cluster.ok(v, ['apply', '-n', ns, '-f', '-'], { input: manifest });
      assert.match(again, / unchanged\n$/, `${file}: ${again}`);
      const changed = manifest.replace(/^metadata:\n/m, 'metadata:\n  annotations:\n    example.com/changed: "yes"\n');
      const diff = await cluster.kubectl(v, ['diff', '-n', ns, '-f', '-'], { input: changed });
      assert.equal(diff.code, 1, `${file}: diff exits 1 when there are differences: ${diff.stderr}`);
      assert.match(diff.stdout, /\+\s+example\.com\/changed: "yes"/);
      const updated = await cluster.ok(v, ['apply', '-n', ns, '-f', '-'], { input: changed });
      assert.match(updated, / configured\n$/, `${file}: ${updated}`);
      const yaml = await cluster.ok(v, ['get', '-n', ns, '-f', '-', '-o', 'yaml'], { input: changed });
      assert.match(yaml, /example\.com\/changed: "yes"/);
      assert.match(yaml, /creationTimestamp: /);
      assert.match(yaml, /uid: /);
    }
    // Defaults filled in as upstream.
    const item = JSON.parse(await cluster.ok(v, ['get', 'rc', 'nginx', '-n', nsOf('replicationcontroller-nginx.yaml'), '-o', 'json']));
    assert.deepEqual(item.spec.selector, { app: 'nginx' });
    assert.equal(item.spec.template.spec.containers[0].ports[0].protocol, 'TCP');
    assert.equal(item.spec.template.spec.restartPolicy, 'Always');
    assert.equal(item.spec.template.spec.dnsPolicy, 'ClusterFirst');
    const s = JSON.parse(await cluster.ok(v, ['get', 'svc', 'my-service', '-n', nsOf('service-my-service.yaml'), '-o', 'json']));
    assert.equal(s.spec.sessionAffinity, 'None');
    assert.equal(s.spec.ports[0].targetPort, 9376);
    assert.ok(s.spec.clusterIP.startsWith(cluster.serviceIpPrefix), s.spec.clusterIP);
    const j = JSON.parse(await cluster.ok(v, ['get', 'job', 'pi', '-n', nsOf('job-pi.yaml'), '-o', 'json']));
    assert.equal(j.spec.completions, 1);
    assert.equal(j.spec.parallelism, 1);
    assert.equal(j.spec.backoffLimit, 4);
    assert.ok(j.spec.selector.matchLabels['batch.kubernetes.io/controller-uid']);
    const c = JSON.parse(await cluster.ok(v, ['get', 'cronjob', 'hello', '-n', nsOf('cronjob-hello.yaml'), '-o', 'json']));
    assert.equal(c.spec.concurrencyPolicy, 'Allow');
    assert.equal(c.spec.successfulJobsHistoryLimit, 3);
    assert.equal(c.spec.failedJobsHistoryLimit, 1);
  });

  test(`kubectl ${v}: edit, patch (three types), label, annotate, scale`, async () => {
    const ns = `edit-${tag}`;
    await cluster.ok(v, ['create', 'namespace', ns]);
    const n = ['-n', ns];
    await cluster.ok(v, ['apply', ...n, '-f', path.join(seedDir, 'replicationcontroller-nginx.yaml')]);
    await cluster.ok(v, ['apply', ...n, '-f', path.join(seedDir, 'replicaset-frontend.yaml')]);
    await cluster.ok(v, ['create', 'deployment', 'web', '--image=nginx', ...n]);

    // kubectl edit rc with an EDITOR script that changes replicas 3 → 5.
    const editor = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'editor-')), 'edit.sh');
    fs.writeFileSync(editor, '#!/bin/sh\nsed -i "s/^  replicas: 3$/  replicas: 5/" "$1"\n', { mode: 0o755 });
    await cluster.ok(v, ['edit', 'rc', 'nginx', ...n], { env: { EDITOR: editor, KUBE_EDITOR: editor } });
    assert.equal(JSON.parse(await cluster.ok(v, ['get', 'rc', 'nginx', '-o', 'json', ...n])).spec.replicas, 5);

    await cluster.ok(v, ['patch', 'rc', 'nginx', ...n, '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"}]}}}}']);
    let rc = JSON.parse(await cluster.ok(v, ['get', 'rc', 'nginx', '-o', 'json', ...n]));
    assert.equal(rc.spec.template.spec.containers.length, 1);
    assert.equal(rc.spec.template.spec.containers[0].image, 'nginx:1.27');
    assert.equal(rc.spec.template.spec.containers[0].ports[0].containerPort, 80, 'strategic merge keeps the other fields of the container');
    await cluster.ok(v, ['patch', 'rc', 'nginx', ...n, '--type=merge', '-p', '{"metadata":{"labels":{"merged":"yes"}}}']);
    await cluster.ok(v, ['patch', 'rc', 'nginx', ...n, '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":2}]']);
    rc = JSON.parse(await cluster.ok(v, ['get', 'rc', 'nginx', '-o', 'json', ...n]));
    assert.equal(rc.metadata.labels.merged, 'yes');
    assert.equal(rc.spec.replicas, 2);
    assert.ok(rc.metadata.generation >= 3, 'spec changes bump generation');

    await cluster.ok(v, ['label', 'rc', 'nginx', 'team=blue', ...n]);
    await cluster.ok(v, ['annotate', 'rc', 'nginx', 'note=hello', ...n]);
    const relabel = await cluster.kubectl(v, ['label', 'rc', 'nginx', 'team=red', ...n]);
    assert.notEqual(relabel.code, 0, 'label without --overwrite refuses to change a label');
    rc = JSON.parse(await cluster.ok(v, ['get', 'rc', 'nginx', '-o', 'json', ...n]));
    assert.equal(rc.metadata.labels.team, 'blue');
    assert.equal(rc.metadata.annotations.note, 'hello');

    await cluster.ok(v, ['scale', 'rc', 'nginx', '--replicas=4', ...n]);
    await cluster.ok(v, ['scale', 'rs', 'frontend', '--replicas=1', ...n]);
    await cluster.ok(v, ['scale', 'deployment', 'web', '--replicas=3', ...n]);
    await cluster.ok(v, ['scale', 'deployment', 'web', '--current-replicas=3', '--replicas=6', ...n]);
    assert.equal(JSON.parse(await cluster.ok(v, ['get', 'rc', 'nginx', '-o', 'json', ...n])).spec.replicas, 4);
    assert.equal(JSON.parse(await cluster.ok(v, ['get', 'rs', 'frontend', '-o', 'json', ...n])).spec.replicas, 1);
    assert.equal(JSON.parse(await cluster.ok(v, ['get', 'deploy', 'web', '-o', 'json', ...n])).spec.replicas, 6);
    const stale = await cluster.kubectl(v, ['scale', 'deployment', 'web', '--current-replicas=3', '--replicas=1', ...n]);
    assert.notEqual(stale.code, 0, 'scale with a wrong --current-replicas fails');
  });

  test(`kubectl ${v}: delete with --wait, -l, --all and every cascade mode`, async () => {
    const ns = `del-${tag}`;
    await cluster.ok(v, ['create', 'namespace', ns]);
    const n = ['-n', ns];
    const owned = async (owner: string, dep: string) => {
      await cluster.ok(v, ['create', 'configmap', owner, ...n]);
      const uid = JSON.parse(await cluster.ok(v, ['get', 'configmap', owner, '-o', 'json', ...n])).metadata.uid;
      await cluster.ok(v, ['create', '-f', '-', ...n], {
        input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: dep, labels: { group: 'x' }, ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: owner, uid }] } }),
      });
    };
    const exists = async (name: string) => (await cluster.kubectl(v, ['get', 'configmap', name, ...n])).code === 0;

    await owned('bg-owner', 'bg-dep');
    await cluster.ok(v, ['delete', 'configmap', 'bg-owner', '--cascade=background', ...n]);
    await waitFor('background dependent to be collected', async () => !(await exists('bg-dep')));

    await owned('or-owner', 'or-dep');
    await cluster.ok(v, ['delete', 'configmap', 'or-owner', '--cascade=orphan', ...n]);
    assert.equal(await exists('or-owner'), false);
    const orphan = JSON.parse(await cluster.ok(v, ['get', 'configmap', 'or-dep', '-o', 'json', ...n]));
    assert.equal(orphan.metadata.ownerReferences, undefined, 'orphaned dependent has no ownerReferences');

    await owned('fg-owner', 'fg-dep');
    await cluster.ok(v, ['delete', 'configmap', 'fg-owner', '--cascade=foreground', ...n]);
    assert.equal(await exists('fg-owner'), false, 'delete --wait returns once the owner is gone');
    assert.equal(await exists('fg-dep'), false, 'foreground deletion removed the dependent first');

    for (const name of ['l1', 'l2', 'keep']) await cluster.ok(v, ['create', 'configmap', name, ...n]);
    await cluster.ok(v, ['label', 'configmap', 'l1', 'l2', 'del=yes', ...n]);
    await cluster.ok(v, ['delete', 'configmap', '-l', 'del=yes', ...n]);
    assert.equal(await exists('l1'), false);
    assert.equal(await exists('keep'), true);
    await cluster.ok(v, ['delete', 'configmap', '--all', ...n]);
    assert.equal((await cluster.ok(v, ['get', 'configmap', '-o', 'name', ...n])).includes('keep'), false);

    const missing = await cluster.kubectl(v, ['delete', 'configmap', 'nope', ...n]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /Error from server \(NotFound\): configmaps "nope" not found/);
  });

  test(`kubectl ${v}: namespaces are created, used with -n, and deleted with their contents`, async () => {
    const ns = `life-${tag}`;
    await cluster.ok(v, ['create', 'namespace', ns]);
    await cluster.ok(v, ['create', 'configmap', 'inside', '-n', ns]);
    await cluster.ok(v, ['create', 'deployment', 'inside', '--image=nginx', '-n', ns]);
    await cluster.ok(v, ['delete', 'namespace', ns, '--timeout=60s']);
    const gone = await cluster.kubectl(v, ['get', 'namespace', ns]);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /namespaces "life-[\d-]+" not found/);
    const noNs = await cluster.kubectl(v, ['create', 'configmap', 'x', '-n', 'does-not-exist']);
    assert.match(noNs.stderr, /namespaces "does-not-exist" not found/);
    const sys = await cluster.kubectl(v, ['delete', 'namespace', 'default']);
    assert.match(sys.stderr, /forbidden: this namespace may not be deleted/);
  });

  test(`kubectl ${v}: invalid objects get 422 with every bad field, unknown fields per --validate`, async () => {
    const ns = `invalid-${tag}`;
    await cluster.ok(v, ['create', 'namespace', ns]);
    const bad = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'Bad_Name' },
      spec: { containers: [{ name: 'c', livenessProbe: { exec: { command: ['true'] }, tcpSocket: { port: 80 } } }] },
    };
    const r = await cluster.kubectl(v, ['create', '-n', ns, '-f', '-'], { input: JSON.stringify(bad) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The Pod "Bad_Name" is invalid:/);
    assert.match(r.stderr, /metadata\.name: Invalid value: "Bad_Name"/);
    assert.match(r.stderr, /spec\.containers\[0\]\.image: Required value/);
    assert.match(r.stderr, /may not specify more than 1 handler type/);

    const rs = {
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'mismatch' },
      spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
    };
    const r2 = await cluster.kubectl(v, ['create', '-n', ns, '-f', '-'], { input: JSON.stringify(rs) });
    assert.match(r2.stderr, /`selector` does not match template `labels`/);

    const unknown = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unknown' }, data: { a: 'b' }, bogus: 1 };
    const strict = await cluster.kubectl(v, ['create', '-n', ns, '--validate=strict', '-f', '-'], { input: JSON.stringify(unknown) });
    assert.notEqual(strict.code, 0);
    assert.match(strict.stderr, /unknown field "bogus"/);
    const warn = await cluster.kubectl(v, ['create', '-n', ns, '--validate=false', '-f', '-'], { input: JSON.stringify(unknown) });
    assert.equal(warn.code, 0, warn.stderr);
  });
}
