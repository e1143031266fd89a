// The Ingress controller nanokube runs on every node, driven by the real kubectl and real HTTP, TLS and
// WebSocket clients: the seed's wildcard-host example, TLS certificates chosen by SNI (and renewed) with
// the HTTP→HTTPS redirect, load-balancing that follows readiness, cookie affinity, WebSockets, limits
// against bad clients, a taken port that leaves the node running, and the data plane's processes.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import WebSocket from 'ws';
import { TestCluster, repoRoot, waitFor, type KubectlVersion } from '../support/cluster.js';
import { freePort } from '../../bench/support.js';
import { createCertificateAuthority, issueCertificate } from '../../src/apiserver/pki.js';

let cluster: TestCluster;
let backendScript: string;
let httpPort: number;
let httpsPort: number;

// A backend pod: answers with its name and what it was sent, echoes WebSocket messages, and has a
// readiness endpoint the test flips with POST /unready and /ready.
const backendSource = `
const http = require('http');
const { WebSocketServer } = require('ws');
const name = process.env.NAME;
let ready = true;
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') { res.writeHead(ready ? 200 : 500); return res.end(); }
  if (req.method === 'POST' && (req.url === '/unready' || req.url === '/ready')) { ready = req.url === '/ready'; return res.end(); }
  if (req.url === '/slow') {
    let n = 0;
    const t = setInterval(() => { res.write('chunk' + n + '\\n'); if (++n === 10) { clearInterval(t); res.end(); } }, 300);
    return;
  }
  let bytes = 0;
  req.on('data', (d) => (bytes += d.length));
  req.on('end', () => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ name, url: req.url, headers: req.headers, bytes }));
  });
});
new WebSocketServer({ server }).on('connection', (ws) => ws.on('message', (m) => ws.send(name + ':' + m)));
server.listen(Number(process.env.PORT), () => console.log(name + ' listening on ' + process.env.PORT));
`;

before(async () => {
  cluster = await TestCluster.start();
  backendScript = path.join(cluster.dataDir, 'ingress-backend.js');
  fs.writeFileSync(backendScript, backendSource);
  // The node's ingress starts in the background and publishes its ports on the Node.
  const node = await waitFor('the ingress ports on the node', async () => {
    const n = JSON.parse(await cluster.ok('1.33', ['get', 'nodes', '-o', 'json'])).items[0];
    return n?.metadata.annotations?.['ingress.nanokube.io/https-port'] ? n : undefined;
  }, 60_000, 200);
  httpPort = Number(node.metadata.annotations['ingress.nanokube.io/http-port']);
  httpsPort = Number(node.metadata.annotations['ingress.nanokube.io/https-port']);
  assert.ok(httpPort > 0 && httpsPort > 0, `ingress ports on the node: ${JSON.stringify(node.metadata.annotations)}`);
  assert.match(cluster.output, new RegExp(`nanokube ingress on node \\S+: http://127\\.0\\.0\\.1:${httpPort} https://127\\.0\\.0\\.1:${httpsPort}`));
});

after(async () => {
  await cluster?.destroy();
});

async function apply(v: KubectlVersion, ...objs: unknown[]): Promise<void> {
  await cluster.apply(v, objs);
}

/** A backend pod (labels app=<app>) serving on a free port named "http", with a readiness probe. */
async function backendPod(name: string, app: string): Promise<{ name: string; port: number }> {
  const port = await freePort();
  await apply('1.33', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app } },
    spec: { containers: [{
      name: 'web', image: 'node', command: ['node', backendScript],
      env: [{ name: 'NAME', value: name }, { name: 'PORT', value: String(port) }, { name: 'NODE_PATH', value: path.join(repoRoot, 'node_modules') }],
      ports: [{ name: 'http', containerPort: port }],
      readinessProbe: { httpGet: { path: '/healthz', port }, periodSeconds: 1, failureThreshold: 1, successThreshold: 1 },
    }] },
  });
  return { name, port };
}

function service(name: string, app: string): unknown {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] } };
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json?: any;
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 4 });

function request(host: string, urlPath: string, opts: { port?: number; method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: opts.port ?? httpPort, path: urlPath, method: opts.method ?? 'GET', agent: keepAlive,
      headers: { Host: host, ...opts.headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        let json: any;
        try {
          json = JSON.parse(body);
        } catch {
          // an error page
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Pids of the ingress data plane processes whose parent is pid. */
function dataPlaneProcesses(pid: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('data-plane-worker.js')) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out.sort((a, b) => a - b);
}

/** Whether a process is gone (or a zombie waiting to be reaped). */
function gone(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].startsWith('Z');
  } catch {
    return true;
  }
}

async function podReady(name: string): Promise<boolean> {
  const pod = JSON.parse(await cluster.ok('1.33', ['get', 'pod', name, '-o', 'json']));
  return (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
}

describe('ingress', { concurrency: true }, () => {
  test('the seed wildcard-host example routes foo.bar.com/bar to service1 and *.foo.com/foo to service2', async () => {
    await backendPod('service1-pod', 'service1');
    await backendPod('service2-pod', 'service2');
    await apply('1.33', service('service1', 'service1'), service('service2', 'service2'));
    await cluster.ok('1.27', ['apply', '-f', path.join(repoRoot, 'examples', 'seed', 'ingress-wildcard-host.yaml')]);
    await waitFor('both backends ready', async () => (await podReady('service1-pod')) && (await podReady('service2-pod')), 90_000, 300);

    // status.loadBalancer.ingress carries the node's address, as kubectl shows it.
    for (const v of ['1.27', '1.33'] as const) {
      const out = await waitFor('the Ingress address', async () => {
        const o = await cluster.ok(v, ['get', 'ingress', 'ingress-wildcard-host']);
        return /127\.0\.0\.1/.test(o) ? o : undefined;
      }, 30_000, 300);
      assert.match(out, /ingress-wildcard-host\s+<none>\s+foo\.bar\.com,\*\.foo\.com\s+127\.0\.0\.1\s+80\s+/);
    }
    const classes = await cluster.ok('1.33', ['get', 'ingressclass', 'nanokube', '-o', 'json']);
    assert.equal(JSON.parse(classes).spec.controller, 'nanokube.io/ingress');
    assert.equal(JSON.parse(classes).metadata.annotations['ingressclass.kubernetes.io/is-default-class'], 'true');

    const cases: [host: string, urlPath: string, want: string | 404][] = [
      ['foo.bar.com', '/bar', 'service1-pod'],
      ['foo.bar.com', '/bar/baz?q=1', 'service1-pod'],
      ['FOO.bar.com:80', '/bar', 'service1-pod'],
      ['foo.bar.com', '/barbaz', 404],
      ['foo.bar.com', '/foo', 404],
      ['bar.foo.com', '/foo', 'service2-pod'],
      ['baz.foo.com', '/foo/x', 'service2-pod'],
      ['foo.com', '/foo', 404],
      ['baz.bar.foo.com', '/foo', 404],
      ['unknown.org', '/bar', 404],
    ];
    await waitFor('routes in place', async () => (await request('foo.bar.com', '/bar')).json?.name === 'service1-pod', 30_000, 200);
    for (const [host, urlPath, want] of cases) {
      const r = await request(host, urlPath);
      if (want === 404) {
        assert.equal(r.status, 404, `${host}${urlPath}: ${r.body}`);
        assert.match(r.body, /404 Not Found/);
      } else {
        assert.equal(r.status, 200, `${host}${urlPath}: ${r.body}`);
        assert.equal(r.json.name, want, `${host}${urlPath}`);
        assert.equal(r.json.url, urlPath);
      }
    }
    // What the backend sees: the client's Host, and the X-Forwarded headers.
    const seen = (await request('foo.bar.com', '/bar', { headers: { 'X-Forwarded-For': '203.0.113.7' } })).json;
    assert.equal(seen.headers.host, 'foo.bar.com');
    assert.equal(seen.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
    assert.equal(seen.headers['x-forwarded-host'], 'foo.bar.com');
    // Bodies stream both ways.
    const big = Buffer.alloc(8 * 1024 * 1024, 'x');
    const up = await request('foo.bar.com', '/bar', { method: 'POST', body: big });
    assert.equal(up.json.bytes, big.length);

    // A Service with no ready endpoint is a 503; the backend port by name works too.
    await apply('1.33', service('nobody', 'nobody'), {
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'empty' },
      spec: { rules: [{ host: 'empty.test', http: { paths: [
        { path: '/', pathType: 'Prefix', backend: { service: { name: 'nobody', port: { number: 80 } } } },
        { path: '/named', pathType: 'Exact', backend: { service: { name: 'service1', port: { name: 'web' } } } },
      ] } }] },
    });
    await waitFor('the empty Service to answer 503', async () => (await request('empty.test', '/x')).status === 503, 30_000, 200);
    assert.equal((await request('empty.test', '/named')).json?.name, 'service1-pod');
    assert.equal((await request('empty.test', '/named/x')).status, 503);
  });

  test('TLS: two Secrets for two hosts, each served by SNI; others get the default certificate; HTTP redirects with 308', async () => {
    await backendPod('tls-pod', 'tls');
    await apply('1.33', service('tls-svc', 'tls'));
    const ca = createCertificateAuthority('ingress-e2e-ca');
    const dir = fs.mkdtempSync(path.join(cluster.dataDir, 'tls-'));
    for (const host of ['a.tls.test', 'b.tls.test']) {
      const kp = issueCertificate(ca, { commonName: host, dnsNames: [host], server: true });
      fs.writeFileSync(path.join(dir, `${host}.crt`), kp.certPem);
      fs.writeFileSync(path.join(dir, `${host}.key`), kp.keyPem);
      const v = host.startsWith('a') ? '1.27' : '1.33';
      await cluster.ok(v, ['create', 'secret', 'tls', `${host.split('.')[0]}-tls`, '--cert', path.join(dir, `${host}.crt`), '--key', path.join(dir, `${host}.key`)]);
    }
    const backend = { service: { name: 'tls-svc', port: { number: 80 } } };
    await apply('1.33', {
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'tls' },
      spec: {
        ingressClassName: 'nanokube',
        tls: [{ hosts: ['a.tls.test'], secretName: 'a-tls' }, { hosts: ['b.tls.test'], secretName: 'b-tls' }],
        rules: ['a.tls.test', 'b.tls.test'].map((host) => ({ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } })),
      },
    });
    await waitFor('tls-pod ready', () => podReady('tls-pod'), 90_000, 300);
    const peer = (servername?: string) => new Promise<tls.PeerCertificate>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: httpsPort, servername, ca: ca.certPem, rejectUnauthorized: false }, () => {
        const c = s.getPeerCertificate();
        s.end();
        resolve(c);
      });
      s.on('error', reject);
    });
    await waitFor('a.tls.test served with its Secret', async () => (await peer('a.tls.test')).subject?.CN === 'a.tls.test', 30_000, 200);
    assert.equal((await peer('b.tls.test')).subject.CN, 'b.tls.test');
    assert.equal((await peer('other.tls.test')).subject.CN, 'nanokube ingress default certificate');
    assert.equal((await peer()).subject.CN, 'nanokube ingress default certificate');

    // A verified HTTPS request through the ingress, by SNI and with the cluster's CA.
    const reply = await new Promise<any>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: httpsPort, path: '/hello', servername: 'b.tls.test', ca: ca.certPem, headers: { Host: 'b.tls.test' } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(body) }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.json.name, 'tls-pod');
    assert.equal(reply.json.headers['x-forwarded-proto'], 'https');

    const redirect = await request('a.tls.test', '/path?x=1');
    assert.equal(redirect.status, 308);
    assert.equal(redirect.headers.location, `https://a.tls.test:${httpsPort}/path?x=1`);

    // A renewed certificate in the Secret is served to new connections.
    const before = (await peer('b.tls.test')).fingerprint256;
    const renewed = issueCertificate(ca, { commonName: 'b.tls.test', dnsNames: ['b.tls.test'], server: true });
    fs.writeFileSync(path.join(dir, 'renewed.crt'), renewed.certPem);
    fs.writeFileSync(path.join(dir, 'renewed.key'), renewed.keyPem);
    const secret = await cluster.ok('1.33', ['create', 'secret', 'tls', 'b-tls', '--cert', path.join(dir, 'renewed.crt'), '--key', path.join(dir, 'renewed.key'), '--dry-run=client', '-o', 'json']);
    await apply('1.33', JSON.parse(secret));
    const want = new crypto.X509Certificate(renewed.certPem).fingerprint256;
    assert.notEqual(want, before);
    await waitFor('the renewed certificate served', async () => (await peer('b.tls.test')).fingerprint256 === want, 30_000, 200);
  });

  test('load-balancing follows readiness within 1 s; cookie affinity sticks to a ready pod', async () => {
    const pods = [await backendPod('rr-a', 'rr'), await backendPod('rr-b', 'rr')];
    await apply('1.33', service('rr', 'rr'), {
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'rr' },
      spec: { rules: [{ host: 'rr.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'rr', port: { name: 'web' } } } }] } }] },
    }, {
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'sticky', annotations: { 'ingress.nanokube.io/affinity': 'cookie' } },
      spec: { rules: [{ host: 'sticky.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'rr', port: { number: 80 } } } }] } }] },
    });
    const names = async (host: string, n: number, headers: Record<string, string> = {}) => {
      const seen = new Map<string, number>();
      for (let i = 0; i < n; i++) {
        const r = await request(host, '/', { headers });
        const k = r.json?.name ?? String(r.status);
        seen.set(k, (seen.get(k) ?? 0) + 1);
      }
      return seen;
    };
    await waitFor('both rr pods to receive traffic', async () => (await names('rr.test', 10)).size === 2 && [...(await names('rr.test', 10)).keys()].every((k) => k.startsWith('rr-')), 90_000, 300);

    // Affinity: the first answer sets INGRESSCOOKIE; with it, every request goes to the same pod.
    const first = await request('sticky.test', '/');
    const cookie = String(first.headers['set-cookie']?.[0] ?? '').split(';')[0];
    assert.match(cookie, /^INGRESSCOOKIE=[0-9a-f]+$/);
    const sticky = await names('sticky.test', 20, { Cookie: cookie });
    assert.deepEqual([...sticky.entries()], [[first.json.name, 20]]);

    // rr-a fails its readiness probe: once its endpoint is not ready, no request reaches it after 1 s.
    const client = cluster.client();
    const podA = JSON.parse(await cluster.ok('1.33', ['get', 'pod', 'rr-a', '-o', 'json']));
    let lastA = 0;
    let notReadyAt = 0;
    let stop = false;
    const traffic = (async () => {
      while (!stop) {
        const r = await request('rr.test', '/');
        if (r.json?.name === 'rr-a') lastA = Date.now();
      }
    })();
    const direct = await new Promise<number>((resolve, reject) => {
      http.request({ host: podA.status.podIP, port: pods[0].port, path: '/unready', method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject).end();
    });
    assert.equal(direct, 200);
    await waitFor('rr-a not ready in its EndpointSlice', async () => {
      const slices = await client.list({ group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true }, 'default', { labelSelector: 'kubernetes.io/service-name=rr' });
      const a = slices.items.flatMap((s: any) => s.endpoints ?? []).find((e: any) => e.targetRef?.name === 'rr-a');
      if (a && a.conditions?.ready === false) notReadyAt = Date.now();
      return notReadyAt > 0;
    }, 60_000, 50);
    await new Promise((r) => setTimeout(r, 1_500));
    stop = true;
    await traffic;
    client.close();
    assert.ok(lastA - notReadyAt < 1_000, `rr-a still answered ${lastA - notReadyAt} ms after it was marked not ready`);
    const after = await names('rr.test', 100);
    assert.deepEqual([...after.entries()], [['rr-b', 100]]);
    // The sticky client moves to the ready pod if its own went away.
    const moved = await names('sticky.test', 5, { Cookie: cookie });
    assert.deepEqual([...moved.keys()], ['rr-b']);

    // Ready again: traffic comes back.
    await new Promise<void>((resolve, reject) => {
      http.request({ host: podA.status.podIP, port: pods[0].port, path: '/ready', method: 'POST' }, (res) => {
        res.resume();
        resolve();
      }).on('error', reject).end();
    });
    await waitFor('rr-a back in rotation', async () => (await names('rr.test', 10)).has('rr-a'), 30_000, 200);
  });

  test('a WebSocket echo works through the ingress; open connections and slow responses survive Ingress changes', async () => {
    await backendPod('ws-pod', 'ws');
    await apply('1.33', service('ws', 'ws'), {
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'ws' },
      spec: { rules: [{ host: 'ws.test', http: { paths: [{ path: '/socket', pathType: 'Exact', backend: { service: { name: 'ws', port: { number: 80 } } } }] } }] },
    });
    await waitFor('ws-pod ready', () => podReady('ws-pod'), 90_000, 300);
    await waitFor('the ws route', async () => (await request('ws.test', '/socket')).json?.name === 'ws-pod', 30_000, 200);
    const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/socket`, { headers: { Host: 'ws.test' } });
    const replies: string[] = [];
    const received = (n: number) => new Promise<void>((resolve, reject) => {
      const check = () => (replies.length >= n ? resolve() : undefined);
      ws.on('message', check);
      ws.on('error', reject);
      check();
    });
    ws.on('message', (m) => replies.push(String(m)));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    for (const m of ['one', 'two', 'x'.repeat(200_000)]) ws.send(m);
    await received(3);
    assert.deepEqual(replies.slice(0, 2), ['ws-pod:one', 'ws-pod:two']);
    assert.equal(replies[2], `ws-pod:${'x'.repeat(200_000)}`);

    // A slow streamed response (3 s) in flight while the Ingress changes and is then deleted.
    await apply('1.33', {
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'ws-slow' },
      spec: { rules: [{ host: 'slow.test', http: { paths: [{ path: '/slow', pathType: 'Exact', backend: { service: { name: 'ws', port: { number: 80 } } } }] } }] },
    });
    await waitFor('the slow route', async () => (await request('slow.test', '/nothing')).status === 404 && (await request('slow.test', '/slow')).status === 200, 30_000, 200);
    const slow = request('slow.test', '/slow');
    await cluster.ok('1.27', ['patch', 'ingress', 'ws-slow', '--type', 'json', '-p', JSON.stringify([{ op: 'replace', path: '/spec/rules/0/http/paths/0/path', value: '/other' }])]);
    await waitFor('the change applied', async () => (await request('slow.test', '/slow')).status === 404, 30_000, 100);
    await cluster.ok('1.33', ['delete', 'ingress', 'ws-slow', 'ws']);
    const done = await slow;
    assert.equal(done.status, 200);
    assert.equal(done.body, Array.from({ length: 10 }, (_, i) => `chunk${i}\n`).join(''));
    // The open WebSocket still echoes after its Ingress is gone; new connections get 404.
    ws.send('three');
    await received(4);
    assert.equal(replies[3], 'ws-pod:three');
    ws.close();
    await waitFor('the ws route gone', async () => (await request('ws.test', '/socket')).status === 404, 30_000, 100);
  });

  test('limits: huge headers are refused with 431; a slowloris client does not stall others and is cut off with 408', async () => {
    // 20 KiB of headers (the limit is 16 KiB), on a raw socket so that the answer is read whatever happens.
    const huge = await new Promise<string>((resolve, reject) => {
      const s = net.connect(httpPort, '127.0.0.1', () => s.write(`GET / HTTP/1.1\r\nHost: nothing.test\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`));
      let got = '';
      s.on('data', (d) => (got += d));
      s.on('close', () => resolve(got));
      s.on('error', (e) => (got ? resolve(got) : reject(e)));
    });
    assert.match(huge, /^HTTP\/1\.1 431 /);
    // A malformed request is answered 400 and its connection closed.
    const malformed = await new Promise<string>((resolve, reject) => {
      const s = net.connect(httpPort, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: nothing.test\r\nNo colon here\r\n\r\n'));
      let got = '';
      s.on('data', (d) => (got += d));
      s.on('close', () => resolve(got));
      s.on('error', (e) => (got ? resolve(got) : reject(e)));
    });
    assert.match(malformed, /^HTTP\/1\.1 400 /);
    // A client that never finishes its headers: other requests are answered meanwhile.
    const slow = net.connect(httpPort, '127.0.0.1');
    let slowGot = '';
    const slowClosed = new Promise((r) => slow.once('close', r));
    slow.on('data', (d) => (slowGot += d));
    slow.on('error', () => {});
    await new Promise((r) => slow.once('connect', r));
    const t0 = Date.now();
    slow.write('GET / HTTP/1.1\r\nHost: nothing.test\r\nX-Slow: ');
    const r = await request('nothing.test', '/');
    assert.equal(r.status, 404);
    // …and it is sent 408 and closed once the header deadline (20 s) passes.
    await slowClosed;
    assert.match(slowGot, /^HTTP\/1\.1 408 /);
    assert.ok(Date.now() - t0 < 40_000, `slow client held for ${Date.now() - t0} ms`);
  });

  test('a node whose ingress port is taken still joins and serves HTTPS, and says why HTTP is missing', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const taken = (blocker.address() as net.AddressInfo).port;
    const agent = cluster.startAgent('ingress-port-taken', ['--ingress-http-port', String(taken)]);
    try {
      await waitFor('the agent to join', () => agent.output.includes('joined'), 60_000, 200);
      await waitFor('the agent to say why HTTP is missing', () => agent.output.includes('nanokube ingress on node'), 60_000, 200);
      assert.match(agent.output, new RegExp(`cannot serve HTTP on 127\\.0\\.0\\.1:${taken}: (listen|bind) EADDRINUSE`));
      assert.match(agent.output, /nanokube ingress on node ingress-port-taken: http unavailable https:\/\/127\.0\.0\.1:\d+/);
      const node = await waitFor('the node annotated with its HTTPS port', async () => {
        const n = JSON.parse(await cluster.ok('1.33', ['get', 'node', 'ingress-port-taken', '-o', 'json']));
        return n.metadata.annotations?.['ingress.nanokube.io/https-port'] ? n : undefined;
      }, 30_000, 300);
      assert.equal(node.metadata.annotations['ingress.nanokube.io/http-port'], undefined);
      assert.equal(agent.proc.exitCode, null);
      // Stopping the agent stops its data plane processes.
      const workers = dataPlaneProcesses(agent.proc.pid!);
      assert.ok(workers.length > 0, 'the agent has data plane processes');
      await agent.kill();
      await waitFor('the stopped agent\'s data plane processes to exit', () => workers.every(gone), 30_000, 100);
    } finally {
      await agent.kill();
      blocker.close();
      await cluster.ok('1.33', ['delete', 'node', 'ingress-port-taken']);
    }
  });

  test('the data plane runs in processes of the agent, one per core: a dead one is replaced, and all die with the agent', async () => {
    const agent = cluster.startAgent('ingress-workers');
    try {
      const line = await waitFor('the agent\'s ingress', () => /nanokube ingress on node ingress-workers: http:\/\/127\.0\.0\.1:(\d+)/.exec(agent.output) ?? undefined, 60_000, 200);
      const port = Number(line[1]);
      const pid = agent.proc.pid!;
      const first = await waitFor('one data plane process per core', () => {
        const w = dataPlaneProcesses(pid);
        return w.length === os.availableParallelism() ? w : undefined;
      }, 30_000, 100);
      const served = async (n: number) => {
        for (let i = 0; i < n; i++) {
          const r = await request('nothing.test', '/', { port });
          if (r.status !== 404 || !r.body.includes('nanokube ingress')) return false;
        }
        return true;
      };
      assert.ok(await served(20));
      process.kill(first[0], 'SIGKILL');
      const replaced = await waitFor('a replacement data plane process', () => {
        const w = dataPlaneProcesses(pid);
        return w.length === first.length && !w.includes(first[0]) ? w : undefined;
      }, 30_000, 100);
      assert.match(agent.output, new RegExp(`data plane process ${first[0]} exited \\(SIGKILL\\); starting another`));
      // The port stays served throughout (the others kept serving; the new one serves the same port).
      await waitFor('requests answered by every data plane process', () => served(40), 30_000, 200);
      // An agent killed outright takes its data plane processes with it.
      await agent.kill('SIGKILL');
      await waitFor('the killed agent\'s data plane processes to exit', () => replaced.every(gone), 30_000, 100);
    } finally {
      await agent.kill();
      await cluster.ok('1.33', ['delete', 'node', 'ingress-workers']);
    }
  });
});
