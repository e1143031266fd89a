// The ingress data plane in-process, against real local backends: pooled keep-alive connections,
// retry past a refused endpoint, 502/504 from dead and hanging backends, and hop-by-hop headers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { KubeObject } from '../../src/api/object.js';
import { IngressProxy } from '../../src/ingress/http-proxy.js';
import { RouteTable } from '../../src/ingress/route-table.js';
import { RoutingSnapshot } from '../../src/ingress/routing-snapshot.js';
import { createHttpListener, defaultListenerLimits, listen, close } from '../../src/ingress/ingress-listeners.js';

let backend: http.Server;
let backendPort: number;
let backendConnections = 0;
let hang: net.Server;
let hangPort: number;
let refusedPort: number;
let proxy: IngressProxy;
let server: http.Server;
let port: number;

function ingress(host: string, service: string): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: service, namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: { rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } }] } }] },
  };
}

function slice(ports: number[]): KubeObject[] {
  return ports.map((p) => ({
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `s${p}`, namespace: 'default' },
    addressType: 'IPv4', ports: [{ port: p, protocol: 'TCP' }], endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
  }));
}

function get(host: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/x', headers: { Host: host, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).on('error', reject);
  });
}

before(async () => {
  backend = http.createServer((req, res) => {
    res.setHeader('Connection', 'keep-alive, X-Hop');
    res.setHeader('X-Hop', 'must not pass');
    res.end(JSON.stringify({ headers: req.headers }));
  });
  backend.on('connection', () => backendConnections++);
  backendPort = ((await listen(backend, 0, '127.0.0.1')) as { port: number }).port;
  hang = net.createServer(() => {}).listen(0, '127.0.0.1');
  await new Promise((r) => hang.once('listening', r));
  hangPort = (hang.address() as net.AddressInfo).port;
  const tmp = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => tmp.once('listening', r));
  refusedPort = (tmp.address() as net.AddressInfo).port;
  await new Promise((r) => tmp.close(r));

  const table = new RouteTable([ingress('ok.test', 'ok'), ingress('retry.test', 'retry'), ingress('dead.test', 'dead'), ingress('hang.test', 'hang')]);
  const endpoints: Record<string, number[]> = { ok: [backendPort], retry: [refusedPort, backendPort], dead: [refusedPort], hang: [hangPort] };
  const snapshot = new RoutingSnapshot(table, {
    service: (ns, name) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { ports: [{ port: 80 }] } }),
    slices: (_ns, name) => slice(endpoints[name] ?? []),
  });
  proxy = new IngressProxy({ snapshot: () => snapshot, httpsPort: () => undefined }, { connectMs: 1_000, idleMs: 500 });
  server = createHttpListener(proxy, defaultListenerLimits);
  port = ((await listen(server, 0, '127.0.0.1')) as { port: number }).port;
});

after(async () => {
  await close(server, 100);
  proxy.close();
  backend.closeAllConnections();
  await new Promise((r) => backend.close(r));
  await new Promise((r) => hang.close(r));
});

test('sequential requests reuse one pooled backend connection', async () => {
  const before = backendConnections;
  for (let i = 0; i < 50; i++) assert.equal((await get('ok.test')).status, 200);
  assert.equal(backendConnections - before, 1);
});

test('hop-by-hop headers are dropped both ways; X-Forwarded-* are set', async () => {
  const r = await get('ok.test', { Connection: 'X-Client-Hop', 'X-Client-Hop': 'secret', 'Keep-Alive': 'timeout=5' });
  assert.equal(r.headers['x-hop'], undefined);
  const seen = JSON.parse(r.body).headers;
  assert.equal(seen['x-client-hop'], undefined);
  assert.equal(seen['keep-alive'], undefined);
  assert.equal(seen.host, 'ok.test');
  assert.equal(seen['x-forwarded-for'], '127.0.0.1');
  assert.equal(seen['x-forwarded-port'], String(port));
});

test('a refused endpoint is skipped for a request without a body', async () => {
  for (let i = 0; i < 6; i++) assert.equal((await get('retry.test')).status, 200);
});

test('a dead backend is a 502, a hanging one a 504 after the idle timeout, and nothing matching a 404', async () => {
  assert.equal((await get('dead.test')).status, 502);
  const t0 = Date.now();
  assert.equal((await get('hang.test')).status, 504);
  assert.ok(Date.now() - t0 < 5_000);
  assert.equal((await get('none.test')).status, 404);
});
