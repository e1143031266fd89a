// Reading kubeconfig files as kubectl does: nanokube's own admin file, a $KUBECONFIG list merged
// first-wins, relative certificate/token paths, the context's namespace, and plain errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { adminKubeconfig, kubeconfigPaths, loadKubeconfig } from '../../src/cli/kubeconfig.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-kubeconfig-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const caPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

test('the admin kubeconfig nanokube up writes loads back', () => {
  const file = write('admin', adminKubeconfig('https://127.0.0.1:6443', caPem, 'secret-token'));
  assert.deepEqual(loadKubeconfig([file]), { context: 'nanokube', server: 'https://127.0.0.1:6443', token: 'secret-token', caPem, namespace: 'default' });
});

test('a $KUBECONFIG list merges first-wins, skips missing files; relative CA and token files; --context', () => {
  write('ca.crt', caPem);
  write('token', 'from-file\n');
  const first = write('first', YAML.stringify({
    'current-context': 'dev',
    contexts: [{ name: 'dev', context: { cluster: 'c', user: 'u', namespace: 'team-a' } }],
  }));
  const second = write('second', YAML.stringify({
    'current-context': 'ignored',
    clusters: [{ name: 'c', cluster: { server: 'https://10.0.0.1:6443', 'certificate-authority': 'ca.crt' } }],
    users: [{ name: 'u', user: { tokenFile: 'token' } }, { name: 'v', user: { token: 'v-token' } }],
    contexts: [{ name: 'dev', context: { cluster: 'c', user: 'v' } }, { name: 'ops', context: { cluster: 'c', user: 'v' } }],
  }));
  const paths = kubeconfigPaths(undefined, [first, path.join(dir, 'absent'), second].join(path.delimiter));
  assert.deepEqual(loadKubeconfig(paths), { context: 'dev', server: 'https://10.0.0.1:6443', token: 'from-file', caPem, namespace: 'team-a' });
  assert.deepEqual(loadKubeconfig(paths, 'ops'), { context: 'ops', server: 'https://10.0.0.1:6443', token: 'v-token', caPem, namespace: 'default' });
  assert.deepEqual(kubeconfigPaths('/x/flag', '/y/env'), ['/x/flag']);
  assert.deepEqual(kubeconfigPaths(undefined, ''), [path.join('.nanokube', 'kubeconfig')]);
});

test('what cannot be used is said plainly', () => {
  assert.throws(() => loadKubeconfig([path.join(dir, 'nope')]), /cannot read kubeconfig .*nope/);
  assert.throws(() => loadKubeconfig([path.join(dir, 'nope1'), path.join(dir, 'nope2')]), /no kubeconfig found/);
  const file = write('certuser', YAML.stringify({
    'current-context': 'x',
    clusters: [{ name: 'c', cluster: { server: 'https://h', 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: 'u', user: { 'client-certificate-data': 'AAAA' } }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
  }));
  assert.throws(() => loadKubeconfig([file]), /user "u" of context "x" has no token/);
  assert.throws(() => loadKubeconfig([file], 'other'), /context "other" does not exist/);
  assert.throws(() => loadKubeconfig([write('bad', 'a: [')]), /is not valid YAML/);
});
