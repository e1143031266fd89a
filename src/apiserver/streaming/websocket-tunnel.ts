// The server end of a WebSocket whose binary messages carry one continuous byte stream — kubectl's
// port-forward tunnel (subprotocol "SPDY/3.1+portforward.k8s.io"), where the bytes are a SPDY session.
// Written by hand because the ws library refuses that subprotocol token. The handshake is in upgrade.ts;
// this is RFC 6455 framing: masked client frames, fragmentation, ping/pong and the close handshake.

import { Duplex } from 'node:stream';

export const Opcode = { Continuation: 0x0, Text: 0x1, Binary: 0x2, Close: 0x8, Ping: 0x9, Pong: 0xa } as const;

export const CloseCode = {
  Normal: 1000,
  ProtocolError: 1002,
  UnsupportedData: 1003,
  MessageTooBig: 1009,
} as const;

// Frames above this size are refused; kubectl's SPDY frames are far smaller.
const MAX_FRAME_PAYLOAD = 16 * 1024 * 1024;
// After our close frame, a peer that never closes the TCP connection is cut off after this long.
const CLOSE_LINGER_MS = 5_000;

class WebSocketProtocolError extends Error {
  constructor(readonly closeCode: number, message: string) {
    super(message);
  }
}

/** Encodes one server frame (servers never mask). */
export function encodeServerFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  let head: Buffer;
  if (payload.length < 126) {
    head = Buffer.from([0, payload.length]);
  } else if (payload.length < 0x10000) {
    head = Buffer.alloc(4);
    head[1] = 126;
    head.writeUInt16BE(payload.length, 2);
  } else {
    head = Buffer.alloc(10);
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  head[0] = (fin ? 0x80 : 0) | opcode;
  return Buffer.concat([head, payload]);
}

/** Reading yields the payload bytes of binary messages in order; each write is sent as one binary message. */
export class WebSocketTunnel extends Duplex {
  private buffered: Buffer = Buffer.alloc(0);
  private inMessage = false;
  private inputEnded = false;
  private closeSent = false;
  private closeReceived = false;
  private socketPaused = false;

  constructor(private readonly socket: Duplex) {
    super({ allowHalfOpen: true });
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => this.peerGone());
    socket.on('close', () => this.peerGone());
    socket.on('error', (err) => this.destroy(err));
  }

  override _read(): void {
    if (this.socketPaused) {
      this.socketPaused = false;
      this.socket.resume();
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.closeSent) {
      callback(new Error('WebSocket is closing'));
      return;
    }
    this.writeFrame(Opcode.Binary, chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.sendClose(CloseCode.Normal, '');
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }

  private writeFrame(opcode: number, payload: Buffer, callback?: () => void): void {
    if (this.socket.destroyed || this.socket.writableEnded) {
      callback?.();
      return;
    }
    if (this.socket.write(encodeServerFrame(opcode, payload)) || !callback) callback?.();
    else this.socket.once('drain', callback);
  }

  private sendClose(code: number, reason: string): void {
    if (this.closeSent) return;
    this.closeSent = true;
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2);
    this.writeFrame(Opcode.Close, payload);
    // Once both sides have sent close the handshake is done; otherwise give the peer a moment to answer.
    if (this.closeReceived) this.socket.end();
    else setTimeout(() => this.socket.destroy(), CLOSE_LINGER_MS).unref();
  }

  private receive(chunk: Buffer): void {
    if (this.inputEnded) return;
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    try {
      while (!this.inputEnded) {
        const frame = this.takeFrame();
        if (!frame) break;
        this.handleFrame(frame.fin, frame.opcode, frame.payload);
      }
    } catch (err) {
      if (!(err instanceof WebSocketProtocolError)) throw err;
      this.buffered = Buffer.alloc(0);
      this.sendClose(err.closeCode, err.message);
      this.socket.end();
      this.endInput();
    }
  }

  /** Removes one complete frame from the buffer and unmasks it; undefined until enough bytes arrived. */
  private takeFrame(): { fin: boolean; opcode: number; payload: Buffer } | undefined {
    const bytes = this.buffered;
    if (bytes.length < 2) return undefined;
    const fin = (bytes[0] & 0x80) !== 0;
    const opcode = bytes[0] & 0x0f;
    if ((bytes[0] & 0x70) !== 0) throw new WebSocketProtocolError(CloseCode.ProtocolError, 'reserved bits set');
    if ((bytes[1] & 0x80) === 0) throw new WebSocketProtocolError(CloseCode.ProtocolError, 'client frame not masked');
    let length = bytes[1] & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (bytes.length < 4) return undefined;
      length = bytes.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (bytes.length < 10) return undefined;
      const long = bytes.readBigUInt64BE(2);
      if (long > BigInt(MAX_FRAME_PAYLOAD)) throw new WebSocketProtocolError(CloseCode.MessageTooBig, 'frame too large');
      length = Number(long);
      offset = 10;
    }
    if (length > MAX_FRAME_PAYLOAD) throw new WebSocketProtocolError(CloseCode.MessageTooBig, 'frame too large');
    if (bytes.length < offset + 4 + length) return undefined;
    const mask = bytes.subarray(offset, offset + 4);
    const payload = Buffer.from(bytes.subarray(offset + 4, offset + 4 + length));
    for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
    this.buffered = bytes.subarray(offset + 4 + length);
    return { fin, opcode, payload };
  }

  private handleFrame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode >= 0x8) {
      if (!fin || payload.length > 125) throw new WebSocketProtocolError(CloseCode.ProtocolError, 'invalid control frame');
      if (opcode === Opcode.Ping) this.writeFrame(Opcode.Pong, payload);
      else if (opcode === Opcode.Close) this.receiveClose(payload);
      else if (opcode !== Opcode.Pong) throw new WebSocketProtocolError(CloseCode.ProtocolError, `unknown opcode ${opcode}`);
      return;
    }
    if (opcode === Opcode.Text) throw new WebSocketProtocolError(CloseCode.UnsupportedData, 'text messages are not supported');
    if (opcode === Opcode.Binary && this.inMessage) throw new WebSocketProtocolError(CloseCode.ProtocolError, 'new message inside a fragmented one');
    if (opcode === Opcode.Continuation && !this.inMessage) throw new WebSocketProtocolError(CloseCode.ProtocolError, 'continuation without a message');
    if (opcode !== Opcode.Binary && opcode !== Opcode.Continuation) throw new WebSocketProtocolError(CloseCode.ProtocolError, `unknown opcode ${opcode}`);
    this.inMessage = !fin;
    if (payload.length > 0 && !this.push(payload) && !this.socketPaused) {
      this.socketPaused = true;
      this.socket.pause();
    }
  }

  private receiveClose(payload: Buffer): void {
    this.closeReceived = true;
    const code = payload.length >= 2 ? payload.readUInt16BE(0) : CloseCode.Normal;
    // 1005 and 1006 only describe a close locally; they must not be sent back.
    const reply = code === 1005 || code === 1006 ? CloseCode.Normal : code;
    if (this.closeSent) this.socket.end();
    else this.sendClose(reply, '');
    this.endInput();
  }

  private endInput(): void {
    if (this.inputEnded) return;
    this.inputEnded = true;
    this.push(null);
  }

  private peerGone(): void {
    this.endInput();
    if (!this.destroyed && this.socket.destroyed) this.destroy();
  }
}
