// An acknowledged write survives kill -9: a child process writes keys one by one and prints each
// after its write resolved; it is killed mid-stream, and every printed write must be in the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '../../src/storage/sqlite.js';

const writerScript = fileURLToPath(new URL('./fixtures/sqlite-writer.js', import.meta.url));
const keysToWrite = 1000;
const killAfterLines = 300;

interface WriterRun {
  /** The newest acknowledged seq of each key. */
  acknowledged: Map<string, number>;
  lines: number;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the writer, kills it with SIGKILL after killAfterLines acknowledged writes, reads every line it printed. */
function runAndKillWriter(file: string, deadlineMillis: number): Promise<WriterRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writerScript, file, String(keysToWrite)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const run: WriterRun = { acknowledged: new Map(), lines: 0, signal: null, stderr: '' };
    let pending = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer printed only ${run.lines} lines before the deadline; stderr: ${run.stderr}`));
    }, deadlineMillis);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (run.stderr += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const complete = pending.split('\n');
      pending = complete.pop()!; // a line cut by the kill was not acknowledged
      for (const line of complete) {
        const [key, seq] = line.split(' ');
        run.acknowledged.set(key, Number(seq));
        run.lines++;
      }
      if (run.lines >= killAfterLines && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    // 'close' comes after stdout has been drained, so lines already in the pipe are counted.
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      run.signal = signal;
      resolve(run);
    });
    child.on('error', reject);
  });
}

test('writes acknowledged before kill -9 are all in the reopened store', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-durability-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'state.db');

  const run = await runAndKillWriter(file, 120_000);
  assert.equal(run.signal, 'SIGKILL', `the writer should have been killed, stderr: ${run.stderr}`);
  assert.ok(run.lines >= killAfterLines);
  t.diagnostic(`killed after ${run.lines} acknowledged writes`);

  const store = SqliteStore.open(file);
  t.after(() => store.close());
  // One revision per write, and a write may have committed without being printed.
  assert.ok(store.revision() >= run.lines, `revision ${store.revision()} < ${run.lines} acknowledged writes`);
  for (const [key, seq] of run.acknowledged) {
    const kv = await store.get(key);
    assert.ok(kv, `acknowledged key ${key} is missing`);
    const stored = JSON.parse(kv.value) as { key: string; seq: number };
    assert.equal(stored.key, key);
    assert.ok(stored.seq >= seq, `${key}: stored seq ${stored.seq} is older than acknowledged ${seq}`);
  }

  // The store still works: history replays, and writes continue at the next revision.
  const head = store.revision();
  const replayed: number[] = [];
  const watcher = store.watch('/registry/durability/', head - 10, (ev) => replayed.push(ev.kv.modRevision));
  const next = await store.create('/registry/durability/after-crash', '{}');
  watcher.stop();
  assert.equal(next.modRevision, head + 1);
  assert.deepEqual(replayed, Array.from({ length: 11 }, (_, i) => head - 9 + i));
  assert.ok((await store.count('/registry/durability/k')) >= run.acknowledged.size);
});
