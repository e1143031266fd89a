// bench/ingress: requests/s and p50/p99 latency of small GETs straight to a Node HTTP backend, through
// nanokube's ingress (a real `nanokube up`, an Ingress → selectorless Service → EndpointSlice to the
// backend), and through nginx configured as a keep-alive reverse proxy to the same backend when nginx is
// installed. Two loads: saturation (BENCH_CONNS keep-alive connections, default 32) and a moderate paced
// load (BENCH_RATE requests/s over 4 connections, default 2,000) for the latency the proxy adds.
// The load generator runs in its own process (this file with --load) so it does not share a thread.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, kubeconfigClient, pct, startNanokube, stop } from './support.js';
import { removeNodeNetworking } from '../src/cli/node-networking.js';
import type { ResourceRef } from '../src/client/resource-ref.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const saturationConns = Number(process.env.BENCH_CONNS ?? 32);
const moderateRate = Number(process.env.BENCH_RATE ?? 2000);
const host = 'bench.ingress.test';

interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  latencies: number[];
}

/** The load generator: raw keep-alive HTTP/1.1 clients (Node's http client would be the bottleneck). */
async function load(port: number, conns: number, durationS: number, rate: number): Promise<LoadResult> {
  const request = Buffer.from(`GET /hello HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  const latencies: number[] = [];
  let requests = 0;
  let errors = 0;
  const start = performance.now();
  const end = start + durationS * 1000;
  const interval = rate > 0 ? (conns * 1000) / rate : 0;
  await Promise.all(Array.from({ length: conns }, (_, i) => new Promise<void>((resolve) => {
    let due = start + (interval * i) / conns;
    // A connection the server closes (keep-alive request limits) is replaced until the run ends.
    const connect = () => {
      const sock = net.connect(port, '127.0.0.1');
      sock.setNoDelay(true);
      let buf = Buffer.alloc(0);
      let sentAt = 0;
      let done = false;
      const send = () => {
        const now = performance.now();
        if (now >= end) {
          done = true;
          return void sock.end();
        }
        if (interval && now < due) return void setTimeout(send, due - now);
        due += interval;
        sentAt = performance.now();
        sock.write(request);
      };
      sock.on('connect', send);
      sock.on('data', (d) => {
        buf = buf.length ? Buffer.concat([buf, d]) : d;
        for (;;) {
          const headEnd = buf.indexOf('\r\n\r\n');
          if (headEnd < 0) return;
          const head = buf.subarray(0, headEnd).toString('latin1');
          const len = /\r\ncontent-length:\s*(\d+)/i.exec(head);
          let total: number;
          if (len) total = headEnd + 4 + Number(len[1]);
          else {
            const last = buf.indexOf('\r\n0\r\n\r\n', headEnd);
            if (last < 0) return;
            total = last + 7;
          }
          if (buf.length < total) return;
          if (!head.startsWith('HTTP/1.1 200')) errors++;
          buf = buf.subarray(total);
          latencies.push(performance.now() - sentAt);
          requests++;
          send();
        }
      });
      sock.on('error', () => errors++);
      sock.on('close', () => {
        if (done || performance.now() >= end) resolve();
        else connect();
      });
    };
    connect();
  })));
  return { requests, errors, seconds: (performance.now() - start) / 1000, latencies };
}

function runLoad(port: number, conns: number, durationS: number, rate: number): Promise<LoadResult> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [self, '--load', String(port), String(conns), String(durationS), String(rate)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load generator exited ${code}`))));
  });
}

const backendSource = `
const http = require('http');
const body = Buffer.from('hello from the backend\\n');
http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
  res.end(body);
}).listen(Number(process.argv[1]), '127.0.0.1', () => console.log('ready'));
`;

function startBackend(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['-e', backendSource, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    p.stdout.once('data', () => resolve(p));
    p.once('exit', (code) => reject(new Error(`backend exited ${code}`)));
  });
}

function nginxConfig(prefix: string, listenPort: number, backendPort: number): string {
  return `worker_processes auto;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  upstream backend { server 127.0.0.1:${backendPort}; keepalive 320; keepalive_requests 1000000; }
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${listenPort};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }
}
`;
}

async function startNginx(dir: string, listenPort: number, backendPort: number): Promise<ChildProcess> {
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(conf, nginxConfig(dir, listenPort, backendPort));
  const p = spawn('nginx', ['-p', dir, '-c', conf], { stdio: 'ignore' });
  await waitForHttp(listenPort);
  return p;
}

function get(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/hello', headers: { Host: host }, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
  });
}

async function waitForHttp(port: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await get(port)) !== 200) {
    if (Date.now() > deadline) throw new Error(`nothing answered 200 on port ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function exposeThroughIngress(kubeconfig: string, backendPort: number): Promise<void> {
  const client = kubeconfigClient(kubeconfig);
  const ref = (group: string, kind: string, plural: string): ResourceRef => ({ group, version: 'v1', kind, plural, namespaced: true });
  await client.create(ref('', 'Service', 'services'), 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'bench' }, spec: { ports: [{ port: 80 }] } });
  await client.create(ref('discovery.k8s.io', 'EndpointSlice', 'endpointslices'), 'default', {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'bench-manual', labels: { 'kubernetes.io/service-name': 'bench' } },
    addressType: 'IPv4', ports: [{ port: backendPort, protocol: 'TCP' }], endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
  });
  await client.create(ref('networking.k8s.io', 'Ingress', 'ingresses'), 'default', {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'bench' },
    spec: { rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'bench', port: { number: 80 } } } }] } }] },
  });
  client.close();
}

interface Row {
  target: string;
  load: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function measure(target: string, port: number): Promise<Row[]> {
  await runLoad(port, saturationConns, 1, 0); // warm-up: connections, pools, JIT
  const rows: Row[] = [];
  for (const [label, conns, rate] of [[`${saturationConns} conns, max`, saturationConns, 0], [`4 conns, ${moderateRate}/s`, 4, moderateRate]] as const) {
    const r = await runLoad(port, conns, seconds, rate);
    const s = r.latencies.sort((a, b) => a - b);
    rows.push({ target, load: label, rps: r.requests / r.seconds, p50: pct(s, 50), p99: pct(s, 99), errors: r.errors });
  }
  return rows;
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-bench-ingress-'));
  const [backendPort, apiPort, ingressPort, nginxPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const backend = await startBackend(backendPort);
  const { proc } = await startNanokube(['up', '--data-dir', path.join(dir, 'data'), '--port', String(apiPort),
    '--ingress-http-port', String(ingressPort), '--ingress-https-port', '0'], apiPort);
  const children: ChildProcess[] = [backend];
  try {
    await exposeThroughIngress(path.join(dir, 'data', 'kubeconfig'), backendPort);
    await waitForHttp(ingressPort);
    const rows = [...await measure('direct', backendPort), ...await measure('nanokube ingress', ingressPort)];
    const hasNginx = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).stdout.trim() !== '';
    if (hasNginx) {
      const nginxDir = path.join(dir, 'nginx');
      fs.mkdirSync(nginxDir);
      children.push(await startNginx(nginxDir, nginxPort, backendPort));
      rows.push(...await measure('nginx', nginxPort));
    }
    console.log(`bench/ingress: ${seconds} s per run, ${os.cpus().length} CPUs shared by load generator, backend and proxy\n`);
    console.log(`${'target'.padEnd(18)}${'load'.padEnd(20)}${'req/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'errors'.padStart(8)}`);
    for (const r of rows) {
      console.log(`${r.target.padEnd(18)}${r.load.padEnd(20)}${r.rps.toFixed(0).padStart(9)}${r.p50.toFixed(2).padStart(9)}${r.p99.toFixed(2).padStart(9)}${String(r.errors).padStart(8)}`);
    }
    const find = (t: string, moderate: boolean) => rows.find((r) => r.target === t && r.load.startsWith('4 conns') === moderate);
    const ing = find('nanokube ingress', false)!;
    const ingModerate = find('nanokube ingress', true)!;
    const directModerate = find('direct', true)!;
    console.log('');
    console.log(`ingress / direct requests/s: ${(ing.rps / find('direct', false)!.rps).toFixed(2)}`);
    console.log(`p99 added by the ingress at ${moderateRate}/s: ${(ingModerate.p99 - directModerate.p99).toFixed(2)} ms`);
    if (hasNginx) {
      const ngx = find('nginx', false)!;
      console.log(`ingress / nginx requests/s: ${(ing.rps / ngx.rps).toFixed(2)} (target ≥ 0.5)`);
      console.log(`p99 added by nginx at ${moderateRate}/s: ${(find('nginx', true)!.p99 - directModerate.p99).toFixed(2)} ms`);
    } else {
      console.log('nginx is not installed (apt-get install nginx-light): no nginx comparison');
    }
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await stop(proc);
    // A node's network outlives its agent by design; a bench's is of no use after it.
    await removeNodeNetworking(os.hostname(), path.join(dir, 'data', 'node'));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--load') {
  const [port, conns, durationS, rate] = process.argv.slice(3).map(Number);
  load(port, conns, durationS, rate).then((r) => process.stdout.write(JSON.stringify(r)), (e) => {
    process.stderr.write(`${e}\n`);
    process.exit(1);
  });
} else {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
