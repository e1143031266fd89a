// SPDY/3.1 framing: an 8-byte header then the payload.
// Control frames: 1 bit control (1), 15 bits version (3), 16 bits type, 8 bits flags, 24 bits length.
// Data frames:    1 bit control (0), 31 bits stream id,               8 bits flags, 24 bits length.
// Header blocks are carried here still compressed; spdy-headers.ts owns their zlib context.

export const SPDY_VERSION = 3;

export const ControlType = {
  SynStream: 1,
  SynReply: 2,
  RstStream: 3,
  Settings: 4,
  Ping: 6,
  GoAway: 7,
  Headers: 8,
  WindowUpdate: 9,
} as const;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;
export const FLAG_SETTINGS_CLEAR = 0x01;

/** RST_STREAM status codes. */
export const RstStatus = {
  ProtocolError: 1,
  InvalidStream: 2,
  RefusedStream: 3,
  UnsupportedVersion: 4,
  Cancel: 5,
  InternalError: 6,
  FlowControlError: 7,
  StreamInUse: 8,
  StreamAlreadyClosed: 9,
  FrameTooLarge: 11,
} as const;

/** GOAWAY status codes. */
export const GoAwayStatus = { Ok: 0, ProtocolError: 1, InternalError: 2 } as const;

export const SETTINGS_INITIAL_WINDOW_SIZE = 7;

/** The largest payload a 24-bit length can describe. */
export const MAX_FRAME_PAYLOAD = 0xffffff;

export interface SettingEntry { flags: number; id: number; value: number }

export type SpdyFrame =
  | { type: 'data'; streamId: number; fin: boolean; data: Buffer }
  | { type: 'syn_stream'; streamId: number; associatedStreamId: number; priority: number; slot: number; fin: boolean; unidirectional: boolean; headerBlock: Buffer }
  | { type: 'syn_reply'; streamId: number; fin: boolean; headerBlock: Buffer }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'settings'; clear: boolean; entries: SettingEntry[] }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastGoodStreamId: number; status: number }
  | { type: 'headers'; streamId: number; fin: boolean; headerBlock: Buffer }
  | { type: 'window_update'; streamId: number; delta: number };

const STREAM_ID_MASK = 0x7fffffff;

export function encodeFrame(frame: SpdyFrame): Buffer {
  switch (frame.type) {
    case 'data': {
      const head = Buffer.alloc(8);
      head.writeUInt32BE(frame.streamId & STREAM_ID_MASK, 0);
      head.writeUInt32BE(((frame.fin ? FLAG_FIN : 0) << 24 | checkedLength(frame.data.length)) >>> 0, 4);
      return Buffer.concat([head, frame.data]);
    }
    case 'syn_stream': {
      const fixed = Buffer.alloc(10);
      fixed.writeUInt32BE(frame.streamId & STREAM_ID_MASK, 0);
      fixed.writeUInt32BE(frame.associatedStreamId & STREAM_ID_MASK, 4);
      fixed[8] = (frame.priority & 0x7) << 5;
      fixed[9] = frame.slot;
      const flags = (frame.fin ? FLAG_FIN : 0) | (frame.unidirectional ? FLAG_UNIDIRECTIONAL : 0);
      return control(ControlType.SynStream, flags, Buffer.concat([fixed, frame.headerBlock]));
    }
    case 'syn_reply':
      return control(ControlType.SynReply, frame.fin ? FLAG_FIN : 0, Buffer.concat([streamIdField(frame.streamId), frame.headerBlock]));
    case 'headers':
      return control(ControlType.Headers, frame.fin ? FLAG_FIN : 0, Buffer.concat([streamIdField(frame.streamId), frame.headerBlock]));
    case 'rst_stream':
      return control(ControlType.RstStream, 0, uint32Pair(frame.streamId & STREAM_ID_MASK, frame.status));
    case 'settings': {
      const payload = Buffer.alloc(4 + frame.entries.length * 8);
      payload.writeUInt32BE(frame.entries.length, 0);
      frame.entries.forEach((entry, i) => {
        payload.writeUInt32BE(((entry.flags & 0xff) << 24 | (entry.id & 0xffffff)) >>> 0, 4 + i * 8);
        payload.writeUInt32BE(entry.value >>> 0, 8 + i * 8);
      });
      return control(ControlType.Settings, frame.clear ? FLAG_SETTINGS_CLEAR : 0, payload);
    }
    case 'ping': {
      const payload = Buffer.alloc(4);
      payload.writeUInt32BE(frame.id >>> 0);
      return control(ControlType.Ping, 0, payload);
    }
    case 'goaway':
      return control(ControlType.GoAway, 0, uint32Pair(frame.lastGoodStreamId & STREAM_ID_MASK, frame.status));
    case 'window_update':
      return control(ControlType.WindowUpdate, 0, uint32Pair(frame.streamId & STREAM_ID_MASK, frame.delta & STREAM_ID_MASK));
  }
}

function control(type: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE((flags << 24 | checkedLength(payload.length)) >>> 0, 4);
  return Buffer.concat([head, payload]);
}

function checkedLength(length: number): number {
  if (length > MAX_FRAME_PAYLOAD) throw new RangeError(`SPDY frame payload of ${length} bytes exceeds 24-bit length`);
  return length;
}

function streamIdField(streamId: number): Buffer {
  const field = Buffer.alloc(4);
  field.writeUInt32BE(streamId & STREAM_ID_MASK);
  return field;
}

function uint32Pair(first: number, second: number): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(first >>> 0, 0);
  payload.writeUInt32BE(second >>> 0, 4);
  return payload;
}

export class SpdyProtocolError extends Error {}

/**
 * Incremental decoder: feed it bytes as they arrive, get back whole frames.
 * Control frames of unknown type (e.g. CREDENTIAL) are skipped, as the spec asks.
 */
export class SpdyFrameParser {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): SpdyFrame[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: SpdyFrame[] = [];
    while (this.buffered.length >= 8) {
      const length = this.buffered.readUInt32BE(4) & 0xffffff;
      if (this.buffered.length < 8 + length) break;
      const frame = decodeFrame(this.buffered.subarray(0, 8 + length));
      this.buffered = this.buffered.subarray(8 + length);
      if (frame) frames.push(frame);
    }
    return frames;
  }
}

/** Decodes one complete frame (header plus payload); undefined for control types we do not know. */
function decodeFrame(bytes: Buffer): SpdyFrame | undefined {
  const flags = bytes[4];
  const payload = bytes.subarray(8);
  if ((bytes[0] & 0x80) === 0) {
    return { type: 'data', streamId: bytes.readUInt32BE(0) & STREAM_ID_MASK, fin: (flags & FLAG_FIN) !== 0, data: payload };
  }
  const version = bytes.readUInt16BE(0) & 0x7fff;
  if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
  const type = bytes.readUInt16BE(2);
  const need = (min: number) => {
    if (payload.length < min) throw new SpdyProtocolError(`control frame type ${type} too short (${payload.length} bytes)`);
  };
  const fin = (flags & FLAG_FIN) !== 0;
  switch (type) {
    case ControlType.SynStream:
      need(10);
      return {
        type: 'syn_stream',
        streamId: payload.readUInt32BE(0) & STREAM_ID_MASK,
        associatedStreamId: payload.readUInt32BE(4) & STREAM_ID_MASK,
        priority: payload[8] >> 5,
        slot: payload[9],
        fin,
        unidirectional: (flags & FLAG_UNIDIRECTIONAL) !== 0,
        headerBlock: payload.subarray(10),
      };
    case ControlType.SynReply:
      need(4);
      return { type: 'syn_reply', streamId: payload.readUInt32BE(0) & STREAM_ID_MASK, fin, headerBlock: payload.subarray(4) };
    case ControlType.Headers:
      need(4);
      return { type: 'headers', streamId: payload.readUInt32BE(0) & STREAM_ID_MASK, fin, headerBlock: payload.subarray(4) };
    case ControlType.RstStream:
      need(8);
      return { type: 'rst_stream', streamId: payload.readUInt32BE(0) & STREAM_ID_MASK, status: payload.readUInt32BE(4) };
    case ControlType.Settings: {
      need(4);
      const count = payload.readUInt32BE(0);
      need(4 + count * 8);
      const entries: SettingEntry[] = [];
      for (let i = 0; i < count; i++) {
        const idWord = payload.readUInt32BE(4 + i * 8);
        entries.push({ flags: idWord >>> 24, id: idWord & 0xffffff, value: payload.readUInt32BE(8 + i * 8) });
      }
      return { type: 'settings', clear: (flags & FLAG_SETTINGS_CLEAR) !== 0, entries };
    }
    case ControlType.Ping:
      need(4);
      return { type: 'ping', id: payload.readUInt32BE(0) };
    case ControlType.GoAway:
      need(8);
      return { type: 'goaway', lastGoodStreamId: payload.readUInt32BE(0) & STREAM_ID_MASK, status: payload.readUInt32BE(4) };
    case ControlType.WindowUpdate:
      need(8);
      return { type: 'window_update', streamId: payload.readUInt32BE(0) & STREAM_ID_MASK, delta: payload.readUInt32BE(4) & STREAM_ID_MASK };
    default:
      return undefined;
  }
}
