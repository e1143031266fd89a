// The Ingress matching rules, table-driven: hosts (exact and single-label wildcard), path types
// (Exact, Prefix element-wise, ImplementationSpecific as Prefix), precedence (longest, Exact before
// Prefix, host tiers), conflicts across Ingresses, defaultBackend, TLS hosts and backend resolution.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import { hostMatches, requestHost } from '../../src/ingress/host-match.js';
import { pathMatches, requestPath, type PathType } from '../../src/ingress/path-match.js';
import { RouteTable } from '../../src/ingress/route-table.js';
import { resolveBackend } from '../../src/ingress/service-endpoints.js';
import { ClassSelection } from '../../src/ingress/ingress-class.js';
import { EndpointPicker, affinityValue, cookieValue } from '../../src/ingress/endpoint-picker.js';

test('host matching: exact names and single-label wildcards', () => {
  const cases: [rule: string, host: string, want: boolean][] = [
    ['foo.bar.com', 'foo.bar.com', true],
    ['foo.bar.com', 'bar.com', false],
    ['foo.bar.com', 'x.foo.bar.com', false],
    ['Foo.Bar.com', 'foo.bar.com', true],
    ['*.foo.com', 'bar.foo.com', true],
    ['*.foo.com', 'foo.com', false],
    ['*.foo.com', 'baz.bar.foo.com', false],
    ['*.foo.com', '.foo.com', false],
    ['*.foo.com', 'barfoo.com', false],
  ];
  for (const [rule, host, want] of cases) assert.equal(hostMatches(rule, host), want, `${rule} vs ${host}`);
});

test('request host: port, case and trailing dot are ignored', () => {
  const cases: [string | undefined, string][] = [
    ['Foo.Bar.com:8080', 'foo.bar.com'], ['foo.bar.com.', 'foo.bar.com'], ['[::1]:80', '[::1]'], ['10.0.0.1:80', '10.0.0.1'], [undefined, ''],
  ];
  for (const [header, want] of cases) assert.equal(requestHost(header), want);
});

test('path matching per pathType, as the Ingress documentation table', () => {
  const cases: [PathType, rule: string, path: string, want: boolean][] = [
    ['Prefix', '/', '/anything', true],
    ['Exact', '/foo', '/foo', true],
    ['Exact', '/foo', '/bar', false],
    ['Exact', '/foo', '/foo/', false],
    ['Exact', '/foo/', '/foo', false],
    ['Prefix', '/foo', '/foo', true],
    ['Prefix', '/foo', '/foo/', true],
    ['Prefix', '/foo/', '/foo', true],
    ['Prefix', '/foo/', '/foo/', true],
    ['Prefix', '/aaa/bb', '/aaa/bbb', false],
    ['Prefix', '/aaa/bbb', '/aaa/bbb', true],
    ['Prefix', '/aaa/bbb/', '/aaa/bbb', true],
    ['Prefix', '/aaa/bbb', '/aaa/bbb/', true],
    ['Prefix', '/aaa/bbb', '/aaa/bbb/ccc', true],
    ['Prefix', '/aaa/bbb', '/aaa/bbbxyz', false],
    ['Prefix', '/foo', '/foobar', false],
    ['ImplementationSpecific', '/foo', '/foo/bar', true],
    ['ImplementationSpecific', '/foo', '/foobar', false],
  ];
  for (const [type, rule, path, want] of cases) assert.equal(pathMatches(type, rule, path), want, `${type} ${rule} vs ${path}`);
});

test('request path: the query and absolute-form prefix are dropped', () => {
  assert.equal(requestPath('/a/b?x=/c'), '/a/b');
  assert.equal(requestPath('http://foo.bar.com/bar?x'), '/bar');
  assert.equal(requestPath('http://foo.bar.com'), '/');
  assert.equal(requestPath('*'), '/');
});

let seq = 0;
function ingress(name: string, spec: any, opts: { ns?: string; created?: string; annotations?: Record<string, string> } = {}): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: { name, namespace: opts.ns ?? 'default', creationTimestamp: opts.created ?? `2024-01-01T00:00:${String(seq++).padStart(2, '0')}Z`, annotations: opts.annotations },
    spec,
  };
}
const svc = (name: string, port: number | string = 80) => ({ service: { name, port: typeof port === 'number' ? { number: port } : { name: port } } });
const rule = (host: string | undefined, paths: [string, PathType, string][]) => ({
  ...(host ? { host } : {}), http: { paths: paths.map(([path, pathType, s]) => ({ path, pathType, backend: svc(s) })) },
});

test('the seed example: foo.bar.com/bar → service1, *.foo.com/foo → service2, nothing else', () => {
  const t = new RouteTable([ingress('ingress-wildcard-host', { rules: [rule('foo.bar.com', [['/bar', 'Prefix', 'service1']]), rule('*.foo.com', [['/foo', 'Prefix', 'service2']])] })]);
  const cases: [host: string, path: string, want: string | undefined][] = [
    ['foo.bar.com', '/bar', 'service1'],
    ['foo.bar.com', '/bar/x', 'service1'],
    ['foo.bar.com', '/barx', undefined],
    ['foo.bar.com', '/foo', undefined],
    ['bar.foo.com', '/foo', 'service2'],
    ['baz.foo.com', '/foo/1', 'service2'],
    ['foo.com', '/foo', undefined],
    ['baz.bar.foo.com', '/foo', undefined],
    ['other.com', '/bar', undefined],
  ];
  for (const [host, path, want] of cases) assert.equal(t.match(host, path)?.backend.service, want, `${host}${path}`);
});

test('precedence: longest path, Exact before Prefix, exact host before wildcard before no host, defaultBackend last', () => {
  const t = new RouteTable([
    ingress('a', {
      defaultBackend: svc('default'),
      rules: [
        rule('foo.bar.com', [['/', 'Prefix', 'root'], ['/aaa', 'Prefix', 'aaa'], ['/aaa/bbb', 'Prefix', 'aaabbb'], ['/aaa', 'Exact', 'aaa-exact']]),
        rule('*.bar.com', [['/w', 'Prefix', 'wild']]),
        rule(undefined, [['/any', 'Prefix', 'hostless'], ['/aaa/ccc', 'ImplementationSpecific', 'impl']]),
      ],
    }),
  ]);
  const cases: [string, string, string | undefined][] = [
    ['foo.bar.com', '/aaa/ccc', 'aaa'],
    ['foo.bar.com', '/aaa', 'aaa-exact'],
    ['foo.bar.com', '/aaa/', 'aaa'],
    ['foo.bar.com', '/aaa/bbb/c', 'aaabbb'],
    ['foo.bar.com', '/zzz', 'root'],
    ['x.bar.com', '/w/1', 'wild'],
    ['x.bar.com', '/any', 'hostless'],
    ['x.bar.com', '/nothing', 'default'],
    ['foo.bar.com', '/w', 'root'],
    ['other.org', '/aaa/ccc/d', 'impl'],
    ['other.org', '/', 'default'],
  ];
  for (const [host, path, want] of cases) assert.equal(t.match(host, path)?.backend.service, want, `${host}${path}`);
});

test('conflicts across Ingresses: the oldest wins, then namespace/name; rules of different Ingresses merge', () => {
  const older = ingress('z-older', { defaultBackend: svc('old-default'), rules: [rule('h.com', [['/x', 'Prefix', 'old']])] }, { created: '2024-01-01T00:00:00Z' });
  const newer = ingress('a-newer', { defaultBackend: svc('new-default'), rules: [rule('h.com', [['/x', 'Prefix', 'new'], ['/y', 'Prefix', 'only-new']])] }, { created: '2024-02-01T00:00:00Z' });
  for (const order of [[older, newer], [newer, older]]) {
    const t = new RouteTable(order);
    assert.equal(t.match('h.com', '/x')?.backend.service, 'old');
    assert.equal(t.match('h.com', '/y')?.backend.service, 'only-new');
    assert.equal(t.match('h.com', '/z')?.backend.service, 'old-default');
  }
  const same = '2024-01-01T00:00:00Z';
  const b = ingress('b', { rules: [rule('h.com', [['/x', 'Prefix', 'in-b']])] }, { ns: 'ns1', created: same });
  const a = ingress('a', { rules: [rule('h.com', [['/x', 'Prefix', 'in-a']])] }, { ns: 'ns2', created: same });
  assert.equal(new RouteTable([a, b]).match('h.com', '/x')?.backend.service, 'in-b');
  assert.equal(new RouteTable([a, b]).match('h.com', '/x')?.backend.namespace, 'ns1');
});

test('TLS hosts: exact before wildcard, redirect unless ssl-redirect is "false"', () => {
  const t = new RouteTable([
    ingress('a', { tls: [{ hosts: ['*.foo.com'], secretName: 'wild' }, { hosts: ['a.foo.com'], secretName: 'exact' }] }),
    ingress('b', { tls: [{ hosts: ['plain.org'], secretName: 'p' }] }, { annotations: { 'ingress.nanokube.io/ssl-redirect': 'false' } }),
  ]);
  assert.equal(t.tlsHost('a.foo.com')?.secretName, 'exact');
  assert.equal(t.tlsHost('b.foo.com')?.secretName, 'wild');
  assert.equal(t.tlsHost('c.b.foo.com'), undefined);
  assert.equal(t.tlsHost('a.foo.com')?.redirect, true);
  assert.equal(t.tlsHost('plain.org')?.redirect, false);
});

test('backends resolve by Service port number or name to the EndpointSlice port, ready endpoints only', () => {
  const service: KubeObject = {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' },
    spec: { ports: [{ name: 'http', port: 80, targetPort: 'web' }, { name: 'admin', port: 81, targetPort: 9000 }] },
  };
  const slice = (port: number, eps: [string, boolean | undefined][]): KubeObject => ({
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `s-${port}`, namespace: 'default' },
    addressType: 'IPv4',
    ports: [{ name: 'http', port, protocol: 'TCP' }, { name: 'admin', port: 9000, protocol: 'TCP' }],
    endpoints: eps.map(([ip, ready]) => ({ addresses: [ip], conditions: ready === undefined ? {} : { ready } })),
  });
  const slices = [slice(8080, [['10.0.0.2', true], ['10.0.0.1', undefined], ['10.0.0.3', false]]), slice(8081, [['10.0.0.4', true]])];
  const byNumber = resolveBackend({ namespace: 'default', service: 's', port: 80 }, service, slices);
  assert.deepEqual(byNumber, { ok: true, endpoints: [{ address: '10.0.0.1', port: 8080 }, { address: '10.0.0.2', port: 8080 }, { address: '10.0.0.4', port: 8081 }] });
  const byName = resolveBackend({ namespace: 'default', service: 's', port: 'admin' }, service, slices);
  assert.equal(byName.ok && byName.endpoints.every((e) => e.port === 9000), true);
  assert.equal(resolveBackend({ namespace: 'default', service: 's', port: 82 }, service, slices).ok, false);
  assert.equal(resolveBackend({ namespace: 'default', service: 's', port: 80 }, undefined, slices).ok, false);
  assert.equal(resolveBackend({ namespace: 'default', service: 's', port: 80 }, service, [slice(8080, [['10.0.0.3', false]])]).ok, false);
});

test('class selection: named classes of this controller, and classless Ingresses only with a default class', () => {
  const cls = (name: string, controller: string, isDefault = false): KubeObject => ({
    apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass',
    metadata: { name, annotations: isDefault ? { 'ingressclass.kubernetes.io/is-default-class': 'true' } : {} }, spec: { controller },
  });
  const withDefault = new ClassSelection([cls('nanokube', 'nanokube.io/ingress', true), cls('nginx', 'k8s.io/ingress-nginx')]);
  const noDefault = new ClassSelection([cls('nanokube', 'nanokube.io/ingress')]);
  const ing = (className?: string, annotation?: string) => ingress('i', { ingressClassName: className }, { annotations: annotation ? { 'kubernetes.io/ingress.class': annotation } : undefined });
  assert.equal(withDefault.serves(ing()), true);
  assert.equal(withDefault.serves(ing('nanokube')), true);
  assert.equal(withDefault.serves(ing('nginx')), false);
  assert.equal(withDefault.serves(ing(undefined, 'nginx')), false);
  assert.equal(noDefault.serves(ing()), false);
  assert.equal(noDefault.serves(ing('nanokube')), true);
});

test('endpoint picking: round-robin, and a still-ready affinity cookie keeps its endpoint', () => {
  const eps = [{ address: '10.0.0.1', port: 80 }, { address: '10.0.0.2', port: 80 }];
  const p = new EndpointPicker();
  const seen = [0, 1, 2, 3].map(() => p.pick('k', eps).endpoint.address);
  assert.deepEqual(seen, ['10.0.0.1', '10.0.0.2', '10.0.0.1', '10.0.0.2']);
  const sticky = affinityValue(eps[1]);
  for (let i = 0; i < 4; i++) assert.deepEqual(p.pick('k', eps, sticky), { endpoint: eps[1] });
  const moved = p.pick('k', [eps[0]], sticky);
  assert.equal(moved.endpoint, eps[0]);
  assert.equal(moved.setCookie, affinityValue(eps[0]));
  assert.equal(cookieValue('a=1; INGRESSCOOKIE="abc"; b=2', 'INGRESSCOOKIE'), 'abc');
});
