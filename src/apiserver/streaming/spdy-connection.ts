// A server-side SPDY/3.1 session over any byte Duplex (an upgraded socket or a WebSocket tunnel).
// Clients open streams (odd ids); each is exposed as a SpdyStream Duplex carrying its SYN_STREAM headers.
//
// Flow control. kubectl's SPDY stack (moby/spdystream) neither sends WINDOW_UPDATE nor honours ours, so:
// - we credit what the consumer reads with WINDOW_UPDATE frames (stream and session), so strict peers keep
//   sending past 64 KiB; a peer that ignores windows is slowed by pausing the transport while a stream's
//   read buffer is full, as spdystream itself does;
// - we enforce the peer's send windows only once it shows it does flow control (SETTINGS
//   INITIAL_WINDOW_SIZE or any WINDOW_UPDATE); enforcing them against spdystream would stall every
//   transfer after 64 KiB.

import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import {
  GoAwayStatus, RstStatus, SETTINGS_INITIAL_WINDOW_SIZE, SpdyFrameParser, encodeFrame, type SpdyFrame,
} from './spdy-frames.js';
import { HeaderCompressor, HeaderDecompressor, type SpdyHeaders } from './spdy-headers.js';

/** The window every stream and the session start with (SPDY/3.1 default). */
export const DEFAULT_WINDOW_SIZE = 64 * 1024;
// Credit the peer once this much has been consumed, so updates are not sent for every frame.
const WINDOW_UPDATE_THRESHOLD = DEFAULT_WINDOW_SIZE / 2;
// Large writes are cut into frames of at most this size so streams interleave fairly.
const MAX_DATA_FRAME = 16 * 1024;
// After we end the transport, a peer that never closes its side is cut off after this long.
const CLOSE_LINGER_MS = 5_000;

class StreamClosedError extends Error {
  constructor(streamId: number) {
    super(`SPDY stream ${streamId} is closed`);
  }
}

/** One client-initiated stream. Reading yields the client's data; writing sends DATA; end() sends FIN. */
export class SpdyStream extends Duplex {
  /** Set when the peer aborted the stream with RST_STREAM. */
  resetStatus: number | undefined;
  /** @internal our remaining allowance to send on this stream (may go negative, see file comment). */
  sendWindow: number;
  private replied = false;
  private remoteEnded: boolean;
  private localEnded: boolean;
  private uncredited = 0;
  private blockingTransport = false;

  constructor(
    private readonly session: SpdyServerSession,
    readonly id: number,
    readonly headers: SpdyHeaders,
    flags: { fin: boolean; unidirectional: boolean },
    initialSendWindow: number,
  ) {
    super({ allowHalfOpen: true, readableHighWaterMark: DEFAULT_WINDOW_SIZE });
    this.sendWindow = initialSendWindow;
    this.remoteEnded = flags.fin;
    this.localEnded = flags.unidirectional;
    if (flags.fin) this.push(null);
  }

  /** Accepts the stream with SYN_REPLY (once). Writing data replies implicitly with no headers. */
  reply(headers: SpdyHeaders = {}): void {
    if (this.replied) return;
    this.replied = true;
    this.session.sendHeaderFrame(headers, (headerBlock) => ({ type: 'syn_reply', streamId: this.id, fin: false, headerBlock }));
  }

  /** Aborts the stream with RST_STREAM. */
  reset(status: number = RstStatus.Cancel): void {
    if (this.destroyed) return;
    if (!this.fullyClosed()) this.session.sendControl({ type: 'rst_stream', streamId: this.id, status });
    this.remoteEnded = this.localEnded = true;
    this.destroy();
  }

  /** @internal */
  receiveData(data: Buffer, fin: boolean): void {
    if (this.remoteEnded) {
      this.reset(RstStatus.StreamAlreadyClosed);
      return;
    }
    if (data.length > 0) {
      this.uncredited += data.length;
      if (this.push(data)) this.creditConsumed();
      else this.blockTransport();
    }
    if (fin) this.receiveFin();
  }

  /** @internal */
  receiveHeaders(headers: SpdyHeaders, fin: boolean): void {
    this.emit('headers', headers);
    if (fin && !this.remoteEnded) this.receiveFin();
  }

  /** @internal the peer sent RST_STREAM. */
  receiveReset(status: number): void {
    this.resetStatus = status;
    this.remoteEnded = this.localEnded = true;
    this.destroy();
  }

  override _read(): void {
    this.unblockTransport();
    this.creditConsumed();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.localEnded) {
      callback(new StreamClosedError(this.id));
      return;
    }
    // A write can only fail because the connection is gone: that ends the stream, it is not the writer's error.
    this.session.sendData(this, chunk, false).then(() => callback(), () => {
      callback();
      this.destroy();
    });
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.localEnded) {
      callback();
      return;
    }
    this.session.sendData(this, Buffer.alloc(0), true).then(() => {
      this.localEnded = true;
      if (this.fullyClosed()) this.session.forget(this);
      callback();
    }, () => {
      callback();
      this.destroy();
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.unblockTransport();
    if (!this.fullyClosed() && !this.session.closed) {
      this.session.sendControl({ type: 'rst_stream', streamId: this.id, status: RstStatus.Cancel });
    }
    this.remoteEnded = this.localEnded = true;
    this.session.forget(this);
    callback(error);
  }

  private receiveFin(): void {
    this.remoteEnded = true;
    this.push(null);
    if (this.fullyClosed()) this.session.forget(this);
  }

  private fullyClosed(): boolean {
    return this.remoteEnded && this.localEnded;
  }

  private creditConsumed(): void {
    if (this.remoteEnded || this.uncredited < WINDOW_UPDATE_THRESHOLD) return;
    this.session.sendControl({ type: 'window_update', streamId: this.id, delta: this.uncredited });
    this.uncredited = 0;
  }

  private blockTransport(): void {
    if (this.blockingTransport) return;
    this.blockingTransport = true;
    this.session.pauseReading();
  }

  private unblockTransport(): void {
    if (!this.blockingTransport) return;
    this.blockingTransport = false;
    this.session.resumeReading();
  }
}

export interface SpdyServerSessionEvents {
  stream: [stream: SpdyStream];
  goaway: [lastGoodStreamId: number, status: number];
  close: [];
}

export class SpdyServerSession extends EventEmitter<SpdyServerSessionEvents> {
  closed = false;
  private readonly parser = new SpdyFrameParser();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly inbox: SpdyFrame[] = [];
  private processingInbox = false;
  private outgoing: Promise<void> = Promise.resolve();
  private lastStreamId = 0;
  private goingAway = false;
  private broken = false;
  private peerGoneAway = false;
  private readPauses = 0;
  private peerFlowControl = false;
  private peerInitialWindow = DEFAULT_WINDOW_SIZE;
  private sessionSendWindow = DEFAULT_WINDOW_SIZE;
  private sessionUncredited = 0;
  private windowWaiters: Array<() => void> = [];

  constructor(private readonly transport: Duplex) {
    super();
    transport.on('data', (chunk: Buffer) => this.receive(chunk));
    transport.on('end', () => void this.close());
    transport.on('error', () => this.teardown());
    transport.on('close', () => this.teardown());
  }

  /** Streams the client has opened and not yet closed. */
  get openStreams(): number {
    return this.streams.size;
  }

  /** Sends GOAWAY, flushes everything queued and ends the transport. */
  async close(status: number = GoAwayStatus.Ok): Promise<void> {
    if (this.closed) return;
    if (!this.goingAway) {
      this.goingAway = true;
      this.sendControl({ type: 'goaway', lastGoodStreamId: this.lastStreamId, status });
    }
    await this.outgoing;
    this.transport.end();
    setTimeout(() => this.transport.destroy(), CLOSE_LINGER_MS).unref();
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.transport.destroy();
    this.teardown();
  }

  /**
   * @internal queues a frame without header block; frames go out in the order they were queued.
   * Fire and forget: if the connection is gone there is nobody left to tell.
   */
  sendControl(frame: SpdyFrame): void {
    this.enqueue(async () => encodeFrame(frame)).catch(() => undefined);
  }

  /** @internal queues a frame whose header block is compressed in wire order, as the shared zlib stream requires. */
  sendHeaderFrame(headers: SpdyHeaders, build: (headerBlock: Buffer) => SpdyFrame): void {
    this.enqueue(async () => encodeFrame(build(await this.compressor.compress(headers)))).catch(() => undefined);
  }

  /** @internal sends data on a stream in frames that respect the peer's windows when it uses them. */
  async sendData(stream: SpdyStream, data: Buffer, fin: boolean): Promise<void> {
    stream.reply();
    if (data.length === 0) {
      await this.enqueue(async () => encodeFrame({ type: 'data', streamId: stream.id, fin, data }));
      return;
    }
    for (let offset = 0; offset < data.length; ) {
      const allowance = await this.waitForSendWindow(stream);
      const size = Math.min(data.length - offset, allowance, MAX_DATA_FRAME);
      stream.sendWindow -= size;
      this.sessionSendWindow -= size;
      const chunk = data.subarray(offset, offset + size);
      offset += size;
      const last = offset === data.length;
      await this.enqueue(async () => encodeFrame({ type: 'data', streamId: stream.id, fin: fin && last, data: chunk }));
    }
  }

  /** @internal */
  forget(stream: SpdyStream): void {
    if (this.streams.get(stream.id) !== stream) return;
    this.streams.delete(stream.id);
    if (this.peerGoneAway && this.streams.size === 0) void this.close();
  }

  /** @internal a stream's read buffer is full: stop reading the transport until it drains. */
  pauseReading(): void {
    if (this.readPauses++ === 0) this.transport.pause();
  }

  /** @internal */
  resumeReading(): void {
    if (--this.readPauses === 0) this.transport.resume();
  }

  private enqueue(encode: () => Promise<Buffer>): Promise<void> {
    const written = this.outgoing.then(async () => {
      if (this.closed || this.transport.destroyed || this.transport.writableEnded) throw new Error('SPDY connection closed');
      await this.writeToTransport(await encode());
    });
    this.outgoing = written.catch(() => undefined);
    return written;
  }

  private writeToTransport(bytes: Buffer): Promise<void> | void {
    if (this.transport.write(bytes)) return;
    return new Promise((resolve) => {
      const done = () => {
        this.transport.off('drain', done);
        this.transport.off('close', done);
        resolve();
      };
      this.transport.on('drain', done);
      this.transport.on('close', done);
    });
  }

  private async waitForSendWindow(stream: SpdyStream): Promise<number> {
    while (this.peerFlowControl && (stream.sendWindow <= 0 || this.sessionSendWindow <= 0)) {
      if (stream.destroyed || this.closed) throw new StreamClosedError(stream.id);
      await new Promise<void>((resolve) => this.windowWaiters.push(resolve));
    }
    if (stream.destroyed || this.closed) throw new StreamClosedError(stream.id);
    return this.peerFlowControl ? Math.min(stream.sendWindow, this.sessionSendWindow) : Infinity;
  }

  private wakeWindowWaiters(): void {
    const waiters = this.windowWaiters;
    this.windowWaiters = [];
    for (const wake of waiters) wake();
  }

  private receive(chunk: Buffer): void {
    if (this.broken) return;
    try {
      this.inbox.push(...this.parser.push(chunk));
    } catch {
      this.failProtocol();
      return;
    }
    if (!this.processingInbox) void this.processInbox();
  }

  // Frames are handled strictly in order: header blocks must be inflated in the order they were sent.
  private async processInbox(): Promise<void> {
    this.processingInbox = true;
    try {
      while (!this.closed && !this.broken && this.inbox.length > 0) await this.handleFrame(this.inbox.shift()!);
    } catch {
      this.failProtocol();
    } finally {
      this.processingInbox = false;
    }
  }

  private async handleFrame(frame: SpdyFrame): Promise<void> {
    switch (frame.type) {
      case 'syn_stream': {
        const headers = await this.decompressor.decompress(frame.headerBlock);
        this.openStream(frame.streamId, headers, frame.fin, frame.unidirectional);
        return;
      }
      case 'syn_reply':
        // We open no streams, so there is nothing to reply to; inflate anyway to keep the zlib stream in step.
        await this.decompressor.decompress(frame.headerBlock);
        this.sendControl({ type: 'rst_stream', streamId: frame.streamId, status: RstStatus.InvalidStream });
        return;
      case 'headers': {
        const headers = await this.decompressor.decompress(frame.headerBlock);
        this.streams.get(frame.streamId)?.receiveHeaders(headers, frame.fin);
        return;
      }
      case 'data':
        this.receiveStreamData(frame.streamId, frame.data, frame.fin);
        return;
      case 'rst_stream':
        this.streams.get(frame.streamId)?.receiveReset(frame.status);
        return;
      case 'settings':
        for (const entry of frame.entries) {
          if (entry.id === SETTINGS_INITIAL_WINDOW_SIZE) this.setPeerInitialWindow(entry.value);
        }
        return;
      case 'window_update':
        this.peerFlowControl = true;
        if (frame.streamId === 0) this.sessionSendWindow += frame.delta;
        else {
          const stream = this.streams.get(frame.streamId);
          if (stream) stream.sendWindow += frame.delta;
        }
        this.wakeWindowWaiters();
        return;
      case 'ping':
        // Client pings have odd ids and are echoed; we send none of our own.
        if (frame.id % 2 === 1) this.sendControl(frame);
        return;
      case 'goaway':
        this.peerGoneAway = true;
        this.emit('goaway', frame.lastGoodStreamId, frame.status);
        if (this.streams.size === 0) void this.close();
        return;
    }
  }

  private openStream(streamId: number, headers: SpdyHeaders, fin: boolean, unidirectional: boolean): void {
    if (streamId % 2 === 0 || streamId <= this.lastStreamId) {
      this.sendControl({ type: 'rst_stream', streamId, status: RstStatus.ProtocolError });
      return;
    }
    this.lastStreamId = streamId;
    if (this.goingAway || this.peerGoneAway) {
      this.sendControl({ type: 'rst_stream', streamId, status: RstStatus.RefusedStream });
      return;
    }
    const stream = new SpdyStream(this, streamId, headers, { fin, unidirectional }, this.peerInitialWindow);
    this.streams.set(streamId, stream);
    this.emit('stream', stream);
  }

  private receiveStreamData(streamId: number, data: Buffer, fin: boolean): void {
    // The session window covers every DATA frame, even one for a stream we already dropped.
    this.sessionUncredited += data.length;
    if (this.sessionUncredited >= WINDOW_UPDATE_THRESHOLD) {
      this.sendControl({ type: 'window_update', streamId: 0, delta: this.sessionUncredited });
      this.sessionUncredited = 0;
    }
    const stream = this.streams.get(streamId);
    if (stream) stream.receiveData(data, fin);
    else if (streamId > this.lastStreamId) this.sendControl({ type: 'rst_stream', streamId, status: RstStatus.InvalidStream });
    // Data for a stream that is already closed here is dropped: the peer may not have seen our RST yet.
  }

  private setPeerInitialWindow(size: number): void {
    const delta = size - this.peerInitialWindow;
    this.peerInitialWindow = size;
    this.peerFlowControl = true;
    for (const stream of this.streams.values()) stream.sendWindow += delta;
    this.wakeWindowWaiters();
  }

  // After a framing or zlib error nothing further can be decoded: stop reading and go away.
  private failProtocol(): void {
    if (this.broken) return;
    this.broken = true;
    this.inbox.length = 0;
    void this.close(GoAwayStatus.ProtocolError);
  }

  private teardown(): void {
    if (this.closed) return;
    this.closed = true;
    this.wakeWindowWaiters();
    for (const stream of [...this.streams.values()]) stream.destroy();
    this.streams.clear();
    this.compressor.close();
    this.decompressor.close();
    this.emit('close');
  }
}
