import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch } from '../../src/apiserver/patch/json-patch.js';
import { applyMergePatch, mergePatchValue } from '../../src/apiserver/patch/merge-patch.js';
import { applyStrategicMergePatch } from '../../src/apiserver/patch/strategic-merge-patch.js';
import { applyServerSideApply } from '../../src/apiserver/patch/apply-patch.js';
import { strategyFor } from '../../src/apiserver/patch/patch-strategy.js';
import { PatchError, goValueString } from '../../src/apiserver/patch/patch-error.js';
import type { KubeObject } from '../../src/api/object.js';

const pod = { group: '', version: 'v1', kind: 'Pod' };
const deployment = { group: 'apps', version: 'v1', kind: 'Deployment' };
const service = { group: '', version: 'v1', kind: 'Service' };
const cronJob = { group: 'batch', version: 'v1', kind: 'CronJob' };
const node = { group: '', version: 'v1', kind: 'Node' };
const widget = { group: 'example.com', version: 'v1', kind: 'Widget' };

/** Asserts fn throws a PatchError with this code (and message, when given). */
function assertPatchError(fn: () => unknown, code: number, message?: string | RegExp): PatchError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof PatchError, `expected a PatchError, got ${String(caught)}`);
  assert.equal(caught.code, code);
  if (typeof message === 'string') assert.equal(caught.message, message);
  else if (message) assert.match(caught.message, message);
  return caught;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    Object.values(v).forEach(deepFreeze);
    Object.freeze(v);
  }
  return v;
}

describe('JSON patch (RFC 6902)', () => {
  const rfcExamples: Array<[string, unknown, unknown[], unknown]> = [
    ['A.1 adding an object member', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }],
    ['A.2 adding an array element', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
    ['A.3 removing an object member', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    ['A.4 removing an array element', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
    ['A.5 replacing a value', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
    ['A.6 moving a value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } }],
    ['A.7 moving an array element', { foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
      { foo: ['all', 'cows', 'eat', 'grass'] }],
    ['A.8 testing a value: success', { baz: 'qux', foo: ['a', 2, 'c'] },
      [{ op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/foo/1', value: 2 }], { baz: 'qux', foo: ['a', 2, 'c'] }],
    ['A.10 adding a nested member object', { foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }],
      { foo: 'bar', child: { grandchild: {} } }],
    ['A.11 ignoring unrecognized elements', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }], { foo: 'bar', baz: 'qux' }],
    ['A.14 ~ escape ordering', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }], { '/': 9, '~1': 10 }],
    ['A.16 adding an array value', { foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
  ];
  for (const [name, doc, ops, expected] of rfcExamples) {
    it(name, () => assert.deepEqual(applyJsonPatch(doc, ops), expected));
  }

  const generic = 'the server rejected our request due to an error in our request';
  it('A.9 a failing test is a 422 with the generic message upstream sends', () => {
    const e = assertPatchError(() => applyJsonPatch({ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }]), 422, generic);
    assert.equal(e.reason, 'Invalid');
    assert.equal(e.detail, 'testing value /baz failed: test failed');
  });
  it('A.12 adding to a nonexistent target fails', () => {
    const e = assertPatchError(() => applyJsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }]), 422, generic);
    assert.match(e.detail ?? '', /add operation does not apply: doc is missing path: "\/baz\/bat"/);
  });
  it('A.15 comparing strings and numbers fails', () => {
    assertPatchError(() => applyJsonPatch({ '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }]), 422);
  });

  it('replace of a missing member adds it, as the apiserver\'s json-patch v4 does', () => {
    assert.deepEqual(applyJsonPatch({ spec: {} }, [{ op: 'replace', path: '/spec/replicas', value: 3 }]), { spec: { replicas: 3 } });
  });
  it('replace under a missing parent fails', () => {
    const e = assertPatchError(() => applyJsonPatch({ spec: {} }, [{ op: 'replace', path: '/spec/template/spec', value: {} }]), 422, generic);
    assert.equal(e.detail, 'replace operation does not apply: doc is missing path: /spec/template/spec: missing value');
  });
  it('remove of a missing member fails', () => {
    assertPatchError(() => applyJsonPatch({ metadata: { labels: {} } }, [{ op: 'remove', path: '/metadata/labels/app' }]), 422, generic);
  });
  it('checks array bounds: add up to the length, others below it', () => {
    assert.deepEqual(applyJsonPatch({ a: [1, 2] }, [{ op: 'add', path: '/a/2', value: 3 }]), { a: [1, 2, 3] });
    assertPatchError(() => applyJsonPatch({ a: [1, 2] }, [{ op: 'add', path: '/a/3', value: 3 }]), 422);
    assertPatchError(() => applyJsonPatch({ a: [1, 2] }, [{ op: 'remove', path: '/a/2' }]), 422);
    assertPatchError(() => applyJsonPatch({ a: [1, 2] }, [{ op: 'replace', path: '/a/x', value: 0 }]), 422);
  });
  it('accepts negative indices counting from the end', () => {
    assert.deepEqual(applyJsonPatch({ a: [1, 2, 3] }, [{ op: 'remove', path: '/a/-1' }]), { a: [1, 2] });
    assert.deepEqual(applyJsonPatch({ a: [1, 2] }, [{ op: 'add', path: '/a/-1', value: 9 }]), { a: [1, 2, 9] });
  });
  it('unescapes ~1 and ~0 in keys (annotations with slashes)', () => {
    const doc = { metadata: { annotations: { 'example.com/a~b': 'x' } } };
    assert.deepEqual(applyJsonPatch(doc, [{ op: 'replace', path: '/metadata/annotations/example.com~1a~0b', value: 'y' }]),
      { metadata: { annotations: { 'example.com/a~b': 'y' } } });
  });
  it('copies values deeply and replaces the whole document with path ""', () => {
    const copied = applyJsonPatch({ a: { b: 1 } }, [{ op: 'copy', from: '/a', path: '/c' }, { op: 'add', path: '/c/b', value: 2 }]);
    assert.deepEqual(copied, { a: { b: 1 }, c: { b: 2 } });
    assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }]), { b: 2 });
  });
  it('rejects a body that is not a list of operations with the decoder\'s 400', () => {
    assertPatchError(() => applyJsonPatch({}, { op: 'add' }), 400, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
    assertPatchError(() => applyJsonPatch({}, ['add']), 400, 'json: cannot unmarshal string into Go value of type jsonpatch.Operation');
  });
  it('fails an unknown op with 422, and more than 10000 operations with 413', () => {
    const e = assertPatchError(() => applyJsonPatch({}, [{ op: 'frobnicate', path: '/a' }]), 422);
    assert.equal(e.detail, 'Unexpected kind: frobnicate');
    const many = Array.from({ length: 10001 }, () => ({ op: 'test', path: '/a', value: 1 }));
    assertPatchError(() => applyJsonPatch({ a: 1 }, many), 413, 'The allowed maximum operations in a JSON patch is 10000, got 10001');
  });
  it('never mutates its inputs, even when a later operation fails', () => {
    const doc = deepFreeze({ a: [1, 2], b: { c: 1 } });
    const ops = deepFreeze([{ op: 'add', path: '/a/-', value: 3 }, { op: 'remove', path: '/b/c' }]);
    assert.deepEqual(applyJsonPatch(doc, ops), { a: [1, 2, 3], b: {} });
    assertPatchError(() => applyJsonPatch(doc, [{ op: 'remove', path: '/b/c' }, { op: 'remove', path: '/zz' }]), 422);
    assert.deepEqual(doc, { a: [1, 2], b: { c: 1 } });
  });
});

describe('JSON merge patch (RFC 7386)', () => {
  // Appendix A of the RFC.
  const table: Array<[unknown, unknown, unknown]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, result] of table) {
    it(`${JSON.stringify(target)} + ${JSON.stringify(patch)} = ${JSON.stringify(result)}`, () => {
      assert.deepEqual(mergePatchValue(deepFreeze(target), deepFreeze(patch)), result);
    });
  }
  it('patches an object: maps merge, lists are replaced, null deletes', () => {
    const live = deepFreeze({ metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { replicas: 1, ports: [1, 2] } });
    assert.deepEqual(applyMergePatch(live, { metadata: { labels: { tier: null, env: 'prod' } }, spec: { replicas: 3, ports: [3] } }),
      { metadata: { labels: { app: 'web', env: 'prod' } }, spec: { replicas: 3, ports: [3] } });
  });
  it('rejects a patch that is not an object as upstream does', () => {
    assertPatchError(() => applyMergePatch({}, null), 400, 'Invalid JSON Patch');
    assertPatchError(() => applyMergePatch({}, 'x'), 400, 'Invalid JSON Patch');
    assertPatchError(() => applyMergePatch({}, [1]), 400, 'Invalid JSON Patch');
  });
});

function livePod(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'u1', labels: { app: 'web' }, finalizers: ['a.example.com/x', 'b.example.com/y'] },
    spec: {
      containers: [{
        name: 'app',
        image: 'nginx:1.25',
        ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443, protocol: 'TCP' }],
        env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
      }],
      volumes: [{ name: 'data', emptyDir: {} }],
      tolerations: [{ key: 'k1', operator: 'Exists' }],
    },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }, { type: 'Initialized', status: 'True' }] },
  };
}

function liveDeployment(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'd1' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { name: 'nginx', image: 'nginx:1.25', imagePullPolicy: 'IfNotPresent' },
            { name: 'sidecar', image: 'busybox', command: ['sleep', '3600'] },
          ],
        },
      },
    },
  };
}

describe('strategic merge patch', () => {
  it('applies the kubectl apply body recorded in kubectl-protocol.md §4', () => {
    const body = JSON.parse(`{"spec":{"replicas":2,"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"}],
      "containers":[{"image":"nginx:1.27","name":"nginx"},{"$patch":"delete","name":"sidecar"}]}}}}`);
    const result = applyStrategicMergePatch(deepFreeze(liveDeployment()), body, deployment) as KubeObject;
    assert.equal(result.spec.replicas, 2);
    assert.deepEqual(result.spec.template.spec.containers, [{ name: 'nginx', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent' }]);
    assert.deepEqual(result.spec.strategy, liveDeployment().spec.strategy);
    assert.deepEqual(result.metadata, liveDeployment().metadata);
  });

  it('merges env by name, ports by containerPort and volumeMounts by mountPath', () => {
    const patch = {
      spec: {
        containers: [{
          name: 'app',
          env: [{ name: 'B', value: 'two' }, { name: 'C', value: '3' }],
          ports: [{ containerPort: 443, name: 'https' }],
          volumeMounts: [{ mountPath: '/data', readOnly: true }],
        }],
      },
    };
    const container = (applyStrategicMergePatch(livePod(), patch, pod) as KubeObject).spec.containers[0];
    assert.equal(container.image, 'nginx:1.25');
    // Items new to the list go before the live items the patch does not mention (upstream's order).
    assert.deepEqual(container.env, [{ name: 'A', value: '1' }, { name: 'B', value: 'two' }, { name: 'C', value: '3' }]);
    assert.deepEqual(container.ports, [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443, protocol: 'TCP', name: 'https' }]);
    assert.deepEqual(container.volumeMounts, [{ name: 'data', mountPath: '/data', readOnly: true }]);
  });

  it('puts a container added without $setElementOrder first, as upstream does', () => {
    const patch = { spec: { containers: [{ name: 'log', image: 'busybox' }] } };
    const names = (applyStrategicMergePatch(livePod(), patch, pod) as KubeObject).spec.containers.map((c: { name: string }) => c.name);
    assert.deepEqual(names, ['log', 'app']);
  });

  it('orders a merged list by $setElementOrder', () => {
    const patch = { spec: { template: { spec: {
      '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'extra' }, { name: 'nginx' }],
      containers: [{ name: 'extra', image: 'redis' }],
    } } } };
    const containers = (applyStrategicMergePatch(liveDeployment(), patch, deployment) as KubeObject).spec.template.spec.containers;
    assert.deepEqual(containers.map((c: { name: string }) => c.name), ['sidecar', 'extra', 'nginx']);
  });

  it('merges finalizers as a set and deletes from them with $deleteFromPrimitiveList', () => {
    const added = applyStrategicMergePatch(livePod(), { metadata: { finalizers: ['b.example.com/y', 'c.example.com/z'] } }, pod) as KubeObject;
    assert.deepEqual(added.metadata.finalizers, ['a.example.com/x', 'b.example.com/y', 'c.example.com/z']);
    const removed = applyStrategicMergePatch(livePod(), { metadata: { '$deleteFromPrimitiveList/finalizers': ['a.example.com/x'] } }, pod) as KubeObject;
    assert.deepEqual(removed.metadata.finalizers, ['b.example.com/y']);
  });

  it('switches a volume from emptyDir to hostPath with $retainKeys', () => {
    const patch = { spec: { volumes: [{ $retainKeys: ['hostPath', 'name'], name: 'data', hostPath: { path: '/srv' } }] } };
    const result = applyStrategicMergePatch(livePod(), patch, pod) as KubeObject;
    assert.deepEqual(result.spec.volumes, [{ name: 'data', hostPath: { path: '/srv' } }]);
  });

  it('drops rollingUpdate when the Deployment strategy becomes Recreate', () => {
    // The body kubectl apply sends.
    const patch = { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' } } };
    const result = applyStrategicMergePatch(liveDeployment(), patch, deployment) as KubeObject;
    assert.deepEqual(result.spec.strategy, { type: 'Recreate' });
    const retainOnly = applyStrategicMergePatch(liveDeployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, deployment);
    assert.deepEqual((retainOnly as KubeObject).spec.strategy, { type: 'Recreate' });
  });

  it('rejects a patch key missing from $retainKeys with 400', () => {
    const patch = { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: {} } } };
    assertPatchError(() => applyStrategicMergePatch(liveDeployment(), patch, deployment), 400, 'invalid patch format of retainKeys');
  });

  it('deletes keys set to null and merges maps', () => {
    const result = applyStrategicMergePatch(livePod(), { metadata: { labels: { app: null, tier: 'fe' } }, status: null }, pod) as KubeObject;
    assert.deepEqual(result.metadata.labels, { tier: 'fe' });
    assert.equal('status' in result, false);
  });

  it('replaces a map with $patch: replace and empties it with $patch: delete', () => {
    const replaced = applyStrategicMergePatch(livePod(), { metadata: { labels: { $patch: 'replace', env: 'prod' } } }, pod) as KubeObject;
    assert.deepEqual(replaced.metadata.labels, { env: 'prod' });
    const emptied = applyStrategicMergePatch(livePod(), { metadata: { labels: { $patch: 'delete' } } }, pod) as KubeObject;
    assert.deepEqual(emptied.metadata.labels, {});
  });

  it('replaces a merging list with a $patch: replace element', () => {
    const patch = { spec: { containers: [{ name: 'only', image: 'busybox' }, { $patch: 'replace' }] } };
    assert.deepEqual((applyStrategicMergePatch(livePod(), patch, pod) as KubeObject).spec.containers, [{ name: 'only', image: 'busybox' }]);
  });

  it('replaces lists without a merge strategy (tolerations)', () => {
    const patch = { spec: { tolerations: [{ key: 'k2', operator: 'Exists' }] } };
    assert.deepEqual((applyStrategicMergePatch(livePod(), patch, pod) as KubeObject).spec.tolerations, [{ key: 'k2', operator: 'Exists' }]);
  });

  it('merges status conditions by type, Service ports by port and Node addresses by type', () => {
    const conditions = (applyStrategicMergePatch(livePod(), { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, pod) as KubeObject).status.conditions;
    assert.deepEqual(conditions, [{ type: 'Ready', status: 'True' }, { type: 'Initialized', status: 'True' }]);

    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } };
    const ports = (applyStrategicMergePatch(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }, service) as KubeObject).spec.ports;
    assert.deepEqual(ports, [{ port: 80, targetPort: 9090 }, { port: 443 }]);

    const n = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'n' }] } };
    const addresses = (applyStrategicMergePatch(n, { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.2' }] } }, node) as KubeObject).status.addresses;
    assert.deepEqual(addresses, [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: 'n' }]);
  });

  it('merges ownerReferences by uid', () => {
    const live = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ownerReferences: [{ uid: 'a', kind: 'ReplicaSet', name: 'rs', apiVersion: 'apps/v1' }] } };
    const patch = { metadata: { ownerReferences: [{ uid: 'a', blockOwnerDeletion: true }, { uid: 'b', kind: 'Job', name: 'j', apiVersion: 'batch/v1' }] } };
    const refs = (applyStrategicMergePatch(live, patch, pod) as KubeObject).metadata.ownerReferences;
    assert.deepEqual(refs, [
      { uid: 'a', kind: 'ReplicaSet', name: 'rs', apiVersion: 'apps/v1', blockOwnerDeletion: true },
      { uid: 'b', kind: 'Job', name: 'j', apiVersion: 'batch/v1' },
    ]);
  });

  it('follows templates down to the containers of a CronJob', () => {
    const live = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: {
      containers: [{ name: 'main', image: 'busybox', env: [{ name: 'A', value: '1' }] }],
    } } } } } };
    const patch = { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'main', env: [{ name: 'B', value: '2' }] }] } } } } } };
    const containers = (applyStrategicMergePatch(live, patch, cronJob) as KubeObject).spec.jobTemplate.spec.template.spec.containers;
    // B is new, so it goes before the live-only A.
    assert.deepEqual(containers, [{ name: 'main', image: 'busybox', env: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }] }]);
  });

  it('falls back to merge-patch semantics for kinds it has no strategies for', () => {
    const live = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', labels: { a: '1' } }, spec: { containers: [{ name: 'x', image: 'a' }] } };
    const patch = { metadata: { labels: { b: '2' } }, spec: { containers: [{ name: 'y' }] } };
    assert.deepEqual(applyStrategicMergePatch(live, patch, widget), {
      apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', labels: { a: '1', b: '2' } }, spec: { containers: [{ name: 'y' }] },
    });
  });

  it('strips nulls and directives from values that have nothing to merge into', () => {
    const live = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} };
    const patch = { spec: { '$setElementOrder/containers': [{ name: 'a' }], containers: [{ name: 'a', image: 'x', args: null }, { name: 'b', $patch: 'delete' }] } };
    assert.deepEqual((applyStrategicMergePatch(live, patch, pod) as KubeObject).spec, { containers: [{ name: 'a', image: 'x' }] });
  });

  it('reports upstream\'s errors', () => {
    assertPatchError(() => applyStrategicMergePatch(livePod(), { spec: { containers: [{ image: 'x' }] } }, pod), 500,
      'map: map[image:x] does not contain declared merge key: name');
    assertPatchError(() => applyStrategicMergePatch(livePod(), { spec: { containers: [{ name: 'app', $patch: 'merge' }] } }, pod), 500,
      'merging lists cannot yet be specified in the patch');
    assertPatchError(() => applyStrategicMergePatch(livePod(), { metadata: { labels: { $patch: 'merge' } } }, pod), 500,
      'unknown patch type: merge in map: map[$patch:merge]');
    assertPatchError(() => applyStrategicMergePatch(livePod(), { metadata: { $deleteFromPrimitiveListfinalizers: ['a'] } }, pod), 400,
      'invalid patch format of primitive list');
    assertPatchError(() => applyStrategicMergePatch(livePod(), [1], pod), 400,
      'json: cannot unmarshal array into Go value of type map[string]interface {}');
    assertPatchError(() => applyStrategicMergePatch(livePod(), { metadata: { finalizers: [['x']] } }, pod), 500,
      'list element types are not identical: [[a.example.com/x b.example.com/y] [[x]]]');
    const noFinalizers = { ...livePod(), metadata: { name: 'web', finalizers: [] } };
    assertPatchError(() => applyStrategicMergePatch(noFinalizers, { metadata: { finalizers: [['x']] } }, pod), 422, 'lists of lists are not supported');
  });

  it('never mutates its inputs', () => {
    const live = deepFreeze(livePod());
    const patch = deepFreeze({ metadata: { labels: { app: null } }, spec: { containers: [{ name: 'app', env: [{ name: 'A', $patch: 'delete' }] }] } });
    const result = applyStrategicMergePatch(live, patch, pod) as KubeObject;
    assert.deepEqual(result.spec.containers[0].env, [{ name: 'B', value: '2' }]);
    assert.deepEqual(live, livePod());
  });
});

describe('patch strategies', () => {
  it('resolves list strategies through templates', () => {
    assert.deepEqual(strategyFor(deployment, ['spec', 'template', 'spec', 'containers']), { mergeList: true, mergeKey: 'name', retainKeys: false, type: 'Container' });
    assert.equal(strategyFor(deployment, ['spec', 'template', 'spec', 'containers', 'ports']).mergeKey, 'containerPort');
    assert.equal(strategyFor(deployment, ['spec', 'template', 'spec', 'containers', 'volumeMounts']).mergeKey, 'mountPath');
    assert.equal(strategyFor(cronJob, ['spec', 'jobTemplate', 'spec', 'template', 'spec', 'initContainers', 'env']).mergeKey, 'name');
    const volumes = strategyFor(pod, ['spec', 'volumes']);
    assert.equal(volumes.mergeKey, 'name');
    assert.equal(volumes.retainKeys, true);
    assert.equal(strategyFor(deployment, ['spec', 'strategy']).retainKeys, true);
    assert.deepEqual(strategyFor(pod, ['metadata', 'finalizers']), { mergeList: true, retainKeys: false });
    assert.equal(strategyFor(pod, ['spec', 'tolerations']).mergeList, false);
    assert.equal(strategyFor(widget, ['spec', 'containers']).mergeList, false);
  });
});

describe('server-side apply', () => {
  it('creates the object when nothing is live', () => {
    const applied: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } };
    assert.deepEqual(applyServerSideApply(undefined, applied, { group: '', version: 'v1', kind: 'ConfigMap' }), applied);
  });

  it('merges the applied configuration into the live object by merge keys', () => {
    const applied: KubeObject = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } } },
    };
    const result = applyServerSideApply(deepFreeze(liveDeployment()), applied, deployment);
    assert.equal(result.metadata.uid, 'd1');
    assert.equal(result.spec.replicas, 3);
    assert.deepEqual(result.spec.template.spec.containers, [
      { name: 'nginx', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent' },
      // Known simplification: without managedFields nothing the configuration omits is pruned.
      { name: 'sidecar', image: 'busybox', command: ['sleep', '3600'] },
    ]);
  });

  it('keeps only the applied member of retainKeys unions', () => {
    const applied: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { strategy: { type: 'Recreate' } } };
    assert.deepEqual(applyServerSideApply(liveDeployment(), applied, deployment).spec.strategy, { type: 'Recreate' });

    const appliedPod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { volumes: [{ name: 'data', hostPath: { path: '/srv' } }] } };
    assert.deepEqual(applyServerSideApply(livePod(), appliedPod, pod).spec.volumes, [{ name: 'data', hostPath: { path: '/srv' } }]);
  });
});

describe('Go value formatting in messages', () => {
  it('renders values as Go\'s %v does', () => {
    assert.equal(goValueString({ b: [1, 'x'], a: null, c: { d: true } }), 'map[a:<nil> b:[1 x] c:map[d:true]]');
    assert.equal(goValueString(1500000.5), '1.5000005e+06');
    assert.equal(goValueString(0.00001), '1e-05');
  });
});
