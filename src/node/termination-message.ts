// A terminated container's state.terminated.message, made as the kubelet makes it: the end of the file
// the container wrote at its terminationMessagePath, or under terminationMessagePolicy
// FallbackToLogsOnError, when that file is empty (or was not there) and the container failed, the tail
// of its log; then cut to the container's share of what a pod's statuses may hold.
import fs from 'node:fs';

/** Upstream's MaxContainerTerminationMessageLength: the last this many bytes of the file count. */
export const maxFileBytes = 4 * 1024;
/** MaxContainerTerminationMessageLogLines and MaxContainerTerminationMessageLogLength. */
export const maxLogLines = 80;
export const maxLogBytes = 2048;
/** MaxPodTerminationMessageLogLength: shared evenly by the pod's containers and init containers. */
export const maxPodBytes = 12 * 1024;

export interface TerminationMessageInput {
  policy: 'File' | 'FallbackToLogsOnError' | undefined;
  exitCode: number;
  /** The node's copy of the container's termination message file, if it had one. */
  file?: string;
  /** The container's log file of that start (CRI format). */
  logPath: string;
  /** Containers and init containers in the pod. */
  podContainers: number;
}

export function terminationMessage(input: TerminationMessageInput): string | undefined {
  let message = input.file ? readTail(input.file, maxFileBytes) : '';
  if (!message && input.policy === 'FallbackToLogsOnError' && input.exitCode !== 0) message = logTail(input.logPath);
  if (!message) return undefined;
  return truncateBytes(message, Math.floor(maxPodBytes / Math.max(1, input.podContainers)));
}

/** The last `max` bytes of a file ('' when it cannot be read). */
function readTail(file: string, max: number): string {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, max);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    return buf.toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The last 80 lines of the log, at most its last 2048 bytes, without the CRI prefixes; partial chunks joined. */
function logTail(logPath: string): string {
  let text: string;
  try {
    text = fs.readFileSync(logPath, 'utf8');
  } catch {
    return '';
  }
  const lines: string[] = [];
  let partial = '';
  for (const raw of text.split('\n')) {
    // <time> <stream> <P|F> <text>
    const a = raw.indexOf(' ');
    const b = raw.indexOf(' ', a + 1);
    const c = raw.indexOf(' ', b + 1);
    if (a < 0 || b < 0 || c < 0) continue;
    partial += raw.slice(c + 1);
    if (raw.slice(b + 1, c) === 'P') continue;
    lines.push(partial);
    partial = '';
  }
  if (partial) lines.push(partial);
  // Lines joined by newlines, none after the last: the shim cannot tell a last line without one.
  const tail = lines.slice(-maxLogLines).join('\n');
  const bytes = Buffer.from(tail, 'utf8');
  return bytes.length > maxLogBytes ? bytes.subarray(bytes.length - maxLogBytes).toString('utf8') : tail;
}

/** The first `max` bytes of s (as upstream slices the string). */
export function truncateBytes(s: string, max: number): string {
  const bytes = Buffer.from(s, 'utf8');
  return bytes.length > max ? bytes.subarray(0, max).toString('utf8') : s;
}
