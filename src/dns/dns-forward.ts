// Names outside the cluster domain go to the node's own resolver (the first nameserver of its
// /etc/resolv.conf), as CoreDNS' `forward . /etc/resolv.conf`, over the transport the query came on.
import dgram from 'node:dgram';
import fs from 'node:fs';
import { tcpQuery } from './dns-tcp.js';

const forwardTimeoutMs = 2000;

/** The node's own nameservers. */
function upstreamServers(): string[] {
  try {
    return fs.readFileSync('/etc/resolv.conf', 'utf8').split('\n')
      .map((l) => /^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)/.exec(l)?.[1]).filter((s): s is string => !!s);
  } catch {
    return [];
  }
}

/** The upstream's reply, or undefined when there is none (no nameserver, error, timeout). */
export async function forward(msg: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
  const server = upstreamServers()[0];
  if (!server) return undefined;
  if (transport === 'tcp') return tcpQuery(server, 53, msg, forwardTimeoutMs);
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    let finished = false;
    const done = (reply?: Buffer) => {
      if (finished) return; // closing twice throws
      finished = true;
      clearTimeout(timer);
      s.close();
      resolve(reply);
    };
    const timer = setTimeout(() => done(), forwardTimeoutMs);
    s.on('message', (reply) => done(reply));
    s.on('error', () => done());
    s.send(msg, 53, server);
  });
}
