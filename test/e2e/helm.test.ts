// The real Helm 3 against `nanokube up`: install with --wait and a post-install hook Job, list, upgrade,
// history, rollback, get values and uninstall of a small chart (Deployment, Service, ConfigMap).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestCluster, type KubectlResult } from '../support/cluster.js';

let cluster: TestCluster;
let chart: string;
const ns = 'helm-demo';
const v = '1.33' as const;

const files: Record<string, string> = {
  'Chart.yaml': 'apiVersion: v2\nname: demo\ndescription: nanokube test chart\ntype: application\nversion: 0.1.0\nappVersion: "1.0"\n',
  'values.yaml': 'replicas: 2\ngreeting: hello\n',
  'templates/configmap.yaml': [
    'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: {{ .Release.Name }}-config',
    'data:', '  greeting: {{ .Values.greeting | quote }}', '',
  ].join('\n'),
  'templates/deployment.yaml': [
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: {{ .Release.Name }}',
    '  labels: {app: {{ .Release.Name }}}',
    'spec:', '  replicas: {{ .Values.replicas }}', '  selector:', '    matchLabels: {app: {{ .Release.Name }}}',
    '  template:', '    metadata:', '      labels: {app: {{ .Release.Name }}}',
    '      annotations: {checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}}',
    '    spec:', '      terminationGracePeriodSeconds: 1', '      containers:', '      - name: main', '        image: busybox',
    '        command: [sh, -c, "while true; do sleep 1; done"]',
    '        env:', '        - name: GREETING', '          valueFrom: {configMapKeyRef: {name: {{ .Release.Name }}-config, key: greeting}}', '',
  ].join('\n'),
  'templates/service.yaml': [
    'apiVersion: v1', 'kind: Service', 'metadata:', '  name: {{ .Release.Name }}',
    'spec:', '  selector: {app: {{ .Release.Name }}}', '  ports:', '  - {name: http, port: 80, targetPort: 8080}', '',
  ].join('\n'),
  'templates/hook-job.yaml': [
    'apiVersion: batch/v1', 'kind: Job', 'metadata:', '  name: {{ .Release.Name }}-hook',
    '  annotations:', '    "helm.sh/hook": post-install,post-upgrade', '    "helm.sh/hook-delete-policy": before-hook-creation',
    'spec:', '  backoffLimit: 0', '  template:', '    spec:', '      restartPolicy: Never', '      terminationGracePeriodSeconds: 1',
    '      containers:', '      - name: hook', '        image: busybox', '        command: [sh, -c, "echo revision {{ .Release.Revision }}"]', '',
  ].join('\n'),
  'templates/NOTES.txt': 'greeting is {{ .Values.greeting }}\n',
};

before(async () => {
  cluster = await TestCluster.start();
  chart = fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-chart-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(chart, name)), { recursive: true });
    fs.writeFileSync(path.join(chart, name), text);
  }
});

after(async () => {
  await cluster?.destroy();
  if (chart) fs.rmSync(chart, { recursive: true, force: true });
});

async function helm(args: string[]): Promise<string> {
  const r: KubectlResult = await cluster.helm([...args, '-n', ns], { timeoutMs: 240_000 });
  if (r.code !== 0) throw new Error(`helm ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function getJson(args: string[]): Promise<any> {
  return JSON.parse(await cluster.ok(v, ['get', '-n', ns, ...args, '-o', 'json']));
}

test('helm install --wait, list, upgrade, history, rollback, get values and uninstall', { timeout: 600_000 }, async () => {
  const installed = await helm(['install', 'demo', chart, '--create-namespace', '--wait', '--timeout', '3m']);
  assert.match(installed, /STATUS: deployed/);
  assert.match(installed, /REVISION: 1/);
  assert.match(installed, /greeting is hello/);

  const [release] = JSON.parse(await helm(['list', '-o', 'json']));
  assert.equal(release.name, 'demo');
  assert.equal(release.status, 'deployed');
  assert.equal(release.revision, '1');
  let deploy = await getJson(['deploy', 'demo']);
  assert.equal(deploy.status.readyReplicas, 2);
  assert.equal((await getJson(['cm', 'demo-config'])).data.greeting, 'hello');
  const hook = await getJson(['job', 'demo-hook']);
  assert.equal(hook.status.succeeded, 1);
  // Helm keeps each revision in a Secret of its own type.
  const secrets = await getJson(['secrets', '-l', 'owner=helm,name=demo']);
  assert.deepEqual(secrets.items.map((s: any) => s.type), ['helm.sh/release.v1']);

  const upgraded = await helm(['upgrade', 'demo', chart, '--set', 'replicas=3', '--set', 'greeting=hi', '--wait', '--timeout', '3m']);
  assert.match(upgraded, /REVISION: 2/);
  deploy = await getJson(['deploy', 'demo']);
  assert.equal(deploy.spec.replicas, 3);
  assert.equal(deploy.status.readyReplicas, 3);
  assert.equal(deploy.status.updatedReplicas, 3);
  assert.equal((await getJson(['cm', 'demo-config'])).data.greeting, 'hi');
  assert.deepEqual(JSON.parse(await helm(['get', 'values', 'demo', '-o', 'json'])), { greeting: 'hi', replicas: 3 });
  const pods = await getJson(['pods', '-l', 'app=demo']);
  const running = pods.items.filter((p: any) => !p.metadata.deletionTimestamp);
  assert.ok(running.length >= 3);

  const history = JSON.parse(await helm(['history', 'demo', '-o', 'json']));
  assert.deepEqual(history.map((h: any) => [h.revision, h.status]), [[1, 'superseded'], [2, 'deployed']]);

  await helm(['rollback', 'demo', '1', '--wait', '--timeout', '3m']);
  assert.equal((await getJson(['cm', 'demo-config'])).data.greeting, 'hello');
  deploy = await getJson(['deploy', 'demo']);
  assert.equal(deploy.spec.replicas, 2);
  const [afterRollback] = JSON.parse(await helm(['list', '-o', 'json']));
  assert.equal(afterRollback.revision, '3');

  const removed = await helm(['uninstall', 'demo', '--wait', '--timeout', '3m']);
  assert.match(removed, /release "demo" uninstalled/);
  for (const kind of ['deploy', 'svc', 'cm']) {
    assert.equal((await getJson([kind])).items.filter((o: any) => o.metadata.name.startsWith('demo')).length, 0, kind);
  }
  assert.equal((await getJson(['secrets', '-l', 'owner=helm'])).items.length, 0);
  assert.deepEqual(JSON.parse(await helm(['list', '-o', 'json'])), []);
});
