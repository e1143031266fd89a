// The kubelet serving certificate kept in the node data dir (src/cli/kubelet-certificate.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kubeletServingCertificate } from '../../src/cli/kubelet-certificate.js';
import { createCertificateAuthority } from '../../src/apiserver/pki.js';

test('the kubelet certificate is kept across starts and made again when the address or the CA changes', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-kubelet-cert-'));
  try {
    const first = await kubeletServingCertificate(dir, 'node-a', '127.0.0.1');
    const cert = new X509Certificate(first.certPem);
    assert.ok(cert.checkIP('127.0.0.1') && cert.checkHost('node-a'));
    assert.equal((fs.statSync(path.join(dir, 'pki', 'kubelet.key')).mode & 0o777), 0o600);

    assert.deepEqual(await kubeletServingCertificate(dir, 'node-a', '127.0.0.1'), first);

    const moved = await kubeletServingCertificate(dir, 'node-a', '127.0.0.2');
    assert.notEqual(moved.certPem, first.certPem);
    assert.ok(new X509Certificate(moved.certPem).checkIP('127.0.0.2'));

    const ca = createCertificateAuthority('test-ca');
    const signed = await kubeletServingCertificate(dir, 'node-a', '127.0.0.2', ca);
    assert.notEqual(signed.certPem, moved.certPem);
    assert.ok(new X509Certificate(signed.certPem).verify(new X509Certificate(ca.certPem).publicKey));
    assert.deepEqual(await kubeletServingCertificate(dir, 'node-a', '127.0.0.2', ca), signed);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
