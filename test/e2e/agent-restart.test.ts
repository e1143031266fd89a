// kill -9 of the node agent (here the whole `nanokube up` process) with 20 running pods: after a
// restart the same processes run, restart counts are unchanged, and a container that ended while
// the agent was down is reported with its real exit code.
import fs from 'node:fs';
import path from 'node:path';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { alive, TestCluster, waitFor } from '../support/cluster.js';
import { refs } from '../support/refs.js';

let cluster: TestCluster | undefined;

after(async () => {
  await cluster?.destroy();
});

test('containers survive kill -9 of the agent and are re-adopted', { timeout: 300_000 }, async () => {
  cluster = await TestCluster.start();
  const names = Array.from({ length: 20 }, (_, i) => `sleeper-${i}`);
  const manifest = {
    apiVersion: 'v1', kind: 'List',
    items: [
      ...names.map((name) => ({
        apiVersion: 'v1', kind: 'Pod', metadata: { name },
        spec: { containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'echo pid=$$$$; exec sleep 3600'] }] },
      })),
      {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ends-while-down' },
        spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'echo pid=$$$$; sleep 6; exit 7'] }] },
      },
    ],
  };
  await cluster.ok('1.33', ['apply', '-f', '-'], { input: JSON.stringify(manifest) });
  const client = cluster.client();
  const before = await waitFor('all pods running', async () => {
    const list = await client.list(refs.pods, 'default');
    const running = list.items.filter((p) => p.status?.phase === 'Running');
    return running.length === names.length + 1 ? list.items : undefined;
  }, 120_000, 250);
  client.close();
  const pids = new Map<string, number>();
  for (const name of [...names, 'ends-while-down']) {
    const log = await waitFor(`${name} logs`, async () => {
      const out = await cluster!.ok('1.33', ['logs', name]);
      return /pid=\d+/.test(out) ? out : undefined;
    });
    pids.set(name, Number(/pid=(\d+)/.exec(log)![1]));
  }
  const started = new Map(before.map((p) => [p.metadata.name!, p.status.containerStatuses[0].state.running.startedAt]));

  await cluster.kill9();
  for (const name of names) assert.ok(alive(pids.get(name)!), `${name} keeps running while the agent is down`);
  await waitFor('the short container to end while the agent is down', () => !alive(pids.get('ends-while-down')!), 30_000, 100);

  await cluster.boot();
  const c2 = cluster.client();
  const after = await waitFor('re-adopted status', async () => {
    const list = await c2.list(refs.pods, 'default');
    const done = list.items.find((p) => p.metadata.name === 'ends-while-down');
    return done?.status?.phase === 'Failed' ? list.items : undefined;
  }, 60_000, 250);
  c2.close();
  for (const p of after) {
    const cs = p.status.containerStatuses[0];
    if (p.metadata.name === 'ends-while-down') {
      assert.equal(cs.state.terminated?.exitCode, 7, JSON.stringify(p.status));
      assert.equal(cs.restartCount, 0);
      continue;
    }
    assert.equal(p.status.phase, 'Running', p.metadata.name);
    assert.equal(cs.restartCount, 0, `${p.metadata.name} was not restarted`);
    assert.equal(cs.state.running.startedAt, started.get(p.metadata.name!), `${p.metadata.name} is the same process`);
    assert.ok(alive(pids.get(p.metadata.name!)!));
  }
  // Logs written before the restart are still served.
  assert.match(await cluster.ok('1.27', ['logs', 'sleeper-0']), new RegExp(`pid=${pids.get('sleeper-0')}`));
});

test('a re-adopted pod whose init container ended before the restart: its other containers are neither started twice nor left running when it was deleted meanwhile', { timeout: 300_000 }, async () => {
  const c = await TestCluster.start(['--node-name', 'restart-a']);
  try {
    c.startAgent('restart-b');
    await c.waitForReadyNodes('1.33', 2);
    // Names as in the gitRepo sidecar example where this was seen: the agent re-adopts containers in
    // its state directory's order, and with these the ended init container comes first on ext4.
    const pod = (name: string) => ({
      apiVersion: 'v1', kind: 'Pod', metadata: { name },
      spec: {
        nodeName: 'restart-b', terminationGracePeriodSeconds: 1,
        initContainers: [
          { name: 'clone', image: 'busybox', command: ['true'] },
          { name: 'sync', image: 'busybox', restartPolicy: 'Always', command: ['sh', '-c', 'echo pid=$$$$; exec sleep 3600'] },
        ],
        containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo pid=$$$$; exec sleep 3600'] }],
      },
    });
    await c.apply('1.33', [pod('kept'), pod('deleted')]);
    const pids = new Map<string, number>();
    for (const name of ['kept', 'deleted']) {
      for (const container of ['sync', 'main']) {
        const log = await waitFor(`${name}/${container} to start`, async () => {
          const r = await c.kubectl('1.33', ['logs', name, '-c', container]);
          return /pid=\d+/.test(r.stdout) ? r.stdout : undefined;
        }, 120_000, 250);
        pids.set(`${name}/${container}`, Number(/pid=(\d+)/.exec(log)![1]));
      }
    }
    const agent = c.agents[0];
    await agent.kill('SIGKILL');
    await c.ok('1.33', ['delete', 'pod', 'deleted', '--wait=false']);
    c.startAgent('restart-b');
    await waitFor('the deleted pod to be removed by its returning node', async () => (await c.kubectl('1.33', ['get', 'pod', 'deleted'])).code !== 0 || undefined, 120_000, 250);
    for (const container of ['sync', 'main']) assert.ok(!alive(pids.get(`deleted/${container}`)!), `deleted/${container} was stopped`);
    const kept = await waitFor('the kept pod to be Running again', async () => {
      const p = JSON.parse(await c.ok('1.33', ['get', 'pod', 'kept', '-o', 'json']));
      return p.status?.containerStatuses?.[0]?.state?.running ? p : undefined;
    }, 60_000, 250);
    assert.equal(kept.status.containerStatuses[0].restartCount, 0);
    for (const container of ['sync', 'main']) assert.ok(alive(pids.get(`kept/${container}`)!), `kept/${container} is the same process`);
    const mainDir = path.join(agent.dataDir, 'containers', kept.metadata.uid, 'main');
    assert.deepEqual(fs.readdirSync(mainDir), ['0'], 'main was not started a second time');
  } finally {
    await c.destroy();
  }
});
