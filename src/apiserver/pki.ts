// The cluster's certificate authority and the API server's serving certificate, made on first start.
import { generateKeyPair, generateKeyPairSync, randomBytes } from 'node:crypto';
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

function newRsaKey(givenPem?: string): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey; keyPem: string } {
  // Node's native key generation; forge's pure-JS generator takes seconds.
  const keyPem = givenPem ?? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const priv = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const pub = forge.pki.setRsaPublicKey(priv.n, priv.e);
  return { publicKey: pub, privateKey: priv, keyPem };
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
  cert.sign(key.privateKey, forge.md.sha256.create());
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
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
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
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: key.keyPem };
}

/** Hex, so a token never begins with "-" (which `nanokube agent --token T` would read as a flag). */
export function randomToken(): string {
  return randomBytes(24).toString('hex');
}
