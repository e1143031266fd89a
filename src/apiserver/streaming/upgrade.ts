// HTTP upgrade handshakes for kubectl's streaming subresources (exec, attach, portforward), done on the
// raw socket Node hands to a server's 'upgrade' listener:
// - SPDY/3.1 with X-Stream-Protocol-Version negotiation (kubectl 1.27–1.29, and the fallback of later ones);
// - WebSocket channel protocols (v5/v4.channel.k8s.io) through the ws library;
// - the WebSocket port-forward tunnel, whose subprotocol ws refuses, by hand (framing in websocket-tunnel.ts);
// and the refusal that makes kubectl 1.30+ fall back from WebSocket to SPDY.

import { createHash } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ApiError } from '../../api/status.js';
import { WebSocketTunnel } from './websocket-tunnel.js';

export const SPDY_31 = 'SPDY/3.1';
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export type UpgradeKind = 'websocket' | 'spdy';

/** Which streaming upgrade the request asks for, from its Upgrade header. */
export function requestedUpgrade(req: IncomingMessage): UpgradeKind | undefined {
  const upgrade = (req.headers.upgrade ?? '').toLowerCase();
  if (upgrade === 'websocket') return 'websocket';
  if (upgrade.split(',').some((token) => token.trim() === SPDY_31.toLowerCase())) return 'spdy';
  return undefined;
}

/** The X-Stream-Protocol-Version values a SPDY client offers, in its order of preference. */
export function offeredStreamProtocols(req: IncomingMessage): string[] {
  return headerList(req.headers['x-stream-protocol-version']);
}

/** The Sec-WebSocket-Protocol values a WebSocket client offers, in its order of preference. */
export function offeredWebSocketProtocols(req: IncomingMessage): string[] {
  return headerList(req.headers['sec-websocket-protocol']);
}

// Repeated headers arrive joined with ", " (or as an array); either way split them back into tokens.
function headerList(value: string | string[] | undefined): string[] {
  const joined = Array.isArray(value) ? value.join(',') : value ?? '';
  return joined.split(',').map((token) => token.trim()).filter((token) => token !== '');
}

/** The first offered protocol the server supports: the client's preference wins, as upstream negotiates. */
export function negotiateProtocol(offered: string[], supported: readonly string[]): string | undefined {
  return offered.find((protocol) => supported.includes(protocol));
}

/**
 * Refuses an upgrade with an HTTP error whose body is a Status, then closes the socket.
 * A 400 to a WebSocket exec makes kubectl 1.30+ retry over SPDY.
 */
export function rejectUpgrade(socket: Duplex, error: ApiError, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(error.toStatus());
  const lines = [
    `HTTP/1.1 ${error.code} ${STATUS_CODES[error.code] ?? 'Error'}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
}

/**
 * Completes a SPDY/3.1 upgrade and returns the raw byte stream. The 101 names the negotiated stream
 * protocol, unless there is none (a legacy client that offered none).
 */
export function acceptSpdyUpgrade(socket: Duplex, head: Buffer, protocol: string | undefined): Duplex {
  prepareSocket(socket, head);
  const protocolLine = protocol === undefined ? '' : `X-Stream-Protocol-Version: ${protocol}\r\n`;
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${SPDY_31}\r\n${protocolLine}\r\n`);
  return socket;
}

/** Why a WebSocket handshake cannot proceed, or undefined when it can (RFC 6455 §4.2.1). */
export function webSocketHandshakeProblem(req: IncomingMessage): string | undefined {
  if (req.method !== 'GET') return `WebSocket upgrade requires GET, not ${req.method}`;
  if (req.headers['sec-websocket-version'] !== '13') return 'unsupported Sec-WebSocket-Version (need 13)';
  const key = req.headers['sec-websocket-key'];
  if (!key || Buffer.from(key, 'base64').length !== 16) return 'missing or invalid Sec-WebSocket-Key';
  return undefined;
}

/** Hand-rolled WebSocket handshake for the port-forward tunnel; returns the tunnel's byte stream. */
export function acceptWebSocketTunnel(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): WebSocketTunnel {
  const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}${WEBSOCKET_GUID}`).digest('base64');
  prepareSocket(socket, head);
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\n' +
      'Upgrade: websocket\r\n' +
      'Connection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept}\r\n` +
      `Sec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
  );
  return new WebSocketTunnel(socket);
}

/** WebSocket handshake through the ws library for a channel protocol (v5/v4.channel.k8s.io). */
export function acceptChannelWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): Promise<WebSocket> {
  const server = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: () => protocol });
  return new Promise((resolve, reject) => {
    server.once('wsClientError', (error) => {
      socket.destroy();
      reject(error);
    });
    server.handleUpgrade(req, socket, head, (ws) => resolve(ws));
  });
}

function prepareSocket(socket: Duplex, head: Buffer): void {
  if (socket instanceof Socket) {
    socket.setNoDelay(true);
    socket.setTimeout(0);
  }
  if (head.length > 0) socket.unshift(head);
}
