// NamespaceLifecycle admission with its watched namespace cache: no content in a missing or terminating
// namespace (Events excepted), and a namespace is usable the moment its create returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../src/storage/memory.js';
import { defaultRegistry } from '../../src/api/registry.js';
import { ResourceService } from '../../src/apiserver/resource-service.js';
import { NamespaceLifecycle } from '../../src/apiserver/admission/namespace-lifecycle.js';
import { ApiError } from '../../src/api/status.js';

async function code(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (e) {
    if (e instanceof ApiError) return e.code;
    throw e;
  }
}

test('creates need a namespace that exists and is not terminating', async () => {
  const registry = defaultRegistry();
  const service = new ResourceService(new MemoryStore(), registry);
  service.addAdmission(new NamespaceLifecycle(() => service, registry));
  const namespaces = registry.resource('', 'v1', 'namespaces')!;
  const configmaps = registry.resource('', 'v1', 'configmaps')!;
  const events = registry.resource('', 'v1', 'events')!;
  const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });

  assert.equal(await code(service.create(configmaps, 'nowhere', cm('a'))), 404);
  for (const name of ['one', 'two', 'three']) {
    await service.create(namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    assert.equal(await code(service.create(configmaps, name, cm('a'))), 200, name);
  }
  // The namespace finalizer keeps it, terminating, after the delete.
  await service.delete(namespaces, '', 'two', {});
  assert.equal(await code(service.create(configmaps, 'two', cm('b'))), 403);
  const event = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e' }, involvedObject: { kind: 'ConfigMap', namespace: 'two', name: 'a' }, reason: 'R', message: 'm' };
  assert.equal(await code(service.create(events, 'two', event)), 200);
  assert.equal(await code(service.create(configmaps, 'one', cm('b'))), 200);
});
