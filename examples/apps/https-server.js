// An HTTPS server with a self-signed certificate made at start (openssl, an EC key, CN=localhost):
// /healthz answers 200, other paths "hello". PORT defaults to 8443. The kubelet's HTTPS probes do not
// verify certificates, so this server is Ready under an httpGet probe with scheme HTTPS.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';

const port = Number(process.env.PORT ?? 8443);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'https-server-'));
const keyFile = path.join(dir, 'key.pem');
const certFile = path.join(dir, 'cert.pem');
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
  '-subj', '/CN=localhost', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
const options = { key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) };
fs.rmSync(dir, { recursive: true, force: true });

https
  .createServer(options, (req, res) => {
    console.log(`${req.method} ${req.url} over TLS from ${req.headers['user-agent'] ?? ''}`);
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(req.url === '/healthz' ? 'ok' : 'hello\n');
  })
  .listen(port, () => console.log(`listening on ${port} (TLS)`));
