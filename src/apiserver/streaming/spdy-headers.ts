// SPDY/3 name/value header blocks and their zlib compression.
// Each direction of a connection is one continuous zlib stream primed with the SPDY/3 dictionary:
// every header block is appended to it and ended with a sync flush, so one compressor (for what we send)
// and one decompressor (for what we receive) must live as long as the connection.

import zlib from 'node:zlib';

/** Header names are lowercase; a name may carry several values (sent NUL-separated). */
export type SpdyHeaders = Record<string, string[]>;

/** The first value of a header, or undefined. Names are matched lowercase, as SPDY sends them. */
export function headerValue(headers: SpdyHeaders, name: string): string | undefined {
  return headers[name.toLowerCase()]?.[0];
}

// The SPDY/3 dictionary: length-prefixed common header words, then a run of common value fragments.
const DICTIONARY_WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding',
  'accept-language', 'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection',
  'content-base', 'content-encoding', 'content-language', 'content-length', 'content-location', 'content-md5',
  'content-range', 'content-type', 'date', 'etag', 'expect', 'expires', 'from', 'host', 'if-match',
  'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since', 'last-modified', 'location',
  'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer', 'retry-after',
  'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
  'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public',
  'set-cookie', 'keep-alive', 'origin',
];
const DICTIONARY_TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505203 ' +
  'Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
  '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
  'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
  'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,' +
  'text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

export const SPDY3_DICTIONARY: Buffer = Buffer.concat([
  ...DICTIONARY_WORDS.map((word) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(word.length);
    return Buffer.concat([length, Buffer.from(word, 'latin1')]);
  }),
  Buffer.from(DICTIONARY_TAIL, 'latin1'),
]);

// A header block larger than this (uncompressed) is refused rather than buffered.
const MAX_HEADER_BLOCK_BYTES = 256 * 1024;

/** Serialises headers as an uncompressed SPDY/3 name/value block (32-bit counts and lengths). */
export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = [];
  const names = Object.keys(headers);
  parts.push(uint32(names.length));
  for (const name of names) {
    const nameBytes = Buffer.from(name.toLowerCase(), 'utf8');
    const valueBytes = Buffer.from(headers[name].join('\0'), 'utf8');
    parts.push(uint32(nameBytes.length), nameBytes, uint32(valueBytes.length), valueBytes);
  }
  return Buffer.concat(parts);
}

/** Parses an uncompressed name/value block; throws when it is truncated or has trailing bytes. */
export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  let offset = 0;
  const take = (length: number): Buffer => {
    if (offset + length > block.length) throw new Error('truncated SPDY header block');
    const bytes = block.subarray(offset, offset + length);
    offset += length;
    return bytes;
  };
  const count = take(4).readUInt32BE(0);
  const headers: SpdyHeaders = {};
  for (let i = 0; i < count; i++) {
    const name = take(take(4).readUInt32BE(0)).toString('utf8').toLowerCase();
    const values = take(take(4).readUInt32BE(0)).toString('utf8').split('\0');
    (headers[name] ??= []).push(...values);
  }
  if (offset !== block.length) throw new Error('trailing bytes after SPDY header block');
  return headers;
}

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}

/**
 * Runs one chunk through a long-lived zlib stream and returns exactly the output it produced.
 * The stream is read in paused mode: by the time the sync-flush callback runs, zlib has pushed all of
 * this chunk's output into the readable buffer, so draining it then cannot mix in another chunk's bytes.
 * Callers must not overlap calls on the same stream.
 */
function syncFlush(stream: zlib.Deflate | zlib.Inflate, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    stream.once('error', onError);
    stream.write(input);
    stream.flush(zlib.constants.Z_SYNC_FLUSH, () => {
      stream.off('error', onError);
      const output: Buffer[] = [];
      for (let chunk: Buffer | null; (chunk = stream.read() as Buffer | null) !== null; ) output.push(chunk);
      resolve(Buffer.concat(output));
    });
  });
}

/** Serialises async calls so each zlib operation sees the stream to itself. */
class ZlibContext<T extends zlib.Deflate | zlib.Inflate> {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly stream: T) {}

  run(input: Buffer): Promise<Buffer> {
    const result = this.queue.then(() => syncFlush(this.stream, input));
    this.queue = result.catch(() => undefined);
    return result;
  }

  close(): void {
    this.stream.destroy();
  }
}

// The readable buffer must hold a whole header block's output, or zlib would wait for a read first.
const ZLIB_OPTIONS = { dictionary: SPDY3_DICTIONARY, readableHighWaterMark: 2 * MAX_HEADER_BLOCK_BYTES };

/** Compresses the header blocks we send on one connection. */
export class HeaderCompressor {
  private readonly context = new ZlibContext(zlib.createDeflate(ZLIB_OPTIONS));

  compress(headers: SpdyHeaders): Promise<Buffer> {
    return this.context.run(encodeHeaderBlock(headers));
  }

  close(): void {
    this.context.close();
  }
}

/** Decompresses the header blocks the peer sends on one connection. */
export class HeaderDecompressor {
  private readonly context = new ZlibContext(zlib.createInflate(ZLIB_OPTIONS));

  async decompress(compressed: Buffer): Promise<SpdyHeaders> {
    const block = await this.context.run(compressed);
    if (block.length > MAX_HEADER_BLOCK_BYTES) throw new Error('SPDY header block too large');
    return decodeHeaderBlock(block);
  }

  close(): void {
    this.context.close();
  }
}
