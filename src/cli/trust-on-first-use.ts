// An agent joining a cluster learns the cluster CA from the server's certificate chain on first
// contact and keeps it in its data directory; later connections verify against it.
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';

function toPem(der: Buffer): string {
  const b64 = der.toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

export async function clusterCa(server: string, dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'ca.crt');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8');
  const url = new URL(server);
  const pem = await new Promise<string>((resolve, reject) => {
    const sock = tls.connect({ host: url.hostname, port: Number(url.port || 443), rejectUnauthorized: false, servername: url.hostname }, () => {
      let cert = sock.getPeerCertificate(true);
      // Walk to the self-signed root the server sends at the end of its chain.
      while (cert.issuerCertificate && cert.issuerCertificate !== cert && cert.issuerCertificate.raw && !cert.raw.equals(cert.issuerCertificate.raw)) {
        cert = cert.issuerCertificate;
      }
      sock.end();
      resolve(toPem(cert.raw));
    });
    sock.on('error', reject);
  });
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, pem);
  return pem;
}
