// A cluster killed with kill -9 leaves its bridge (holding its podCIDR's gateway) and its nftables rules
// behind, as it leaves its containers. A new cluster started afresh, in another data dir, on the same
// ranges (a user's second `nanokube up` on the defaults) removes them once it knows their owner has
// stopped, so its own pods are reachable; it leaves a live cluster's alone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { TestCluster, waitFor } from '../support/cluster.js';
import { get } from '../support/service-requests.js';
import { isolatedRuntimeProblem, serviceTableName } from '../../src/cli/node-networking.js';
import { bridgePrefix, nodeNetworkId } from '../../src/node/network/pod-network.js';

const skip = isolatedRuntimeProblem();
const v = '1.33' as const;
const clusters: TestCluster[] = [];

after(async () => {
  for (const c of clusters.reverse()) await c.destroy();
});

function linkExists(name: string): boolean {
  return spawnSync('ip', ['link', 'show', name], { stdio: 'ignore' }).status === 0;
}

function nftTableExists(name: string): boolean {
  return spawnSync('nft', ['list', 'table', 'ip', name], { stdio: 'ignore' }).status === 0;
}

/** A pod serving its name on 9376, Ready by an httpGet probe (sent by the node to the pod's IP). */
const servingPod = (name: string) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } },
  spec: {
    terminationGracePeriodSeconds: 1,
    containers: [{
      name: 'web', image: 'node', command: ['node', '-e', `require('http').createServer((q,s)=>s.end('${name}')).listen(9376)`],
      ports: [{ containerPort: 9376 }],
      readinessProbe: { httpGet: { path: '/', port: 9376 }, periodSeconds: 1 },
    }],
  },
});

async function readyPodIp(c: TestCluster, name: string): Promise<string> {
  return waitFor(`pod ${name} Ready with an IP`, async () => {
    const out = await c.ok(v, ['get', 'pod', name, '-o', 'jsonpath={.status.podIP} {.status.conditions[?(@.type=="Ready")].status}']);
    const [ip, ready] = out.trim().split(' ');
    return ready === 'True' ? ip : undefined;
  }, 120_000, 250);
}

test('a cluster on the ranges of a killed one removes its bridge and rules; a live one\'s are left', { skip, timeout: 300_000 }, async () => {
  const flags = ['--runtime', 'default'];
  const killed = await TestCluster.start(flags);
  clusters.push(killed);
  await killed.apply(v, [servingPod('first')]);
  await readyPodIp(killed, 'first');
  const oldId = nodeNetworkId(os.hostname(), path.join(killed.dataDir, 'node'));
  assert.ok(linkExists(bridgePrefix + oldId), 'the first cluster has its bridge');
  assert.ok(nftTableExists(serviceTableName(oldId)), 'the first cluster has its Service table');
  await killed.kill9();

  const sameRanges = ['--cluster-cidr', `${killed.podIpPrefix}0.0/16`, '--service-cluster-ip-range', `${killed.serviceIpPrefix}0.0/16`];
  const fresh = await TestCluster.start([...flags, ...sameRanges]);
  clusters.push(fresh);
  await fresh.apply(v, [servingPod('second')]);
  const ip = await readyPodIp(fresh, 'second');
  assert.ok(ip.startsWith(killed.podIpPrefix), `the second cluster's pod ${ip} is on the first one's range`);
  assert.match(fresh.output, new RegExp(`removed bridge ${bridgePrefix}${oldId} and its rules`));
  assert.ok(!linkExists(bridgePrefix + oldId), 'the killed cluster\'s bridge is gone');
  assert.ok(!nftTableExists(serviceTableName(oldId)), 'the killed cluster\'s Service table is gone');
  assert.equal((await get(ip, 9376)).body, 'second');

  // A third cluster on the same ranges while the second runs: the second's network stays, with a warning.
  const freshId = nodeNetworkId(os.hostname(), path.join(fresh.dataDir, 'node'));
  const third = await TestCluster.start([...flags, ...sameRanges]);
  clusters.push(third);
  await waitFor('the third cluster to warn of the shared pod network', () => third.output.includes(`is also on bridge ${bridgePrefix}${freshId}`), 60_000, 250);
  assert.ok(linkExists(bridgePrefix + freshId), 'the live cluster\'s bridge is left alone');
  assert.ok(nftTableExists(serviceTableName(freshId)), 'the live cluster\'s Service table is left alone');
});
