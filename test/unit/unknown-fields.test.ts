import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findUnknownFields } from '../../src/apiserver/unknown-fields.js';

function deployment(overrides: { spec?: Record<string, unknown>; container?: Record<string, unknown>; metadata?: Record<string, unknown> } = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' }, annotations: { 'example.com/anything': 'x' }, ...overrides.metadata },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: 'web', 'any-key': 'v' } },
        spec: {
          containers: [
            { name: 'sidecar', image: 'busybox' },
            {
              name: 'web', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }],
              resources: { limits: { cpu: '500m', memory: 128 }, requests: { 'example.com/gpu': '1' } },
              livenessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 },
              ...overrides.container,
            },
          ],
        },
      },
      ...overrides.spec,
    },
    status: { replicas: 2, conditions: [{ type: 'Available', status: 'True', lastUpdateTime: '2024-01-01T00:00:00Z' }] },
  };
}

test('a valid object has no unknown fields, whatever the keys of its maps', () => {
  assert.deepEqual(findUnknownFields('apps/v1', 'Deployment', deployment()), []);
});

test('unknown fields are reported with upstream paths, in document order', () => {
  const obj = deployment({
    metadata: { labelz: { a: 'b' } },
    spec: { replicas2: 3 },
    container: { imagee: 'nginx', livenessProbe: { httpGet: { port: 80, pathh: '/' } } },
  });
  (obj as Record<string, unknown>).extra = true;
  assert.deepEqual(findUnknownFields('apps/v1', 'Deployment', obj), [
    'metadata.labelz',
    'spec.template.spec.containers[1].livenessProbe.httpGet.pathh',
    'spec.template.spec.containers[1].imagee',
    'spec.replicas2',
    'extra',
  ]);
});

test('an unknown field that holds an object is reported once, not descended into', () => {
  const obj = deployment({ spec: { tmplate: { spec: { whatever: 1 } } } });
  assert.deepEqual(findUnknownFields('apps/v1', 'Deployment', obj), ['spec.tmplate']);
});

test('IntOrString, Quantity and free-form nodes accept any value', () => {
  const service = {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 's' },
    spec: { ports: [{ port: 80, targetPort: 'http' }, { port: 81, targetPort: 8081 }], selector: { app: 'web' } },
  };
  assert.deepEqual(findUnknownFields('v1', 'Service', service), []);
  const revision = {
    apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r', managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': { 'f:x': {} } } }] },
    revision: 1, data: { spec: { anything: { goes: true } } },
  };
  assert.deepEqual(findUnknownFields('apps/v1', 'ControllerRevision', revision), []);
  const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'any.key': 'v' }, binaryData: { b: 'AA==' } };
  assert.deepEqual(findUnknownFields('v1', 'ConfigMap', configMap), []);
});

test('values of an unexpected type are left to validation, not reported as unknown', () => {
  assert.deepEqual(findUnknownFields('apps/v1', 'Deployment', { apiVersion: 'apps/v1', kind: 'Deployment', spec: 'oops', metadata: null }), []);
  assert.deepEqual(findUnknownFields('v1', 'Pod', 'not an object'), []);
});

test('kinds without a schema report nothing', () => {
  assert.deepEqual(findUnknownFields('example.com/v1', 'Widget', { spec: { anything: 1 } }), []);
});

test('recursive schemas are followed to any depth, map values included', () => {
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', kind: 'Widget' },
      versions: [{
        name: 'v1', served: true, storage: true,
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', typo: true, properties: { size: { type: 'integer' } } } } } },
      }],
    },
  };
  assert.deepEqual(findUnknownFields('apiextensions.k8s.io/v1', 'CustomResourceDefinition', crd), [
    'spec.versions[0].schema.openAPIV3Schema.properties.spec.typo',
  ]);
});
