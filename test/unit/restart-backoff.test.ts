// The kubelet's restart back-off schedule: first restart at once, then 10 s doubling to 5 min; ten
// minutes of running starts over; an agent restart resumes where the restart count says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartBackoff } from '../../src/node/restart-backoff.js';

test('restarts wait 0, 10 s, 20 s, … up to 5 min', () => {
  const b = new RestartBackoff();
  const waits = Array.from({ length: 9 }, () => b.next(1000));
  assert.deepEqual(waits, [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
});

test('a container that ran for 10 minutes starts the schedule over', () => {
  const b = new RestartBackoff();
  for (let i = 0; i < 5; i++) b.next(1000);
  assert.equal(b.next(599_999), 160_000);
  assert.equal(b.next(600_000), 0);
  assert.equal(b.next(1000), 10_000);
});

test('after an agent restart the schedule resumes from the restart count', () => {
  assert.equal(RestartBackoff.forRestartCount(0).next(1000), 0);
  assert.equal(RestartBackoff.forRestartCount(1).next(1000), 10_000);
  assert.equal(RestartBackoff.forRestartCount(3).next(1000), 40_000);
  assert.equal(RestartBackoff.forRestartCount(12).next(1000), 300_000);
});
