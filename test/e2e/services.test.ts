// Pod networking and Services with the isolated runtime (root on Linux, nftables): the seed's
// my-service (port 80 → targetPort 9376) in front of three replicas of a tiny HTTP server that answers
// its pod name; ClusterIP from the node and from inside a pod, service environment variables,
// readiness-driven endpoints, immediate rejection without endpoints, NodePort, LoadBalancer, and pods
// on two nodes (two agents on this machine) reaching each other by pod IP.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot, TestCluster, waitFor, kubectlVersions } from '../support/cluster.js';
import { answers, get } from '../support/service-requests.js';
import { isolatedRuntimeProblem, serviceTableName } from '../../src/cli/node-networking.js';
import { nodeNetworkId } from '../../src/node/network/pod-network.js';

const skip = isolatedRuntimeProblem();
let c: TestCluster;
const v = '1.33' as const;
// No --runtime: as root with nft the isolated runtime is the default, and these tests show it.
const nodeFlags = ['--runtime', 'default'];
const nodeA = os.hostname();

/** The seed's app: answers every request with its pod name; `/` on 9376. */
const serverScript = "require('http').createServer((q,s)=>s.end(process.env.POD_NAME)).listen(9376)";

function appContainer(extra: Record<string, unknown> = {}) {
  return {
    name: 'web', image: 'node', command: ['node', '-e', serverScript],
    env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
    ports: [{ containerPort: 9376 }],
    ...extra,
  };
}

async function podNames(selector: string): Promise<string[]> {
  const out = await c.ok(v, ['get', 'pods', '-l', selector, '-o', 'jsonpath={.items[*].metadata.name}']);
  return out.split(/\s+/).filter(Boolean).sort();
}

async function endpointIps(svc: string): Promise<string[]> {
  const out = await c.ok(v, ['get', 'endpoints', svc, '-o', 'jsonpath={.subsets[*].addresses[*].ip}']);
  return out.split(/\s+/).filter(Boolean).sort();
}

async function podIp(name: string): Promise<string> {
  return waitFor(`pod ${name} IP`, async () => (await c.ok(v, ['get', 'pod', name, '-o', 'jsonpath={.status.podIP}'])).trim() || undefined, 120_000, 250);
}

async function waitRunning(name: string): Promise<void> {
  await waitFor(`pod ${name} Running`, async () => (await c.ok(v, ['get', 'pod', name, '-o', 'jsonpath={.status.phase}'])) === 'Running', 120_000, 250);
}

before(async () => {
  if (skip) return;
  c = await TestCluster.start(nodeFlags);
  await c.ok(v, ['apply', '-f', path.join(repoRoot, 'examples', 'seed', 'service-my-service.yaml')]);
  await c.ok(v, ['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'my-app' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { 'app.kubernetes.io/name': 'MyApp' } },
        template: { metadata: { labels: { 'app.kubernetes.io/name': 'MyApp', tier: 'web' } }, spec: { terminationGracePeriodSeconds: 1, containers: [appContainer()] } },
      },
    }),
  });
  await waitFor('three endpoints of my-service', async () => ((await endpointIps('my-service')).length === 3 ? true : undefined), 120_000, 250);
});

after(async () => {
  await c?.destroy();
});

test('pods get IPs from the node podCIDR; ClusterIP:80 reaches all three pods from the node', { skip, timeout: 180_000 }, async () => {
  const podCidr = (await c.ok(v, ['get', 'node', nodeA, '-o', 'jsonpath={.spec.podCIDR}'])).trim();
  assert.ok(podCidr.startsWith(c.podIpPrefix) && podCidr.endsWith('.0/24'), podCidr);
  const prefix = podCidr.split('.').slice(0, 3).join('.') + '.';
  for (const ip of await endpointIps('my-service')) assert.ok(ip.startsWith(prefix), `${ip} in ${podCidr}`);
  for (const kv of kubectlVersions) {
    const svc = await c.ok(kv, ['get', 'svc', 'my-service']);
    assert.match(svc, new RegExp(`my-service\\s+ClusterIP\\s+${c.serviceIpPrefix.replace(/\./g, '\\.')}\\d+\\.\\d+\\s+<none>\\s+80/TCP`));
    const eps = await c.ok(kv, ['get', 'endpoints', 'my-service']);
    assert.match(eps, /(\d+\.\d+\.\d+\.\d+:9376,?){3}/);
  }
  const clusterIP = (await c.ok(v, ['get', 'svc', 'my-service', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  const names = await podNames('tier=web');
  const seen = await answers(clusterIP, 80, 120);
  assert.deepEqual([...seen.keys()].sort(), names, `answers: ${JSON.stringify([...seen])}`);
});

test('from inside a pod, ClusterIP:80 reaches all three pods; the pod has its own IP and localhost', { skip, timeout: 180_000 }, async () => {
  const clusterIP = (await c.ok(v, ['get', 'svc', 'my-service', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  const names = await podNames('tier=web');
  const script = `const http=require('http');const seen=new Set();let n=0;
    const one=()=>http.get({host:'${clusterIP}',port:80,agent:false},r=>{let b='';r.on('data',d=>b+=d);r.on('end',()=>{seen.add(b);if(++n<90)one();else console.log([...seen].sort().join(' '))})}).on('error',e=>{console.log('error '+e.code);process.exit(1)});
    one();`;
  for (const kv of kubectlVersions) {
    const out = await c.ok(kv, ['exec', names[0], '--', 'node', '-e', script]);
    assert.equal(out.trim(), names.join(' '));
  }
  // Its own address (not the node's), and its server on localhost inside its namespace.
  const ip = await podIp(names[0]);
  const local = await c.ok(v, ['exec', names[0], '--', 'node', '-e', "require('http').get('http://127.0.0.1:9376/',r=>r.pipe(process.stdout))"]);
  assert.equal(local, names[0]);
  const addrs = await c.ok(v, ['exec', names[0], '--', 'node', '-e', "console.log(Object.values(require('os').networkInterfaces()).flat().map(a=>a.address).join(' '))"]);
  assert.ok(addrs.split(/\s+/).includes(ip), `${ip} in ${addrs}`);
});

test('pods created after the Service have MY_SERVICE_SERVICE_HOST and _PORT', { skip, timeout: 120_000 }, async () => {
  const clusterIP = (await c.ok(v, ['get', 'svc', 'my-service', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  await c.ok(v, ['run', 'later', '--image=busybox', '--restart=Never', '--command', '--', 'sleep', '3600']);
  await waitRunning('later');
  const env = await c.ok(v, ['exec', 'later', '--', 'env']);
  assert.match(env, new RegExp(`^MY_SERVICE_SERVICE_HOST=${clusterIP.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(env, /^MY_SERVICE_SERVICE_PORT=80$/m);
  assert.match(env, new RegExp(`^MY_SERVICE_PORT=tcp://${clusterIP.replace(/\./g, '\\.')}:80$`, 'm'));
});

test('a pod whose readiness probe fails leaves the endpoints and gets none of 1000 requests; it comes back when it passes', { skip, timeout: 240_000 }, async () => {
  const flag = path.join(c.dataDir, 'flaky-ready');
  fs.writeFileSync(flag, '');
  await c.ok(v, ['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'flaky', labels: { 'app.kubernetes.io/name': 'MyApp' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [appContainer({ readinessProbe: { exec: { command: ['test', '-f', flag] }, periodSeconds: 1, failureThreshold: 1 } })],
      },
    }),
  });
  const ip = await podIp('flaky');
  await waitFor('flaky in the endpoints', async () => ((await endpointIps('my-service')).includes(ip) ? true : undefined), 120_000, 250);
  const clusterIP = (await c.ok(v, ['get', 'svc', 'my-service', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  await waitFor('flaky answering through the ClusterIP', async () => (await answers(clusterIP, 80, 40)).has('flaky'), 60_000, 100);

  fs.rmSync(flag);
  await waitFor('flaky out of the endpoints', async () => (!(await endpointIps('my-service')).includes(ip) ? true : undefined), 60_000, 250);
  for (const kv of kubectlVersions) {
    const eps = await c.ok(kv, ['get', 'endpoints', 'my-service']);
    assert.ok(!eps.includes(`${ip}:9376`), eps);
  }
  // Once the node's proxy has dropped it (bench/services measures how fast: milliseconds; on a loaded
  // machine other clusters' nft runs can queue ahead), it must get none of 1000 requests.
  const table = serviceTableName(nodeNetworkId(nodeA, path.join(c.dataDir, 'node')));
  await waitFor('the proxy rules to drop flaky', () => {
    const rules = spawnSync('nft', ['list', 'table', 'ip', table], { encoding: 'utf8' });
    return rules.status === 0 && rules.stdout.includes(clusterIP) && !rules.stdout.includes(ip);
  }, 60_000, 100);
  const seen = await answers(clusterIP, 80, 1000);
  assert.equal(seen.get('flaky'), undefined, `flaky got requests: ${JSON.stringify([...seen])}`);
  // The other pods answer. Batches of connection timeouts (5 s without an answer) are seen now and then,
  // also on a quiet machine (cause not found yet; see the closing note): a request that failed is sent
  // again once, and it too must not reach flaky; only one failing twice counts, and a few may.
  const errorsOf = (m: Map<string, number>) => [...m].filter(([k]) => k.startsWith('error')).reduce((n, [, count]) => n + count, 0);
  const again = await answers(clusterIP, 80, errorsOf(seen));
  assert.equal(again.get('flaky'), undefined, `flaky got retried requests: ${JSON.stringify([...again])}`);
  const failed = errorsOf(again);
  assert.ok(failed <= 50, `${failed} of 1000 requests failed twice: first ${JSON.stringify([...seen])}, again ${JSON.stringify([...again])}`);

  fs.writeFileSync(flag, '');
  await waitFor('flaky back in the endpoints', async () => ((await endpointIps('my-service')).includes(ip) ? true : undefined), 60_000, 250);
  await waitFor('flaky answering again', async () => (await answers(clusterIP, 80, 40)).has('flaky'), 60_000, 100);
  await c.ok(v, ['delete', 'pod', 'flaky', '--wait=true']);
});

test('a Service without ready endpoints rejects connections at once', { skip, timeout: 60_000 }, async () => {
  await c.ok(v, ['create', 'service', 'clusterip', 'nobody', '--tcp=80:8080']);
  const clusterIP = (await c.ok(v, ['get', 'svc', 'nobody', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  await waitFor('connection refused', async () => {
    const started = Date.now();
    const err = await new Promise<string>((resolve) => {
      const s = net.connect({ host: clusterIP, port: 80 });
      s.setTimeout(3000, () => s.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      s.on('connect', () => {
        s.destroy();
        resolve('connected');
      });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    return err === 'ECONNREFUSED' && Date.now() - started < 1000;
  }, 30_000, 200);
});

test('a Service without a selector sends traffic to hand-written Endpoints, mirrored into an EndpointSlice', { skip, timeout: 120_000 }, async () => {
  const [target] = await podNames('tier=web');
  const ip = await podIp(target);
  await c.ok(v, ['apply', '-f', '-'], {
    input: [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'by-hand' }, spec: { ports: [{ name: 'web', port: 80, targetPort: 9376 }] } },
      { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'by-hand' }, subsets: [{ addresses: [{ ip }], ports: [{ name: 'web', port: 9376 }] }] },
    ].map((o) => JSON.stringify(o)).join('\n'),
  });
  const slice = await waitFor('the mirrored EndpointSlice', async () => {
    const list = JSON.parse(await c.ok(v, ['get', 'endpointslices', '-l', 'kubernetes.io/service-name=by-hand', '-o', 'json']));
    return list.items[0];
  }, 60_000, 250);
  assert.equal(slice.metadata.labels['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
  assert.deepEqual(slice.endpoints.map((e: any) => e.addresses[0]), [ip]);
  assert.deepEqual(slice.ports, [{ name: 'web', port: 9376, protocol: 'TCP' }]);
  const clusterIP = (await c.ok(v, ['get', 'svc', 'by-hand', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  await waitFor('the ClusterIP to reach the hand-picked pod', async () => {
    const seen = await answers(clusterIP, 80, 10);
    return seen.get(target) === 10 ? true : undefined;
  }, 60_000, 250);
  await c.ok(v, ['delete', 'endpoints', 'by-hand']);
  await waitFor('the mirrored slice to go with its Endpoints', async () => {
    const list = JSON.parse(await c.ok(v, ['get', 'endpointslices', '-l', 'kubernetes.io/service-name=by-hand', '-o', 'json']));
    return list.items.length === 0;
  }, 60_000, 250);
  await c.ok(v, ['delete', 'svc', 'by-hand']);
});

test('NodePort and LoadBalancer Services are published on the node address', { skip, timeout: 120_000 }, async () => {
  const lbPort = 20000 + Math.floor(Math.random() * 9000);
  for (const [name, type, port] of [['my-nodeport', 'NodePort', 80], ['my-lb', 'LoadBalancer', lbPort]] as const) {
    await c.ok(v, ['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1', kind: 'Service', metadata: { name },
        spec: { type, selector: { 'app.kubernetes.io/name': 'MyApp' }, ports: [{ port, targetPort: 9376, protocol: 'TCP' }] },
      }),
    });
  }
  const names = await podNames('tier=web');
  const nodePort = Number(await c.ok(v, ['get', 'svc', 'my-nodeport', '-o', 'jsonpath={.spec.ports[0].nodePort}']));
  assert.ok(nodePort >= 30000 && nodePort <= 32767, String(nodePort));
  await waitFor('NodePort reaching all pods', async () => {
    const seen = await answers('127.0.0.1', nodePort, 60);
    return names.every((n) => seen.has(n)) ? true : undefined;
  }, 60_000, 250);
  const ingress = await waitFor('load balancer ingress', async () => (await c.ok(v, ['get', 'svc', 'my-lb', '-o', 'jsonpath={.status.loadBalancer.ingress[*].ip}'])).trim() || undefined, 60_000, 250);
  assert.equal(ingress, '127.0.0.1');
  assert.match(await c.ok(v, ['get', 'svc', 'my-lb']), new RegExp(`my-lb\\s+LoadBalancer\\s+\\S+\\s+127\\.0\\.0\\.1\\s+${lbPort}:\\d+/TCP`));
  await waitFor('LoadBalancer reaching all pods', async () => {
    const seen = await answers('127.0.0.1', lbPort, 60);
    return names.every((n) => seen.has(n)) ? true : undefined;
  }, 60_000, 250);
});

test('pods on two nodes reach each other by pod IP and through the ClusterIP', { skip, timeout: 240_000 }, async () => {
  c.startAgent('node-b', nodeFlags);
  const cidrB = await waitFor('node-b podCIDR', async () => (await c.ok(v, ['get', 'node', 'node-b', '-o', 'jsonpath={.spec.podCIDR}'])).trim() || undefined, 120_000, 250);
  const cidrA = (await c.ok(v, ['get', 'node', nodeA, '-o', 'jsonpath={.spec.podCIDR}'])).trim();
  assert.notEqual(cidrB, cidrA);
  await c.ok(v, ['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'on-b' },
      spec: { nodeName: 'node-b', terminationGracePeriodSeconds: 1, containers: [appContainer()] },
    }),
  });
  await waitRunning('on-b');
  const ipB = await podIp('on-b');
  assert.ok(ipB.startsWith(cidrB.split('.').slice(0, 3).join('.') + '.'), `${ipB} in ${cidrB}`);
  const [onA] = await podNames('tier=web');
  const ipA = await podIp(onA);
  const fetch = (host: string, port: number) => `const h=require('http');const t=Date.now();(function go(){h.get({host:'${host}',port:${port},agent:false},r=>r.pipe(process.stdout)).on('error',e=>{if(Date.now()-t<20000)setTimeout(go,200);else{console.log('error '+e.code);process.exit(1)}})})()`;
  assert.equal(await c.ok(v, ['exec', onA, '--', 'node', '-e', fetch(ipB, 9376)]), 'on-b');
  assert.equal(await c.ok(v, ['exec', 'on-b', '--', 'node', '-e', fetch(ipA, 9376)]), onA);
  // node-b's proxy serves the ClusterIP to its pods too.
  const clusterIP = (await c.ok(v, ['get', 'svc', 'my-service', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  const viaSvc = await c.ok(v, ['exec', 'on-b', '--', 'node', '-e', fetch(clusterIP, 80)]);
  assert.ok((await podNames('tier=web')).includes(viaSvc), viaSvc);
});

test('cluster DNS: service names, search domains, headless and ExternalName Services', { skip, timeout: 180_000 }, async () => {
  const clusterIP = (await c.ok(v, ['get', 'svc', 'my-service', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  await c.ok(v, ['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1', kind: 'List', items: [
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'my-headless' }, spec: { clusterIP: 'None', selector: { tier: 'web' }, ports: [{ name: 'http', port: 9376 }] } },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'my-external' }, spec: { type: 'ExternalName', externalName: 'backend.example.com' } },
      ],
    }),
  });
  const [pod] = await podNames('tier=web');
  const podIps = (await Promise.all((await podNames('tier=web')).map(podIp))).sort();
  const resolve = (what: string) => c.ok(v, ['exec', pod, '--', 'node', '-e', `const d=require('dns').promises;${what}.then(r=>console.log(JSON.stringify(r)),e=>console.log(JSON.stringify(e.code)))`]);
  assert.equal(JSON.parse(await resolve(`d.resolve4('my-service.default.svc.cluster.local')`)).join(), clusterIP);
  // Short names through the search domains of the pod's resolv.conf (getaddrinfo, as most programs).
  assert.equal(JSON.parse(await resolve(`d.lookup('my-service',{family:4}).then(r=>r.address)`)), clusterIP);
  assert.equal(JSON.parse(await resolve(`d.resolveSrv('_http._tcp.my-headless.default.svc.cluster.local').then(r=>r.map(x=>x.port))`)).join(), '9376');
  await waitFor('headless A records of the three pods', async () => JSON.parse(await resolve(`d.resolve4('my-headless.default.svc.cluster.local')`)).sort?.().join() === podIps.join(), 30_000, 500);
  assert.deepEqual(JSON.parse(await resolve(`d.resolveCname('my-external.default.svc.cluster.local')`)), ['backend.example.com']);
  assert.equal(JSON.parse(await resolve(`d.resolve4('nothing-here.default.svc.cluster.local')`)), 'ENOTFOUND');
  // The service by name, over HTTP, from inside the pod.
  const body = await c.ok(v, ['exec', pod, '--', 'node', '-e', "require('http').get('http://my-service.default.svc.cluster.local/',r=>r.pipe(process.stdout))"]);
  assert.ok((await podNames('tier=web')).includes(body), body);
  const resolvConf = await c.ok(v, ['exec', pod, '--', 'cat', '/etc/resolv.conf']);
  assert.match(resolvConf, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local$/m);
  assert.match(resolvConf, /^options ndots:5$/m);
});

test('two hostNetwork pods on one port: the second fails with a PortConflict event', { skip, timeout: 120_000 }, async () => {
  const port = 21000 + Math.floor(Math.random() * 8000);
  const listen = (name: string) => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: {
      hostNetwork: true, restartPolicy: 'Never', terminationGracePeriodSeconds: 1,
      containers: [{ name: 'web', image: 'node', command: ['node', '-e', `require('http').createServer((q,s)=>s.end('${name}')).listen(${port})`] }],
    },
  });
  await c.ok(v, ['apply', '-f', '-'], { input: JSON.stringify(listen('hn-first')) });
  await waitRunning('hn-first');
  await waitFor('hn-first listening on the node', async () => (await get('127.0.0.1', port)).body === 'hn-first', 60_000, 200);
  await c.ok(v, ['apply', '-f', '-'], { input: JSON.stringify(listen('hn-second')) });
  await waitFor('hn-second Failed', async () => (await c.ok(v, ['get', 'pod', 'hn-second', '-o', 'jsonpath={.status.phase}'])) === 'Failed', 60_000, 250);
  const events = await waitFor('the PortConflict event', async () => {
    const out = await c.ok(v, ['get', 'events', '--field-selector', 'involvedObject.name=hn-second']);
    return /PortConflict/.test(out) ? out : undefined;
  }, 30_000, 250);
  assert.match(events, /Container web failed: a port it listens on is already in use on node/);
  await c.ok(v, ['delete', 'pod', 'hn-first', 'hn-second', '--wait=true']);
});

test('sessionAffinity ClientIP keeps a client on one pod; a multi-port Service serves each port', { skip, timeout: 120_000 }, async () => {
  await c.ok(v, ['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'sticky' },
      spec: {
        selector: { tier: 'web' }, sessionAffinity: 'ClientIP',
        ports: [{ name: 'http', port: 80, targetPort: 9376 }, { name: 'alt', port: 8080, targetPort: 9376 }],
      },
    }),
  });
  const clusterIP = (await c.ok(v, ['get', 'svc', 'sticky', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  await waitFor('sticky answering', async () => (await get(clusterIP, 80)).body, 60_000, 200);
  const seen = await answers(clusterIP, 80, 60);
  assert.equal(seen.size, 1, JSON.stringify([...seen]));
  assert.ok((await podNames('tier=web')).includes([...seen.keys()][0]));
  // Another Service changes the node's rules; the client stays with its pod.
  await c.ok(v, ['create', 'service', 'clusterip', 'unrelated', '--tcp=81:9376']);
  const unrelatedIP = (await c.ok(v, ['get', 'svc', 'unrelated', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  const table = serviceTableName(nodeNetworkId(nodeA, path.join(c.dataDir, 'node')));
  await waitFor('the proxy rules to have the new Service', () => spawnSync('nft', ['list', 'table', 'ip', table], { encoding: 'utf8' }).stdout.includes(unrelatedIP), 60_000, 100);
  const still = await answers(clusterIP, 80, 30);
  assert.deepEqual([...still.keys()], [...seen.keys()], JSON.stringify([...still]));
  await c.ok(v, ['delete', 'svc', 'unrelated']);
  const alt = await answers(clusterIP, 8080, 20);
  assert.equal([...alt.keys()].filter((k) => k.startsWith('error')).length, 0, JSON.stringify([...alt]));
});
