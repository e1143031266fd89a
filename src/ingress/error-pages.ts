// The small pages the ingress answers itself with: 404 (no rule matches), 503 (no ready endpoint),
// 502/504 (backend failed or timed out) and the 308 redirect to HTTPS.
import type { ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';

export function errorPage(res: ServerResponse, status: number, detail?: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const title = `${status} ${STATUS_CODES[status] ?? ''}`.trim();
  const body = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nanokube ingress</center>\r\n</body>\r\n</html>\r\n`;
  const headers: Record<string, string | number> = { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(body) };
  // Why the ingress answered itself, for someone debugging with curl -v.
  if (detail) headers['X-Nanokube-Ingress-Reason'] = detail.replace(/[^\x20-\x7e]/g, '?');
  res.writeHead(status, headers);
  res.end(res.req?.method === 'HEAD' ? undefined : body);
}

export function redirect(res: ServerResponse, location: string): void {
  const body = `<html>\r\n<head><title>308 Permanent Redirect</title></head>\r\n<body>\r\n<center><h1>308 Permanent Redirect</h1></center>\r\n<hr><center>nanokube ingress</center>\r\n</body>\r\n</html>\r\n`;
  res.writeHead(308, { Location: location, 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(body) });
  res.end(res.req?.method === 'HEAD' ? undefined : body);
}
