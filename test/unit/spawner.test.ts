// The process launcher: its request framing (arguments and environment exactly as given, UTF-8 and
// empty strings included), exits of processes that end at once, shims compiled once and reporting the
// container they start.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Spawner } from '../../src/node/runtime/spawner.js';
import { shimProgram } from '../../src/node/runtime/shim.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-spawner-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
// The launcher does not hold the event loop open (an agent's CLI runs must be able to end): the tests do.
const keepAlive = setInterval(() => undefined, 1000);
after(() => clearInterval(keepAlive));

function deadline<T>(p: Promise<T>, what: string, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  })]).finally(() => clearTimeout(timer));
}

test('arguments and environment arrive exactly, and every exit is reported, also of processes that end at once', async () => {
  const s = new Spawner();
  const out = path.join(dir, 'args');
  const args = ['plain', '', 'with space', 'new\nline', 'ünïcode ✓', 'colon:0'];
  const started = await s.spawn(['perl', '-e', 'open(my $f, ">", shift) or die; print $f join("|", @ARGV, $ENV{GREETING}, scalar(keys %ENV))', out, ...args],
    { GREETING: 'grüß dich', PATH: process.env.PATH ?? '/usr/bin:/bin' });
  await deadline(started.exited, 'the first process to exit');
  assert.equal(fs.readFileSync(out, 'utf8'), [...args, 'grüß dich', '2'].join('|'));
  // Fifty processes that end before the launcher has noted them as started.
  const quick = await Promise.all(Array.from({ length: 50 }, () => s.spawn(['perl', '-e', '1'], {})));
  await deadline(Promise.all(quick.map((q) => q.exited)), 'fifty quick exits');
  const exec = await s.spawn(['/bin/sh', '-c', 'exit 0'], {});
  await deadline(exec.exited, 'an exec\'d process to exit');
});

test('an argument with a NUL byte is refused, not mangled', async () => {
  const s = new Spawner();
  await assert.rejects(s.spawn(['/bin/echo', 'a\0b'], {}), /NUL byte/);
  await assert.rejects(s.spawn(['/bin/echo'], { X: 'a\0b' }), /NUL byte/);
});

test('shims started through the launcher report their container and record its output and exit code', async () => {
  const s = new Spawner();
  const runs = await Promise.all([0, 1, 2].map(async (i) => {
    const state = path.join(dir, `shim-${i}`);
    fs.mkdirSync(state);
    const log = path.join(dir, `shim-${i}.log`);
    const spawned = await s.spawn(['perl', '-e', shimProgram, state, log, '0', '1', '-', '-', '-', '-', '/bin/sh', '-c', `echo out-${i}; echo err-${i} >&2; exit ${i + 3}`], { PATH: '/usr/bin:/bin' });
    const reported = await deadline(spawned.reported, `shim ${i}'s report`);
    const [child, shim] = fs.readFileSync(path.join(state, 'pid'), 'utf8').trim().split(' ').map(Number);
    assert.equal(reported, child);
    assert.equal(shim, spawned.pid);
    await deadline(spawned.exited, `shim ${i} to exit`);
    return { state, log, i };
  }));
  for (const { state, log, i } of runs) {
    assert.equal(fs.readFileSync(path.join(state, 'exit'), 'utf8'), `${i + 3} 0\n`);
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' ').slice(1).join(' ')).sort();
    assert.deepEqual(lines, [`stderr F err-${i}`, `stdout F out-${i}`]);
  }
});
