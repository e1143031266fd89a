// BusyGate: less urgent work waits while urgent work is in flight, but never longer than its limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BusyGate } from '../../src/client/busy-gate.js';

test('whenIdle resolves at once when nothing runs, and when the last run ends', async () => {
  const gate = new BusyGate(60_000);
  await gate.whenIdle();
  let finish!: () => void;
  const first = gate.run(() => new Promise<void>((r) => (finish = r)));
  const second = gate.run(() => Promise.resolve('done'));
  let idle = false;
  const waiting = gate.whenIdle().then(() => (idle = true));
  assert.equal(await second, 'done');
  await new Promise((r) => setImmediate(r));
  assert.equal(idle, false, 'one run is still in flight');
  finish();
  await first;
  await waiting;
  assert.equal(idle, true);
});

test('a failed run counts as ended', async () => {
  const gate = new BusyGate(60_000);
  await assert.rejects(gate.run(() => Promise.reject(new Error('boom'))), /boom/);
  await gate.whenIdle();
});

test('a gate that never idles lets waiters go after maxWaitMs', async () => {
  const gate = new BusyGate(50);
  void gate.run(() => new Promise(() => undefined));
  const keepAlive = setTimeout(() => undefined, 10_000); // the gate's own timer does not hold the process
  const started = Date.now();
  await gate.whenIdle();
  clearTimeout(keepAlive);
  assert.ok(Date.now() - started >= 40, 'waited for the limit');
});
