// The pod-template-hash: stable for equal templates whatever their key order, changed by a
// collision count, rendered in upstream's safe alphabet; template equality ignores the hash label.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computePodTemplateHash, equalIgnoreHash, safeEncodeString } from '../../src/controllers/pod-template-hash.js';

const template = {
  metadata: { labels: { app: 'web', tier: 'front' } },
  spec: { containers: [{ name: 'app', image: 'nginx:1', ports: [{ containerPort: 80 }] }] },
};

test('safe encoding maps each digit by its character code, as upstream', () => {
  assert.equal(safeEncodeString('0123456789'), '456789bcdf');
});

test('the hash is stable, independent of key order, and uses only the safe alphabet', () => {
  const reordered = {
    spec: { containers: [{ ports: [{ containerPort: 80 }], image: 'nginx:1', name: 'app' }] },
    metadata: { labels: { tier: 'front', app: 'web' } },
  };
  const h = computePodTemplateHash(template);
  assert.equal(computePodTemplateHash(reordered), h);
  assert.equal(computePodTemplateHash(structuredClone(template)), h);
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
});

test('a different template or a collision count gives a different hash', () => {
  const h = computePodTemplateHash(template);
  const other = structuredClone(template);
  other.spec.containers[0].image = 'nginx:2';
  assert.notEqual(computePodTemplateHash(other), h);
  assert.notEqual(computePodTemplateHash(template, 1), h);
  assert.notEqual(computePodTemplateHash(template, 1), computePodTemplateHash(template, 2));
  assert.equal(computePodTemplateHash(template, 1), computePodTemplateHash(template, 1));
});

test('equalIgnoreHash ignores the pod-template-hash label and null or empty fields, nothing else', () => {
  const withHash = structuredClone(template) as any;
  withHash.metadata.labels['pod-template-hash'] = 'abc';
  withHash.metadata.creationTimestamp = null;
  withHash.spec.volumes = [];
  assert.ok(equalIgnoreHash(withHash, template));
  const changed = structuredClone(template) as any;
  changed.metadata.labels.tier = 'back';
  assert.ok(!equalIgnoreHash(changed, template));
  const annotated = structuredClone(template) as any;
  annotated.metadata.annotations = { 'kubectl.kubernetes.io/restartedAt': '2024-01-01T00:00:00Z' };
  assert.ok(!equalIgnoreHash(annotated, template));
});
