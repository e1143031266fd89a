// Every `kubectl create <generator>` for a kind nanokube serves, run by kubectl 1.33 (protobuf request
// bodies), 1.31 (the newest JSON-only kubectl: same generators, JSON bodies) and 1.27, each into its own
// namespace. The stored objects must be the same whichever kubectl made them, so the protobuf path must
// reach the server as the very JSON object the JSON path does. Defaulting is whatever the server does today;
// comparing versions, rather than expected values, keeps this test independent of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { createCertificateAuthority } from '../../src/apiserver/pki.js';
import { TestCluster, type KubectlVersion } from '../support/cluster.js';
import { rawRequest } from '../support/raw-http.js';

const versions: KubectlVersion[] = ['1.33', '1.31', '1.27'];
const reference: KubectlVersion = '1.33';

let cluster: TestCluster;
let files: string;

before(async () => {
  cluster = await TestCluster.start();
  files = fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-gen-'));
  fs.writeFileSync(path.join(files, 'app.properties'), 'color=blue\nsize=3\n');
  fs.writeFileSync(path.join(files, 'blob.bin'), Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f]));
  const { certPem, keyPem } = createCertificateAuthority('generators-test');
  fs.writeFileSync(path.join(files, 'tls.crt'), certPem);
  fs.writeFileSync(path.join(files, 'tls.key'), keyPem);
});

after(async () => {
  await cluster?.destroy();
  if (files) fs.rmSync(files, { recursive: true, force: true });
});

const nsOf = (v: KubectlVersion) => `gen-${v.replace('.', '-')}`;

/** [resource, name, create arguments] */
function generators(): [string, string, string[]][] {
  const f = (name: string) => path.join(files, name);
  return [
    ['deployment', 'web', ['deployment', 'web', '--image=nginx:1.27', '--replicas=3', '--port=80']],
    ['deployment', 'zero', ['deployment', 'zero', '--image=busybox', '--replicas=0']],
    ['deployment', 'multi', ['deployment', 'multi', '--image=nginx', '--image=busybox']],
    ['job', 'once', ['job', 'once', '--image=busybox', '--', 'echo', 'hi']],
    ['cronjob', 'tick', ['cronjob', 'tick', '--image=busybox', '--schedule=*/5 * * * *', '--restart=OnFailure', '--', 'date']],
    ['job', 'tick-now', ['job', 'tick-now', '--from=cronjob/tick']],
    ['configmap', 'cfg', ['configmap', 'cfg', '--from-literal=a=1', '--from-literal=empty=', `--from-file=${f('app.properties')}`, `--from-file=${f('blob.bin')}`]],
    ['secret', 'sec', ['secret', 'generic', 'sec', '--from-literal=password=s3cret', '--from-literal=blank=', `--from-file=${f('blob.bin')}`]],
    ['secret', 'tls1', ['secret', 'tls', 'tls1', `--cert=${f('tls.crt')}`, `--key=${f('tls.key')}`]],
    ['secret', 'reg', ['secret', 'docker-registry', 'reg', '--docker-server=registry.example.com', '--docker-username=u', '--docker-password=p', '--docker-email=u@example.com']],
    ['serviceaccount', 'robot', ['serviceaccount', 'robot']],
    ['service', 'svc-a', ['service', 'clusterip', 'svc-a', '--tcp=80:8080', '--tcp=443:https']],
    ['service', 'svc-h', ['service', 'clusterip', 'svc-h', '--clusterip=None']],
    ['service', 'svc-b', ['service', 'nodeport', 'svc-b', '--tcp=80:8080']],
    ['service', 'svc-l', ['service', 'loadbalancer', 'svc-l', '--tcp=443:8443']],
    ['service', 'svc-c', ['service', 'externalname', 'svc-c', '--external-name=example.com']],
    ['ingress', 'ing', ['ingress', 'ing', '--rule=foo.com/bar*=svc-a:80', '--rule=secure.com/=svc-b:http,tls=tls1', '--class=nginx', '--annotation=team=web']],
  ];
}

const stored = new Map<KubectlVersion, Map<string, any>>();

/** Drops what legitimately differs between two creations of the same object. */
function normalize(obj: any, ns: string): any {
  const uids = new Set<string>();
  if (obj.metadata?.uid) uids.add(obj.metadata.uid);
  for (const o of obj.metadata?.ownerReferences ?? []) if (o.uid) uids.add(o.uid);
  let text = JSON.stringify(obj).split(ns).join('NAMESPACE');
  for (const u of uids) text = text.split(u).join('UID');
  const out = JSON.parse(text);
  const m = out.metadata ?? {};
  for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'managedFields', 'generation', 'selfLink']) delete m[k];
  for (const k of Object.keys(m.annotations ?? {})) if (k.startsWith('deployment.kubernetes.io/')) delete m.annotations[k];
  if (m.annotations && !Object.keys(m.annotations).length) delete m.annotations;
  // Controllers write status and allocators pick addresses and ports on their own schedule.
  delete out.status;
  if (out.kind === 'Service') {
    delete out.spec.clusterIP;
    delete out.spec.clusterIPs;
    for (const p of out.spec.ports ?? []) delete p.nodePort;
  }
  return out;
}

for (const v of versions) {
  test(`kubectl ${v}: create every generator`, async () => {
    const ns = nsOf(v);
    await cluster.ok(v, ['create', 'namespace', ns]);
    const objs = new Map<string, any>();
    for (const [resource, name, args] of generators()) {
      const r = await cluster.kubectl(v, ['create', '-n', ns, ...args]);
      assert.equal(r.code, 0, `kubectl ${v} create ${args.join(' ')}: ${r.stderr}${r.stdout}`);
      assert.match(r.stdout, new RegExp(`${name} created`));
    }
    // Every object is read back by the same kubectl, so only the writes differ.
    for (const [resource, name] of generators()) {
      objs.set(`${resource}/${name}`, JSON.parse(await cluster.ok(reference, ['get', resource, name, '-n', ns, '-o', 'json'])));
    }
    objs.set('namespace', JSON.parse(await cluster.ok(reference, ['get', 'namespace', ns, '-o', 'json'])));
    stored.set(v, objs);

    // A few values that only survive if the decoder is right.
    assert.equal(objs.get('deployment/zero').spec.replicas, 0);
    assert.equal(objs.get('deployment/web').spec.replicas, 3);
    assert.equal(objs.get('deployment/web').spec.template.spec.containers[0].ports[0].containerPort, 80);
    assert.deepEqual(objs.get('deployment/multi').spec.template.spec.containers.map((c: any) => c.image), ['nginx', 'busybox']);
    const cm = objs.get('configmap/cfg');
    assert.deepEqual(cm.data, { a: '1', empty: '', 'app.properties': 'color=blue\nsize=3\n' });
    assert.deepEqual(cm.binaryData, { 'blob.bin': Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f]).toString('base64') });
    const sec = objs.get('secret/sec');
    assert.equal(Buffer.from(sec.data.password, 'base64').toString(), 's3cret');
    assert.equal(sec.data.blank, '');
    assert.equal(sec.data['blob.bin'], Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f]).toString('base64'));
    assert.equal(objs.get('secret/tls1').type, 'kubernetes.io/tls');
    assert.equal(objs.get('secret/reg').type, 'kubernetes.io/dockerconfigjson');
    const svcA = objs.get('service/svc-a');
    assert.deepEqual(svcA.spec.ports.map((p: any) => [p.port, p.targetPort]), [[80, 8080], [443, 'https']]);
    assert.equal(objs.get('service/svc-h').spec.clusterIP, 'None');
    assert.equal(objs.get('service/svc-c').spec.externalName, 'example.com');
    const ing = objs.get('ingress/ing');
    assert.equal(ing.spec.ingressClassName, 'nginx');
    assert.equal(ing.spec.rules[1].http.paths[0].backend.service.port.name, 'http');
    const fromCron = objs.get('job/tick-now');
    assert.equal(fromCron.metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
    assert.equal(fromCron.metadata.ownerReferences[0].kind, 'CronJob');
  });
}

for (const v of versions.filter((x) => x !== reference)) {
  test(`kubectl ${v} (JSON) and ${reference} (protobuf) store the same objects`, () => {
    const mine = stored.get(v);
    const theirs = stored.get(reference);
    assert.ok(mine && theirs, 'both versions created their objects');
    for (const [k, obj] of theirs) {
      const a = normalize(mine.get(k), nsOf(v));
      const b = normalize(obj, nsOf(reference));
      if (k === 'job/tick-now' && v === '1.27') {
        // kubectl itself changed here: from 1.29 on, `create job --from=cronjob/x` marks the owner reference
        // `controller: true` (checked with --dry-run=client -o json); 1.27 leaves it out.
        for (const o of b.metadata.ownerReferences) delete o.controller;
        for (const o of a.metadata.ownerReferences) delete o.controller;
      }
      assert.deepStrictEqual(a, b, `${k} differs between kubectl ${v} and ${reference}`);
    }
  });
}

test('create --dry-run=server -o yaml returns the object and stores nothing', async () => {
  const outputs = new Map<KubectlVersion, any>();
  for (const v of versions) {
    const ns = nsOf(v);
    const out = await cluster.ok(v, ['create', 'deployment', 'dry', '--image=nginx', '--replicas=0', '--dry-run=server', '-o', 'yaml', '-n', ns]);
    const obj = YAML.parse(out);
    assert.equal(obj.kind, 'Deployment');
    assert.equal(obj.metadata.name, 'dry');
    assert.equal(obj.spec.replicas, 0);
    const get = await cluster.kubectl(v, ['get', 'deployment', 'dry', '-n', ns]);
    assert.notEqual(get.code, 0);
    assert.match(get.stderr, /NotFound|not found/);
    outputs.set(v, normalize(obj, ns));
  }
  for (const v of versions) assert.deepStrictEqual(outputs.get(v), outputs.get(reference), `dry-run output of ${v} vs ${reference}`);
});

test('a malformed or unknown protobuf body is a 400 Status, and the server carries on', async () => {
  const cfg = YAML.parse(fs.readFileSync(cluster.kubeconfig, 'utf8'));
  const server: string = cfg.clusters[0].cluster.server;
  const ca = Buffer.from(cfg.clusters[0].cluster['certificate-authority-data'], 'base64').toString('utf8');
  const token: string = cfg.users[0].user.token;
  const post = (body: Buffer) => rawRequest(server, ca, token, 'POST', `/api/v1/namespaces/${nsOf(reference)}/configmaps`, body,
    { 'Content-Type': 'application/vnd.kubernetes.protobuf', Accept: 'application/vnd.kubernetes.protobuf,application/json' });
  const magic = Buffer.from('k8s\0', 'latin1');
  const bodies = [
    Buffer.from('not protobuf at all'),
    Buffer.concat([magic, Buffer.from([0x12, 0xff, 0xff, 0xff, 0xff, 0x0f])]), // a 4 GiB length
    // A well-formed envelope for a kind with no protobuf schema.
    Buffer.concat([magic, Buffer.from([0x0a, 0x0b, 0x0a, 0x02]), Buffer.from('v1'), Buffer.from([0x12, 0x05]), Buffer.from('Bogus'), Buffer.from([0x12, 0x00])]),
  ];
  for (const body of bodies) {
    const r = await post(body);
    assert.equal(r.status, 400, r.body);
    const status = JSON.parse(r.body);
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'BadRequest');
  }
  // A hand-made protobuf ConfigMap is accepted and stored as its JSON form.
  const str = (no: number, s: string) => Buffer.concat([Buffer.from([(no << 3) | 2, Buffer.byteLength(s)]), Buffer.from(s)]);
  const sub = (no: number, b: Buffer) => Buffer.concat([Buffer.from([(no << 3) | 2, b.length]), b]);
  const raw = Buffer.concat([sub(1, str(1, 'raw-proto')), sub(2, Buffer.concat([str(1, 'k'), str(2, '')]))]);
  const ok = await post(Buffer.concat([magic, sub(1, Buffer.concat([str(1, 'v1'), str(2, 'ConfigMap')])), sub(2, raw)]));
  assert.equal(ok.status, 201, ok.body);
  const cm = JSON.parse(await cluster.ok(reference, ['get', 'configmap', 'raw-proto', '-n', nsOf(reference), '-o', 'json']));
  assert.deepEqual(cm.data, { k: '' });
});
