// The cluster's certificate authority and the API server's serving certificate, made on first start.
import { createPublicKey, generateKeyPair, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

export interface KeyPair {
  certPem: string;
  keyPem: string;
}

/**
 * An RSA key made off the event loop, for callers that must not stall it (a node making certificates
 * while its pods start); pass it as `keyPem` below.
 */
export async function generateRsaKeyPem(): Promise<string> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
}

function newRsaKey(givenPem?: string): { publicKey: forge.pki.rsa.PublicKey; keyPem: string } {
  // Node's native key generation; forge's pure-JS generator takes seconds.
  const keyPem = givenPem ?? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const publicKey = forge.pki.publicKeyFromPem(createPublicKey(keyPem).export({ type: 'spki', format: 'pem' }).toString()) as forge.pki.rsa.PublicKey;
  return { publicKey, keyPem };
}

/**
 * Signs the certificate with SHA-256/RSA using Node's native crypto: forge lays out the certificate, but
 * its pure-JS RSA takes ~100 ms of event loop per signature, which a node starting next to a burst of
 * pods cannot spare.
 */
function signNatively(cert: forge.pki.Certificate, keyPem: string): void {
  const signer = {
    // forge calls this after it has set cert.tbsCertificate; what it digested is that DER.
    sign: () => sign('sha256', Buffer.from(forge.asn1.toDer((cert as any).tbsCertificate).getBytes(), 'binary'), keyPem).toString('binary'),
  };
  cert.sign(signer as unknown as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
}

function serial(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f; // positive
  return b.toString('hex');
}

function years(n: number): Date {
  const d = new Date();
  d.setFullYear(d.getFullYear() + n);
  return d;
}

export function createCertificateAuthority(commonName = 'nanokube-ca', keyPem?: string): KeyPair {
  const key = newRsaKey(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = key.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = years(10);
  const attrs = [{ name: 'commonName', value: `${commonName}-${Math.floor(Date.now() / 1000)}` }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signNatively(cert, key.keyPem);
  return { certPem: forge.pki.certificateToPem(cert), keyPem: key.keyPem };
}

export interface CertRequest {
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  server?: boolean;
  client?: boolean;
  /** The certificate's key (generateRsaKeyPem); made here, synchronously, when absent. */
  keyPem?: string;
}

/** A leaf certificate signed by the CA (serving and/or client auth). */
export function issueCertificate(ca: KeyPair, req: CertRequest): KeyPair {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const key = newRsaKey(req.keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = key.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = years(5);
  const subject: forge.pki.CertificateField[] = [{ name: 'commonName', value: req.commonName }];
  for (const o of req.organizations ?? []) subject.push({ name: 'organizationName', value: o });
  cert.setSubject(subject);
  cert.setIssuer(caCert.subject.attributes);
  const altNames = [
    ...(req.dnsNames ?? []).map((value) => ({ type: 2, value })),
    ...(req.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
  ];
  const extensions: object[] = [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: !!req.server, clientAuth: !!req.client },
  ];
  if (altNames.length) extensions.push({ name: 'subjectAltName', altNames });
  cert.setExtensions(extensions);
  signNatively(cert, ca.keyPem);
  return { certPem: forge.pki.certificateToPem(cert), keyPem: key.keyPem };
}

/** Hex, so a token never begins with "-" (which `nanokube agent --token T` would read as a flag). */
export function randomToken(): string {
  return randomBytes(24).toString('hex');
}
