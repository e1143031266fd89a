// DNS over TCP (RFC 1035 4.2.2, RFC 7766): each message is preceded by its length in two bytes, and
// a connection may carry several queries.
import net from 'node:net';

/** A message with its two-byte length prefix. */
export function framed(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

/** Calls onMessage for every complete message arriving on the socket. */
export function onMessages(socket: net.Socket, onMessage: (msg: Buffer) => void): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
      const len = pending.readUInt16BE(0);
      onMessage(pending.subarray(2, 2 + len));
      pending = pending.subarray(2 + len);
    }
  });
}

/** One query over a new TCP connection: the reply, or undefined on error or timeout. */
export function tcpQuery(host: string, port: number, msg: Buffer, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (reply?: Buffer) => {
      socket.destroy();
      resolve(reply);
    };
    socket.setTimeout(timeoutMs, () => done());
    socket.on('error', () => done());
    socket.on('close', () => done());
    socket.on('connect', () => socket.write(framed(msg)));
    onMessages(socket, (reply) => done(reply));
  });
}
