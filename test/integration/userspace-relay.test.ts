// The userspace proxy's relays with real sockets on 127.0.0.1: a TCP connection relayed both ways with a
// half-close travelling through, a large upload under backpressure, a reset at once without endpoints, an
// endpoint that refuses skipped for the next, a backend reset reaching the client; UDP sessions per client
// with replies from the Service address, ended when idle or when their endpoint leaves.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { EndpointBalancer } from '../../src/proxy/endpoint-balancer.js';
import { relayTcp } from '../../src/proxy/tcp-relay.js';
import { UdpRelay } from '../../src/proxy/udp-relay.js';
import type { Endpoint } from '../../src/proxy/service-ports.js';
import { waitFor } from '../support/cluster.js';

const closers: (() => void)[] = [];
after(() => {
  for (const c of closers) c();
});

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

/** A Service port relayed to `endpoints`: its port and its balancer. */
async function servicePort(endpoints: Endpoint[]): Promise<{ port: number; balancer: EndpointBalancer; open: Set<net.Socket> }> {
  const balancer = new EndpointBalancer();
  balancer.update(endpoints);
  const open = new Set<net.Socket>();
  const port = await listen(net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, (s) => relayTcp(s, balancer, open)));
  return { port, balancer, open };
}

/** Reads everything until the peer ends, then answers with how many bytes came and ends its side. */
async function countingBackend(name: string): Promise<Endpoint> {
  const port = await listen(net.createServer({ allowHalfOpen: true }, (s) => {
    let n = 0;
    s.on('data', (d) => (n += d.length));
    s.on('end', () => s.end(`${name} got ${n}`));
  }));
  return { ip: '127.0.0.1', port };
}

/** Sends `bytes`, half-closes, and resolves with the reply or the error code and how long it took. */
function exchange(port: number, bytes: number): Promise<{ reply?: string; error?: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    let reply = '';
    s.on('data', (d) => (reply += d));
    s.on('end', () => {
      s.end();
      resolve({ reply, ms: Date.now() - started });
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code, ms: Date.now() - started }));
    s.end(Buffer.alloc(bytes, 7));
  });
}

async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

test('TCP: bytes both ways, the client half-close reaches the backend, 8 MiB under backpressure', { timeout: 30_000 }, async () => {
  const { port } = await servicePort([await countingBackend('a')]);
  assert.deepEqual((await exchange(port, 5)).reply, 'a got 5');
  assert.deepEqual((await exchange(port, 8 << 20)).reply, `a got ${8 << 20}`);
});

test('TCP: round-robin over the endpoints, one connection each in turn', { timeout: 30_000 }, async () => {
  const { port } = await servicePort([await countingBackend('a'), await countingBackend('b')]);
  const replies = [];
  for (let i = 0; i < 4; i++) replies.push((await exchange(port, 1)).reply);
  assert.deepEqual(replies, ['a got 1', 'b got 1', 'a got 1', 'b got 1']);
});

test('TCP: no endpoints: the connection is reset at once', { timeout: 30_000 }, async () => {
  const { port, balancer } = await servicePort([]);
  const r = await exchange(port, 1);
  assert.equal(r.error, 'ECONNRESET');
  assert.ok(r.ms < 1000, `${r.ms} ms`);
  // Endpoints arrive: the same listener serves.
  balancer.update([await countingBackend('late')]);
  assert.equal((await exchange(port, 3)).reply, 'late got 3');
});

test('TCP: an endpoint that refuses is skipped for the next; all refusing resets the client', { timeout: 30_000 }, async () => {
  const dead = { ip: '127.0.0.1', port: await deadPort() };
  const { port, balancer } = await servicePort([dead, await countingBackend('live')]);
  for (let i = 0; i < 4; i++) assert.equal((await exchange(port, 2)).reply, 'live got 2');
  balancer.update([dead]);
  assert.equal((await exchange(port, 2)).error, 'ECONNRESET');
});

test('TCP: a backend that resets makes the client see a reset; the relay keeps no sockets', { timeout: 30_000 }, async () => {
  const resetting = await listen(net.createServer((s) => s.once('data', () => s.resetAndDestroy())));
  const { port, open } = await servicePort([{ ip: '127.0.0.1', port: resetting }]);
  const r = await exchange(port, 10);
  assert.equal(r.error, 'ECONNRESET');
  await waitFor('relay sockets closed', () => open.size === 0, 5_000, 20);
});

function udpSocket(): dgram.Socket {
  const s = dgram.createSocket('udp4');
  closers.push(() => {
    try {
      s.close();
    } catch {
      // closed by the test
    }
  });
  return s;
}

async function bound(s: dgram.Socket): Promise<number> {
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return s.address().port;
}

test('UDP: a session per client, replies from the Service address, ended when idle or when the endpoint leaves', { timeout: 30_000 }, async () => {
  const echo = udpSocket();
  echo.on('message', (m, from) => echo.send(`echo ${m}`, from.port, from.address));
  const backend = { ip: '127.0.0.1', port: await bound(echo) };
  const balancer = new EndpointBalancer();
  balancer.update([backend]);
  const listener = udpSocket();
  const servicePortNumber = await bound(listener);
  const relay = new UdpRelay(listener, balancer, 1000);
  const client = udpSocket();
  await bound(client);
  const replies: { text: string; port: number }[] = [];
  client.on('message', (m, from) => replies.push({ text: String(m), port: from.port }));
  client.send('one', servicePortNumber, '127.0.0.1');
  client.send('two', servicePortNumber, '127.0.0.1');
  await waitFor('two replies', () => replies.length === 2, 5_000, 10);
  assert.deepEqual(replies.map((r) => r.text).sort(), ['echo one', 'echo two']);
  assert.ok(replies.every((r) => r.port === servicePortNumber));
  assert.equal(relay.sessionCount, 1);
  await waitFor('the idle session ended', () => relay.sessionCount === 0, 5_000, 20);

  client.send('three', servicePortNumber, '127.0.0.1');
  await waitFor('a new session', () => relay.sessionCount === 1 && replies.length === 3, 5_000, 10);
  balancer.update([]);
  relay.retain(balancer.endpointKeys);
  assert.equal(relay.sessionCount, 0);
  relay.close();
});
