// Services on a host-runtime node with the default proxy as root: nftables, DNATing ClusterIPs and
// NodePorts to the node's own address, where host-runtime pods listen. The node's processes reach a pod
// through its ClusterIP and through the NodePort on 127.0.0.1; a Service without endpoints refuses.
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TestCluster, waitFor } from '../support/cluster.js';
import { answers, connectOutcome } from '../support/service-requests.js';
import { freePort } from '../../bench/support.js';
import { nftablesProxyProblem } from '../../src/cli/node-networking.js';
import { nodeNetworkId } from '../../src/node/network/pod-network.js';
import { runNet } from '../../src/node/network/net-command.js';
import { localAddresses } from '../../src/proxy/loopback-addresses.js';

const skip = nftablesProxyProblem();
const v = '1.33' as const;
let c: TestCluster;

before(async () => {
  if (skip) return;
  c = await TestCluster.start(['--runtime', 'host']);
});

after(async () => {
  await c?.destroy();
});

test('the nftables proxy serves host-runtime pods through ClusterIP and NodePort', { skip, timeout: 180_000 }, async () => {
  const port = await freePort();
  await c.apply(v, [
    {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'host-web', labels: { app: 'host-web' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'web', image: 'node', command: ['node', '-e', `require('http').createServer((q,s)=>s.end('host-web')).listen(${port})`], ports: [{ name: 'http', containerPort: port }] }],
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'host-web' }, spec: { type: 'NodePort', selector: { app: 'host-web' }, ports: [{ port: 80, targetPort: 'http' }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'host-nobody' }, spec: { selector: { app: 'nothing-matches' }, ports: [{ port: 80 }] } },
  ]);
  const clusterIP = (await c.ok(v, ['get', 'svc', 'host-web', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  // The node's nftables table has the ClusterIP (and the userspace proxy did not put it on lo).
  const table = `nanokube-svc-${nodeNetworkId(os.hostname(), path.join(c.dataDir, 'node'))}`;
  await waitFor(`${clusterIP} in table ${table}`, async () => (await runNet('nft', ['list', 'map', 'ip', table, 'service-ips'])).includes(clusterIP), 60_000, 250);
  assert.ok(!localAddresses().has(clusterIP));
  const nodePort = Number(await c.ok(v, ['get', 'svc', 'host-web', '-o', 'jsonpath={.spec.ports[0].nodePort}']));
  await waitFor('the pod through its ClusterIP', async () => (await answers(clusterIP, 80, 1)).has('host-web'), 120_000, 250);
  assert.deepEqual([...(await answers(clusterIP, 80, 20))], [['host-web', 20]]);
  await waitFor('the pod through the NodePort', async () => (await answers('127.0.0.1', nodePort, 1)).has('host-web'), 60_000, 250);
  assert.deepEqual([...(await answers('127.0.0.1', nodePort, 20))], [['host-web', 20]]);
  const nobody = (await c.ok(v, ['get', 'svc', 'host-nobody', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  await waitFor('host-nobody refused at once', async () => {
    const r = await connectOutcome(nobody, 80);
    return r.outcome === 'refused' && r.ms < 1000;
  }, 30_000, 200);
});
