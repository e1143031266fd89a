// A terminated container's message as the kubelet makes it: the file's last 4 KiB, the log's tail under
// FallbackToLogsOnError (80 lines, 2 KiB, CRI prefixes off, partial chunks joined) when the file is empty
// and the container failed, and each container's share of the pod's 12 KiB.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { terminationMessage } from '../../src/node/termination-message.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nanokube-termination-message-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

const cri = (tag: 'F' | 'P', text: string, stream = 'stdout') => `2026-12-08T05:00:00.000000000Z ${stream} ${tag} ${text}\n`;
const noLog = path.join(dir, 'missing.log');

test('the file: its last 4096 bytes', () => {
  const file = write('long', `${'x'.repeat(1000)}${'y'.repeat(4096)}`);
  assert.equal(terminationMessage({ policy: 'File', exitCode: 0, file, logPath: noLog, podContainers: 1 }), 'y'.repeat(4096));
  assert.equal(terminationMessage({ policy: 'File', exitCode: 1, file: write('empty', ''), logPath: noLog, podContainers: 1 }), undefined);
  assert.equal(terminationMessage({ policy: 'File', exitCode: 1, file: undefined, logPath: noLog, podContainers: 1 }), undefined);
});

test('each container of the pod gets an even share of 12 KiB, from the start of its message', () => {
  const file = write('share', `${'a'.repeat(3000)}${'b'.repeat(1096)}`);
  assert.equal(terminationMessage({ policy: 'File', exitCode: 0, file, logPath: noLog, podContainers: 4 }), `${'a'.repeat(3000)}${'b'.repeat(72)}`);
});

test('FallbackToLogsOnError: the log when the file is empty or missing and the container failed', () => {
  const log = write('c.log', cri('F', 'first') + cri('P', 'par') + cri('F', 'tial', 'stderr') + cri('F', 'last'));
  const empty = write('empty2', '');
  assert.equal(terminationMessage({ policy: 'FallbackToLogsOnError', exitCode: 2, file: empty, logPath: log, podContainers: 1 }), 'first\npartial\nlast');
  assert.equal(terminationMessage({ policy: 'FallbackToLogsOnError', exitCode: 2, file: undefined, logPath: log, podContainers: 1 }), 'first\npartial\nlast');
  assert.equal(terminationMessage({ policy: 'FallbackToLogsOnError', exitCode: 0, file: empty, logPath: log, podContainers: 1 }), undefined);
  assert.equal(terminationMessage({ policy: 'FallbackToLogsOnError', exitCode: 2, file: write('said', 'said so'), logPath: log, podContainers: 1 }), 'said so');
});

test('FallbackToLogsOnError: at most the last 80 lines and 2048 bytes of the log', () => {
  const many = write('many.log', Array.from({ length: 100 }, (_, i) => cri('F', `line-${i}`)).join(''));
  const m = terminationMessage({ policy: 'FallbackToLogsOnError', exitCode: 1, logPath: many, podContainers: 1 })!;
  assert.equal(m.split('\n').length, 80);
  assert.ok(m.startsWith('line-20\n') && m.endsWith('line-99'), m);
  const wide = write('wide.log', Array.from({ length: 10 }, () => cri('F', 'z'.repeat(500))).join(''));
  assert.equal(Buffer.byteLength(terminationMessage({ policy: 'FallbackToLogsOnError', exitCode: 1, logPath: wide, podContainers: 1 })!), 2048);
});
