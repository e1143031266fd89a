// The remote-command protocol behind pods/exec and pods/attach, as kubelet speaks it:
// - WebSocket v5.channel.k8s.io (kubectl 1.30+) or v4: binary messages whose first byte is the channel
//   (0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize; v5 adds 255 = "client closed channel N");
// - SPDY with v5/v4.channel.k8s.io: one stream per channel, named by its `streamType` header
//   (error, stdin, stdout, stderr, resize).
// Either way the final Status JSON goes on the error/status channel, then the connection closes.
// The process side is the caller's: it gets streams and a resize emitter and reports how the command ended.

import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { PassThrough, Writable, type Duplex, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { WebSocket } from 'ws';
import { ApiError, errors } from '../../api/status.js';
import { SpdyServerSession, type SpdyStream } from './spdy-connection.js';
import { RstStatus } from './spdy-frames.js';
import { headerValue } from './spdy-headers.js';
import {
  acceptChannelWebSocket, acceptSpdyUpgrade, negotiateProtocol, offeredStreamProtocols, offeredWebSocketProtocols,
  rejectUpgrade, requestedUpgrade, webSocketHandshakeProblem,
} from './upgrade.js';

export const STREAM_PROTOCOL_V5 = 'v5.channel.k8s.io';
export const STREAM_PROTOCOL_V4 = 'v4.channel.k8s.io';
/** Protocols we speak, over SPDY and over WebSocket alike. v4+ carry a JSON Status on the error channel. */
export const EXEC_STREAM_PROTOCOLS = [STREAM_PROTOCOL_V5, STREAM_PROTOCOL_V4] as const;

export interface ExecOptions {
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** The command, for the failure message ("error executing command [sh -c exit 3], exit code 3"). */
  command?: string[];
}

export interface TerminalSize { width: number; height: number }

/** Emits 'resize' with a TerminalSize for every size the client sends; `size` holds the latest. */
export class TerminalResizeEvents extends EventEmitter<{ resize: [size: TerminalSize] }> {
  size: TerminalSize | undefined;

  update(size: TerminalSize): void {
    this.size = size;
    this.emit('resize', size);
  }
}

export interface ExecIO {
  stdin?: Readable;
  stdout?: Writable;
  /** With a TTY this writes into stdout, as a terminal merges them. */
  stderr?: Writable;
  resize?: TerminalResizeEvents;
  /** Aborted when the client goes away before the command ends. */
  signal: AbortSignal;
}

export type ExecResult = { exitCode: number } | { error: string };

/**
 * Runs the command. Resolve after everything it produced has been written to io.stdout/io.stderr
 * (e.g. on a child process's 'close', not 'exit'); whatever was written by then is delivered before the status.
 */
export type ExecRunner = (io: ExecIO) => Promise<ExecResult>;

// kubelet's limit for the client to open every stream it announced.
const STREAM_CREATION_TIMEOUT_MS = 30_000;

const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** The Status kubelet writes on the error channel when the command ends. */
export function execStatus(result: ExecResult, command: string[] = []): Record<string, unknown> {
  if ('error' in result) {
    const cause = `error executing command in container: ${result.error}`;
    const status = errors.internal(cause).toStatus();
    return { metadata: {}, status: 'Failure', message: status.message, reason: status.reason, details: { causes: [{ message: cause }] }, code: status.code };
  }
  if (result.exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    // Go's %v of a []string, as containerd formats it.
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${result.exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(result.exitCode) }] },
  };
}

/** Serves an exec/attach upgrade request on the socket from a server's 'upgrade' event. */
export function handleExecUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, opts: ExecOptions, run: ExecRunner): void {
  switch (requestedUpgrade(req)) {
    case 'websocket': {
      const offered = offeredWebSocketProtocols(req);
      const protocol = negotiateProtocol(offered, EXEC_STREAM_PROTOCOLS);
      const problem = protocol ? webSocketHandshakeProblem(req) : `unable to upgrade: websocket protocol(s) not supported: [${offered.join(' ')}]`;
      if (!protocol || problem) {
        rejectUpgrade(socket, errors.badRequest(problem ?? 'unable to upgrade'));
        return;
      }
      acceptChannelWebSocket(req, socket, head, protocol).then(
        (ws) => serveWebSocketExec(ws, protocol, opts, run),
        () => undefined, // the handshake failed and ws already closed the socket
      );
      return;
    }
    case 'spdy': {
      const offered = offeredStreamProtocols(req);
      const protocol = negotiateProtocol(offered, EXEC_STREAM_PROTOCOLS);
      if (!protocol) {
        rejectUpgrade(
          socket,
          new ApiError(403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${EXEC_STREAM_PROTOCOLS.join(' ')}]`),
          { 'X-Accepted-Stream-Protocol-Versions': EXEC_STREAM_PROTOCOLS.join(', ') },
        );
        return;
      }
      serveSpdyExec(new SpdyServerSession(acceptSpdyUpgrade(socket, head, protocol)), opts, run);
      return;
    }
    default:
      rejectUpgrade(socket, errors.badRequest('unable to upgrade: missing upgrade headers in request'));
  }
}

/** The stream types a client opens for these options: stderr only without a TTY, resize only with one. */
function expectedStreamTypes(opts: ExecOptions): string[] {
  const types = ['error'];
  if (opts.stdin) types.push('stdin');
  if (opts.stdout) types.push('stdout');
  if (opts.stderr && !opts.tty) types.push('stderr');
  if (opts.tty) types.push('resize');
  return types;
}

/** Runs the exec protocol on an accepted SPDY session. */
export function serveSpdyExec(session: SpdyServerSession, opts: ExecOptions, run: ExecRunner): void {
  const expected = expectedStreamTypes(opts);
  const streams = new Map<string, SpdyStream>();
  const aborted = new AbortController();
  session.on('close', () => aborted.abort());
  const creationTimer = setTimeout(() => session.destroy(), STREAM_CREATION_TIMEOUT_MS);
  creationTimer.unref();
  session.on('close', () => clearTimeout(creationTimer));

  session.on('stream', (stream) => {
    const type = headerValue(stream.headers, 'streamtype') ?? '';
    if (!expected.includes(type) || streams.has(type)) {
      stream.reset(RstStatus.RefusedStream);
      return;
    }
    stream.reply();
    streams.set(type, stream);
    if (streams.size < expected.length) return;
    clearTimeout(creationTimer);
    void runOverSpdy(session, streams, opts, run, aborted.signal);
  });
}

async function runOverSpdy(
  session: SpdyServerSession,
  streams: Map<string, SpdyStream>,
  opts: ExecOptions,
  run: ExecRunner,
  signal: AbortSignal,
): Promise<void> {
  const stdout = streams.get('stdout');
  const stderr = opts.tty ? stdout : streams.get('stderr');
  const resizeStream = streams.get('resize');
  const io: ExecIO = {
    stdin: streams.get('stdin'),
    stdout: stdout && forwardingWriter((chunk) => writeTo(stdout, chunk)),
    stderr: stderr && forwardingWriter((chunk) => writeTo(stderr, chunk)),
    resize: resizeStream && new TerminalResizeEvents(),
    signal,
  };
  const result = runSafely(run, io);
  if (resizeStream && io.resize) {
    const parser = new TerminalSizeParser(io.resize);
    resizeStream.on('data', (chunk: Buffer) => parser.feed(chunk));
  }
  const outcome = await result;
  await flushWriters(io);
  for (const output of [streams.get('stdout'), streams.get('stderr')]) output?.end();
  const errorStream = streams.get('error')!;
  errorStream.end(JSON.stringify(execStatus(outcome, opts.command)));
  // Only our side: the client may never half-close the error stream.
  await finished(errorStream, { readable: false }).catch(() => undefined);
  await session.close();
}

/** Runs the exec protocol on an accepted WebSocket (protocol v5 or v4.channel.k8s.io). */
export function serveWebSocketExec(ws: WebSocket, protocol: string, opts: ExecOptions, run: ExecRunner): void {
  const aborted = new AbortController();
  const stdin = opts.stdin ? new PassThrough() : undefined;
  const resize = opts.tty ? new TerminalResizeEvents() : undefined;
  const sizeParser = resize && new TerminalSizeParser(resize);
  ws.on('close', () => {
    aborted.abort();
    stdin?.end();
  });
  ws.on('error', () => ws.terminate());

  const send = (channel: number, data: Buffer): Promise<void> =>
    new Promise((resolve) => {
      if (ws.readyState !== WebSocket.OPEN) resolve();
      else ws.send(Buffer.concat([Buffer.from([channel]), data]), () => resolve());
    });

  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary || data.length === 0) return;
    const payload = data.subarray(1);
    switch (data[0]) {
      case Channel.stdin:
        // Stop reading the socket while the command is not keeping up with its input.
        if (stdin && !stdin.write(payload)) {
          ws.pause();
          stdin.once('drain', () => ws.resume());
        }
        return;
      case Channel.resize:
        sizeParser?.feed(payload);
        return;
      case Channel.close:
        if (protocol === STREAM_PROTOCOL_V5 && payload[0] === Channel.stdin) stdin?.end();
        return;
    }
  });

  // An empty message on the lowest channel we write tells the client the streams are ready (as upstream does).
  const firstChannel = opts.stdout ? Channel.stdout : opts.stderr && !opts.tty ? Channel.stderr : Channel.error;
  void send(firstChannel, Buffer.alloc(0));

  const stderrChannel = opts.tty ? (opts.stdout ? Channel.stdout : undefined) : opts.stderr ? Channel.stderr : undefined;
  const io: ExecIO = {
    stdin,
    stdout: opts.stdout ? forwardingWriter((chunk) => send(Channel.stdout, chunk)) : undefined,
    stderr: stderrChannel === undefined ? undefined : forwardingWriter((chunk) => send(stderrChannel, chunk)),
    resize,
    signal: aborted.signal,
  };
  void (async () => {
    const outcome = await runSafely(run, io);
    await flushWriters(io);
    await send(Channel.error, Buffer.from(JSON.stringify(execStatus(outcome, opts.command))));
    ws.close(1000);
  })();
}

async function runSafely(run: ExecRunner, io: ExecIO): Promise<ExecResult> {
  try {
    return await run(io);
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * The Writable handed to the runner for an output channel. Ending it does not close the channel: the
 * channel closes once the command is over, after its status is known.
 */
function forwardingWriter(send: (chunk: Buffer) => Promise<void>): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      send(chunk).then(() => callback(), () => callback());
    },
  });
}

function writeTo(stream: SpdyStream, chunk: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableEnded) resolve();
    else stream.write(chunk, () => resolve());
  });
}

/** Waits until everything the runner wrote has been handed to the connection. */
async function flushWriters(io: ExecIO): Promise<void> {
  await Promise.all(
    [io.stdout, io.stderr].map(async (writer) => {
      if (!writer || writer.destroyed) return;
      if (!writer.writableEnded) writer.end();
      await finished(writer).catch(() => undefined);
    }),
  );
}

/** Decodes the resize channel: a sequence of {"Width":W,"Height":H} JSON objects, split anywhere. */
class TerminalSizeParser {
  private pending = '';

  constructor(private readonly events: TerminalResizeEvents) {}

  feed(chunk: Buffer): void {
    this.pending += chunk.toString('utf8');
    // The objects are flat, so each one ends at the next closing brace.
    for (let end; (end = this.pending.indexOf('}')) !== -1; ) {
      const text = this.pending.slice(0, end + 1).trim();
      this.pending = this.pending.slice(end + 1);
      try {
        const size = JSON.parse(text) as { Width?: unknown; Height?: unknown };
        if (typeof size.Width === 'number' && typeof size.Height === 'number') this.events.update({ width: size.Width, height: size.Height });
      } catch {
        // A malformed size is dropped; the next one will be read normally.
      }
    }
  }
}
