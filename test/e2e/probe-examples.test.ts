// The probe examples under examples/probes, applied as they are (the seed's liveness example among them,
// with its own timings and ports): each is restarted by its probe, and describe shows the probe as
// written. Run with the isolated runtime so that their fixed ports (8080, 9090) are the pods' own.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TestCluster, repoRoot, waitFor } from '../support/cluster.js';
import { isolatedRuntimeProblem } from '../../src/cli/node-networking.js';

const skip = isolatedRuntimeProblem();
let c: TestCluster;

before(async () => {
  if (skip) return;
  c = await TestCluster.start(['--runtime', 'isolated']);
});

after(async () => {
  await c?.destroy();
});

test('examples/probes: http (the seed\'s), exec and grpc liveness examples restart their containers', { skip: skip && `no isolated runtime: ${skip}`, timeout: 240_000 }, async () => {
  // The manifests name their servers relative to the repository root, where the node runs.
  for (const f of ['liveness-http.yaml', 'liveness-exec.yaml', 'liveness-grpc.yaml']) {
    await c.ok('1.33', ['apply', '-f', path.join(repoRoot, 'examples', 'probes', f)]);
  }
  const restarted = (name: string) => waitFor(`${name} to be restarted by its probe`, async () => {
    const pod = JSON.parse(await c.ok('1.33', ['get', 'pod', name, '-o', 'json']));
    return (pod.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? pod : undefined;
  }, 180_000, 1000);
  await Promise.all(['liveness-http', 'liveness-exec', 'liveness-grpc'].map(restarted));
  const http = await c.ok('1.27', ['describe', 'pod', 'liveness-http']);
  assert.match(http, /Liveness:\s+http-get http:\/\/:8080\/healthz delay=10s timeout=1s period=5s #success=1 #failure=3/);
  assert.match(http, /Last State:\s+Terminated/);
  assert.match(http, /Liveness probe failed: HTTP probe failed with statuscode: 500/);
  assert.match(http, /Container liveness failed liveness probe, will be restarted/);
  assert.match(await c.ok('1.33', ['describe', 'pod', 'liveness-exec']), /Liveness:\s+exec \[sh -c cat \/tmp\/healthy-\$HOSTNAME\] delay=5s timeout=1s period=5s #success=1 #failure=3/);
  assert.match(await c.ok('1.33', ['describe', 'pod', 'liveness-grpc']), /Liveness:\s+grpc <pod>:9090  delay=2s timeout=1s period=5s #success=1 #failure=3/);
});
