import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateServiceAccountKeyPem, ServiceAccountTokens } from '../../src/apiserver/service-account-tokens.js';

const tokens = new ServiceAccountTokens(generateServiceAccountKeyPem());
const claims = { namespace: 'ns', serviceAccount: { name: 'sa', uid: 'u-1' }, audiences: tokens.audiences };

test('a token issued here verifies with its claims until it expires', () => {
  const now = Date.UTC(2026, 0, 1);
  const { token, expiresAt } = tokens.issue(claims, 3600, now);
  assert.equal(expiresAt.getTime(), now + 3600_000);
  const got = tokens.verify(token, now + 1000);
  assert.deepEqual({ ...got, bound: undefined }, { ...claims, bound: undefined, expiresAt: now + 3600_000 });
  assert.equal(tokens.verify(token, now + 3600_000), undefined, 'expired');
  const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
  assert.equal(payload.sub, 'system:serviceaccount:ns:sa');
  assert.equal(payload.iss, 'https://kubernetes.default.svc.cluster.local');
});

test('other audiences, other keys, changed payloads and junk are refused', () => {
  const now = Date.now();
  assert.equal(tokens.verify(tokens.issue({ ...claims, audiences: ['vault'] }, 3600, now).token, now), undefined);
  const other = new ServiceAccountTokens(generateServiceAccountKeyPem());
  assert.equal(tokens.verify(other.issue(claims, 3600, now).token, now), undefined);
  const [h, , s] = tokens.issue(claims, 3600, now).token.split('.');
  const body = Buffer.from(JSON.stringify({ sub: 'system:serviceaccount:kube-system:x' })).toString('base64url');
  assert.equal(tokens.verify(`${h}.${body}.${s}`, now), undefined);
  for (const junk of ['', 'a.b.c', 'x', '..', 'eyJ9.eyJ9.']) assert.equal(tokens.verify(junk, now), undefined);
});

test('a token bound to a pod carries it', () => {
  const now = Date.now();
  const { token } = tokens.issue({ ...claims, bound: { kind: 'Pod', name: 'p', uid: 'pu' } }, 600, now);
  assert.deepEqual(tokens.verify(token, now)?.bound, { kind: 'Pod', name: 'p', uid: 'pu' });
});
