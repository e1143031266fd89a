// Expectations: outstanding creates and deletes hold a controller back until observed or expired.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ControllerExpectations, expectationsTimeoutMs } from '../../src/controllers/expectations.js';

test('creations must all be observed', () => {
  const e = new ControllerExpectations();
  assert.ok(e.satisfied('ns/a'), 'nothing recorded');
  e.expectCreations('ns/a', 2);
  assert.ok(!e.satisfied('ns/a'));
  e.creationObserved('ns/a');
  assert.ok(!e.satisfied('ns/a'));
  e.creationObserved('ns/a');
  assert.ok(e.satisfied('ns/a'));
  e.creationObserved('ns/a');
  e.expectCreations('ns/a', 1);
  assert.ok(!e.satisfied('ns/a'), 'extra observations do not carry over');
});

test('each expected deletion counts once, however often it is seen', () => {
  const e = new ControllerExpectations();
  e.expectDeletions('ns/a', ['ns/p1', 'ns/p2']);
  e.deletionObserved('ns/a', 'ns/p1');
  e.deletionObserved('ns/a', 'ns/p1');
  e.deletionObserved('ns/a', 'ns/other');
  assert.ok(!e.satisfied('ns/a'));
  e.deletionObserved('ns/a', 'ns/p2');
  assert.ok(e.satisfied('ns/a'));
});

test('expectations expire, and can be dropped', () => {
  let now = 1_000_000;
  const e = new ControllerExpectations(() => now);
  e.expectCreations('ns/a', 5);
  now += expectationsTimeoutMs;
  assert.ok(!e.satisfied('ns/a'));
  now += 1;
  assert.ok(e.satisfied('ns/a'));
  e.expectCreations('ns/b', 1);
  e.delete('ns/b');
  assert.ok(e.satisfied('ns/b'));
});
