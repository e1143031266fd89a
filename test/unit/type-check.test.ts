import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkDecoding, decodeErrorMessage, findTypeError, findTypeErrors, parseTime, strictDecodingError,
} from '../../src/apiserver/type-check.js';

const pod = (spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'p' }) => ({ apiVersion: 'v1', kind: 'Pod', metadata, spec });
const deployment = (spec: Record<string, unknown>) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec });
const message = (apiVersion: string, kind: string, obj: unknown) => findTypeError(apiVersion, kind, obj)?.message;

test('a well-typed object has no type error, nulls and free-form values included', () => {
  const d = deployment({
    replicas: 3, paused: null, progressDeadlineSeconds: null,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
    template: {
      metadata: { labels: { app: 'web' }, creationTimestamp: null, annotations: null },
      spec: {
        containers: [null, {
          name: 'web', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: null }],
          resources: { limits: { cpu: '500m', memory: 128 }, requests: { cpu: 0.5, memory: '1.5Gi', 'example.com/gpu': '1e3' } },
          livenessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 },
        }],
        terminationGracePeriodSeconds: 9007199254740991, // int64
      },
    },
  });
  assert.equal(findTypeError('apps/v1', 'Deployment', d), undefined);
  const revision = {
    apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r', managedFields: [{ manager: 'm', time: '2024-01-01T00:00:00Z', fieldsV1: { 'f:spec': 1 } }] },
    revision: 1, data: ['anything', { goes: [1, true] }],
  };
  assert.equal(findTypeError('apps/v1', 'ControllerRevision', revision), undefined);
  assert.equal(checkDecoding('v1', 'Pod', pod({ containers: [{ name: 'c', image: 'i' }] })), undefined);
});

test('values of the wrong JSON type get Go json error messages', () => {
  assert.equal(message('v1', 'Pod', pod({ containers: 'nginx' })),
    'json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container');
  assert.equal(message('v1', 'Pod', pod({ containers: ['nginx'] })),
    'json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type v1.Container');
  assert.equal(message('v1', 'Pod', pod({}, { name: 5 })),
    'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string');
  assert.equal(message('v1', 'Pod', pod({}, { name: 'p', labels: ['a'] })),
    'json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string');
  // Map values: Go's path stops at the map, the struct is the one holding it.
  assert.equal(message('v1', 'Pod', pod({}, { name: 'p', labels: { a: 5 } })),
    'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string');
  assert.equal(message('apps/v1', 'Deployment', deployment({ replicas: 'three' })),
    'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
  assert.equal(message('apps/v1', 'Deployment', deployment({ paused: 'yes' })),
    'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused of type bool');
  assert.equal(message('apps/v1', 'Deployment', { apiVersion: 'apps/v1', kind: 'Deployment', spec: 'oops' }),
    'json: cannot unmarshal string into Go struct field Deployment.spec of type v1.DeploymentSpec');
  assert.equal(message('apps/v1', 'Deployment', deployment({ template: { spec: { containers: { name: 'c' } } } })),
    'json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container');
  // List indices are not part of Go's path; the struct is the innermost one.
  assert.equal(message('apps/v1', 'Deployment', deployment({ template: { spec: { containers: [{ name: 'c', env: [{ name: 'A', value: true }] }] } } })),
    'json: cannot unmarshal bool into Go struct field EnvVar.spec.template.spec.containers.env.value of type string');
  assert.equal(message('v1', 'Pod', pod({ containers: [{ name: 'c', args: [1] }] })),
    'json: cannot unmarshal number into Go struct field Container.spec.containers.args of type string');
  assert.equal(message('v1', 'Pod', pod({}, { name: 'p', ownerReferences: [{ controller: 'true' }] })),
    'json: cannot unmarshal string into Go struct field OwnerReference.metadata.ownerReferences.controller of type bool');
  // The path of the offending value, with indices, for callers that want to point at it.
  assert.equal(findTypeError('v1', 'Pod', pod({ containers: [{ name: 'c', ports: [{ containerPort: 80 }, { containerPort: '81' }] }] }))?.path,
    'spec.containers[0].ports[1].containerPort');
});

test('integers must be whole and fit their Go type', () => {
  assert.equal(message('apps/v1', 'Deployment', deployment({ replicas: 1.5 })),
    'json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32');
  assert.equal(message('apps/v1', 'Deployment', deployment({ replicas: 2147483648 })),
    'json: cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32');
  assert.equal(message('apps/v1', 'Deployment', deployment({ replicas: -2147483648 })), undefined);
  assert.equal(message('v1', 'Pod', pod({ activeDeadlineSeconds: 2147483648 })), undefined); // int64
  assert.equal(message('v1', 'Pod', pod({ activeDeadlineSeconds: 1e19 })),
    'json: cannot unmarshal number 10000000000000000000 into Go struct field PodSpec.spec.activeDeadlineSeconds of type int64');
});

test('IntOrString takes an int32 or a string; Quantity a string or a number that parses', () => {
  const service = (ports: unknown[]) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports } });
  assert.equal(message('v1', 'Service', service([{ port: 80, targetPort: 'http' }, { port: 81, targetPort: 8081 }])), undefined);
  assert.equal(message('v1', 'Service', service([{ port: 80, targetPort: true }])),
    'json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32');
  assert.equal(message('v1', 'Service', service([{ port: 80, targetPort: 1.5 }])),
    'json: cannot unmarshal number 1.5 into Go struct field ServicePort.spec.ports.targetPort of type int32');
  const limits = (cpu: unknown) => pod({ containers: [{ name: 'c', resources: { limits: { cpu } } }] });
  const formatWrong = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  for (const ok of ['100m', '1.5', 2, 0.25, ' 1Gi ', '+1', '1e3', '5E-3']) assert.equal(message('v1', 'Pod', limits(ok)), undefined, String(ok));
  for (const bad of ['lots', '', true, { m: 100 }, ['1']]) assert.equal(message('v1', 'Pod', limits(bad)), formatWrong, JSON.stringify(bad));
  assert.equal(message('v1', 'Pod', limits('1Ki2')), "unable to parse quantity's suffix");
});

test('timestamps: Time is RFC 3339 and MicroTime has six fractional digits, with Go time.Parse errors', () => {
  const created = (creationTimestamp: unknown) => message('v1', 'Pod', pod({}, { name: 'p', creationTimestamp }));
  for (const ok of ['2024-05-01T12:00:00Z', '2024-05-01T12:00:00.123Z', '2024-02-29T23:59:59+05:30', '2024-05-01T12:00:00.123456789-01:00']) {
    assert.equal(created(ok), undefined, ok);
  }
  assert.equal(created(1714564800), 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type string');
  assert.equal(created('yesterday'),
    'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"');
  assert.equal(created('2024-05-01 12:00:00Z'),
    'parsing time "2024-05-01 12:00:00Z" as "2006-01-02T15:04:05Z07:00": cannot parse " 12:00:00Z" as "T"');
  assert.equal(created('2024-05-01T12:00:00'),
    'parsing time "2024-05-01T12:00:00" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00"');
  assert.equal(created('2023-02-29T00:00:00Z'), 'parsing time "2023-02-29T00:00:00Z": day out of range');
  assert.equal(created('2024-05-01T24:00:00Z'), 'parsing time "2024-05-01T24:00:00Z": hour out of range');
  assert.equal(created('2024-05-01T12:00:00Zjunk'), 'parsing time "2024-05-01T12:00:00Zjunk": extra text: "junk"');
  const lease = (renewTime: unknown) => message('coordination.k8s.io/v1', 'Lease', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n' }, spec: { renewTime } });
  assert.equal(lease('2024-05-01T12:00:00.123456Z'), undefined);
  assert.equal(lease('2024-05-01T12:00:00Z'),
    'parsing time "2024-05-01T12:00:00Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"');
  assert.equal(lease('2024-05-01T12:00:00.123Z'),
    'parsing time "2024-05-01T12:00:00.123Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".123Z" as ".000000"');
  // Go's time package quotes non-ASCII and control bytes as \x escapes.
  assert.equal(parseTime('é\n'), 'parsing time "\\xc3\\xa9\\x0a" as "2006-01-02T15:04:05Z07:00": cannot parse "\\xc3\\xa9\\x0a" as "2006"');
});

test('the first type error in document order is the one reported, unless a custom decoder fails later', () => {
  const twoWrong = pod({ nodeName: 5, containers: 'x' });
  assert.equal(findTypeError('v1', 'Pod', twoWrong)?.path, 'spec.nodeName');
  assert.deepEqual(findTypeErrors('v1', 'Pod', twoWrong).map((e) => e.path), ['spec.nodeName', 'spec.containers']);
  // Go saves the first *UnmarshalTypeError and goes on; an unmarshaler's error (Time here) ends decoding and wins.
  const laterTime = pod({ containers: [] }, { name: 5, creationTimestamp: 'now' });
  assert.match(findTypeError('v1', 'Pod', laterTime)!.message, /^parsing time "now"/);
});

test('unknown fields come from the same walk, and only when there is no type error', () => {
  assert.deepEqual(checkDecoding('v1', 'Pod', pod({ containers: [{ name: 'c', imagee: 'x' }], foo: 1 })), {
    unknownFields: ['spec.containers[0].imagee', 'spec.foo'],
  });
  assert.equal(checkDecoding('v1', 'Pod', pod({ containers: [], foo: 1 }), false), undefined); // fieldValidation=Ignore
  const both = checkDecoding('v1', 'Pod', pod({ foo: 1, nodeName: 3 }));
  assert.equal(both?.typeError?.path, 'spec.nodeName');
  assert.deepEqual(both?.unknownFields, []);
});

test('kinds without a schema are not checked; deep bodies are refused, not thrown', () => {
  assert.equal(checkDecoding('example.com/v1', 'Widget', { spec: { replicas: 'x', anything: 1 } }), undefined);
  let schema: Record<string, unknown> = { type: 'object' };
  for (let i = 0; i < 20_000; i++) schema = { type: 'object', properties: { a: schema } };
  const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'w.example.com' }, spec: { versions: [{ name: 'v1', schema: { openAPIV3Schema: schema } }] } };
  assert.equal(findTypeError('apiextensions.k8s.io/v1', 'CustomResourceDefinition', crd)?.message, 'json: exceeded max depth');
});

test('the BadRequest messages read as upstream writes them', () => {
  assert.equal(decodeErrorMessage('Pod', 'v1', 'json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container'),
    'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container');
  assert.equal(decodeErrorMessage('Deployment', 'v1', strictDecodingError(['spec.foo', 'spec.template.spec.containers[0].imagee'])),
    'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo", unknown field "spec.template.spec.containers[0].imagee"');
});
