// Defaulting and validation of the non-core kinds (apps, batch, networking, discovery, coordination,
// events, storage), driven the way the API server drives a strategy, with upstream's messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import type { Strategy } from '../../src/api/resource-type.js';
import { errorString } from '../../src/api/field-errors.js';
import { strategies as apps } from '../../src/api/apps/strategy.js';
import { strategies as batch } from '../../src/api/batch/strategy.js';
import { strategies as networking } from '../../src/api/networking/strategy.js';
import { strategies as discovery } from '../../src/api/discovery/strategy.js';
import { strategies as coordination } from '../../src/api/coordination/strategy.js';
import { strategies as events } from '../../src/api/events/strategy.js';
import { strategies as storage } from '../../src/api/storage/strategy.js';
import { MemoryStore } from '../../src/storage/memory.js';
import { defaultRegistry } from '../../src/api/registry.js';
import { ResourceService } from '../../src/apiserver/resource-service.js';
import { ApiError } from '../../src/api/status.js';

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

function object(apiVersion: string, kind: string, rest: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject {
  return { apiVersion, kind, metadata: { name: 'x', namespace: 'default', ...meta }, ...rest };
}

/** What the server does on create: uid, defaults, prepareForCreate, then validate. */
function create(s: Strategy, input: KubeObject): { obj: KubeObject; errs: string[] } {
  const obj = clone(input);
  obj.metadata.uid ??= 'uid-1';
  s.defaults?.(obj);
  s.prepareForCreate?.(obj);
  return { obj, errs: (s.validate?.(obj, {}) ?? []).map(errorString) };
}

/** What the server does on update (the stored status is kept by the server itself). */
function update(s: Strategy, old: KubeObject, input: KubeObject): { obj: KubeObject; errs: string[] } {
  const obj = clone(input);
  obj.metadata.uid = old.metadata.uid;
  if ('status' in old) obj.status = clone(old.status);
  s.defaults?.(obj);
  s.prepareForUpdate?.(obj, old);
  const errs = [...(s.validate?.(obj, { old }) ?? []), ...(s.validateUpdate?.(obj, old) ?? [])];
  return { obj, errs: errs.map(errorString) };
}

function ok(r: { errs: string[] }): void {
  assert.deepEqual(r.errs, []);
}

function template(labels: Record<string, string> | undefined, podSpec: Record<string, unknown> = {}) {
  return { metadata: labels ? { labels } : {}, spec: { containers: [{ name: 'app', image: 'nginx' }], ...podSpec } };
}

const deployment = (spec: Record<string, unknown> = {}) => object('apps/v1', 'Deployment', {
  spec: { selector: { matchLabels: { app: 'x' } }, template: template({ app: 'x' }), ...spec },
});

// ---- apps/v1 ----

test('Deployment defaults: replicas, RollingUpdate 25%/25%, history, deadline, template, empty status', () => {
  const r = create(apps.Deployment, { ...deployment(), status: { replicas: 7 } });
  ok(r);
  const spec = r.obj.spec;
  assert.equal(spec.replicas, 1);
  assert.deepEqual(spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(spec.revisionHistoryLimit, 10);
  assert.equal(spec.progressDeadlineSeconds, 600);
  assert.equal(spec.template.spec.restartPolicy, 'Always');
  assert.deepEqual(r.obj.status, {});
  // Recreate gets no rollingUpdate.
  const recreate = create(apps.Deployment, deployment({ strategy: { type: 'Recreate' } }));
  ok(recreate);
  assert.deepEqual(recreate.obj.spec.strategy, { type: 'Recreate' });
});

test('Deployment: selector required and matching the template labels', () => {
  assert.deepEqual(create(apps.Deployment, deployment({ template: template({ app: 'y' }) })).errs, [
    'spec.template.metadata.labels: Invalid value: {"app":"y"}: `selector` does not match template `labels`',
  ]);
  assert.deepEqual(create(apps.Deployment, deployment({ selector: undefined })).errs, [
    'spec.selector: Required value',
    'spec.template.metadata.labels: Invalid value: {"app":"x"}: `selector` does not match template `labels`',
  ]);
  assert.deepEqual(create(apps.Deployment, deployment({ selector: {} })).errs, [
    'spec.selector: Invalid value: {}: empty selector is invalid for deployment',
  ]);
  const bad = create(apps.Deployment, deployment({ selector: { matchExpressions: [{ key: 'app', operator: 'Is', values: ['x'] }] } })).errs;
  assert.deepEqual(bad, [
    'spec.selector.matchExpressions[0].operator: Invalid value: "Is": not a valid selector operator',
    'spec.selector: Invalid value: {"matchExpressions":[{"key":"app","operator":"Is","values":["x"]}]}: invalid label selector',
  ]);
});

test('Deployment: replicas, strategy and rolling update parameters', () => {
  assert.deepEqual(create(apps.Deployment, deployment({ replicas: -1 })).errs, ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']);
  assert.deepEqual(create(apps.Deployment, deployment({ strategy: { type: 'Blue' } })).errs, [
    'spec.strategy: Unsupported value: {"type":"Blue"}: supported values: "Recreate", "RollingUpdate"',
  ]);
  assert.deepEqual(create(apps.Deployment, deployment({ strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } })).errs, [
    "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
  ]);
  assert.deepEqual(create(apps.Deployment, deployment({ strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } })).errs, [
    'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0',
  ]);
  assert.deepEqual(create(apps.Deployment, deployment({ strategy: { rollingUpdate: { maxSurge: 'abc', maxUnavailable: '150%' } } })).errs, [
    "spec.strategy.rollingUpdate.maxSurge: Invalid value: \"abc\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
    'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%',
  ]);
  assert.deepEqual(create(apps.Deployment, deployment({ strategy: { rollingUpdate: { maxSurge: -1 } } })).errs, [
    'spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0',
  ]);
  assert.deepEqual(create(apps.Deployment, deployment({ minReadySeconds: 600 })).errs, [
    'spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds',
  ]);
});

test('Deployment and ReplicaSet templates must restart Always; every bad field is reported', () => {
  const r = create(apps.Deployment, deployment({ replicas: -2, template: template({ app: 'y' }, { restartPolicy: 'Never', activeDeadlineSeconds: 5 }) }));
  assert.deepEqual(r.errs, [
    'spec.replicas: Invalid value: -2: must be greater than or equal to 0',
    'spec.template.metadata.labels: Invalid value: {"app":"y"}: `selector` does not match template `labels`',
    'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported',
  ]);
});

test('Deployment update: the selector is immutable, the rest may change', () => {
  const { obj: old } = create(apps.Deployment, deployment());
  ok(update(apps.Deployment, old, { ...old, spec: { ...old.spec, replicas: 5, template: template({ app: 'x', v: '2' }) } }));
  const changed = update(apps.Deployment, old, { ...old, spec: { ...old.spec, selector: { matchLabels: { app: 'x', v: '2' } }, template: template({ app: 'x', v: '2' }) } });
  assert.deepEqual(changed.errs, ['spec.selector: Invalid value: {"matchLabels":{"app":"x","v":"2"}}: field is immutable']);
});

test('ReplicaSet: defaults and validation', () => {
  const rs = object('apps/v1', 'ReplicaSet', { spec: { selector: { matchLabels: { app: 'x' } }, template: template({ app: 'x' }) } });
  const r = create(apps.ReplicaSet, rs);
  ok(r);
  assert.equal(r.obj.spec.replicas, 1);
  assert.deepEqual(create(apps.ReplicaSet, { ...rs, spec: { ...rs.spec, selector: { matchLabels: {} }, minReadySeconds: -1 } }).errs, [
    'spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0',
    'spec.selector: Invalid value: {"matchLabels":{}}: empty selector is invalid for deployment',
  ]);
  const stored = r.obj;
  assert.deepEqual(update(apps.ReplicaSet, stored, { ...stored, spec: { ...stored.spec, selector: { matchLabels: { app: 'z' } } } }).errs, [
    'spec.template.metadata.labels: Invalid value: {"app":"x"}: `selector` does not match template `labels`',
    'spec.selector: Invalid value: {"matchLabels":{"app":"z"}}: field is immutable',
  ]);
});

test('DaemonSet: defaults, template generation and update strategy', () => {
  const ds = object('apps/v1', 'DaemonSet', { spec: { selector: { matchLabels: { app: 'x' } }, template: template({ app: 'x' }) } });
  const r = create(apps.DaemonSet, ds);
  ok(r);
  assert.deepEqual(r.obj.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(r.obj.spec.revisionHistoryLimit, 10);
  assert.equal(r.obj.metadata.annotations?.['deprecated.daemonset.template.generation'], '1');
  // The generation follows template changes only, whatever the client sends.
  const same = update(apps.DaemonSet, r.obj, { ...r.obj, metadata: { ...r.obj.metadata, annotations: {} }, spec: { ...r.obj.spec, minReadySeconds: 3 } });
  ok(same);
  assert.equal(same.obj.metadata.annotations?.['deprecated.daemonset.template.generation'], '1');
  const changed = update(apps.DaemonSet, r.obj, { ...r.obj, spec: { ...r.obj.spec, template: template({ app: 'x', v: '2' }) } });
  ok(changed);
  assert.equal(changed.obj.metadata.annotations?.['deprecated.daemonset.template.generation'], '2');

  assert.deepEqual(create(apps.DaemonSet, { ...ds, spec: { ...ds.spec, updateStrategy: { rollingUpdate: { maxSurge: 1 } } } }).errs, [
    'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero',
  ]);
  assert.deepEqual(create(apps.DaemonSet, { ...ds, spec: { ...ds.spec, updateStrategy: { rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } } }).errs, [
    'spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0',
  ]);
  assert.deepEqual(create(apps.DaemonSet, { ...ds, spec: { template: template({ app: 'x' }, { restartPolicy: 'OnFailure' }) } }).errs, [
    'spec.template.metadata.labels: Invalid value: {"app":"x"}: `selector` does not match template `labels`',
    'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
  ]);
});

test('ControllerRevision: data required and immutable, revision not negative', () => {
  const cr = object('apps/v1', 'ControllerRevision', { data: { spec: { template: {} } }, revision: 1 });
  const r = create(apps.ControllerRevision, cr);
  ok(r);
  assert.deepEqual(create(apps.ControllerRevision, object('apps/v1', 'ControllerRevision', { revision: -1 })).errs, [
    'data: Required value: data is mandatory',
    'revision: Invalid value: -1: must be greater than or equal to 0',
  ]);
  ok(update(apps.ControllerRevision, r.obj, { ...r.obj, revision: 2 }));
  assert.deepEqual(update(apps.ControllerRevision, r.obj, { ...r.obj, data: { spec: {} } }).errs, ['data: Invalid value: {"spec":{}}: field is immutable']);
});

// ---- batch/v1 ----

const job = (spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) => object('batch/v1', 'Job', {
  spec: { template: template(undefined, { restartPolicy: 'Never' }), ...spec },
}, { name: 'pi', ...meta });

test('Job defaults: counts, backoffLimit, completion mode, suspend, replacement policy, manualSelector', () => {
  const r = create(batch.Job, { ...job(), status: { succeeded: 3 } });
  ok(r);
  const s = r.obj.spec;
  assert.deepEqual(
    [s.completions, s.parallelism, s.backoffLimit, s.completionMode, s.suspend, s.podReplacementPolicy, s.manualSelector],
    [1, 1, 6, 'NonIndexed', false, 'TerminatingOrFailed', false],
  );
  assert.deepEqual(r.obj.status, {});
  // completions stay unset when only parallelism is given.
  const parallel = create(batch.Job, job({ parallelism: 3 })).obj.spec;
  assert.equal(parallel.completions, undefined);
  assert.equal(parallel.parallelism, 3);
  const completions = create(batch.Job, job({ completions: 4 })).obj.spec;
  assert.deepEqual([completions.completions, completions.parallelism], [4, 1]);
  // Per-index backoff makes the global limit effectively unlimited; a pod failure policy wants Failed pods.
  const perIndex = create(batch.Job, job({ completionMode: 'Indexed', completions: 2, backoffLimitPerIndex: 1 }));
  ok(perIndex);
  assert.equal(perIndex.obj.spec.backoffLimit, 2147483647);
  const pfp = create(batch.Job, job({ podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] } }));
  ok(pfp);
  assert.equal(pfp.obj.spec.podReplacementPolicy, 'Failed');
  assert.equal(pfp.obj.spec.podFailurePolicy.rules[0].onPodConditions[0].status, 'True');
});

test('Job selector generation: uid selector, four template labels, and the Job takes them as its labels', () => {
  const r = create(batch.Job, job({ template: template({ app: 'pi' }, { restartPolicy: 'OnFailure' }) }, { uid: 'abc-123' }));
  ok(r);
  assert.deepEqual(r.obj.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'abc-123' } });
  const expected = {
    app: 'pi',
    'batch.kubernetes.io/controller-uid': 'abc-123',
    'batch.kubernetes.io/job-name': 'pi',
    'controller-uid': 'abc-123',
    'job-name': 'pi',
  };
  assert.deepEqual(r.obj.spec.template.metadata.labels, expected);
  assert.deepEqual(r.obj.metadata.labels, expected);
  // A Job with its own labels keeps them.
  const own = create(batch.Job, job({}, { labels: { team: 'a' } }));
  ok(own);
  assert.deepEqual(own.obj.metadata.labels, { team: 'a' });
  assert.equal(own.obj.spec.template.metadata.labels['job-name'], 'pi');
  // A conflicting label is kept and rejected.
  const conflict = create(batch.Job, job({ template: template({ 'job-name': 'other' }, { restartPolicy: 'Never' }) }));
  assert.deepEqual(conflict.errs, [
    `spec.template.metadata.labels[job-name]: Invalid value: ${JSON.stringify(conflict.obj.spec.template.metadata.labels)}: must be 'pi'`,
  ]);
});

test('Job with manualSelector: no generation, the selector is required and must match', () => {
  const manual = create(batch.Job, job({ manualSelector: true }));
  assert.deepEqual(manual.errs, [
    'spec.selector: Required value',
    'spec.template.metadata.labels: Invalid value: null: `selector` does not match template `labels`',
  ]);
  assert.equal(manual.obj.spec.template.metadata.labels, undefined);
  ok(create(batch.Job, job({ manualSelector: true, selector: { matchLabels: { app: 'm' } }, template: template({ app: 'm' }, { restartPolicy: 'Never' }) })));
});

test('Job validation: restart policy, counts, completion modes', () => {
  assert.deepEqual(create(batch.Job, job({ template: template(undefined) })).errs, [
    'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
  ]);
  assert.deepEqual(create(batch.Job, job({ parallelism: -1, completions: -2, backoffLimit: -3, activeDeadlineSeconds: -4 })).errs, [
    'spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
    'spec.completions: Invalid value: -2: must be greater than or equal to 0',
    'spec.activeDeadlineSeconds: Invalid value: -4: must be greater than or equal to 0',
    'spec.backoffLimit: Invalid value: -3: must be greater than or equal to 0',
  ]);
  assert.deepEqual(create(batch.Job, job({ completionMode: 'Indexed', parallelism: 2 })).errs, [
    'spec.completions: Required value: when completion mode is Indexed',
  ]);
  assert.deepEqual(create(batch.Job, job({ completionMode: 'Sometimes' })).errs, [
    'spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"',
  ]);
  assert.deepEqual(create(batch.Job, job({ backoffLimitPerIndex: 1 })).errs, [
    'spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode',
  ]);
  assert.deepEqual(create(batch.Job, job({ podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [0] } }] }, template: template(undefined, { restartPolicy: 'OnFailure' }) })).errs, [
    'spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator',
    'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
  ]);
});

test('Job update: template and selector immutable, parallelism mutable, scheduling directives while suspended', () => {
  const { obj: stored } = create(batch.Job, job());
  ok(update(batch.Job, stored, { ...stored, spec: { ...stored.spec, parallelism: 3 } }));
  const tpl = clone(stored.spec.template);
  tpl.spec.containers[0].image = 'busybox';
  const changed = update(batch.Job, stored, { ...stored, spec: { ...stored.spec, template: tpl } });
  assert.equal(changed.errs.length, 1);
  assert.match(changed.errs[0], /^spec\.template: Invalid value: \{.*"image":"busybox".*\}: field is immutable$/);
  assert.deepEqual(update(batch.Job, stored, { ...stored, spec: { ...stored.spec, completions: 5 } }).errs, [
    'spec.completions: Invalid value: 5: field is immutable',
  ]);
  // A suspended Job that never started may change where its pods go.
  const { obj: suspended } = create(batch.Job, job({ suspend: true }));
  const moved = clone(suspended.spec.template);
  moved.spec.nodeSelector = { disk: 'ssd' };
  ok(update(batch.Job, suspended, { ...suspended, spec: { ...suspended.spec, template: moved } }));
  assert.equal(update(batch.Job, stored, { ...stored, spec: { ...stored.spec, template: moved } }).errs.length, 1);
});

const cronJob = (spec: Record<string, unknown> = {}, name = 'hello') => object('batch/v1', 'CronJob', {
  spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: template(undefined, { restartPolicy: 'OnFailure' }) } }, ...spec },
}, { name });

test('CronJob defaults: policy, suspend, history limits; only the pod template inside is defaulted', () => {
  const r = create(batch.CronJob, cronJob());
  ok(r);
  const s = r.obj.spec;
  assert.deepEqual([s.concurrencyPolicy, s.suspend, s.successfulJobsHistoryLimit, s.failedJobsHistoryLimit], ['Allow', false, 3, 1]);
  assert.equal(s.jobTemplate.spec.template.spec.dnsPolicy, 'ClusterFirst');
  assert.equal(s.jobTemplate.spec.selector, undefined);
  assert.deepEqual(r.obj.status, {});
});

test('CronJob validation: schedule, time zone, policy, job template, name length', () => {
  assert.deepEqual(create(batch.CronJob, cronJob({ schedule: 'bad' })).errs, ['spec.schedule: Invalid value: "bad": expected exactly 5 fields, found 1: [bad]']);
  assert.deepEqual(create(batch.CronJob, cronJob({ schedule: '' })).errs, ['spec.schedule: Required value']);
  assert.deepEqual(create(batch.CronJob, cronJob({ schedule: '0 0 * * * *' })).errs, [
    'spec.schedule: Invalid value: "0 0 * * * *": expected exactly 5 fields, found 6: [0 0 * * * *]',
  ]);
  assert.deepEqual(create(batch.CronJob, cronJob({ schedule: '61 * * * *' })).errs, [
    'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61',
  ]);
  ok(create(batch.CronJob, cronJob({ schedule: '@hourly', timeZone: 'Europe/Berlin' })));
  assert.deepEqual(create(batch.CronJob, cronJob({ timeZone: 'Mars/Olympus' })).errs, [
    'spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus',
  ]);
  assert.deepEqual(create(batch.CronJob, cronJob({ timeZone: 'Local' })).errs, [
    'spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
  ]);
  assert.deepEqual(create(batch.CronJob, cronJob({ timeZone: '' })).errs, ['spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string']);
  assert.deepEqual(create(batch.CronJob, cronJob({ schedule: 'TZ=UTC 0 * * * *' })).errs, [
    'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
  ]);
  assert.deepEqual(create(batch.CronJob, cronJob({ concurrencyPolicy: 'Sometimes' })).errs, [
    'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
  ]);
  assert.deepEqual(create(batch.CronJob, cronJob({ jobTemplate: { spec: { selector: { matchLabels: { a: 'b' } }, template: template(undefined) } } })).errs, [
    'spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    'spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated',
  ]);
  const long = 'a'.repeat(53);
  assert.deepEqual(create(batch.CronJob, cronJob({}, long)).errs, [`metadata.name: Invalid value: "${long}": must be no more than 52 characters`]);
  // Names over the limit stay updatable, and a TZ= schedule stored earlier may stay.
  const stored = create(batch.CronJob, cronJob({ schedule: 'TZ=UTC 0 * * * *' }, long)).obj;
  ok(update(batch.CronJob, stored, { ...stored, spec: { ...stored.spec, suspend: true } }));
  assert.deepEqual(update(batch.CronJob, stored, { ...stored, spec: { ...stored.spec, timeZone: 'UTC' } }).errs, [
    'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use both timeZone field and TZ or CRON_TZ in schedule',
  ]);
});

// ---- networking.k8s.io/v1 ----

const ingress = (paths: unknown[], rule: Record<string, unknown> = {}) => object('networking.k8s.io/v1', 'Ingress', {
  spec: { rules: [{ host: 'example.com', http: { paths }, ...rule }] },
});
const svcBackend = { service: { name: 'web', port: { number: 80 } } };

test('Ingress: pathType required, paths absolute, backends need a service port', () => {
  const r = create(networking.Ingress, { ...ingress([{ path: '/', pathType: 'Prefix', backend: svcBackend }]), status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } });
  ok(r);
  assert.deepEqual(r.obj.status, {});
  assert.deepEqual(create(networking.Ingress, ingress([{ path: '/', backend: svcBackend }])).errs, [
    'spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified',
  ]);
  assert.deepEqual(create(networking.Ingress, ingress([{ path: 'api', pathType: 'Prefix', backend: svcBackend }])).errs, [
    'spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path',
  ]);
  assert.deepEqual(create(networking.Ingress, ingress([{ path: '/a//b', pathType: 'Exact', backend: svcBackend }])).errs, [
    "spec.rules[0].http.paths[0].path: Invalid value: \"/a//b\": must not contain '//'",
  ]);
  assert.deepEqual(create(networking.Ingress, ingress([{ path: '/', pathType: 'Glob', backend: svcBackend }])).errs, [
    'spec.rules[0].http.paths[0].pathType: Unsupported value: "Glob": supported values: "Exact", "ImplementationSpecific", "Prefix"',
  ]);
  assert.deepEqual(create(networking.Ingress, ingress([{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web' } } }])).errs, [
    'spec.rules[0].http.paths[0].backend: Required value: port name or number is required',
  ]);
  assert.deepEqual(create(networking.Ingress, ingress([{ pathType: 'ImplementationSpecific', backend: { service: { name: 'Web', port: { name: 'http', number: 80 } } } }])).errs, [
    "spec.rules[0].http.paths[0].backend.service.name: Invalid value: \"Web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    'spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both port name & port number',
  ]);
  assert.deepEqual(create(networking.Ingress, object('networking.k8s.io/v1', 'Ingress', { spec: {} })).errs, [
    'spec: Invalid value: null: either `defaultBackend` or `rules` must be specified',
  ]);
  ok(create(networking.Ingress, object('networking.k8s.io/v1', 'Ingress', { spec: { defaultBackend: { service: { name: 'web', port: { name: 'http' } } } } })));
});

test('Ingress hosts: DNS subdomains with an optional leading wildcard, never IPs', () => {
  const paths = [{ path: '/', pathType: 'Prefix', backend: svcBackend }];
  ok(create(networking.Ingress, ingress(paths, { host: '*.example.com' })));
  assert.deepEqual(create(networking.Ingress, ingress(paths, { host: 'foo.*.com' })).errs, [
    "spec.rules[0].host: Invalid value: \"foo.*.com\": a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
  ]);
  assert.deepEqual(create(networking.Ingress, ingress(paths, { host: '10.0.0.1' })).errs, [
    'spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address',
  ]);
  const mismatched = object('networking.k8s.io/v1', 'Ingress', { spec: { ingressClassName: 'nginx', defaultBackend: svcBackend } }, { annotations: { 'kubernetes.io/ingress.class': 'traefik' } });
  assert.deepEqual(create(networking.Ingress, mismatched).errs, [
    'annotations.kubernetes.io/ingress.class: Invalid value: "traefik": must match `ingressClassName` when both are specified',
  ]);
});

test('IngressClass: parameters scope defaults to Cluster, controller required and immutable', () => {
  const ic = object('networking.k8s.io/v1', 'IngressClass', { spec: { controller: 'example.com/ingress', parameters: { kind: 'Params', name: 'p' } } }, { namespace: undefined });
  const r = create(networking.IngressClass, ic);
  ok(r);
  assert.equal(r.obj.spec.parameters.scope, 'Cluster');
  assert.deepEqual(create(networking.IngressClass, { ...ic, spec: {} }).errs, ['spec.controller: Required value']);
  assert.deepEqual(create(networking.IngressClass, { ...ic, spec: { controller: 'nginx' } }).errs, [
    'spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")',
  ]);
  assert.deepEqual(update(networking.IngressClass, r.obj, { ...r.obj, spec: { ...r.obj.spec, controller: 'example.com/other' } }).errs, [
    'spec.controller: Invalid value: "example.com/other": field is immutable',
  ]);
});

// ---- discovery, coordination, events, storage ----

test('EndpointSlice: port protocol defaults to TCP; addresses, ports and address type are checked', () => {
  const slice = object('discovery.k8s.io/v1', 'EndpointSlice', {
    addressType: 'IPv4',
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    ports: [{ name: 'http', port: 80 }],
  });
  const r = create(discovery.EndpointSlice, slice);
  ok(r);
  assert.deepEqual(r.obj.ports, [{ name: 'http', port: 80, protocol: 'TCP' }]);
  assert.deepEqual(create(discovery.EndpointSlice, { ...slice, addressType: 'IPv5', endpoints: [{ addresses: [] }] }).errs, [
    'addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"',
    'endpoints[0].addresses: Required value: must contain at least 1 address',
  ]);
  assert.deepEqual(create(discovery.EndpointSlice, { ...slice, endpoints: [{ addresses: ['fe80::1', '169.254.1.1'] }], ports: [{ name: 'a', protocol: 'ICMP' }, { name: 'a' }] }).errs, [
    'endpoints[0].addresses[0]: Invalid value: "fe80::1": must be a valid IPv4 address',
    'endpoints[0].addresses[1]: Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
    'ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
    'ports[1].name: Duplicate value: "a"',
  ]);
  assert.deepEqual(update(discovery.EndpointSlice, r.obj, { ...r.obj, addressType: 'IPv6', endpoints: [] }).errs, [
    'addressType: Invalid value: "IPv6": field is immutable',
  ]);
});

test('Lease: duration positive, transitions not negative', () => {
  ok(create(coordination.Lease, object('coordination.k8s.io/v1', 'Lease', { spec: { holderIdentity: 'n1', leaseDurationSeconds: 40 } })));
  assert.deepEqual(create(coordination.Lease, object('coordination.k8s.io/v1', 'Lease', { spec: { leaseDurationSeconds: 0, leaseTransitions: -1 } })).errs, [
    'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
    'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0',
  ]);
});

test('events.k8s.io Event: strict create rules and immutable fields', () => {
  const ev = object('events.k8s.io/v1', 'Event', {
    eventTime: '2024-05-01T12:00:00.123456Z', reportingController: 'example.com/ctl', reportingInstance: 'ctl-1',
    action: 'Sync', reason: 'Synced', type: 'Normal', note: 'done', regarding: { kind: 'Pod', name: 'p', namespace: 'default' },
  }, { name: 'p.1' });
  const r = create(events.Event, ev);
  ok(r);
  assert.deepEqual(create(events.Event, { ...ev, type: 'Odd', action: '', deprecatedCount: 3 }).errs, [
    'action: Required value',
    'type: Invalid value: "": has invalid value: Odd',
    'deprecatedCount: Invalid value: "": needs to be unset',
  ]);
  ok(update(events.Event, r.obj, { ...r.obj, series: { count: 2, lastObservedTime: '2024-05-01T12:01:00.000000Z' } }));
  assert.deepEqual(update(events.Event, r.obj, { ...r.obj, note: 'changed' }).errs, ['message: Invalid value: "changed": field is immutable']);
});

test('StorageClass: reclaimPolicy and volumeBindingMode defaults, immutable provisioner and policy', () => {
  const sc = object('storage.k8s.io/v1', 'StorageClass', { provisioner: 'example.com/local' }, { namespace: undefined });
  const r = create(storage.StorageClass, sc);
  ok(r);
  assert.deepEqual([r.obj.reclaimPolicy, r.obj.volumeBindingMode], ['Delete', 'Immediate']);
  assert.deepEqual(create(storage.StorageClass, { ...sc, provisioner: undefined, reclaimPolicy: 'Recycle' }).errs, [
    'provisioner: Required value',
    'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
  ]);
  assert.deepEqual(update(storage.StorageClass, r.obj, { ...r.obj, reclaimPolicy: 'Retain', parameters: { a: 'b' } }).errs, [
    'parameters: Forbidden: updates to parameters are forbidden.',
    'reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.',
  ]);
});

// ---- through the API server's write path ----

test('the server renders these errors as 422 Invalid and generates Job selectors from the real uid', async () => {
  const registry = defaultRegistry();
  const service = new ResourceService(new MemoryStore(), registry);
  const deployments = registry.kind('apps/v1', 'Deployment')!;
  await assert.rejects(service.create(deployments, 'default', deployment({ template: template({ app: 'y' }) })), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, 422);
    assert.equal(e.message, 'Deployment.apps "x" is invalid: spec.template.metadata.labels: Invalid value: {"app":"y"}: `selector` does not match template `labels`');
    return true;
  });
  const jobs = registry.kind('batch/v1', 'Job')!;
  const created = await service.create(jobs, 'default', job());
  const uid = created.metadata.uid!;
  assert.ok(uid);
  assert.deepEqual(created.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
  assert.equal(created.spec.template.metadata.labels['controller-uid'], uid);
  assert.equal(created.metadata.generation, 1);
  // An unrelated update keeps the generated selector and template valid.
  const labelled = await service.update(jobs, 'default', 'pi', { ...created, metadata: { ...created.metadata, labels: { ...created.metadata.labels, x: 'y' } } });
  assert.equal(labelled.object.metadata.labels?.x, 'y');
});
