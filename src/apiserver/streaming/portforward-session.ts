// The port-forward protocol behind pods/portforward, as kubelet speaks it. The transport is always a SPDY
// session: on a plain SPDY/3.1 upgrade (kubectl 1.27–1.30) or tunnelled in WebSocket binary messages
// (subprotocol SPDY/3.1+portforward.k8s.io, kubectl 1.31+). For every local connection the client opens two
// streams with the same `port` and `requestID` headers: `streamType: error` (which only we write, text that
// kubectl prints) and `streamType: data` (the bytes, both ways). We dial the port and splice the data stream
// to it.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { errors, ApiError } from '../../api/status.js';
import { SpdyServerSession, type SpdyStream } from './spdy-connection.js';
import { RstStatus } from './spdy-frames.js';
import { headerValue } from './spdy-headers.js';
import {
  acceptSpdyUpgrade, acceptWebSocketTunnel, offeredStreamProtocols, offeredWebSocketProtocols, rejectUpgrade,
  requestedUpgrade, webSocketHandshakeProblem,
} from './upgrade.js';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
export const PORT_FORWARD_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

/** Connects to a port of the pod; rejects when the port cannot be reached. */
export type PortDialer = (port: number) => Promise<Duplex>;

/** Names the pod in error messages, as kubelet does ("error forwarding port 80 to pod NAME, uid UID: ..."). */
export interface PortForwardTarget { pod: string; uid: string }

// kubelet's limit for the second stream of a pair to arrive.
const STREAM_PAIR_TIMEOUT_MS = 30_000;

/** Serves a port-forward upgrade request on the socket from a server's 'upgrade' event. */
export function handlePortForwardUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  dial: PortDialer,
  target: PortForwardTarget = { pod: '', uid: '' },
): void {
  switch (requestedUpgrade(req)) {
    case 'websocket': {
      const offered = offeredWebSocketProtocols(req);
      const problem = offered.includes(PORT_FORWARD_TUNNEL_PROTOCOL)
        ? webSocketHandshakeProblem(req)
        : `unable to upgrade: websocket protocol(s) not supported: [${offered.join(' ')}]`;
      if (problem) {
        rejectUpgrade(socket, errors.badRequest(problem));
        return;
      }
      servePortForward(new SpdyServerSession(acceptWebSocketTunnel(req, socket, head, PORT_FORWARD_TUNNEL_PROTOCOL)), dial, target);
      return;
    }
    case 'spdy': {
      const offered = offeredStreamProtocols(req);
      // A client that names no protocol at all is a legacy one; upstream accepts it as portforward.k8s.io.
      if (offered.length > 0 && !offered.includes(PORT_FORWARD_PROTOCOL)) {
        rejectUpgrade(
          socket,
          new ApiError(403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${PORT_FORWARD_PROTOCOL}]`),
          { 'X-Accepted-Stream-Protocol-Versions': PORT_FORWARD_PROTOCOL },
        );
        return;
      }
      const protocol = offered.length > 0 ? PORT_FORWARD_PROTOCOL : undefined;
      servePortForward(new SpdyServerSession(acceptSpdyUpgrade(socket, head, protocol)), dial, target);
      return;
    }
    default:
      rejectUpgrade(socket, errors.badRequest('unable to upgrade: missing upgrade headers in request'));
  }
}

interface StreamPair {
  port: number;
  error?: SpdyStream;
  data?: SpdyStream;
  timer: NodeJS.Timeout;
}

/** Runs the port-forward protocol on an accepted SPDY session. */
export function servePortForward(session: SpdyServerSession, dial: PortDialer, target: PortForwardTarget): void {
  const pairs = new Map<string, StreamPair>();
  session.on('close', () => {
    for (const pair of pairs.values()) clearTimeout(pair.timer);
    pairs.clear();
  });

  session.on('stream', (stream) => {
    const type = headerValue(stream.headers, 'streamtype');
    const port = Number(headerValue(stream.headers, 'port'));
    const requestId = headerValue(stream.headers, 'requestid');
    if ((type !== 'error' && type !== 'data') || !Number.isInteger(port) || port < 1 || port > 65535 || requestId === undefined) {
      stream.reset(RstStatus.RefusedStream);
      return;
    }
    stream.reply();
    let pair = pairs.get(requestId);
    if (!pair) {
      const timer = setTimeout(() => {
        pairs.delete(requestId);
        abandonPair(pair!, 'timed out waiting for streams');
      }, STREAM_PAIR_TIMEOUT_MS);
      timer.unref();
      pair = { port, timer };
      pairs.set(requestId, pair);
    }
    if (pair[type]) {
      stream.reset(RstStatus.ProtocolError);
      return;
    }
    pair[type] = stream;
    if (pair.error && pair.data) {
      clearTimeout(pair.timer);
      pairs.delete(requestId);
      void forward(pair.data, pair.error, pair.port, dial, target);
    }
  });
}

function abandonPair(pair: StreamPair, message: string): void {
  pair.error?.end(message);
  pair.data?.reset(RstStatus.Cancel);
}

/** Splices the data stream to a connection to the port; failures become text on the error stream. */
async function forward(data: SpdyStream, errorStream: SpdyStream, port: number, dial: PortDialer, target: PortForwardTarget): Promise<void> {
  const fail = (err: unknown) => {
    const reason = err instanceof Error ? err.message : String(err);
    if (!errorStream.writableEnded) errorStream.end(`error forwarding port ${port} to pod ${target.pod}, uid ${target.uid}: ${reason}`);
    if (!data.writableEnded) data.end();
  };
  let connection: Duplex;
  try {
    connection = await dial(port);
  } catch (err) {
    fail(err);
    return;
  }
  if (data.destroyed) {
    connection.destroy();
    return;
  }
  // Each side's end of input becomes the other side's half-close.
  data.pipe(connection);
  connection.pipe(data);
  connection.on('error', (err) => fail(err));
  connection.on('close', () => {
    if (!errorStream.writableEnded) errorStream.end();
  });
  // The client reset the stream or the session went away: nothing more will flow.
  data.on('close', () => connection.destroy());
}
