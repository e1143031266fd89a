// Where container runtime state lives: a tmpfs directory per data dir, linked from it; what a
// deleted or remade data dir left there is not adopted; an older data dir's own directory is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runtimeStateDir } from '../../src/node/runtime/runtime-state-dir.js';

const tmpfsMagic = 0x01021994;
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-state-dir-'));
process.on('exit', () => fs.rmSync(base, { recursive: true, force: true }));
const onTmpfs = (() => {
  try {
    return fs.statfsSync('/dev/shm').type === tmpfsMagic;
  } catch {
    return false;
  }
})();

test('state goes to a tmpfs directory linked from the data dir, and stays there across agent starts', { skip: !onTmpfs && 'no tmpfs' }, () => {
  const dataDir = path.join(base, 'a');
  const dir = runtimeStateDir(dataDir);
  assert.equal(fs.statfsSync(dir).type, tmpfsMagic);
  assert.equal(fs.readlinkSync(path.join(dataDir, 'containers')), dir);
  fs.mkdirSync(path.join(dir, 'pod-uid'));
  assert.equal(runtimeStateDir(dataDir), dir, 'a restarted agent finds the same directory');
  assert.ok(fs.existsSync(path.join(dir, 'pod-uid')), 'and what is in it');
  const other = runtimeStateDir(path.join(base, 'b'));
  assert.notEqual(other, dir, 'each data dir has its own');
});

test('a data dir made afresh at a used path starts empty; a deleted one\'s state is pruned', { skip: !onTmpfs && 'no tmpfs' }, () => {
  const dataDir = path.join(base, 'c');
  const dir = runtimeStateDir(dataDir);
  fs.mkdirSync(path.join(dir, 'old-pod'));
  fs.rmSync(dataDir, { recursive: true });
  assert.equal(runtimeStateDir(dataDir), dir);
  assert.deepEqual(fs.readdirSync(dir), [], 'the old data dir\'s containers are not this one\'s');

  const gone = path.join(base, 'd');
  const goneDir = runtimeStateDir(gone);
  fs.mkdirSync(path.join(goneDir, 'pod'));
  fs.rmSync(gone, { recursive: true });
  runtimeStateDir(path.join(base, 'e'));
  assert.ok(!fs.existsSync(goneDir), 'state of a data dir that no longer exists is removed by the next agent to start');
});

test('a data dir that already keeps its containers in itself goes on doing so', () => {
  const dataDir = path.join(base, 'f');
  fs.mkdirSync(path.join(dataDir, 'containers', 'running-pod'), { recursive: true });
  assert.equal(runtimeStateDir(dataDir), path.join(dataDir, 'containers'));
  assert.ok(fs.existsSync(path.join(dataDir, 'containers', 'running-pod')));
});
