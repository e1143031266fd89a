// An httpGet lifecycle hook fails only when no response comes (the kubelet ignores its status code),
// while an httpGet probe needs 200–399. Against a real server on the loopback.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runHttpGet } from '../../src/node/probe-handlers.js';

let server: http.Server;
let port: number;
const agents: string[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    agents.push(String(req.headers['user-agent']));
    res.writeHead(500);
    res.end('broken');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

after(() => server.close());

test('a 500 fails a probe and not a hook; each says who it is', async () => {
  assert.deepEqual(await runHttpGet('HTTP', '127.0.0.1', port, '/x', [], 1000), { ok: false, message: 'HTTP probe failed with statuscode: 500' });
  assert.deepEqual(await runHttpGet('HTTP', '127.0.0.1', port, '/x', [], 1000, 'lifecycle'), { ok: true, message: '' });
  assert.deepEqual(agents, ['kube-probe/1.33', 'kube-lifecycle/1.33']);
});

test('no server: the hook fails', async () => {
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const free = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  const r = await runHttpGet('HTTP', '127.0.0.1', free, '/x', [], 1000, 'lifecycle');
  assert.equal(r.ok, false);
  assert.match(r.message, /connect: connection refused/);
});
