// bench/services: the service proxy's data plane and its reaction time, with the isolated runtime
// (root on Linux, nftables). One pod serving HTTP behind a ClusterIP Service; prints requests/s and
// latency (keep-alive, 32 connections, from the node) through the ClusterIP and to the pod IP directly,
// and the time from a readiness change (the pod reported not ready) to the proxy no longer sending
// traffic (connections to the ClusterIP refused).
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { KubeObject } from '../src/api/object.js';
import type { ResourceRef } from '../src/client/resource-ref.js';
import { removeNodeNetworking } from '../src/cli/node-networking.js';
import { killContainers } from '../test/support/cluster.js';
import { freePort, kubeconfigClient, pct, startNanokube, stop, summary, until } from './support.js';

const refs = {
  pods: { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true },
  services: { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true },
} satisfies Record<string, ResourceRef>;
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const flips = Number(process.env.BENCH_FLIPS ?? 5);
const octet = 100 + Math.floor(Math.random() * 100);

/** Keep-alive HTTP load for `seconds` from `connections` concurrent clients: requests/s and latencies. */
async function load(host: string, port: number, secs: number): Promise<{ rps: number; latencies: number[]; errors: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + secs * 1000;
  const client = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      const ok = await new Promise<boolean>((resolve) => {
        http.get({ host, port, path: '/', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode === 200));
        }).on('error', () => resolve(false));
      });
      if (ok) latencies.push(performance.now() - t);
      else errors++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: connections }, client));
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  return { rps: latencies.length / elapsed, latencies, errors };
}

/** Whether a TCP connection to host:port is refused (not accepted, not timing out). */
function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.setTimeout(1000, () => s.destroy());
    s.on('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
    s.on('close', () => resolve(false));
  });
}

function podReady(pod: KubeObject | undefined): boolean {
  return !!pod?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-bench-services-'));
  const flag = path.join(dataDir, 'ready');
  fs.writeFileSync(flag, '');
  const port = await freePort();
  const nodeName = 'bench-services';
  const { proc } = await startNanokube(['up', '--data-dir', dataDir, '--port', String(port), '--node-name', nodeName, '--runtime', 'isolated',
    '--cluster-cidr', `10.${octet}.0.0/16`, '--service-cluster-ip-range', `10.${octet + 1}.0.0/16`, '--ingress-http-port', '0', '--ingress-https-port', '0'], port);
  const client = kubeconfigClient(path.join(dataDir, 'kubeconfig'));
  try {
    const server = "require('http').createServer((q,s)=>s.end('ok')).listen(9376)";
    await client.create(refs.pods, 'default', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{
          name: 'web', image: 'node', command: ['node', '-e', server],
          readinessProbe: { exec: { command: ['test', '-f', flag] }, periodSeconds: 1, failureThreshold: 1, successThreshold: 1 },
        }],
      },
    });
    const svc = await client.create(refs.services, 'default', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 9376 }] },
    });
    const clusterIP: string = svc.spec.clusterIP;
    const podIP = await until('the pod to be ready', async () => {
      const p = await client.get(refs.pods, 'default', 'web');
      return podReady(p) ? (p.status.podIP as string) : undefined;
    }, 120_000, 50);
    await until('the ClusterIP to answer', async () => ((await load(clusterIP, 80, 0.2)).latencies.length ? true : undefined), 60_000, 50);

    await load(podIP, 9376, 1); // warm-up
    // Alternating rounds, best of each: the machine is shared, and load elsewhere skews a single run.
    const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
    const best = (a: Awaited<ReturnType<typeof load>> | undefined, b: Awaited<ReturnType<typeof load>>) => (!a || b.rps > a.rps ? b : a);
    let direct: Awaited<ReturnType<typeof load>> | undefined;
    let viaService: Awaited<ReturnType<typeof load>> | undefined;
    for (let r = 0; r < rounds; r++) {
      direct = best(direct, await load(podIP, 9376, seconds));
      viaService = best(viaService, await load(clusterIP, 80, seconds));
    }
    if (!direct || !viaService) throw new Error('no rounds');
    console.log(`HTTP keep-alive, ${connections} connections, ${seconds} s per run, best of ${rounds} alternating runs, from the node:`);
    console.log(`  pod IP directly:  ${direct.rps.toFixed(0)} req/s, ${summary(direct.latencies)}, ${direct.errors} errors`);
    console.log(`  through ClusterIP: ${viaService.rps.toFixed(0)} req/s, ${summary(viaService.latencies)}, ${viaService.errors} errors`);
    console.log(`  ratio ClusterIP / direct: ${(viaService.rps / direct.rps).toFixed(2)}`);

    // Readiness flips: the probe fails (file removed); from the moment the pod is reported not ready,
    // how long until the proxy refuses connections to the Service (it has no other endpoint).
    const afterNotReady: number[] = [];
    const afterChange: number[] = [];
    for (let i = 0; i < flips; i++) {
      const t0 = performance.now();
      fs.rmSync(flag);
      let tNotReady = 0;
      const watchPod = (async () => {
        await until('the pod to be not ready', async () => (!podReady(await client.get(refs.pods, 'default', 'web')) ? true : undefined), 60_000, 10);
        tNotReady = performance.now();
      })();
      await until('connections to be refused', async () => ((await refused(clusterIP, 80)) ? true : undefined), 60_000, 2);
      const tRefused = performance.now();
      await watchPod;
      afterNotReady.push(Math.max(0, tRefused - tNotReady));
      afterChange.push(tRefused - t0);
      fs.writeFileSync(flag, '');
      await until('the ClusterIP to answer again', async () => ((await load(clusterIP, 80, 0.05)).latencies.length ? true : undefined), 60_000, 50);
    }
    const s = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return `median ${pct(sorted, 50).toFixed(0)} ms, max ${sorted[sorted.length - 1].toFixed(0)} ms`;
    };
    console.log(`Readiness change to proxy update (${flips} flips, probe period 1 s, failureThreshold 1):`);
    console.log(`  pod reported not ready → ClusterIP refuses connections: ${s(afterNotReady)}`);
    console.log(`  probe file removed → ClusterIP refuses connections (includes the probe period): ${s(afterChange)}`);
  } finally {
    await stop(proc);
    killContainers(dataDir);
    await removeNodeNetworking(nodeName, path.join(dataDir, 'node'));
    fs.rmSync(dataDir, { recursive: true, force: true });
    client.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
