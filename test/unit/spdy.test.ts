// SPDY/3.1 framing, header compression and the server session, driven by a small hand-written client.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { handleExecUpgrade } from '../../src/apiserver/streaming/exec-session.js';
import { SpdyServerSession, type SpdyStream } from '../../src/apiserver/streaming/spdy-connection.js';
import {
  GoAwayStatus, RstStatus, SETTINGS_INITIAL_WINDOW_SIZE, SpdyFrameParser, encodeFrame, type SpdyFrame,
} from '../../src/apiserver/streaming/spdy-frames.js';
import {
  HeaderCompressor, HeaderDecompressor, SPDY3_DICTIONARY, decodeHeaderBlock, encodeHeaderBlock, type SpdyHeaders,
} from '../../src/apiserver/streaming/spdy-headers.js';

type ReceivedFrame = SpdyFrame & { headers?: SpdyHeaders };

/** The client half of a SPDY connection, written for these tests. */
class TestClient {
  readonly frames: ReceivedFrame[] = [];
  private readonly parser = new SpdyFrameParser();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private waiters: Array<() => void> = [];
  private processing: Promise<void> = Promise.resolve();
  ended = false;

  constructor(readonly socket: net.Socket, initialBytes: Buffer = Buffer.alloc(0)) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
    if (initialBytes.length > 0) this.receive(initialBytes);
  }

  async openStream(streamId: number, headers: SpdyHeaders, fin = false): Promise<void> {
    const headerBlock = await this.compressor.compress(headers);
    this.send({ type: 'syn_stream', streamId, associatedStreamId: 0, priority: 0, slot: 0, fin, unidirectional: false, headerBlock });
  }

  send(frame: SpdyFrame): void {
    this.socket.write(encodeFrame(frame));
  }

  /** Waits for the first frame (from `from` on) that matches. */
  async next(match: (frame: ReceivedFrame) => boolean, from = 0): Promise<ReceivedFrame> {
    for (;;) {
      const found = this.frames.slice(from).find(match);
      if (found) return found;
      if (this.ended) {
        await this.closed();
        const late = this.frames.slice(from).find(match);
        if (late) return late;
        throw new Error('connection closed before the expected frame');
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Waits until the server closes the connection and every frame it sent has been decoded. */
  async closed(): Promise<void> {
    while (!this.ended) await new Promise<void>((resolve) => this.waiters.push(resolve));
    // Header blocks are inflated asynchronously: frames that arrived before the close may still be in the chain.
    for (let pending = this.processing; ; pending = this.processing) {
      await pending;
      if (pending === this.processing) return;
    }
  }

  dataOn(streamId: number): Buffer {
    return Buffer.concat(this.frames.filter((f) => f.type === 'data' && f.streamId === streamId).map((f) => (f as { data: Buffer }).data));
  }

  close(): void {
    this.compressor.close();
    this.decompressor.close();
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    for (const frame of this.parser.push(chunk)) {
      this.processing = this.processing.then(async () => {
        const received: ReceivedFrame = { ...frame };
        if ('headerBlock' in frame) received.headers = await this.decompressor.decompress(frame.headerBlock);
        this.frames.push(received);
        this.wake();
      });
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** A server session and a test client on the two ends of a loopback TCP connection. */
async function connectedPair(): Promise<{ session: SpdyServerSession; client: TestClient; streams: SpdyStream[]; dispose: () => void }> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  const [serverSocket] = await accepted;
  server.close();
  const session = new SpdyServerSession(serverSocket);
  const streams: SpdyStream[] = [];
  session.on('stream', (stream) => streams.push(stream));
  const client = new TestClient(socket);
  return { session, client, streams, dispose: () => { client.close(); session.destroy(); } };
}

async function until(condition: () => boolean, wait: () => Promise<unknown>): Promise<void> {
  while (!condition()) await wait();
}

describe('SPDY frames', () => {
  const samples: SpdyFrame[] = [
    { type: 'data', streamId: 5, fin: true, data: Buffer.from('payload') },
    { type: 'data', streamId: 0x7fffffff, fin: false, data: Buffer.alloc(0) },
    { type: 'syn_stream', streamId: 3, associatedStreamId: 1, priority: 7, slot: 2, fin: false, unidirectional: true, headerBlock: Buffer.from([1, 2, 3]) },
    { type: 'syn_reply', streamId: 3, fin: true, headerBlock: Buffer.from([9]) },
    { type: 'headers', streamId: 7, fin: false, headerBlock: Buffer.from([4, 5]) },
    { type: 'rst_stream', streamId: 3, status: RstStatus.Cancel },
    { type: 'settings', clear: true, entries: [{ flags: 1, id: SETTINGS_INITIAL_WINDOW_SIZE, value: 1 << 20 }, { flags: 0, id: 4, value: 100 }] },
    { type: 'ping', id: 0xfffffffe },
    { type: 'goaway', lastGoodStreamId: 11, status: GoAwayStatus.ProtocolError },
    { type: 'window_update', streamId: 0, delta: 0x7fffffff },
  ];

  test('every frame type survives encode and decode, even when bytes arrive one at a time', () => {
    const wire = Buffer.concat(samples.map(encodeFrame));
    const parser = new SpdyFrameParser();
    const decoded: SpdyFrame[] = [];
    for (const byte of wire) decoded.push(...parser.push(Buffer.from([byte])));
    assert.deepEqual(decoded, samples);
  });

  test('control frames carry version 3 and the type in their first word', () => {
    const ping = encodeFrame({ type: 'ping', id: 1 });
    assert.deepEqual([...ping], [0x80, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 1]);
    const data = encodeFrame({ type: 'data', streamId: 1, fin: true, data: Buffer.from('x') });
    assert.deepEqual([...data], [0, 0, 0, 1, 0x01, 0, 0, 1, 0x78]);
  });

  test('unknown control frame types are skipped and the wrong version is refused', () => {
    const credential = Buffer.from([0x80, 0x03, 0x00, 0x0a, 0, 0, 0, 2, 0xaa, 0xbb]);
    const parser = new SpdyFrameParser();
    assert.deepEqual(parser.push(Buffer.concat([credential, encodeFrame({ type: 'ping', id: 3 })])), [{ type: 'ping', id: 3 }]);
    assert.throws(() => new SpdyFrameParser().push(Buffer.from([0x80, 0x02, 0x00, 0x06, 0, 0, 0, 4, 0, 0, 0, 1])), /version 2/);
  });
});

describe('SPDY header blocks', () => {
  test('the dictionary is the 1423-byte SPDY/3 one', () => {
    assert.equal(SPDY3_DICTIONARY.length, 1423);
    assert.equal(SPDY3_DICTIONARY.subarray(0, 11).toString('latin1'), '\0\0\0\x07options');
    assert.ok(SPDY3_DICTIONARY.toString('latin1').endsWith('enq=0.'));
  });

  test('name/value blocks keep multiple values and lowercase names', () => {
    const block = encodeHeaderBlock({ StreamType: ['error'], 'x-multi': ['a', 'b'] });
    assert.deepEqual(decodeHeaderBlock(block), { streamtype: ['error'], 'x-multi': ['a', 'b'] });
    assert.throws(() => decodeHeaderBlock(block.subarray(0, block.length - 1)), /truncated/);
  });

  test('blocks share one zlib stream per direction, primed with the dictionary', async () => {
    const compressor = new HeaderCompressor();
    const decompressor = new HeaderDecompressor();
    const headerSets: SpdyHeaders[] = [0, 1, 2, 3].map((i) => ({ streamtype: ['data'], port: ['8080'], requestid: [String(i)] }));
    const blocks: Buffer[] = [];
    for (const headers of headerSets) blocks.push(await compressor.compress(headers));
    // The first block starts the zlib stream and names a preset dictionary (FDICT).
    assert.equal(blocks[0][0], 0x78);
    assert.ok(blocks[0][1] & 0x20);
    // Later blocks refer back to earlier ones, so they are much smaller and need the shared context.
    assert.ok(blocks[1].length < blocks[0].length / 2);
    for (const [i, block] of blocks.entries()) assert.deepEqual(await decompressor.decompress(block), headerSets[i]);
    await assert.rejects(new HeaderDecompressor().decompress(blocks[1]));
    compressor.close();
    decompressor.close();
  });
});

describe('SPDY server session', () => {
  test('accepts a stream, replies, and carries data and FIN both ways', async () => {
    const { client, streams, dispose } = await connectedPair();
    try {
      await client.openStream(1, { streamtype: ['stdout'], port: ['80'] });
      client.send({ type: 'data', streamId: 1, fin: true, data: Buffer.from('hello server') });
      await waitFor(() => streams.length === 1);
      const [stream] = streams;
      assert.equal(stream.id, 1);
      assert.deepEqual(stream.headers, { streamtype: ['stdout'], port: ['80'] });
      stream.reply({ accepted: ['yes'] });
      const reply = await client.next((f) => f.type === 'syn_reply');
      assert.deepEqual(reply.headers, { accepted: ['yes'] });
      // Read with events: a for-await loop would destroy the stream once its readable side ends,
      // and this stream still has a writable side to use.
      let received = '';
      stream.on('data', (chunk: Buffer) => (received += chunk));
      await once(stream, 'end');
      assert.equal(received, 'hello server');
      stream.end('hello client');
      await client.next((f) => f.type === 'data' && f.fin);
      assert.equal(client.dataOn(1).toString(), 'hello client');
    } finally {
      dispose();
    }
  });

  test('RST_STREAM works in both directions and later data for the stream is dropped', async () => {
    const { client, streams, dispose } = await connectedPair();
    try {
      await client.openStream(1, { streamtype: ['data'] });
      await client.openStream(3, { streamtype: ['error'] });
      await waitFor(() => streams.length === 2);
      const [first, second] = streams;
      const firstClosed = once(first, 'close');
      client.send({ type: 'rst_stream', streamId: 1, status: RstStatus.Cancel });
      await firstClosed;
      assert.equal(first.resetStatus, RstStatus.Cancel);
      client.send({ type: 'data', streamId: 1, fin: false, data: Buffer.from('late') });

      second.reset(RstStatus.InternalError);
      const rst = await client.next((f) => f.type === 'rst_stream');
      assert.deepEqual(rst, { type: 'rst_stream', streamId: 3, status: RstStatus.InternalError });
      // A ping round trip proves the late data was read and answered with nothing.
      client.send({ type: 'ping', id: 5 });
      await client.next((f) => f.type === 'ping');
      assert.equal(client.frames.filter((f) => f.type === 'rst_stream').length, 1);
    } finally {
      dispose();
    }
  });

  test('answers client pings and refuses even or repeated stream ids', async () => {
    const { client, streams, dispose } = await connectedPair();
    try {
      client.send({ type: 'ping', id: 7 });
      assert.deepEqual(await client.next((f) => f.type === 'ping'), { type: 'ping', id: 7 });
      await client.openStream(2, { streamtype: ['data'] });
      assert.deepEqual(await client.next((f) => f.type === 'rst_stream'), { type: 'rst_stream', streamId: 2, status: RstStatus.ProtocolError });
      // Everything from here on answers the two SYN_STREAMs for stream 5.
      const from = client.frames.length;
      await client.openStream(5, { streamtype: ['data'] });
      await client.openStream(5, { streamtype: ['data'] });
      assert.deepEqual(await client.next((f) => f.type === 'rst_stream', from), { type: 'rst_stream', streamId: 5, status: RstStatus.ProtocolError });
      assert.equal(streams.length, 1, 'the header context stayed in step: stream 5 was still accepted once');
    } finally {
      dispose();
    }
  });

  test('honours the window of a flow-controlled client for transfers larger than 64 KiB', async () => {
    const { client, streams, dispose } = await connectedPair();
    try {
      client.send({ type: 'settings', clear: false, entries: [{ flags: 0, id: SETTINGS_INITIAL_WINDOW_SIZE, value: 65536 }] });
      await client.openStream(1, { streamtype: ['data'] });
      await waitFor(() => streams.length === 1);
      const payload = Buffer.alloc(200 * 1024);
      for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
      let written = false;
      streams[0].write(payload, () => (written = true));

      await until(() => client.dataOn(1).length >= 65536, () => client.next((f) => f.type === 'data', client.frames.length));
      // A ping round trip: the server has now processed everything we sent and flushed what it could.
      client.send({ type: 'ping', id: 9 });
      await client.next((f) => f.type === 'ping');
      assert.equal(client.dataOn(1).length, 65536, 'the server stopped at the end of the window');
      assert.equal(written, false);

      // Grant the rest in steps, as a client does while it consumes.
      let granted = 65536;
      while (client.dataOn(1).length < payload.length) {
        client.send({ type: 'window_update', streamId: 1, delta: 32768 });
        client.send({ type: 'window_update', streamId: 0, delta: 32768 });
        granted += 32768;
        await until(() => client.dataOn(1).length >= Math.min(granted, payload.length), () => client.next((f) => f.type === 'data', client.frames.length));
        assert.ok(client.dataOn(1).length <= granted);
      }
      assert.deepEqual(client.dataOn(1), payload);
      await waitFor(() => written);
    } finally {
      dispose();
    }
  });

  test('credits what it reads with WINDOW_UPDATE so a client can send more than 64 KiB', async () => {
    const { client, streams, dispose } = await connectedPair();
    try {
      await client.openStream(1, { streamtype: ['stdin'] });
      await waitFor(() => streams.length === 1);
      const chunks: Buffer[] = [];
      streams[0].on('data', (chunk: Buffer) => chunks.push(chunk));
      const total = 256 * 1024;
      let sent = 0;
      const windowFor = (streamId: number) =>
        65536 + client.frames.filter((f) => f.type === 'window_update' && f.streamId === streamId).reduce((sum, f) => sum + (f as { delta: number }).delta, 0);
      while (sent < total) {
        const room = Math.min(windowFor(1), windowFor(0)) - sent;
        if (room <= 0) {
          await client.next((f) => f.type === 'window_update', client.frames.length);
          continue;
        }
        const size = Math.min(room, 8192, total - sent);
        client.send({ type: 'data', streamId: 1, fin: sent + size === total, data: Buffer.alloc(size, 7) });
        sent += size;
      }
      await once(streams[0], 'end');
      assert.equal(Buffer.concat(chunks).length, total);
      assert.ok(client.frames.some((f) => f.type === 'window_update' && f.streamId === 0), 'session window credited');
    } finally {
      dispose();
    }
  });

  test('close() sends GOAWAY naming the last stream, and a client GOAWAY ends an idle session', async () => {
    const first = await connectedPair();
    try {
      await first.client.openStream(1, { streamtype: ['data'] });
      await waitFor(() => first.streams.length === 1);
      await first.session.close();
      assert.deepEqual(await first.client.next((f) => f.type === 'goaway'), { type: 'goaway', lastGoodStreamId: 1, status: GoAwayStatus.Ok });
    } finally {
      first.dispose();
    }
    const second = await connectedPair();
    try {
      const closed = once(second.session, 'close');
      second.client.send({ type: 'goaway', lastGoodStreamId: 0, status: GoAwayStatus.Ok });
      await second.client.next((f) => f.type === 'goaway');
      second.client.socket.end();
      await closed;
    } finally {
      second.dispose();
    }
  });
});

describe('exec over SPDY', () => {
  let server: http.Server;
  let port: number;

  before(async () => {
    server = http.createServer((_req, res) => res.end());
    server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      handleExecUpgrade(req, socket, head, { tty: false, stdin: true, stdout: true, stderr: true, command: ['sh', '-c', 'exit 3'] }, async (io) => {
        let input = '';
        for await (const chunk of io.stdin!) input += chunk;
        io.stdout!.write(`stdout got ${input}`);
        io.stderr!.write('to stderr');
        return { exitCode: input === 'fail' ? 3 : 0 };
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as net.AddressInfo).port;
  });

  after(() => {
    server.closeAllConnections();
    server.close();
  });

  async function upgrade(protocols: string[]): Promise<{ status: string; headers: string; client: TestClient }> {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      'POST /api/v1/namespaces/default/pods/p/exec HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n' +
        protocols.map((p) => `X-Stream-Protocol-Version: ${p}\r\n`).join('') + 'Content-Length: 0\r\n\r\n',
    );
    let buffered = Buffer.alloc(0);
    while (buffered.indexOf('\r\n\r\n') === -1) {
      const [chunk] = (await once(socket, 'data')) as [Buffer];
      buffered = Buffer.concat([buffered, chunk]);
    }
    socket.pause();
    const end = buffered.indexOf('\r\n\r\n') + 4;
    const head = buffered.subarray(0, end).toString();
    const client = new TestClient(socket, buffered.subarray(end));
    socket.resume();
    return { status: head.split('\r\n')[0], headers: head, client };
  }

  async function runExec(stdin: string): Promise<{ client: TestClient; headers: string }> {
    const { status, headers, client } = await upgrade(['v5.channel.k8s.io', 'v4.channel.k8s.io', 'channel.k8s.io']);
    assert.equal(status, 'HTTP/1.1 101 Switching Protocols');
    await client.openStream(1, { streamtype: ['error'] });
    await client.openStream(3, { streamtype: ['stdin'] });
    await client.openStream(5, { streamtype: ['stdout'] });
    await client.openStream(7, { streamtype: ['stderr'] });
    client.send({ type: 'data', streamId: 3, fin: true, data: Buffer.from(stdin) });
    await client.closed();
    return { client, headers };
  }

  test('negotiates the client\'s preferred version and writes kubelet\'s success status', async () => {
    const { client, headers } = await runExec('ok');
    assert.match(headers, /^X-Stream-Protocol-Version: v5\.channel\.k8s\.io$/m);
    assert.equal(client.frames.filter((f) => f.type === 'syn_reply').length, 4);
    assert.equal(client.dataOn(5).toString(), 'stdout got ok');
    assert.equal(client.dataOn(7).toString(), 'to stderr');
    assert.equal(client.dataOn(1).toString(), '{"metadata":{},"status":"Success"}');
    for (const streamId of [1, 5, 7]) assert.ok(client.frames.some((f) => f.type === 'data' && f.streamId === streamId && f.fin));
    assert.ok(client.frames.some((f) => f.type === 'goaway'));
  });

  test('a non-zero exit becomes the NonZeroExitCode status', async () => {
    const { client } = await runExec('fail');
    assert.equal(
      client.dataOn(1).toString(),
      '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3",' +
        '"reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}',
    );
  });

  test('refuses a client that offers no version we speak, with a Status body', async () => {
    const { status, headers } = await upgrade(['v3.channel.k8s.io']);
    assert.equal(status, 'HTTP/1.1 403 Forbidden');
    assert.match(headers, /X-Accepted-Stream-Protocol-Versions: v5\.channel\.k8s\.io, v4\.channel\.k8s\.io/);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
