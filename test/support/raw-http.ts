// Raw HTTPS requests for tests that must send what no well-behaved client would.
import https from 'node:https';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function rawRequest(
  base: string, caPem: string, token: string | undefined, method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {},
  agent?: https.Agent,
): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const h: Record<string, string> = { ...headers };
    if (token) h.Authorization = `Bearer ${token}`;
    if (body !== undefined) h['Content-Length'] = String(Buffer.byteLength(body));
    const req = https.request({ host: url.hostname, port: url.port, method, path, headers: h, ca: caPem, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
