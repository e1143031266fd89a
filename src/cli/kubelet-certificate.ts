// The kubelet API's serving certificate, kept in the node's data dir as the kubelet keeps
// /var/lib/kubelet/pki/kubelet.crt: an RSA key is a noticeable part of a node's start, so it is made
// once, and again only when the node's name or address is not in it, it is near its end, or another CA
// (a cluster made anew) must sign it.
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createCertificateAuthority, generateRsaKeyPem, issueCertificate, type KeyPair } from '../apiserver/pki.js';

const renewBeforeMs = 30 * 24 * 3600 * 1000;

/**
 * The certificate for `nodeName` at `address`, signed by `issuer` (the cluster CA when the node runs in
 * the server's process), else by a CA of the node's own, as a kubelet's self-signed certificate.
 */
export async function kubeletServingCertificate(dataDir: string, nodeName: string, address: string, issuer?: KeyPair): Promise<KeyPair> {
  const dir = path.join(dataDir, 'pki');
  const certPath = path.join(dir, 'kubelet.crt');
  const keyPath = path.join(dir, 'kubelet.key');
  try {
    const kept = { certPem: fs.readFileSync(certPath, 'utf8'), keyPem: fs.readFileSync(keyPath, 'utf8') };
    if (stillFits(kept.certPem, nodeName, address, issuer)) return kept;
  } catch {
    // none yet, or unreadable: make one
  }
  const key = await generateRsaKeyPem();
  const ca = issuer ?? createCertificateAuthority(`nanokube-kubelet-${nodeName}`, await generateRsaKeyPem());
  const made = issueCertificate(ca, { commonName: `system:node:${nodeName}`, dnsNames: [nodeName, 'localhost'], ipAddresses: [address], server: true, keyPem: key });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(keyPath, made.keyPem, { mode: 0o600 });
  fs.writeFileSync(certPath, made.certPem);
  return made;
}

function stillFits(certPem: string, nodeName: string, address: string, issuer: KeyPair | undefined): boolean {
  const cert = new X509Certificate(certPem);
  if (Date.parse(cert.validTo) - Date.now() < renewBeforeMs) return false;
  if (!cert.checkHost(nodeName, { subject: 'never' }) || !cert.checkIP(address)) return false;
  return !issuer || cert.verify(new X509Certificate(issuer.certPem).publicKey);
}
