// core/v1 defaulting and validation, run the way the API server runs a strategy: defaults, then
// prepareForCreate/Update, then validate (and validateUpdate), with upstream's messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { errorString, FieldPath } from '../../src/api/field-errors.js';
import { strategies } from '../../src/api/core/strategy.js';
import { defaultPodSpec, defaultPodTemplateSpec } from '../../src/api/core/pod-defaults.js';
import { validatePodSpec, validatePodTemplateSpec } from '../../src/api/core/pod-validation.js';
import { computePodQOS } from '../../src/api/core/pod-qos.js';
import { DefaultTolerationSeconds } from '../../src/apiserver/admission/default-toleration-seconds.js';
import type { ResourceType } from '../../src/api/resource-type.js';

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

function obj(kind: string, body: Record<string, unknown>, namespace = 'default'): KubeObject {
  const cluster = ['Namespace', 'Node', 'PersistentVolume'].includes(kind);
  return { apiVersion: 'v1', kind, metadata: { name: 'x', ...(cluster ? {} : { namespace }) }, ...clone(body) } as KubeObject;
}

/** Create: the object as stored, and the validation messages. */
function create(o: KubeObject): { obj: KubeObject; errs: string[] } {
  const s = strategies[o.kind];
  s.defaults?.(o);
  s.prepareForCreate?.(o);
  return { obj: o, errs: (s.validate?.(o, {}) ?? []).map(errorString) };
}

/** Update of a stored object: status is kept as the server keeps it. */
function update(old: KubeObject, next: KubeObject): { obj: KubeObject; errs: string[] } {
  const s = strategies[next.kind];
  if (old.status !== undefined) next.status = clone(old.status);
  s.defaults?.(next);
  s.prepareForUpdate?.(next, old);
  const errs = [...(s.validate?.(next, { old }) ?? []), ...(s.validateUpdate?.(next, old) ?? [])];
  return { obj: next, errs: errs.map(errorString) };
}

const pod = (spec: Record<string, unknown>) => obj('Pod', { spec });
const container = (extra: Record<string, unknown> = {}) => ({ name: 'c', image: 'nginx:1.25', ...extra });

test('every core kind has a strategy', () => {
  for (const kind of ['Pod', 'Service', 'ReplicationController', 'Namespace', 'Node', 'ConfigMap', 'Secret', 'ServiceAccount',
    'PersistentVolume', 'PersistentVolumeClaim', 'Endpoints', 'Event']) {
    assert.ok(strategies[kind], kind);
  }
});

// ---- Pod defaults ----

test('pod spec defaults as upstream', () => {
  const { obj: p, errs } = create(pod({ containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }] }));
  assert.deepEqual(errs, []);
  assert.equal(p.spec.restartPolicy, 'Always');
  assert.equal(p.spec.dnsPolicy, 'ClusterFirst');
  assert.equal(p.spec.schedulerName, 'default-scheduler');
  assert.equal(p.spec.terminationGracePeriodSeconds, 30);
  assert.deepEqual(p.spec.securityContext, {});
  assert.equal(p.spec.enableServiceLinks, true);
  const c = p.spec.containers[0];
  assert.equal(c.terminationMessagePath, '/dev/termination-log');
  assert.equal(c.terminationMessagePolicy, 'File');
  assert.deepEqual(c.resources, {});
  assert.equal(c.ports[0].protocol, 'TCP');
});

test('imagePullPolicy follows the tag: latest or none → Always, a tag or digest → IfNotPresent', () => {
  const images: [string, string][] = [
    ['nginx', 'Always'], ['nginx:latest', 'Always'], ['registry:5000/team/app', 'Always'], ['nginx:1.25', 'IfNotPresent'],
    ['registry:5000/team/app:v2', 'IfNotPresent'], [`nginx@sha256:${'a'.repeat(64)}`, 'IfNotPresent'], [`nginx:latest@sha256:${'b'.repeat(64)}`, 'Always'],
  ];
  for (const [image, policy] of images) {
    const spec: any = { containers: [{ name: 'c', image }] };
    defaultPodSpec(spec);
    assert.equal(spec.containers[0].imagePullPolicy, policy, image);
  }
  const spec: any = { containers: [{ name: 'c', image: 'nginx', imagePullPolicy: 'Never' }] };
  defaultPodSpec(spec);
  assert.equal(spec.containers[0].imagePullPolicy, 'Never', 'an explicit policy stays');
});

test('probe defaults, including grpc.service and httpGet scheme and path', () => {
  const spec: any = {
    containers: [container({
      livenessProbe: { grpc: { port: 9000 } },
      readinessProbe: { httpGet: { port: 8080 } },
      startupProbe: { tcpSocket: { port: 8080 }, periodSeconds: 5 },
    })],
  };
  defaultPodSpec(spec);
  const c = spec.containers[0];
  assert.deepEqual(c.livenessProbe, { grpc: { port: 9000, service: '' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  assert.deepEqual(c.readinessProbe.httpGet, { port: 8080, path: '/', scheme: 'HTTP' });
  assert.equal(c.startupProbe.periodSeconds, 5);
  assert.equal(c.startupProbe.initialDelaySeconds, undefined, 'initialDelaySeconds stays unset');
});

test('env fieldRef apiVersion, volume modes and sources default', () => {
  const spec: any = {
    containers: [container({ env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] })],
    volumes: [
      { name: 'cm', configMap: { name: 'cfg' } }, { name: 's', secret: { secretName: 's' } }, { name: 'bare' },
      { name: 'h', hostPath: { path: '/tmp' } }, { name: 'd', downwardAPI: { items: [] } },
      { name: 'p', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
    ],
  };
  defaultPodSpec(spec);
  assert.equal(spec.containers[0].env[0].valueFrom.fieldRef.apiVersion, 'v1');
  const v = Object.fromEntries(spec.volumes.map((x: any) => [x.name, x]));
  assert.equal(v.cm.configMap.defaultMode, 420);
  assert.equal(v.s.secret.defaultMode, 420);
  assert.deepEqual(v.bare.emptyDir, {});
  assert.equal(v.h.hostPath.type, '');
  assert.equal(v.d.downwardAPI.defaultMode, 420);
  assert.equal(v.p.projected.defaultMode, 420);
  assert.equal(v.p.projected.sources[0].serviceAccountToken.expirationSeconds, 3600);
});

test('templates get PodSpec defaults but not the Pod-only ones', () => {
  const tpl: any = { metadata: { labels: { app: 'a' } }, spec: { containers: [container({ resources: { limits: { cpu: '1' } } })] } };
  defaultPodTemplateSpec(tpl);
  assert.equal(tpl.spec.restartPolicy, 'Always');
  assert.equal(tpl.spec.enableServiceLinks, undefined);
  assert.equal(tpl.spec.containers[0].resources.requests, undefined, 'requests default to limits only on pods');
  const { obj: p } = create(pod({ containers: [container({ resources: { limits: { cpu: '0.5', memory: '1024Mi' } } })] }));
  assert.deepEqual(p.spec.containers[0].resources, { limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '500m', memory: '1Gi' } });
});

test('a new pod is Pending with its QoS class; a client-sent status is dropped', () => {
  const body = pod({ containers: [container()] });
  body.status = { phase: 'Running', podIP: '10.0.0.1' };
  const { obj: p } = create(body);
  assert.deepEqual(p.status, { phase: 'Pending', qosClass: 'BestEffort' });
  const guaranteed = create(pod({ containers: [container({ resources: { limits: { cpu: '1', memory: '1Gi' } } })] })).obj;
  assert.equal(guaranteed.status.qosClass, 'Guaranteed');
  const burstable = create(pod({ containers: [container({ resources: { requests: { cpu: '100m' } } })] })).obj;
  assert.equal(burstable.status.qosClass, 'Burstable');
  assert.equal(computePodQOS({ containers: [container({ resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '1Gi' } } })] }), 'Burstable');
});

// ---- Pod validation ----

test('containers are required', () => {
  assert.deepEqual(create(pod({})).errs, ['spec.containers: Required value']);
});

test('a pod with many problems gets every error', () => {
  const { errs } = create(pod({
    restartPolicy: 'Sometimes',
    dnsPolicy: 'Nearby',
    containers: [
      { name: 'Bad_Name', ports: [{ containerPort: 70000, name: 'HTTP', protocol: 'ICMP' }], env: [{ name: '1BAD', value: 'x' }] },
      { name: 'dup', image: 'x', volumeMounts: [{ name: 'missing', mountPath: '/data' }, { name: 'v', mountPath: '' }] },
      { name: 'dup', image: 'y', resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } },
    ],
    volumes: [{ name: 'v', emptyDir: {} }, { name: 'v', emptyDir: {} }, { name: 'two', emptyDir: {}, hostPath: { path: '/x' } }],
  }));
  const expected = [
    'spec.volumes[1].name: Duplicate value: "v"',
    'spec.volumes[2].hostPath: Forbidden: may not specify more than 1 volume type',
    'spec.containers[0].name: Invalid value: "Bad_Name": a lowercase RFC 1123 label must consist of',
    'spec.containers[0].image: Required value',
    'spec.containers[0].ports[0].name: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    'spec.containers[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
    "spec.containers[0].env[0].name: Invalid value: \"1BAD\": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
    'spec.containers[1].volumeMounts[0].name: Not found: "missing"',
    'spec.containers[1].volumeMounts[1].mountPath: Required value',
    'spec.containers[2].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
    'spec.containers[2].name: Duplicate value: "dup"',
    'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    'spec.dnsPolicy: Unsupported value: "Nearby": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
  ];
  for (const e of expected) assert.ok(errs.some((x) => x.startsWith(e)), `missing ${e}\n got:\n${errs.join('\n')}`);
});

test('probes need exactly one handler, non-negative numbers, successThreshold 1 for liveness', () => {
  const { errs } = create(pod({
    containers: [container({
      livenessProbe: { exec: { command: ['true'] }, tcpSocket: { port: 80 }, successThreshold: 2 },
      readinessProbe: { periodSeconds: -1 },
      startupProbe: { httpGet: { port: 'not a port' } },
    })],
  }));
  assert.deepEqual(errs, [
    'spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type',
    'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
    'spec.containers[0].readinessProbe: Required value: must specify a handler type',
    'spec.containers[0].readinessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0',
    'spec.containers[0].startupProbe.httpGet.port: Invalid value: "not a port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
  ]);
});

test('init containers: only restartPolicy Always, no probes unless sidecar, unique names across containers', () => {
  const { errs } = create(pod({
    containers: [container()],
    initContainers: [
      { name: 'c', image: 'busybox' },
      { name: 'init', image: 'busybox', restartPolicy: 'OnFailure', readinessProbe: { exec: { command: ['true'] } } },
      { name: 'sidecar', image: 'busybox', restartPolicy: 'Always', readinessProbe: { exec: { command: ['true'] } } },
    ],
  }));
  assert.deepEqual(errs, [
    'spec.initContainers[0].name: Duplicate value: "c"',
    'spec.initContainers[1].restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
    'spec.initContainers[1].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
  ]);
});

test('a volume needs a source; mounts reference valid volumes only', () => {
  const { errs } = create(pod({
    containers: [container({ volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }] })],
    volumes: [{ name: 'cfg', configMap: {} }, { name: 'Bad' }],
  }));
  assert.deepEqual(errs, [
    'spec.volumes[0].configMap.name: Required value',
    "spec.volumes[1].name: Invalid value: \"Bad\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    'spec.containers[0].volumeMounts[0].name: Not found: "cfg"',
  ]);
});

test('malformed shapes are field errors, never exceptions', () => {
  const weird = [null, 0, -1, 1e308, true, 'str', [], {}, [1, 2], { a: { b: {} } }];
  const kinds = ['Pod', 'Service', 'ReplicationController', 'Namespace', 'Node', 'ConfigMap', 'Secret', 'ServiceAccount',
    'PersistentVolume', 'PersistentVolumeClaim', 'Endpoints', 'Event'];
  const fields = ['spec', 'containers', 'volumes', 'ports', 'env', 'resources', 'livenessProbe', 'selector', 'template', 'data', 'subsets', 'metadata'];
  const base: Record<string, any> = {
    spec: { containers: [container({ ports: [{ containerPort: 80 }], env: [{ name: 'A' }], resources: {}, livenessProbe: { exec: { command: ['x'] } } })],
      volumes: [{ name: 'v' }], ports: [{ port: 80 }], selector: { a: 'b' }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [container()] } } },
    data: { a: 'b' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }],
  };
  for (const kind of kinds) {
    for (const f of fields) {
      for (const w of weird) {
        const body = clone(base);
        if (['spec', 'data', 'subsets'].includes(f)) body[f] = w;
        else if (f === 'metadata') body.metadata = { name: 'x', namespace: 'default', labels: w, finalizers: w };
        else if (['containers', 'volumes', 'ports', 'selector', 'template'].includes(f)) body.spec[f] = w;
        else body.spec.containers[0][f] = w;
        const o = { apiVersion: 'v1', kind, metadata: { name: 'x', namespace: 'default' }, ...body } as KubeObject;
        assert.doesNotThrow(() => {
          const created = create(clone(o));
          update(created.obj, clone(o));
        }, `${kind} ${f}=${JSON.stringify(w)}`);
      }
    }
  }
});

test('validatePodSpec and validatePodTemplateSpec report at the given path', () => {
  const tpl: any = { metadata: { labels: { 'bad key!': 'x' } }, spec: { containers: [{ name: 'c' }] } };
  defaultPodTemplateSpec(tpl);
  const errs = validatePodTemplateSpec(tpl, FieldPath.root('spec').child('template')).map(errorString);
  assert.ok(errs.some((e) => e.startsWith('spec.template.labels: Invalid value: "bad key!"')), errs.join('\n'));
  assert.ok(errs.includes('spec.template.spec.containers[0].image: Required value'), errs.join('\n'));
  assert.deepEqual(validatePodSpec({}, FieldPath.root('spec')).map(errorString).filter((e) => e.includes('containers')), ['spec.containers: Required value']);
});

// ---- Pod updates ----

test('pod updates may change images, add tolerations, shorten activeDeadlineSeconds; nothing else', () => {
  const stored = create(pod({ containers: [container()], tolerations: [{ key: 'a', operator: 'Exists' }] })).obj;
  const ok = clone(stored);
  ok.metadata.labels = { new: 'label' };
  ok.spec.containers[0].image = 'nginx:1.26';
  ok.spec.tolerations.push({ key: 'b', operator: 'Exists' });
  ok.spec.activeDeadlineSeconds = 100;
  assert.deepEqual(update(stored, ok).errs, []);

  const bad = clone(stored);
  bad.spec.restartPolicy = 'Never';
  const errs = update(stored, bad).errs;
  assert.equal(errs.length, 1);
  assert.match(errs[0], /^spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`,`spec.initContainers\[\*\].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` \(only additions to existing tolerations\),`spec.terminationGracePeriodSeconds` \(allow it to be set to 1 if it was previously negative\)\n/);
  assert.match(errs[0], /restartPolicy: "Always"/);

  const removed = clone(stored);
  removed.spec.tolerations = [];
  assert.deepEqual(update(stored, removed).errs, ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds']);

  const more = clone(stored);
  more.spec.containers.push(container({ name: 'd' }));
  assert.deepEqual(update(stored, more).errs, ['spec.containers: Forbidden: pod updates may not add or remove containers']);
});

test('a stored pod missing newer defaults still takes metadata updates', () => {
  const stored = obj('Pod', { spec: { containers: [{ name: 'c', image: 'nginx' }] }, status: { phase: 'Running' } });
  const next = clone(stored);
  next.metadata.annotations = { a: 'b' };
  assert.deepEqual(update(stored, next).errs, []);
});

// ---- DefaultTolerationSeconds ----

test('DefaultTolerationSeconds adds not-ready and unreachable tolerations unless tolerated', () => {
  const rt = { group: '', version: 'v1', kind: 'Pod' } as ResourceType;
  const plugin = new DefaultTolerationSeconds({ notReadySeconds: 120 });
  const p = pod({ containers: [container()] });
  plugin.admit('CREATE', rt, p, undefined, {});
  assert.deepEqual(p.spec.tolerations, [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 120 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ]);
  const all = pod({ containers: [container()], tolerations: [{ operator: 'Exists' }] });
  plugin.admit('CREATE', rt, all, undefined, {});
  assert.deepEqual(all.spec.tolerations, [{ operator: 'Exists' }]);
  const one = pod({ containers: [container()], tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }] });
  plugin.admit('CREATE', rt, one, undefined, {});
  assert.deepEqual(one.spec.tolerations.map((t: any) => t.key), ['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready']);
  const updated = pod({ containers: [container()] });
  plugin.admit('UPDATE', rt, updated, undefined, {});
  assert.equal(updated.spec.tolerations, undefined);
});

// ---- Service ----

test('service defaults: type, affinity, protocol, targetPort, traffic policies, IP families', () => {
  const { obj: s, errs } = create(obj('Service', { spec: { selector: { app: 'a' }, ports: [{ port: 80 }, { name: 'named', port: 443, targetPort: 'https' }] } }));
  assert.deepEqual(errs, ['spec.ports[0].name: Required value']);
  assert.equal(s.spec.type, 'ClusterIP');
  assert.equal(s.spec.sessionAffinity, 'None');
  assert.equal(s.spec.internalTrafficPolicy, 'Cluster');
  assert.equal(s.spec.externalTrafficPolicy, undefined);
  assert.equal(s.spec.ipFamilyPolicy, 'SingleStack');
  assert.deepEqual(s.spec.ipFamilies, ['IPv4']);
  assert.deepEqual(s.spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }, { name: 'named', port: 443, targetPort: 'https', protocol: 'TCP' }]);
  assert.deepEqual(s.status, { loadBalancer: {} });
  const np = create(obj('Service', { spec: { type: 'NodePort', ports: [{ port: 80 }] } })).obj;
  assert.equal(np.spec.externalTrafficPolicy, 'Cluster');
  const lb = create(obj('Service', { spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } })).obj;
  assert.equal(lb.spec.allocateLoadBalancerNodePorts, true);
  const aff = create(obj('Service', { spec: { sessionAffinity: 'ClientIP', ports: [{ port: 80 }] } })).obj;
  assert.deepEqual(aff.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
});

test('service validation: ports, type, nodePort, ExternalName', () => {
  assert.deepEqual(create(obj('Service', { spec: { selector: { a: 'b' } } })).errs, ['spec.ports: Required value']);
  assert.deepEqual(create(obj('Service', { spec: { clusterIP: 'None', selector: { a: 'b' } } })).errs, [], 'headless services need no ports');
  assert.deepEqual(create(obj('Service', { spec: { type: 'ExternalName', externalName: 'example.com.' } })).errs, []);
  assert.deepEqual(create(obj('Service', { spec: { type: 'ExternalName' } })).errs, ['spec.externalName: Required value']);
  const { errs } = create(obj('Service', { spec: { type: 'Magic', ports: [{ port: 0, targetPort: 70000, name: 'a' }, { port: 80, name: 'a', nodePort: 30001 }] } }));
  assert.deepEqual(errs, [
    'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    'spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    'spec.ports[1].name: Duplicate value: "a"',
    'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
  ]);
  assert.deepEqual(create(obj('Service', { spec: { ports: [{ port: 80, nodePort: 30001 }] } })).errs,
    ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]);
});

test('service clusterIP is kept when omitted and may not change once set', () => {
  const stored = create(obj('Service', { spec: { ports: [{ port: 80 }] } })).obj;
  stored.spec.clusterIP = '10.43.0.10';
  stored.spec.clusterIPs = ['10.43.0.10'];
  const omitted = clone(stored);
  delete omitted.spec.clusterIP;
  delete omitted.spec.clusterIPs;
  const r = update(stored, omitted);
  assert.deepEqual(r.errs, []);
  assert.equal(r.obj.spec.clusterIP, '10.43.0.10');
  const changed = clone(stored);
  changed.spec.clusterIP = '10.43.0.99';
  assert.deepEqual(update(stored, changed).errs, ['spec.clusterIPs[0]: Invalid value: ["10.43.0.99"]: may not change once set']);
  const toNodePort = clone(stored);
  toNodePort.spec.type = 'NodePort';
  const np = update(stored, toNodePort);
  assert.deepEqual(np.errs, []);
  assert.equal(np.obj.spec.externalTrafficPolicy, 'Cluster');
  const back = clone(np.obj);
  back.spec.type = 'ClusterIP';
  back.spec.ports[0].nodePort = 30080;
  const old = clone(np.obj);
  old.spec.ports[0].nodePort = 30080;
  const r2 = update(old, back);
  assert.deepEqual(r2.errs, []);
  assert.equal(r2.obj.spec.ports[0].nodePort, undefined, 'node ports go with the type change');
  assert.equal(r2.obj.spec.externalTrafficPolicy, undefined);
});

// ---- ReplicationController ----

test('RC selector, labels and replicas default from the template', () => {
  const { obj: rc, errs } = create(obj('ReplicationController', {
    spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [container()] } } },
  }));
  assert.deepEqual(errs, []);
  assert.deepEqual(rc.spec.selector, { app: 'web' });
  assert.deepEqual(rc.metadata.labels, { app: 'web' });
  assert.equal(rc.spec.replicas, 1);
  assert.equal(rc.spec.template.spec.restartPolicy, 'Always');
  assert.equal(rc.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
});

test('RC validation: selector must match the template, restartPolicy Always, replicas non-negative', () => {
  const { errs } = create(obj('ReplicationController', {
    spec: {
      replicas: -1, selector: { app: 'a' },
      template: { metadata: { labels: { app: 'b' } }, spec: { restartPolicy: 'OnFailure', containers: [container()] } },
    },
  }));
  assert.deepEqual(errs, [
    'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    'spec.template.metadata.labels: Invalid value: {"app":"b"}: `selector` does not match template `labels`',
    'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
  ]);
  assert.deepEqual(create(obj('ReplicationController', { spec: { template: { spec: { containers: [container()] } } } })).errs, [
    'spec.selector: Required value',
  ]);
});

// ---- Namespace, Secret, ConfigMap ----

test('namespace: Active, kubernetes finalizer, metadata.name label', () => {
  const { obj: ns, errs } = create(obj('Namespace', { metadata: { name: 'team', labels: { 'kubernetes.io/metadata.name': 'other' } } }));
  assert.deepEqual(errs, []);
  assert.deepEqual(ns.status, { phase: 'Active' });
  assert.deepEqual(ns.spec.finalizers, ['kubernetes']);
  assert.equal(ns.metadata.labels!['kubernetes.io/metadata.name'], 'team');
});

test('secret: type Opaque, stringData folded into data, base64 and keys checked, type immutable', () => {
  const { obj: s, errs } = create(obj('Secret', { stringData: { user: 'admin' }, data: { pass: 'cGFzcw==' } }));
  assert.deepEqual(errs, []);
  assert.equal(s.type, 'Opaque');
  assert.deepEqual(s.data, { pass: 'cGFzcw==', user: 'YWRtaW4=' });
  assert.equal(s.stringData, undefined);
  assert.deepEqual(create(obj('Secret', { data: { 'bad key': 'eA==', ok: 'not base64!' } })).errs, [
    "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    'data[ok]: Invalid value: "<secret contents redacted>": illegal base64 data at input byte 3',
  ]);
  assert.deepEqual(create(obj('Secret', { type: 'kubernetes.io/tls', data: {} })).errs, ['data[tls.crt]: Required value', 'data[tls.key]: Required value']);
  const changed = clone(s);
  changed.type = 'kubernetes.io/basic-auth';
  assert.ok(update(s, changed).errs.includes('type: Invalid value: "kubernetes.io/basic-auth": field is immutable'));
});

test('configmap: keys checked; immutable blocks data changes', () => {
  assert.deepEqual(create(obj('ConfigMap', { data: { '../x': 'y' } })).errs, [
    "data[../x]: Invalid value: \"../x\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    "data[../x]: Invalid value: \"../x\": must not start with '..'",
  ]);
  const stored = create(obj('ConfigMap', { data: { a: '1' }, immutable: true })).obj;
  const next = clone(stored);
  next.data.a = '2';
  assert.deepEqual(update(stored, next).errs, ['data: Forbidden: field is immutable when `immutable` is set']);
});

// ---- Volumes ----

test('PV and PVC: defaults, Pending, required fields, immutable claim spec', () => {
  const { obj: pv, errs } = create(obj('PersistentVolume', { spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' } } }));
  assert.deepEqual(errs, []);
  assert.equal(pv.spec.persistentVolumeReclaimPolicy, 'Retain');
  assert.equal(pv.spec.volumeMode, 'Filesystem');
  assert.equal(pv.status.phase, 'Pending');
  assert.deepEqual(create(obj('PersistentVolume', { spec: {} })).errs, [
    'spec.accessModes: Required value',
    'spec.capacity: Required value',
    'spec.capacity: Unsupported value: {}: supported values: "storage"',
    'spec: Required value: must specify a volume type',
  ]);
  const { obj: pvc, errs: pvcErrs } = create(obj('PersistentVolumeClaim', { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }));
  assert.deepEqual(pvcErrs, []);
  assert.equal(pvc.spec.volumeMode, 'Filesystem');
  assert.equal(pvc.status.phase, 'Pending');
  assert.deepEqual(create(obj('PersistentVolumeClaim', { spec: {} })).errs, [
    'spec.accessModes: Required value: at least 1 access mode is required',
    'spec.resources[storage]: Required value',
  ]);
  const bound = clone(pvc);
  bound.spec.volumeName = 'pv-1';
  assert.deepEqual(update(pvc, bound).errs, [], 'the binder may set volumeName once');
  bound.status = { phase: 'Bound' };
  const grown = clone(bound);
  grown.spec.resources.requests.storage = '2Gi';
  assert.deepEqual(update(bound, grown).errs, []);
  const changed = clone(bound);
  changed.spec.accessModes = ['ReadWriteMany'];
  assert.match(update(bound, changed).errs[0], /^spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n/);
});

// ---- Endpoints, Event, Node ----

test('endpoints, events and nodes', () => {
  const { obj: ep, errs } = create(obj('Endpoints', { subsets: [{ addresses: [{ ip: '10.0.0.5' }], ports: [{ port: 80 }] }] }));
  assert.deepEqual(errs, []);
  assert.equal(ep.subsets[0].ports[0].protocol, 'TCP');
  assert.deepEqual(create(obj('Endpoints', { subsets: [{ ports: [{ port: 80 }] }] })).errs, ['subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`']);
  assert.deepEqual(create(obj('Event', { involvedObject: { kind: 'Pod', namespace: 'other', name: 'p' }, reason: 'R' })).errs,
    ['involvedObject.namespace: Invalid value: "other": does not match event.namespace']);
  assert.deepEqual(create(obj('Event', { involvedObject: { kind: 'Node', name: 'n' }, reason: 'R' })).errs, []);
  const { obj: node, errs: nodeErrs } = create(obj('Node', { spec: { taints: [{ key: 'k', effect: 'Sometimes' }] }, status: { capacity: { cpu: '4' } } }));
  assert.deepEqual(nodeErrs, ['metadata.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"']);
  assert.deepEqual(node.status.allocatable, { cpu: '4' });
});

test('core objects need standard or qualified finalizer names', () => {
  const cm = obj('ConfigMap', { data: {} });
  cm.metadata.finalizers = ['custom', 'example.com/ok', 'orphan'];
  assert.deepEqual(create(cm).errs, ['metadata.finalizers[0]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified']);
});

test('ephemeral containers: not on create, restricted fields, existing ones fixed', async () => {
  const { validatePodEphemeralContainersUpdate } = await import('../../src/api/core/pod-validation.js');
  assert.deepEqual(create(pod({ containers: [container()], ephemeralContainers: [{ name: 'debug', image: 'busybox' }] })).errs,
    ['spec.ephemeralContainers: Forbidden: cannot be set on create']);
  const stored = create(pod({ containers: [container()] })).obj;
  const debug = clone(stored);
  debug.spec.ephemeralContainers = [{ name: 'debug', image: 'busybox', targetContainerName: 'c', ports: [{ containerPort: 80 }], terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' }];
  strategies.Pod.defaults!(debug);
  assert.deepEqual(strategies.Pod.validate!(debug, { old: stored }).map(errorString), ['spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container']);
  delete debug.spec.ephemeralContainers[0].ports;
  assert.deepEqual(validatePodEphemeralContainersUpdate(debug, stored), []);
  const changed = clone(debug);
  changed.spec.ephemeralContainers[0].image = 'alpine';
  assert.match(errorString(validatePodEphemeralContainersUpdate(changed, debug)[0]), /^spec.ephemeralContainers: Forbidden: existing ephemeral containers "debug" may not be changed\n/);
});
