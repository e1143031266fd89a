// Reaching Services the way a client on the node does, for the service proxy tests: one HTTP GET per new
// connection, a tally of which pods answered, and how a bare TCP connect ends.
import http from 'node:http';
import net from 'node:net';

/**
 * One HTTP GET on a new connection: the body, or the error code (ECONNREFUSED, …). The client closes
 * the connection (the server is asked to keep it), so TIME_WAIT stays on this side, where the kernel
 * picks fresh ports, and not in the pods, where a reused 4-tuple can stall a SYN on a loaded machine.
 */
export function get(host: string, port: number, timeoutMs = 5000): Promise<{ body?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: '/', agent: false, timeout: timeoutMs, headers: { connection: 'keep-alive' } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ body }));
      res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
  });
}

/** Who answered `count` requests to host:port (20 at a time): body → count, failures as `error:CODE`. */
export async function answers(host: string, port: number, count: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let i = 0; i < count; i += 20) {
    const batch = await Promise.all(Array.from({ length: Math.min(20, count - i) }, () => get(host, port)));
    for (const r of batch) {
      const k = r.body ?? `error:${r.error}`;
      seen.set(k, (seen.get(k) ?? 0) + 1);
    }
  }
  return seen;
}

/**
 * How a TCP connection to host:port ends when the client sends nothing: 'refused' (ECONNREFUSED),
 * 'reset' (accepted, then reset), 'closed' (accepted, then closed), 'open' (still open after timeoutMs)
 * or another error code; and how long that took.
 */
export function connectOutcome(host: string, port: number, timeoutMs = 3000): Promise<{ outcome: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const done = (outcome: string) => {
      s.destroy();
      resolve({ outcome, ms: Date.now() - started });
    };
    const s = net.connect({ host, port });
    s.setTimeout(timeoutMs, () => done('open'));
    s.on('data', () => done('data'));
    s.on('end', () => done('closed'));
    s.on('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'refused' : e.code === 'ECONNRESET' ? 'reset' : (e.code ?? e.message)));
  });
}
