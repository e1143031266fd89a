// pods/proxy and services/proxy through the real kubectl: `kubectl get --raw` and `kubectl proxy` reach
// a pod's HTTP server by pod name and port, and a Service's ready endpoint by its port name.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { kubectlDir, kubectlVersions, TestCluster, waitFor } from '../support/cluster.js';

let c: TestCluster;
let port = 0;

/** Answers "<method> <url> <body>" so the test sees exactly what reached the pod. */
const echoScript = "require('http').createServer((q,s)=>{let b='';q.on('data',d=>b+=d);q.on('end',()=>s.end(q.method+' '+q.url+' '+b))}).listen(Number(process.env.PORT))";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

before(async () => {
  c = await TestCluster.start();
  port = await freePort();
  await c.apply('1.33', [
    {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'echo', labels: { app: 'echo' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{
          name: 'echo', image: 'node', command: ['node', '-e', echoScript], env: [{ name: 'PORT', value: String(port) }],
          ports: [{ name: 'http', containerPort: port }],
          readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 1 },
        }],
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo' }, spec: { selector: { app: 'echo' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nobody' }, spec: { selector: { app: 'none' }, ports: [{ port: 80 }] } },
  ]);
  await waitFor('the echo Service to have an endpoint', async () => {
    const out = await c.ok('1.33', ['get', 'endpoints', 'echo', '-o', 'jsonpath={.subsets[*].addresses[*].ip}']);
    return out.trim() !== '';
  }, 120_000, 250);
});

after(async () => {
  await c?.destroy();
});

for (const v of kubectlVersions) {
  test(`kubectl ${v}: get --raw through pods/proxy and services/proxy`, async () => {
    assert.equal(await c.ok(v, ['get', '--raw', `/api/v1/namespaces/default/pods/echo:${port}/proxy/hello?x=1`]), 'GET /hello?x=1 ');
    assert.equal(await c.ok(v, ['get', '--raw', '/api/v1/namespaces/default/pods/echo:http/proxy/']), 'GET / ');
    assert.equal(await c.ok(v, ['get', '--raw', '/api/v1/namespaces/default/pods/echo/proxy/first-port']), 'GET /first-port ');
    assert.equal(await c.ok(v, ['get', '--raw', '/api/v1/namespaces/default/services/echo:web/proxy/a/b/']), 'GET /a/b/ ');
    assert.equal(await c.ok(v, ['get', '--raw', '/api/v1/namespaces/default/services/http:echo:80/proxy/n']), 'GET /n ');
    const none = await c.kubectl(v, ['get', '--raw', '/api/v1/namespaces/default/services/nobody/proxy/']);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /no endpoints available for service "nobody"/);
    const missing = await c.kubectl(v, ['get', '--raw', '/api/v1/namespaces/default/pods/ghost:80/proxy/']);
    assert.match(missing.stderr, /pods "ghost" not found/);
  });

  test(`kubectl ${v}: kubectl proxy serves the API and proxies to a Service, request bodies included`, async () => {
    const p = spawn(path.join(kubectlDir(), `kubectl.${v}`), ['proxy', '--port=0'], { env: { ...process.env, KUBECONFIG: c.kubeconfig, HOME: c.home } });
    try {
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      const local = await waitFor('kubectl proxy to listen', () => /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(out)?.[1], 30_000, 100);
      const reply = await new Promise<string>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: Number(local), method: 'POST', path: '/api/v1/namespaces/default/services/echo:web/proxy/submit?q=2' }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve(`${res.statusCode} ${body}`));
        });
        req.on('error', reject);
        req.end('payload');
      });
      assert.equal(reply, '200 POST /submit?q=2 payload');
    } finally {
      p.kill();
    }
  });
}
