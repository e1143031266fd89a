// The ingress data plane in-process, against real local backends: pooled keep-alive connections,
// retry past a refused endpoint, 502/504 from dead and hanging backends, hop-by-hop headers, chunked
// uploads streamed through, HEAD, and a raw backend's informational and close-delimited answers.
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
let raw: net.Server;
let rawPort: number;
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
    if (req.url === '/echo') {
      // Streams the body back as it arrives, with what framing it came in.
      res.setHeader('X-Request-Framing', req.headers['transfer-encoding'] ?? `length ${req.headers['content-length']}`);
      return void req.pipe(res);
    }
    res.setHeader('Connection', 'keep-alive, X-Hop');
    res.setHeader('X-Hop', 'must not pass');
    res.end(JSON.stringify({ headers: req.headers }));
  });
  backend.on('connection', () => backendConnections++);
  backendPort = ((await listen(backend, 0, '127.0.0.1')) as { port: number }).port;
  // Reads what it is sent (so that it sees the ingress hang up) and never answers.
  hang = net.createServer((s) => s.resume()).listen(0, '127.0.0.1');
  await new Promise((r) => hang.once('listening', r));
  hangPort = (hang.address() as net.AddressInfo).port;
  // A backend answering 103 Early Hints first, then a body delimited by closing the connection.
  raw = net.createServer((s) => s.once('data', () => s.end('HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nX-Raw: 1\r\n\r\nuntil the end'))).listen(0, '127.0.0.1');
  await new Promise((r) => raw.once('listening', r));
  rawPort = (raw.address() as net.AddressInfo).port;
  const tmp = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => tmp.once('listening', r));
  refusedPort = (tmp.address() as net.AddressInfo).port;
  await new Promise((r) => tmp.close(r));

  const table = new RouteTable([ingress('ok.test', 'ok'), ingress('retry.test', 'retry'), ingress('dead.test', 'dead'), ingress('hang.test', 'hang'), ingress('raw.test', 'raw')]);
  const endpoints: Record<string, number[]> = { ok: [backendPort], retry: [refusedPort, backendPort], dead: [refusedPort], hang: [hangPort], raw: [rawPort] };
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
  await new Promise((r) => raw.close(r));
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

test('a chunked upload streams through and back as it goes (each piece echoed before the next is sent), the backend seeing it chunked', async () => {
  const piece = 64 * 1024;
  const parts = Array.from({ length: 20 }, (_, i) => Buffer.alloc(piece, 97 + (i % 26)));
  const r = await new Promise<{ framing: unknown; body: Buffer }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/echo', method: 'POST', headers: { Host: 'ok.test', 'Transfer-Encoding': 'chunked' } }, (res) => {
      const got: Buffer[] = [];
      let bytes = 0;
      res.on('data', (d: Buffer) => {
        got.push(d);
        bytes += d.length;
        // A proxy that buffered either way would never echo a piece before the upload ends: this would hang.
        if (bytes === sent * piece) next();
      });
      res.on('end', () => resolve({ framing: res.headers['x-request-framing'], body: Buffer.concat(got) }));
    });
    req.on('error', reject);
    let sent = 0;
    const next = () => (sent < parts.length ? req.write(parts[sent++]) : req.end());
    next();
  });
  assert.equal(r.framing, 'chunked');
  assert.ok(r.body.equals(Buffer.concat(parts)), `echoed ${r.body.length} bytes`);
  // A Content-Length body keeps its length.
  const sized = await new Promise<unknown>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/echo', method: 'PUT', headers: { Host: 'ok.test' } }, (res) => {
      res.resume();
      resolve(res.headers['x-request-framing']);
    });
    req.on('error', reject);
    req.end(Buffer.alloc(1000));
  });
  assert.equal(sized, 'length 1000');
});

test('clients keep their connection alive across requests', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let connections = 0;
  const count = () => connections++;
  server.on('connection', count);
  try {
    for (let i = 0; i < 10; i++) {
      await new Promise<void>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: '/x', agent, headers: { Host: 'ok.test' } }, (res) => {
          assert.equal(res.headers.connection, 'keep-alive');
          res.resume();
          res.on('end', resolve);
        }).on('error', reject);
      });
    }
  } finally {
    server.off('connection', count);
    agent.destroy();
  }
  assert.equal(connections, 1);
});

test('HEAD gets headers only and leaves the pooled connection usable', async () => {
  const before = backendConnections;
  const head = await new Promise<{ status: number; length?: string; bytes: number }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/x', method: 'HEAD', headers: { Host: 'ok.test' } }, (res) => {
      let bytes = 0;
      res.on('data', (d) => (bytes += d.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, length: res.headers['content-length'], bytes }));
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(head.status, 200);
  assert.equal(head.bytes, 0);
  for (let i = 0; i < 5; i++) assert.equal((await get('ok.test')).status, 200);
  assert.equal(backendConnections - before, 0);
});

test('a backend\'s informational answer is passed over and a close-delimited body arrives whole', async () => {
  const r = await get('raw.test');
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-raw'], '1');
  assert.equal(r.body, 'until the end');
});
