// bench/api: the API server's speed and memory, measured against a real `nanokube server` process.
// Prints creates/s (16 concurrent keep-alive clients), GET and LIST latency with 10,000 pods stored,
// watch delivery latency with 100 watchers, server RSS idle and loaded, and cold start to /readyz.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, kubeconfigClient, rawLister, rssMiB, startNanokube, stop, summary } from './support.js';
import type { ResourceRef } from '../src/client/resource-ref.js';

const pods: ResourceRef = { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true };
const podCount = Number(process.env.BENCH_PODS ?? 10_000);

function podObject(i: number) {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: `bench-${i}`, labels: { app: 'bench', shard: String(i % 10) }, annotations: { 'example.com/note': 'x'.repeat(200) } },
    // Bound to a node that never joins: the control plane stores them but nothing runs them.
    spec: { nodeName: 'bench-absent-node', containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'], ports: [{ containerPort: 8080 }], env: [{ name: 'A', value: 'b' }] }] },
  };
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-bench-api-'));
  const port = await freePort();
  // First start creates keys; the cold start measured is the second.
  let { proc } = await startNanokube(['server', '--data-dir', dataDir, '--port', String(port)], port);
  await stop(proc);
  const started = await startNanokube(['server', '--data-dir', dataDir, '--port', String(port)], port);
  proc = started.proc;
  const client = kubeconfigClient(path.join(dataDir, 'kubeconfig'), 16);
  await new Promise((r) => setTimeout(r, 2000));
  const idleRss = rssMiB(proc.pid!);

  // Creates: 16 concurrent clients on keep-alive connections.
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < podCount) await client.create(pods, 'default', podObject(next++));
  }));
  const createSecs = (performance.now() - t0) / 1000;
  const loadedRss = rssMiB(proc.pid!);

  const gets: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t = performance.now();
    await client.get(pods, 'default', `bench-${Math.floor(Math.random() * podCount)}`);
    gets.push(performance.now() - t);
  }
  // LIST: the server's latency (request → last byte, on a kept-alive connection) and, as a client sees
  // it, with the 10,000-item JSON parsed.
  const served: number[] = [];
  const raw = rawLister(path.join(dataDir, 'kubeconfig'));
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    const bytes = await raw.list('/api/v1/namespaces/default/pods');
    served.push(performance.now() - t);
    if (bytes < podCount * 100) throw new Error(`list returned only ${bytes} bytes`);
  }
  raw.close();
  const lists: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    const l = await client.list(pods, 'default');
    lists.push(performance.now() - t);
    if (l.items.length !== podCount) throw new Error(`list returned ${l.items.length}`);
  }

  // Watch delivery: 100 watchers; each update carries its send time.
  const latencies: number[] = [];
  const watchers = [];
  let ready = 0;
  for (let w = 0; w < 100; w++) {
    watchers.push(client.watch(pods, 'default', { fieldSelector: 'metadata.name=bench-0', resourceVersion: '0' }, (ev) => {
      if (ev.type === 'ADDED') ready++;
      const sent = Number(ev.object.metadata.annotations?.['bench/sent']);
      if (ev.type === 'MODIFIED' && sent) latencies.push(Date.now() - sent);
    }, () => undefined));
  }
  while (ready < 100) await new Promise((r) => setTimeout(r, 10));
  for (let i = 0; i < 100; i++) {
    await client.patch(pods, 'default', 'bench-0', 'merge', { metadata: { annotations: { 'bench/sent': String(Date.now()) } } });
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 500));
  for (const w of watchers) w.stop();
  client.close();
  await stop(proc);
  fs.rmSync(dataDir, { recursive: true, force: true });

  const lines = [
    `bench/api (${os.cpus().length} cores, node ${process.version}, ${podCount} pods)`,
    `cold start to /readyz:        ${started.readyMs.toFixed(0)} ms (target < 1000)`,
    `creates/s (16 clients):       ${(podCount / createSecs).toFixed(0)} (target >= 3000)`,
    `GET pod latency:              ${summary(gets)}`,
    `LIST ${podCount} pods, served:     ${summary(served)} (request → last byte; target < 300 ms)`,
    `LIST ${podCount} pods, parsed:     ${summary(lists)} (with the client's JSON.parse)`,
    `watch delivery, 100 watchers: ${summary(latencies)} over ${latencies.length} events (target p99 < 100 ms)`,
    `server RSS idle:              ${idleRss.toFixed(0)} MiB (target < 120)`,
    `server RSS with ${podCount} pods: ${loadedRss.toFixed(0)} MiB`,
  ];
  console.log(lines.join('\n'));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
