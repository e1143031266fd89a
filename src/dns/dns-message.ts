// The DNS wire format (RFC 1035) for the cluster DNS server: parsing a query's question and building
// answers with A, AAAA, CNAME and SRV records; over UDP an answer that does not fit the client's size
// (512 bytes, or what its EDNS OPT record offers) goes out empty with TC set, so the client asks over TCP.

export const RecordType = { A: 1, CNAME: 5, SOA: 6, PTR: 12, AAAA: 28, SRV: 33, OPT: 41, ANY: 255 } as const;
/** The largest UDP answer a client without EDNS takes (RFC 1035 4.2.1). */
export const classicUdpSize = 512;
export const Rcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export interface Question {
  id: number;
  /** Flags of the query (opcode and RD are echoed). */
  flags: number;
  name: string;
  type: number;
  class: number;
  /** The question section's bytes, echoed in the answer. */
  raw: Buffer;
  /** The largest UDP answer the client takes: 512, or the size in its EDNS OPT record. */
  udpSize: number;
}

export type Answer =
  | { type: 'A'; name: string; ttl: number; ip: string }
  | { type: 'CNAME'; name: string; ttl: number; target: string }
  | { type: 'SRV'; name: string; ttl: number; priority: number; weight: number; port: number; target: string };

export function parseQuestion(msg: Buffer): Question | undefined {
  if (msg.length < 12 || msg.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let off = 12;
  for (;;) {
    if (off >= msg.length) return undefined;
    const len = msg[off];
    if (len === 0) {
      off++;
      break;
    }
    if (len > 63 || off + 1 + len > msg.length) return undefined; // no compression in a question
    labels.push(msg.toString('latin1', off + 1, off + 1 + len));
    off += 1 + len;
  }
  if (off + 4 > msg.length) return undefined;
  return {
    id: msg.readUInt16BE(0),
    flags: msg.readUInt16BE(2),
    name: labels.join('.').toLowerCase(),
    type: msg.readUInt16BE(off),
    class: msg.readUInt16BE(off + 2),
    raw: msg.subarray(12, off + 4),
    udpSize: ednsUdpSize(msg, off + 4),
  };
}

/** The UDP size of an OPT record right after the question (where resolvers put it), else 512. */
function ednsUdpSize(msg: Buffer, off: number): number {
  const onlyAdditional = msg.readUInt16BE(6) === 0 && msg.readUInt16BE(8) === 0 && msg.readUInt16BE(10) >= 1;
  // OPT: root name (0), type 41, class = the requester's UDP payload size.
  if (!onlyAdditional || off + 5 > msg.length || msg[off] !== 0 || msg.readUInt16BE(off + 1) !== RecordType.OPT) return classicUdpSize;
  return Math.max(classicUdpSize, msg.readUInt16BE(off + 3));
}

function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'latin1')])), Buffer.from([0])]);
}

function record(a: Answer): Buffer {
  let type: number;
  let data: Buffer;
  switch (a.type) {
    case 'A':
      type = RecordType.A;
      data = Buffer.from(a.ip.split('.').map(Number));
      break;
    case 'CNAME':
      type = RecordType.CNAME;
      data = encodeName(a.target);
      break;
    case 'SRV': {
      type = RecordType.SRV;
      const head = Buffer.alloc(6);
      head.writeUInt16BE(a.priority, 0);
      head.writeUInt16BE(a.weight, 2);
      head.writeUInt16BE(a.port, 4);
      data = Buffer.concat([head, encodeName(a.target)]);
      break;
    }
  }
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0);
  fixed.writeUInt16BE(1, 2); // IN
  fixed.writeUInt32BE(a.ttl, 4);
  fixed.writeUInt16BE(data.length, 8);
  return Buffer.concat([encodeName(a.name), fixed, data]);
}

/**
 * The response to a question: authoritative, echoing the question, with the given answers; given a
 * size limit (UDP), one that would exceed it is sent without answers and with TC set.
 */
export function buildResponse(q: Question, rcode: number, answers: Answer[], maxBytes = Infinity): Buffer {
  const records = answers.map(record);
  const truncated = 12 + q.raw.length + records.reduce((n, r) => n + r.length, 0) > maxBytes;
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  // QR, the query's opcode and RD, AA, TC when truncated; RA since names outside the cluster are forwarded.
  header.writeUInt16BE(0x8000 | (q.flags & 0x7900) | 0x0400 | (truncated ? 0x0200 : 0) | 0x0080 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(truncated ? 0 : answers.length, 6);
  return Buffer.concat([header, q.raw, ...(truncated ? [] : records)]);
}
