// First-start material in the data directory: CA, serving certificate, the admin token and the
// service account signing key.
// Later starts reuse it, so kubeconfigs stay valid across restarts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCertificateAuthority, issueCertificate, randomToken, type KeyPair } from '../apiserver/pki.js';
import { generateServiceAccountKeyPem } from '../apiserver/service-account-tokens.js';

export interface ClusterSecrets {
  ca: KeyPair;
  serving: KeyPair;
  adminToken: string;
  /** Agents join with it; the API server presents it to kubelets. */
  nodeToken: string;
  /** Signs service account tokens. */
  serviceAccountKeyPem: string;
}

function readPair(dir: string, name: string): KeyPair | undefined {
  const crt = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  if (!fs.existsSync(crt) || !fs.existsSync(key)) return undefined;
  return { certPem: fs.readFileSync(crt, 'utf8'), keyPem: fs.readFileSync(key, 'utf8') };
}

function writePair(dir: string, name: string, pair: KeyPair): void {
  fs.writeFileSync(path.join(dir, `${name}.crt`), pair.certPem, { mode: 0o644 });
  fs.writeFileSync(path.join(dir, `${name}.key`), pair.keyPem, { mode: 0o600 });
}

export function servingNames(bindAddress: string): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames = ['localhost', os.hostname(), 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];
  const ipAddresses = ['127.0.0.1'];
  if (bindAddress && bindAddress !== '0.0.0.0' && bindAddress !== '::' && !ipAddresses.includes(bindAddress)) ipAddresses.push(bindAddress);
  if (bindAddress === '0.0.0.0') {
    for (const addrs of Object.values(os.networkInterfaces())) {
      for (const a of addrs ?? []) if (a.family === 'IPv4' && !ipAddresses.includes(a.address)) ipAddresses.push(a.address);
    }
  }
  return { dnsNames: [...new Set(dnsNames)], ipAddresses };
}

export function loadOrCreateSecrets(dataDir: string, bindAddress: string): ClusterSecrets {
  const dir = path.join(dataDir, 'pki');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  let ca = readPair(dir, 'ca');
  if (!ca) {
    ca = createCertificateAuthority();
    writePair(dir, 'ca', ca);
  }
  const names = servingNames(bindAddress);
  const namesFile = path.join(dir, 'apiserver.names');
  const wanted = JSON.stringify(names);
  let serving = readPair(dir, 'apiserver');
  if (!serving || !fs.existsSync(namesFile) || fs.readFileSync(namesFile, 'utf8') !== wanted) {
    serving = issueCertificate(ca, { commonName: 'kube-apiserver', ...names, server: true });
    writePair(dir, 'apiserver', serving);
    fs.writeFileSync(namesFile, wanted);
  }
  const saKey = path.join(dir, 'service-account.key');
  if (!fs.existsSync(saKey)) fs.writeFileSync(saKey, generateServiceAccountKeyPem(), { mode: 0o600 });
  return {
    ca, serving, adminToken: tokenFile(dir, 'admin.token'), nodeToken: tokenFile(dir, 'node.token'),
    serviceAccountKeyPem: fs.readFileSync(saKey, 'utf8'),
  };
}

function tokenFile(dir: string, name: string): string {
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomToken() + '\n', { mode: 0o600 });
  return fs.readFileSync(file, 'utf8').trim();
}
