// The cluster DNS wire format: the client's UDP size (512, or its EDNS OPT record's), answers that do
// not fit going out empty with TC set, and TCP's two-byte length framing across split reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { buildResponse, parseQuestion, Rcode, type Answer } from '../../src/dns/dns-message.js';
import { framed, onMessages, tcpQuery } from '../../src/dns/dns-tcp.js';

function query(name: string, opts: { ednsSize?: number } = {}): Buffer {
  const head = Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, opts.ednsSize ? 1 : 0]);
  const qname = Buffer.concat([...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
  const opt = Buffer.alloc(11);
  opt.writeUInt16BE(41, 1);
  opt.writeUInt16BE(opts.ednsSize ?? 0, 3);
  return Buffer.concat([head, qname, Buffer.from([0, 1, 0, 1]), ...(opts.ednsSize ? [opt] : [])]);
}

const many: Answer[] = Array.from({ length: 40 }, (_, i) => ({ type: 'A', name: 'web.default.svc.cluster.local', ttl: 5, ip: `10.42.0.${i + 1}` }));

test('a UDP answer over 512 bytes is sent empty with TC set; TCP and EDNS clients get it whole', () => {
  const q = parseQuestion(query('web.default.svc.cluster.local'))!;
  assert.equal(q.udpSize, 512);
  const udp = buildResponse(q, Rcode.NOERROR, many, q.udpSize);
  assert.ok(udp.length <= 512);
  assert.equal(udp[2] & 0x02, 0x02, 'TC');
  assert.equal(udp.readUInt16BE(6), 0);
  const tcp = buildResponse(q, Rcode.NOERROR, many);
  assert.equal(tcp[2] & 0x02, 0);
  assert.equal(tcp.readUInt16BE(6), 40);
  const edns = parseQuestion(query('web.default.svc.cluster.local', { ednsSize: 1232 }))!;
  assert.equal(edns.udpSize, 1232);
  assert.equal(buildResponse(edns, Rcode.NOERROR, many.slice(0, 20), edns.udpSize).readUInt16BE(6), 20, 'about 1 KB fits the 1232 bytes offered');
  assert.equal(buildResponse(edns, Rcode.NOERROR, many, edns.udpSize).readUInt16BE(6), 0, 'about 2 KB does not');
  const small = buildResponse(q, Rcode.NOERROR, many.slice(0, 3), q.udpSize);
  assert.equal(small[2] & 0x02, 0);
  assert.equal(small.readUInt16BE(6), 3);
});

test('TCP: length-prefixed messages split across reads, several on one connection', async () => {
  const server = net.createServer((socket) => {
    // Echoes each message back, reversed, byte by byte so the client sees split reads too.
    onMessages(socket, (msg) => {
      const out = framed(Buffer.from(msg).reverse());
      for (const b of out) socket.write(Buffer.from([b]));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  try {
    assert.deepEqual(await tcpQuery('127.0.0.1', port, Buffer.from([1, 2, 3]), 5000), Buffer.from([3, 2, 1]));
    const got: Buffer[] = [];
    const s = net.connect(port, '127.0.0.1');
    onMessages(s, (m) => got.push(Buffer.from(m)));
    const two = Buffer.concat([framed(Buffer.from('ab')), framed(Buffer.from('cde'))]);
    s.write(two.subarray(0, 3));
    setTimeout(() => s.write(two.subarray(3)), 20);
    await new Promise<void>((resolve) => {
      const t = setInterval(() => got.length === 2 && (clearInterval(t), resolve()), 10);
    });
    s.destroy();
    assert.deepEqual(got.map(String), ['ba', 'edc']);
    assert.equal(await tcpQuery('127.0.0.1', 1, Buffer.from([1]), 2000), undefined, 'refused: no reply');
  } finally {
    server.close();
  }
});
