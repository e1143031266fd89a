// Thousands of mutated and malformed requests: every one gets a Status (never a 500 or a dropped
// connection), the server keeps answering, and objects stored before are untouched.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import YAML from 'yaml';
import { startControlPlane, type ControlPlane } from '../../src/cli/control-plane.js';
import { repoRoot } from '../support/cluster.js';
import { rawRequest } from '../support/raw-http.js';

let cp: ControlPlane;
let dataDir: string;
const agent = new https.Agent({ keepAlive: true, maxSockets: 8 });

before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-fuzz-'));
  cp = await startControlPlane({ dataDir, port: 0, bindAddress: '127.0.0.1' });
});

after(async () => {
  agent.destroy();
  await cp?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

// A small deterministic PRNG so a failure can be replayed.
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const seeds = fs.readdirSync(path.join(repoRoot, 'examples', 'seed'))
  .map((f) => YAML.parse(fs.readFileSync(path.join(repoRoot, 'examples', 'seed', f), 'utf8')));

const collectionPath = (obj: any, ns = 'fuzz') => {
  const [group, version] = String(obj?.apiVersion ?? 'v1').includes('/') ? String(obj.apiVersion).split('/') : ['', obj?.apiVersion ?? 'v1'];
  const plural = String(obj?.kind ?? 'pod').toLowerCase().replace(/y$/, 'ie') + 's';
  const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
  return `${base}/namespaces/${ns}/${plural}`;
};

// A URL path segment for any value; a lone surrogate (which encodeURIComponent rejects) becomes U+FFFD, as in a URL parser.
const pathSegment = (v: unknown) => encodeURIComponent(String(v).replace(/[\ud800-\udfff]/gu, '\ufffd'));

const weird = ['', ' ', '../../etc/passwd', 'a'.repeat(300), 'UPPER', '名前', '-x-', 'x'.repeat(64), '\u0000', '%2e%2e', '{}', 'null'];
const values = [null, 0, -1, 1e308, true, 'str', [], {}, [1, 2], { a: { b: { c: {} } } }, 'x'.repeat(70000), '\ud800'];
// A fresh copy each time: a shared {} put in two places (or into itself) would make the body circular.
const pick = (rnd: () => number) => structuredClone(values[Math.floor(rnd() * values.length)]);

function mutate(obj: any, rnd: () => number): any {
  const copy = JSON.parse(JSON.stringify(obj));
  const n = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < n; i++) {
    // Walk to a random node and change, delete or replace something there.
    let node = copy;
    for (let depth = 0; depth < 6 && node && typeof node === 'object'; depth++) {
      const keys = Object.keys(node);
      if (keys.length === 0 || rnd() < 0.3) break;
      const k = keys[Math.floor(rnd() * keys.length)];
      if (node[k] && typeof node[k] === 'object' && rnd() < 0.7) node = node[k];
      else break;
    }
    if (!node || typeof node !== 'object') continue;
    const keys = Object.keys(node);
    const choice = rnd();
    if (choice < 0.3 && keys.length) delete node[keys[Math.floor(rnd() * keys.length)]];
    else if (choice < 0.7 && keys.length) node[keys[Math.floor(rnd() * keys.length)]] = pick(rnd);
    else node[`f${Math.floor(rnd() * 5)}`] = pick(rnd);
  }
  if (rnd() < 0.2) copy.metadata = { ...(copy.metadata ?? {}), name: weird[Math.floor(rnd() * weird.length)] };
  if (rnd() < 0.1) copy.metadata = { ...(copy.metadata ?? {}), labels: { big: 'v'.repeat(Math.floor(rnd() * 200)) } };
  return copy;
}

const acceptable = new Set([200, 201, 202, 400, 404, 405, 409, 413, 415, 422]);

test('the API server survives thousands of mutated and malformed requests', { timeout: 600_000 }, async (t) => {
  const token = cp.adminToken;
  const req = (method: string, p: string, body?: Buffer | string, headers: Record<string, string> = {}) =>
    rawRequest(cp.url, cp.caPem, token, method, p, body, headers, agent);
  await req('POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fuzz' } }), { 'Content-Type': 'application/json' });
  // Objects that must come through untouched.
  const kept: { path: string; rv: string; body: string }[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await req('POST', '/api/v1/namespaces/fuzz/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `keep-${i}` }, data: { i: String(i) } }), { 'Content-Type': 'application/json' });
    assert.equal(r.status, 201, r.body);
    const obj = JSON.parse(r.body);
    kept.push({ path: `/api/v1/namespaces/fuzz/configmaps/keep-${i}`, rv: obj.metadata.resourceVersion, body: JSON.stringify(obj) });
  }

  const rnd = prng(20261125);
  const contentTypes = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf', 'text/plain', 'application/merge-patch+json', ''];
  const counts = new Map<number, number>();
  const total = 3000;
  for (let i = 0; i < total; i++) {
    const seed = seeds[Math.floor(rnd() * seeds.length)];
    const obj = mutate(seed, rnd);
    const kind = rnd();
    let method = 'POST';
    let p = collectionPath(seed);
    let body: Buffer | string = JSON.stringify(obj);
    let ct = 'application/json';
    if (kind < 0.08) body = Buffer.from(Array.from({ length: Math.floor(rnd() * 512) }, () => Math.floor(rnd() * 256)));
    else if (kind < 0.14) body = body.slice(0, Math.floor(rnd() * body.length));
    else if (kind < 0.18) ct = contentTypes[Math.floor(rnd() * contentTypes.length)];
    else if (kind < 0.22) { body = YAML.stringify(obj); ct = 'application/yaml'; }
    else if (kind < 0.30) { method = 'PUT'; p = `${collectionPath(seed)}/${pathSegment(obj?.metadata?.name ?? 'x')}`; }
    else if (kind < 0.40) {
      method = 'PATCH';
      p = `/api/v1/namespaces/fuzz/configmaps/keep-${Math.floor(rnd() * 20)}`;
      ct = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'][Math.floor(rnd() * 4)];
      // Patches that must be rejected, so the kept objects stay as they were.
      body = rnd() < 0.5 ? JSON.stringify([{ op: 'test', path: '/data/i', value: 'never' }, { op: 'replace', path: '/data/i', value: 'changed' }]) : '{"metadata":{"name":"renamed"}';
    } else if (kind < 0.44) { method = 'GET'; p = `/api/v1/namespaces/fuzz/pods?labelSelector=${encodeURIComponent(weird[Math.floor(rnd() * weird.length)])}&fieldSelector=${encodeURIComponent('spec.x=' + rnd())}`; }
    else if (kind < 0.46) { body = 'x'.repeat(3 * 1024 * 1024 + 10); }
    else if (kind < 0.48) { method = 'DELETE'; p = `/api/v1/namespaces/fuzz/pods/${encodeURIComponent(weird[Math.floor(rnd() * weird.length)])}`; body = '{"propagationPolicy":"Sideways"}'; }
    const r = await req(method, p, method === 'GET' ? undefined : body, ct ? { 'Content-Type': ct } : {});
    counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
    assert.ok(acceptable.has(r.status), `request ${i} ${method} ${p} (${ct}) got ${r.status}: ${r.body.slice(0, 300)}`);
    if (r.status >= 400) {
      const status = JSON.parse(r.body);
      assert.equal(status.kind, 'Status', `request ${i}: error replies are Status objects`);
      assert.equal(status.code, r.status);
    }
  }
  const ready = await rawRequest(cp.url, cp.caPem, undefined, 'GET', '/readyz');
  assert.equal(ready.status, 200);
  for (const k of kept) {
    const r = await req('GET', k.path);
    assert.equal(r.status, 200);
    const obj = JSON.parse(r.body);
    assert.equal(obj.metadata.resourceVersion, k.rv, `${k.path} unchanged`);
    assert.equal(JSON.stringify(obj), k.body);
  }
  const summary = [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([c, n]) => `${c}:${n}`).join(' ');
  t.diagnostic(summary);
  assert.ok((counts.get(201) ?? 0) > 0 && (counts.get(422) ?? 0) > 0 && (counts.get(400) ?? 0) > 0, `a mix of outcomes: ${summary}`);
});
