// Plain HTTP GETs from the test process (the node) to pods, Services and published ports.
import http from 'node:http';

/**
 * One HTTP GET on a new connection: the body, or the error code (ECONNREFUSED, …). The client closes
 * the connection (the server is asked to keep it), so TIME_WAIT stays on this side, where the kernel
 * picks fresh ports, and not in the pods, where a reused 4-tuple can stall a SYN on a loaded machine.
 */
export function httpGet(host: string, port: number, timeoutMs = 5000): Promise<{ body?: string; error?: string }> {
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
