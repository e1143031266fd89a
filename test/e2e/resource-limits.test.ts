// Resource limits: where the node owns writable cgroups (root), a container over its memory limit is
// killed by the kernel and reported OOMKilled with exit code 137; elsewhere the node says, in an Event,
// that limits are not enforced.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { TestCluster, waitFor } from '../support/cluster.js';

let c: TestCluster;
const cgroupsWritable = (() => {
  try {
    fs.accessSync('/sys/fs/cgroup/memory', fs.constants.W_OK);
    fs.accessSync('/sys/fs/cgroup/cpu', fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
})();

before(async () => {
  c = await TestCluster.start();
});

after(async () => {
  await c?.destroy();
});

const hog = {
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hog' },
  spec: {
    restartPolicy: 'Never', terminationGracePeriodSeconds: 1,
    containers: [{
      name: 'main', image: 'busybox',
      // Allocates and touches 256 MiB, far over the 48 Mi limit.
      command: ['node', '-e', 'const a = []; for (let i = 0; i < 64; i++) a.push(Buffer.alloc(4 << 20, 1)); setTimeout(() => {}, 60000);'],
      resources: { limits: { memory: '48Mi', cpu: '500m' } },
    }],
  },
};

test('a container over its memory limit is OOMKilled (or the node says limits are not enforced)', { timeout: 180_000 }, async () => {
  for (const v of ['1.27', '1.33'] as const) {
    await c.ok(v, ['apply', '-f', '-'], { input: JSON.stringify(hog) });
    if (cgroupsWritable) {
      const st = await waitFor('the hog to be OOM-killed', async () => {
        const pod = JSON.parse(await c.ok(v, ['get', 'pod', 'hog', '-o', 'json']));
        return pod.status?.containerStatuses?.[0]?.state?.terminated;
      }, 120_000, 500);
      assert.equal(st.reason, 'OOMKilled');
      assert.equal(st.exitCode, 137);
      const pod = JSON.parse(await c.ok(v, ['get', 'pod', 'hog', '-o', 'json']));
      assert.equal(pod.status.phase, 'Failed');
      assert.match(await c.ok(v, ['describe', 'pod', 'hog']), /Reason:\s+OOMKilled/);
    } else {
      await waitFor('a LimitsNotEnforced event', async () => {
        const out = await c.ok(v, ['get', 'events', '--field-selector', 'involvedObject.name=hog,reason=LimitsNotEnforced', '-o', 'name']);
        return out.trim() ? out : undefined;
      }, 120_000, 500);
    }
    await c.ok(v, ['delete', 'pod', 'hog', '--wait=true']);
  }
});

test('a cpu limit is a CFS quota on the container\'s cgroup (where the node owns cgroups)', { timeout: 120_000, skip: !cgroupsWritable && 'no writable cgroups' }, async () => {
  await c.ok('1.33', ['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'capped' },
      spec: { terminationGracePeriodSeconds: 1, containers: [{
        name: 'main', image: 'busybox', command: ['sh', '-c', 'cat /proc/self/cgroup; sleep 600'], resources: { limits: { cpu: '250m', memory: '64Mi' } },
      }] },
    }),
  });
  // The container's own view of its cgroups names the directory the agent made for it.
  const cpuGroup = await waitFor('the container to print its cgroups', async () => {
    const logs = await c.ok('1.33', ['logs', 'capped']);
    return /^\d+:[^:]*\bcpu\b[^:]*:(\/.+)$/m.exec(logs)?.[1];
  }, 60_000, 250);
  const read = (f: string) => fs.readFileSync(`/sys/fs/cgroup/cpu${cpuGroup}/${f}`, 'utf8').trim();
  assert.equal(read('cpu.cfs_period_us'), '100000');
  assert.equal(read('cpu.cfs_quota_us'), '25000');
  const memGroup = /^\d+:[^:]*\bmemory\b[^:]*:(\/.+)$/m.exec(await c.ok('1.33', ['logs', 'capped']))![1];
  assert.equal(fs.readFileSync(`/sys/fs/cgroup/memory${memGroup}/memory.limit_in_bytes`, 'utf8').trim(), String(64 * 1024 * 1024));
  await c.ok('1.33', ['delete', 'pod', 'capped', '--wait=true']);
});
