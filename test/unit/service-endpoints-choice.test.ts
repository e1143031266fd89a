// Which endpoints serve a Service port (service-ports.ts, shared by both proxies) and how the userspace
// proxy picks one per connection (endpoint-balancer.ts): round-robin, sessionAffinity ClientIP with its
// timeout, only ready endpoints, serving-but-terminating ones only when none is ready. No sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { servicePorts, type Endpoint } from '../../src/proxy/service-ports.js';
import { EndpointBalancer, endpointKey } from '../../src/proxy/endpoint-balancer.js';

const a: Endpoint = { ip: '10.0.0.1', port: 8080 };
const b: Endpoint = { ip: '10.0.0.2', port: 8080 };
const c: Endpoint = { ip: '10.0.0.3', port: 8080 };

function counts(balancer: EndpointBalancer, n: number, client = (i: number) => `192.0.2.${i % 250}`): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const e = balancer.pick(client(i));
    const k = e ? endpointKey(e) : 'none';
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}

test('round-robin: every endpoint in turn, evenly', () => {
  const balancer = new EndpointBalancer();
  balancer.update([a, b, c]);
  assert.deepEqual([0, 1, 2, 3, 4, 5].map(() => balancer.pick('192.0.2.1')!.ip), ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.1', '10.0.0.2', '10.0.0.3']);
  assert.deepEqual([...counts(balancer, 300).values()], [100, 100, 100]);
});

test('an endpoint that left is never picked again; one that came back is', () => {
  const balancer = new EndpointBalancer();
  balancer.update([a, b, c]);
  balancer.pick('192.0.2.1');
  balancer.update([a, c]);
  const seen = counts(balancer, 200);
  assert.equal(seen.get(endpointKey(b)), undefined);
  assert.deepEqual([...seen.values()], [100, 100]);
  balancer.update([a, b, c]);
  assert.ok((counts(balancer, 30).get(endpointKey(b)) ?? 0) > 0);
});

test('no endpoints: nothing to pick', () => {
  const balancer = new EndpointBalancer();
  assert.equal(balancer.pick('192.0.2.1'), undefined);
  balancer.update([a]);
  balancer.update([]);
  assert.equal(balancer.pick('192.0.2.1'), undefined);
});

test('excluded endpoints (they just refused) are skipped; all excluded means none', () => {
  const balancer = new EndpointBalancer();
  balancer.update([a, b, c]);
  const exclude = new Set([endpointKey(a), endpointKey(b)]);
  for (let i = 0; i < 5; i++) assert.equal(balancer.pick('192.0.2.1', Date.now(), exclude), c);
  assert.equal(balancer.pick('192.0.2.1', Date.now(), new Set([a, b, c].map(endpointKey))), undefined);
});

test('sessionAffinity ClientIP: a client keeps its endpoint within the timeout, other clients are spread', () => {
  const balancer = new EndpointBalancer();
  balancer.update([a, b, c], 10);
  const t0 = 1_000_000;
  const first = balancer.pick('192.0.2.7', t0)!;
  for (let i = 1; i <= 20; i++) assert.equal(balancer.pick('192.0.2.7', t0 + i * 400), first);
  // Each use renews the affinity: 9 s after the last use it still holds.
  assert.equal(balancer.pick('192.0.2.7', t0 + 8_000 + 9_000), first);
  const others = new Set([1, 2, 3, 4, 5, 6].map((i) => endpointKey(balancer.pick(`198.51.100.${i}`, t0)!)));
  assert.equal(others.size, 3);
});

test('sessionAffinity ClientIP: after the timeout, or when its endpoint left, a client gets a new turn', () => {
  const balancer = new EndpointBalancer();
  balancer.update([a, b], 10);
  const t0 = 1_000_000;
  const first = balancer.pick('192.0.2.7', t0)!;
  // Expired: the round-robin turn decides (it moved on to the other endpoint).
  assert.notEqual(balancer.pick('192.0.2.7', t0 + 10_001), first);
  const second = balancer.pick('192.0.2.8', t0)!;
  balancer.update([a, b].filter((e) => e !== second), 10);
  const moved = balancer.pick('192.0.2.8', t0 + 1)!;
  assert.notEqual(moved, second);
  // And it sticks to the new one.
  assert.equal(balancer.pick('192.0.2.8', t0 + 2), moved);
});

test('sessionAffinity ClientIP: an excluded sticky endpoint is replaced, and the new one sticks', () => {
  const balancer = new EndpointBalancer();
  balancer.update([a, b, c], 60);
  const first = balancer.pick('192.0.2.9', 0)!;
  const next = balancer.pick('192.0.2.9', 1, new Set([endpointKey(first)]))!;
  assert.notEqual(next, first);
  assert.equal(balancer.pick('192.0.2.9', 2), next);
});

function service(spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'web', uid: 'u1' }, spec, status } as KubeObject;
}

function slice(ports: unknown[], endpoints: unknown[]): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { namespace: 'default', name: `web-${Math.random()}`, labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4', ports, endpoints,
  } as unknown as KubeObject;
}

const ep = (ip: string, conditions: Record<string, boolean | undefined>) => ({ addresses: [ip], conditions });

test('service ports: only ready endpoints (a nil ready condition counts as ready)', () => {
  const svc = service({ type: 'ClusterIP', clusterIP: '10.43.0.10', clusterIPs: ['10.43.0.10'], ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] });
  const [p] = servicePorts(svc, [slice([{ name: 'http', port: 8080, protocol: 'TCP' }], [
    ep('10.0.0.2', { ready: true }), ep('10.0.0.1', {}), ep('10.0.0.3', { ready: false, serving: false }),
    ep('10.0.0.4', { ready: false, serving: true, terminating: true }),
  ])]);
  assert.equal(p.key, 'default/web:http/tcp');
  assert.deepEqual(p.clusterIPs, ['10.43.0.10']);
  assert.deepEqual(p.endpoints, [{ ip: '10.0.0.1', port: 8080 }, { ip: '10.0.0.2', port: 8080 }]);
  assert.equal(p.nodePort, undefined);
  assert.equal(p.affinitySeconds, undefined);
});

test('service ports: serving-but-terminating endpoints only when none is ready', () => {
  const svc = service({ clusterIP: '10.43.0.10', ports: [{ port: 80, protocol: 'TCP' }] });
  const [p] = servicePorts(svc, [slice([{ port: 8080, protocol: 'TCP' }], [
    ep('10.0.0.3', { ready: false, serving: false, terminating: true }),
    ep('10.0.0.4', { ready: false, serving: true, terminating: true }),
    ep('10.0.0.5', { ready: false }),
  ])]);
  assert.deepEqual(p.endpoints, [{ ip: '10.0.0.4', port: 8080 }]);
});

test('service ports: a named targetPort resolved to other numbers per slice; NodePort, load balancer and affinity', () => {
  const svc = service(
    { type: 'LoadBalancer', clusterIP: '10.43.0.11', clusterIPs: ['10.43.0.11'], sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080 }, { name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }] },
    { loadBalancer: { ingress: [{ ip: '127.0.0.1' }, { hostname: 'lb.example' }] } },
  );
  const ports = servicePorts(svc, [
    slice([{ name: 'http', port: 9001, protocol: 'TCP' }], [ep('127.0.0.1', { ready: true })]),
    slice([{ name: 'http', port: 9002, protocol: 'TCP' }], [ep('127.0.0.1', { ready: true })]),
  ]);
  assert.deepEqual(ports.map((p) => [p.key, p.protocol, p.port, p.nodePort, p.affinitySeconds]), [
    ['default/web:http/tcp', 'tcp', 80, 30080, 10800],
    ['default/web:dns/udp', 'udp', 53, 30053, 10800],
  ]);
  assert.deepEqual(ports[0].endpoints, [{ ip: '127.0.0.1', port: 9001 }, { ip: '127.0.0.1', port: 9002 }]);
  assert.deepEqual(ports[0].loadBalancerIPs, ['127.0.0.1']);
  assert.deepEqual(ports[1].endpoints, []);
});

test('service ports: headless and ExternalName Services publish nothing; bad ports are skipped', () => {
  assert.deepEqual(servicePorts(service({ clusterIP: 'None', ports: [{ port: 80 }] }), []), []);
  assert.deepEqual(servicePorts(service({ type: 'ExternalName', externalName: 'x.example', ports: [{ port: 80 }] }), []), []);
  const ports = servicePorts(service({ clusterIP: '10.43.0.12', ports: [{ port: 0 }, { port: 70000 }, { port: 80, protocol: 'ICMP' }, { port: 81 }] }), []);
  assert.deepEqual(ports.map((p) => p.port), [81]);
});
