// Several nodes on one machine (`nanokube up` plus two `nanokube agent`s) and the scheduler placing pods
// on them: Node objects as upstream shapes them, spreading, nodeSelector, taints, cordon, and the
// FailedScheduling message for a pod that fits nowhere.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestCluster, waitFor } from '../support/cluster.js';

let c: TestCluster;
const v = '1.33' as const;
const agents = ['node-b', 'node-c'];

async function podNodes(selector: string): Promise<string[]> {
  const out = await c.ok(v, ['get', 'pods', '-l', selector, '-o', 'jsonpath={range .items[*]}{.spec.nodeName}{"\\n"}{end}']);
  return out.split('\n').filter(Boolean);
}

function sleeper(name: string, labels: Record<string, string>, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }], ...extra },
  });
}

before(async () => {
  c = await TestCluster.start(['--node-name', 'node-a']);
  for (const n of agents) c.startAgent(n);
  await c.waitForReadyNodes(v, 3);
});

after(async () => {
  await c?.destroy();
});

test('every node registers with capacity, allocatable, addresses, nodeInfo, conditions and a lease', async () => {
  for (const n of ['node-a', ...agents]) {
    const node = JSON.parse(await c.ok(v, ['get', 'node', n, '-o', 'json']));
    for (const r of ['cpu', 'memory', 'pods', 'ephemeral-storage']) {
      assert.ok(node.status.capacity[r], `${n} capacity.${r}`);
      assert.ok(node.status.allocatable[r], `${n} allocatable.${r}`);
    }
    assert.equal(node.status.capacity.pods, '110');
    assert.deepEqual(node.status.conditions.map((x: any) => x.type).sort(), ['DiskPressure', 'MemoryPressure', 'PIDPressure', 'Ready']);
    assert.ok(node.status.addresses.some((a: any) => a.type === 'InternalIP'));
    assert.ok(node.status.nodeInfo.kubeletVersion);
    const lease = JSON.parse(await c.ok(v, ['get', 'lease', '-n', 'kube-node-lease', n, '-o', 'json']));
    assert.equal(lease.spec.holderIdentity, n);
  }
  const wide = await c.ok(v, ['get', 'nodes', '-o', 'wide']);
  assert.match(wide, /INTERNAL-IP/);
});

test('replicas spread across the nodes', { timeout: 180_000 }, async () => {
  await c.ok(v, ['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'spread' },
      spec: {
        replicas: 6, selector: { matchLabels: { app: 'spread' } },
        template: { metadata: { labels: { app: 'spread' } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] } },
      },
    }),
  });
  const nodes = await waitFor('six scheduled pods', async () => {
    const n = await podNodes('app=spread');
    return n.length === 6 && n.every(Boolean) ? n : undefined;
  }, 120_000, 250);
  const perNode = new Map<string, number>();
  for (const n of nodes) perNode.set(n, (perNode.get(n) ?? 0) + 1);
  assert.equal(perNode.size, 3, `pods on every node: ${JSON.stringify([...perNode])}`);
  await c.ok(v, ['delete', 'rs', 'spread', '--wait=false']);
});

test('required node affinity places a pod or leaves it Pending with the reason; preferred affinity picks the node', { timeout: 180_000 }, async () => {
  const hostnameIn = (op: string, nodes: string[]) => ({ nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: op, values: nodes }] }] });
  await c.ok(v, ['apply', '-f', '-'], { input: sleeper('needs-c', { t: 'aff-req' }, { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: hostnameIn('In', ['node-c']) } } }) });
  await c.ok(v, ['apply', '-f', '-'], { input: sleeper('needs-none', { t: 'aff-none' }, { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: hostnameIn('In', ['no-such-node']) } } }) });
  await c.ok(v, ['apply', '-f', '-'], {
    input: sleeper('prefers-b', { t: 'aff-pref' }, { affinity: { nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: hostnameIn('NotIn', ['node-c']),
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-b'] }] } }],
    } } }),
  });
  await waitFor('needs-c on node-c', async () => ((await podNodes('t=aff-req'))[0] === 'node-c' ? true : undefined), 60_000, 250);
  await waitFor('prefers-b on node-b', async () => ((await podNodes('t=aff-pref'))[0] === 'node-b' ? true : undefined), 60_000, 250);
  const msg = await waitFor('needs-none to be Unschedulable', async () => {
    const pod = JSON.parse(await c.ok(v, ['get', 'pod', 'needs-none', '-o', 'json']));
    const cond = pod.status?.conditions?.find((x: any) => x.type === 'PodScheduled');
    return cond?.status === 'False' ? cond.message : undefined;
  }, 60_000, 250);
  assert.equal(pod0(msg), "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.");
  await c.ok(v, ['delete', 'pod', 'needs-c', 'needs-none', 'prefers-b', '--wait=false']);
});

test('nodeSelector, taints and cordon steer pods; a pod that fits nowhere says why', { timeout: 180_000 }, async () => {
  await c.ok(v, ['label', 'node', 'node-b', 'disk=ssd']);
  await c.ok(v, ['apply', '-f', '-'], { input: sleeper('wants-ssd', { t: 'sel' }, { nodeSelector: { disk: 'ssd' } }) });
  await waitFor('wants-ssd on node-b', async () => ((await podNodes('t=sel'))[0] === 'node-b' ? true : undefined), 60_000, 250);

  await c.ok(v, ['taint', 'node', 'node-a', 'dedicated=infra:NoSchedule']);
  await c.ok(v, ['cordon', 'node-c']);
  for (let i = 0; i < 3; i++) await c.ok(v, ['apply', '-f', '-'], { input: sleeper(`steered-${i}`, { t: 'steer' }) });
  const placed = await waitFor('steered pods scheduled', async () => {
    const n = await podNodes('t=steer');
    return n.length === 3 && n.every(Boolean) ? n : undefined;
  }, 60_000, 250);
  assert.deepEqual([...new Set(placed)], ['node-b'], 'the tainted and the cordoned node get nothing');

  await c.ok(v, ['apply', '-f', '-'], {
    input: sleeper('too-big', { t: 'big' }, {
      containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'], resources: { requests: { memory: '100Ti' } } }],
    }),
  });
  const msg = await waitFor('FailedScheduling', async () => {
    const pod = JSON.parse(await c.ok(v, ['get', 'pod', 'too-big', '-o', 'json']));
    const cond = pod.status?.conditions?.find((x: any) => x.type === 'PodScheduled');
    return cond?.status === 'False' && cond.reason === 'Unschedulable' ? cond.message : undefined;
  }, 60_000, 250);
  assert.equal(pod0(msg), '0/3 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {dedicated: infra}, 1 node(s) were unschedulable.');
  const described = await c.ok(v, ['describe', 'pod', 'too-big']);
  assert.match(described, /Warning\s+FailedScheduling\s+.*0\/3 nodes are available/);
  assert.equal(JSON.parse(await c.ok(v, ['get', 'pod', 'too-big', '-o', 'json'])).status.phase, 'Pending');

  // Uncordon and untaint: the pod still does not fit anywhere by memory, now for all three nodes.
  await c.ok(v, ['uncordon', 'node-c']);
  await c.ok(v, ['taint', 'node', 'node-a', 'dedicated=infra:NoSchedule-']);
  await waitFor('the message to follow the nodes', async () => {
    const pod = JSON.parse(await c.ok(v, ['get', 'pod', 'too-big', '-o', 'json']));
    const cond = pod.status?.conditions?.find((x: any) => x.type === 'PodScheduled');
    return cond?.message === '0/3 nodes are available: 3 Insufficient memory.' ? true : undefined;
  }, 90_000, 500);
});

// Upstream adds a preemption sentence to the message when preemption was tried; nanokube does not preempt.
function pod0(msg: string): string {
  return msg.replace(/ preemption: .*$/, '');
}
