// ClusterIP allocation with upstream's static band: dynamic addresses come from the upper band of the
// range, so the well-known low addresses (the `kubernetes` Service's 1st, kube-dns' 10th) stay free for
// the Services that ask for them; the lower band is used only when the upper one is full.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/object.js';
import type { ResourceService } from '../../src/apiserver/resource-service.js';
import type { ResourceType } from '../../src/api/resource-type.js';
import { ServiceAllocation, serviceIpAt } from '../../src/apiserver/admission/service-allocation.js';

const rt = { group: '', kind: 'Service' } as ResourceType;

/** An allocator over an in-memory list of Services; create() admits and stores one. */
function allocator(serviceCidr: string) {
  const stored: KubeObject[] = [];
  const service = { list: async () => ({ items: stored }) } as unknown as ResourceService;
  const alloc = new ServiceAllocation(() => service, { serviceCidr, nodePortRange: [30000, 32767] });
  let n = 0;
  return {
    async create(clusterIP?: string): Promise<string> {
      const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: `s${n}`, uid: `u${n++}` }, spec: { ...(clusterIP ? { clusterIP } : {}), ports: [{ port: 80 }] } } as KubeObject;
      await alloc.admit('CREATE', rt, svc, undefined);
      stored.push(svc);
      return svc.spec.clusterIP;
    },
  };
}

test('the 1st and 10th addresses of the range', () => {
  assert.equal(serviceIpAt('10.43.0.0/16', 1), '10.43.0.1');
  assert.equal(serviceIpAt('10.43.0.0/16', 10), '10.43.0.10');
  assert.equal(serviceIpAt('10.96.5.7/12', 10), '10.96.0.10');
});

test('dynamic ClusterIPs start above the static band: 256 addresses in a /16, 16 in a /24', async () => {
  const big = allocator('10.43.0.0/16');
  assert.equal(await big.create(), '10.43.1.1');
  assert.equal(await big.create(), '10.43.1.2');
  assert.equal(await big.create('10.43.0.10'), '10.43.0.10', 'a static address of the lower band');
  const small = allocator('10.96.0.0/24');
  assert.equal(await small.create(), '10.96.0.17');
});

test('the static band is used once the upper band is full; a full range is an InternalError', async () => {
  const a = allocator('10.50.0.0/27'); // 30 usable addresses: 16 static, 14 dynamic
  const got: string[] = [];
  for (let i = 0; i < 14; i++) got.push(await a.create());
  assert.deepEqual(got, Array.from({ length: 14 }, (_, i) => `10.50.0.${17 + i}`));
  assert.equal(await a.create(), '10.50.0.1');
  assert.equal(await a.create(), '10.50.0.2');
  for (let i = 0; i < 14; i++) await a.create();
  await assert.rejects(a.create(), /failed to allocate a serviceIP: range is full/);
});

test('a requested address that is taken is refused, as upstream', async () => {
  const a = allocator('10.43.0.0/16');
  await a.create('10.43.0.10');
  await assert.rejects(a.create('10.43.0.10'), /spec.clusterIPs: Invalid value: \["10.43.0.10"\]: failed to allocate IP 10.43.0.10: provided IP is already allocated/);
});
