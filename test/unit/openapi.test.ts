import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { defaultRegistry, Registry } from '../../src/api/registry.js';
import { loadSchemas, openapiV2ContentType, openapiV2Protobuf, openapiV3Document, openapiV3Index } from '../../src/apiserver/openapi.js';
import type { Schema } from '../../src/apiserver/openapi-schemas.js';
import { verbsOf } from '../../src/api/resource-type.js';

const registry = defaultRegistry();
const schemas = loadSchemas();

interface Operation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, unknown> };
  'x-kubernetes-action': string;
  'x-kubernetes-group-version-kind': { group: string; version: string; kind: string };
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation | unknown>>;
  components: { schemas: Record<string, Schema> };
}
const methods = ['get', 'put', 'post', 'patch', 'delete'];

function gvPath(group: string, version: string) {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function documentFor(group: string, version: string): Document {
  const doc = openapiV3Document(registry, gvPath(group, version)) as Document | undefined;
  assert.ok(doc, `no document for ${gvPath(group, version)}`);
  return doc;
}

function operations(doc: Document): [string, string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    methods.filter((m) => item[m]).map((m) => [path, m, item[m] as Operation] as [string, string, Operation]));
}

function refsIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refsIn(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

test('the v3 index lists every group version with a hashed URL kubectl can fetch', () => {
  const index = openapiV3Index(registry);
  const expected = registry.groupVersions().map((gv) => gvPath(gv.group, gv.version));
  assert.deepEqual(Object.keys(index.paths), expected);
  assert.ok(expected.includes('api/v1') && expected.includes('apis/apps/v1'));
  for (const [gv, { serverRelativeURL }] of Object.entries(index.paths)) {
    assert.match(serverRelativeURL, new RegExp(`^/openapi/v3/${gv.replace(/\./g, '\\.')}\\?hash=[0-9A-F]{128}$`));
  }
  assert.deepEqual(openapiV3Index(registry), index, 'hashes are stable');
  const hashes = Object.values(index.paths).map((p) => p.serverRelativeURL.split('hash=')[1]);
  assert.equal(new Set(hashes).size, hashes.length, 'each document has its own hash');
});

test('an unknown group version has no document; surrounding slashes are tolerated', () => {
  assert.equal(openapiV3Document(registry, 'apis/nope/v1'), undefined);
  assert.equal(openapiV3Document(registry, '/api/v1/'), openapiV3Document(registry, 'api/v1'));
});

test('every kind has a PATCH operation with its GVK and a fieldValidation query parameter (kubectl 1.29+ server-side validation)', () => {
  for (const { group, version } of registry.groupVersions()) {
    const doc = documentFor(group, version);
    assert.equal(doc.openapi, '3.0.0');
    for (const rt of registry.inGroupVersion(group, version).filter((k) => verbsOf(k).includes('patch'))) {
      const patches = operations(doc).filter(([, m, op]) => m === 'patch'
        && op['x-kubernetes-group-version-kind'].kind === rt.kind && op['x-kubernetes-group-version-kind'].group === group
        && op['x-kubernetes-group-version-kind'].version === version);
      assert.ok(patches.length > 0, `${rt.kind}: no patch operation`);
      for (const [path, , op] of patches) {
        assert.ok(op.parameters?.some((p) => p.name === 'fieldValidation' && p.in === 'query'), `${path}: no fieldValidation`);
        assert.deepEqual(Object.keys(op.requestBody?.content ?? {}).sort(), [
          'application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json']);
      }
    }
  }
});

test('paths follow upstream layout with actions on every operation', () => {
  const core = documentFor('', 'v1');
  const pods = core.paths['/api/v1/namespaces/{namespace}/pods'];
  assert.equal((pods.get as Operation)['x-kubernetes-action'], 'list');
  assert.equal((pods.post as Operation)['x-kubernetes-action'], 'post');
  assert.equal((pods.delete as Operation)['x-kubernetes-action'], 'deletecollection');
  const pod = core.paths['/api/v1/namespaces/{namespace}/pods/{name}'];
  assert.deepEqual(['get', 'put', 'patch', 'delete'].map((m) => (pod[m] as Operation)['x-kubernetes-action']), ['get', 'put', 'patch', 'delete']);
  assert.ok(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/status'].patch);
  assert.ok(core.paths['/api/v1/pods'].get, 'list across namespaces');
  assert.ok(core.paths['/api/v1/nodes/{name}'], 'cluster-scoped kinds have no namespace segment');
  assert.equal(core.paths['/api/v1/namespaces/{namespace}/configmaps/{name}/status'], undefined, 'no status subresource without hasStatus');

  const apps = documentFor('apps', 'v1');
  const scale = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].patch as Operation;
  assert.deepEqual(scale['x-kubernetes-group-version-kind'], { group: 'autoscaling', version: 'v1', kind: 'Scale' });
  assert.ok(apps.components.schemas['io.k8s.api.autoscaling.v1.Scale']);
  for (const [path, method, op] of operations(apps)) {
    assert.ok(op['x-kubernetes-action'], `${method} ${path}: no action`);
    assert.ok(op['x-kubernetes-group-version-kind'], `${method} ${path}: no GVK`);
  }
});

test('a create-only kind (a review) has only its collection path, with POST', () => {
  const doc = documentFor('authorization.k8s.io', 'v1');
  const actions = operations(doc).map(([path, method]) => `${method} ${path}`).sort();
  assert.deepEqual(actions, [
    'post /apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    'post /apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
  ]);
});

test('operations follow the registry verbs', () => {
  const lease = registry.inGroupVersion('coordination.k8s.io', 'v1')[0];
  const readOnly = new Registry([{ ...lease, verbs: ['get', 'list', 'watch'] }]);
  assert.deepEqual(Object.keys(openapiV3Index(readOnly).paths), ['apis/coordination.k8s.io/v1']);
  const doc = openapiV3Document(readOnly, 'apis/coordination.k8s.io/v1') as Document;
  const actions = operations(doc).map(([path, method]) => `${method} ${path}`).sort();
  assert.deepEqual(actions, [
    'get /apis/coordination.k8s.io/v1/leases',
    'get /apis/coordination.k8s.io/v1/namespaces/{namespace}/leases',
    'get /apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}',
  ]);
});

test('each document carries every schema it references, and the kind schemas with their GVK', () => {
  for (const { group, version } of registry.groupVersions()) {
    const doc = documentFor(group, version);
    const names = new Set(Object.keys(doc.components.schemas));
    for (const ref of refsIn(doc)) {
      assert.ok(ref.startsWith('#/components/schemas/') && names.has(ref.slice('#/components/schemas/'.length)), `${gvPath(group, version)}: dangling ${ref}`);
    }
    for (const rt of registry.inGroupVersion(group, version)) {
      const kinds = Object.values(doc.components.schemas).flatMap((s) => s['x-kubernetes-group-version-kind'] ?? []);
      const listed = verbsOf(rt).includes('list');
      for (const kind of listed ? [rt.kind, rt.listKind ?? `${rt.kind}List`] : [rt.kind]) {
        assert.ok(kinds.some((k) => k.kind === kind && k.group === group && k.version === version), `${kind} schema missing`);
      }
    }
    if (!registry.inGroupVersion(group, version).some((k) => verbsOf(k).includes('patch'))) continue;
    for (const shared of ['DeleteOptions', 'Status', 'Patch']) assert.ok(names.has(`io.k8s.apimachinery.pkg.apis.meta.v1.${shared}`));
  }
});

test('generated schemas carry what kubectl explain prints', () => {
  const pod = schemas['io.k8s.api.core.v1.Pod'];
  assert.deepEqual(pod['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Pod', version: 'v1' }]);
  assert.deepEqual(pod.properties?.spec.allOf, [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodSpec' }]);
  assert.match(pod.properties?.spec.description ?? '', /^Specification of the desired behavior of the pod\./);

  const httpGet = schemas['io.k8s.api.core.v1.HTTPGetAction'];
  assert.equal(httpGet.type, 'object');
  assert.deepEqual(httpGet.required, ['port']);
  assert.equal(httpGet.properties?.path.type, 'string');
  assert.equal(httpGet.properties?.path.description, 'Path to access on the HTTP server.');
  assert.deepEqual(httpGet.properties?.port.allOf, [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString' }]);
  assert.match(httpGet.properties?.port.description ?? '', /^Name or number of the port/);
  assert.equal(httpGet.properties?.httpHeaders.type, 'array');
  assert.deepEqual(httpGet.properties?.httpHeaders.items, { $ref: '#/components/schemas/io.k8s.api.core.v1.HTTPHeader' });

  assert.deepEqual(schemas['io.k8s.api.apps.v1.DeploymentSpec'].properties?.replicas, {
    description: schemas['io.k8s.api.apps.v1.DeploymentSpec'].properties?.replicas.description, type: 'integer', format: 'int32' });
  assert.equal(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties?.generation.format, 'int64');
  assert.deepEqual(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties?.labels.additionalProperties, { type: 'string' });
});

test('special types are written as upstream writes them', () => {
  const intOrString = schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString'];
  assert.equal(intOrString.format, 'int-or-string');
  assert.equal(intOrString['x-kubernetes-int-or-string'], true);
  assert.deepEqual(intOrString.oneOf, [{ type: 'integer' }, { type: 'string' }]);
  assert.deepEqual(schemas['io.k8s.apimachinery.pkg.api.resource.Quantity'].oneOf, [{ type: 'string' }, { type: 'number' }]);
  for (const time of ['Time', 'MicroTime']) {
    const s = schemas[`io.k8s.apimachinery.pkg.apis.meta.v1.${time}`];
    assert.equal(s.type, 'string');
    assert.equal(s.format, 'date-time');
  }
  for (const opaque of ['io.k8s.apimachinery.pkg.runtime.RawExtension', 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON']) {
    assert.equal(schemas[opaque]['x-kubernetes-preserve-unknown-fields'], true, opaque);
  }
});

test('descriptions are clean JSDoc text', () => {
  const descriptions = Object.values(schemas).flatMap((s) => [s.description, ...Object.values(s.properties ?? {}).map((p) => p.description)]);
  assert.ok(descriptions.length > 3000);
  for (const d of descriptions) {
    if (d === undefined) continue;
    assert.equal(d, d.trim());
    assert.ok(!d.startsWith('*') && !d.includes('/**') && !d.includes('*/'), d.slice(0, 80));
  }
  // Line breaks inside a comment survive, as in upstream's multi-paragraph descriptions.
  assert.match(schemas['io.k8s.api.core.v1.AppArmorProfile'].properties?.type.description ?? '', /are:\n {2}Localhost - /);
});

test('/openapi/v2 is an empty protobuf document with a content type kubectl parses', () => {
  assert.equal(openapiV2Protobuf().length, 0);
  assert.equal(openapiV2ContentType, 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
});

/** The kubectl.1.NN binaries beside the gcloud kubectl dispatcher on PATH, if installed. */
function kubectlBinary(minor: number): string | undefined {
  const which = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' });
  if (which.status !== 0) return undefined;
  const candidate = join(dirname(realpathSync(which.stdout.trim())), `kubectl.1.${minor}`);
  return existsSync(candidate) ? candidate : undefined;
}

/** A plain-HTTP stub with just what `kubectl explain pod…` asks for: version, legacy discovery, OpenAPI. */
async function startExplainStub(): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://stub').pathname;
    const json = (body: unknown) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === '/version') return json({ major: '1', minor: '33', gitVersion: 'v1.33.0' });
    if (path === '/api') return json({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: 'stub' }] });
    if (path === '/apis') return json({ kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
    if (path === '/api/v1') {
      return json({ kind: 'APIResourceList', groupVersion: 'v1',
        resources: [{ name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'] }] });
    }
    if (path === '/openapi/v2') {
      res.writeHead(200, { 'Content-Type': openapiV2ContentType });
      return res.end(openapiV2Protobuf());
    }
    if (path === '/openapi/v3') return json(openapiV3Index(registry));
    const doc = path.startsWith('/openapi/v3/') && openapiV3Document(registry, path.slice('/openapi/v3/'.length));
    if (doc) return json(doc);
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Runs a command without blocking the event loop that serves the stub. */
function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

for (const minor of [27, 33]) {
  const kubectl = kubectlBinary(minor);
  test(`kubectl 1.${minor} explain prints field descriptions from the v3 document`, { skip: !kubectl && `kubectl.1.${minor} not installed` }, async () => {
    const server = await startExplainStub();
    const home = mkdtempSync(join(tmpdir(), 'nanokube-explain-'));
    try {
      const { port } = server.address() as AddressInfo;
      mkdirSync(join(home, '.kube'));
      writeFileSync(join(home, '.kube', 'config'), [
        'apiVersion: v1', 'kind: Config',
        `clusters: [{name: stub, cluster: {server: "http://127.0.0.1:${port}"}}]`,
        'users: [{name: u, user: {}}]',
        'contexts: [{name: stub, context: {cluster: stub, user: u}}]',
        'current-context: stub', ''].join('\n'));
      const { code, stdout, stderr } = await run(kubectl!, ['explain', 'pod.spec.containers.livenessProbe.httpGet'], { ...process.env, HOME: home });
      assert.equal(code, 0, stderr);
      assert.match(stdout, /KIND:\s+Pod/);
      assert.match(stdout, /FIELD: httpGet <HTTPGetAction>/);
      assert.match(stdout, /HTTPGetAction describes an action based on HTTP Get requests\./);
      assert.match(stdout, /port\t<IntOrString> -required-\n\s+Name or number of the port to access on the container\./);
      assert.match(stdout, /httpHeaders\t<\[\]HTTPHeader>/);
      assert.match(stdout, /path\t<string>\n\s+Path to access on the HTTP server\./);
    } finally {
      server.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
}

test('fields carry upstream strategic-merge tags, through pod templates nested in any kind', () => {
  const props = (name: string) => schemas[name].properties!;
  const tags = (s: Schema) => [s['x-kubernetes-patch-strategy'], s['x-kubernetes-patch-merge-key']];
  assert.deepEqual(tags(props('io.k8s.api.core.v1.PodSpec').containers), ['merge', 'name']);
  assert.deepEqual(tags(props('io.k8s.api.core.v1.PodSpec').volumes), ['merge,retainKeys', 'name']);
  assert.deepEqual(tags(props('io.k8s.api.core.v1.Container').env), ['merge', 'name']);
  assert.deepEqual(tags(props('io.k8s.api.core.v1.Container').ports), ['merge', 'containerPort']);
  assert.deepEqual(tags(props('io.k8s.api.core.v1.ServiceSpec').ports), ['merge', 'port']);
  assert.deepEqual(tags(props('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta').finalizers), ['merge', undefined]);
  assert.deepEqual(tags(props('io.k8s.api.apps.v1.DeploymentSpec').strategy), ['retainKeys', undefined]);
  assert.deepEqual(tags(props('io.k8s.api.batch.v1.JobStatus').conditions), ['merge', 'type']);
  // Plain fields stay plain.
  assert.deepEqual(tags(props('io.k8s.api.core.v1.Container').command), [undefined, undefined]);
});
