// Reading a container's CRI-format log file for `kubectl logs`: tail, since, timestamps,
// limitBytes, and follow (across rotations) until the container exits.
import fs from 'node:fs';
import type { Writable } from 'node:stream';

export interface LogOptions {
  tailLines?: number;
  sinceTime?: Date;
  timestamps?: boolean;
  limitBytes?: number;
  follow?: boolean;
}

interface LogLine {
  time: string;
  stream: string;
  partial: boolean;
  text: string;
}

function parseLine(line: string): LogLine | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0 || c < 0) return undefined;
  return { time: line.slice(0, a), stream: line.slice(a + 1, b), partial: line.slice(b + 1, c) === 'P', text: line.slice(c + 1) };
}


function render(l: LogLine, timestamps: boolean): string {
  const body = l.partial ? l.text : `${l.text}\n`;
  return timestamps ? `${l.time} ${body}` : body;
}

class Budget {
  constructor(private remaining: number | undefined) {}
  take(s: string): string | undefined {
    if (this.remaining === undefined) return s;
    if (this.remaining <= 0) return undefined;
    const b = Buffer.from(s);
    if (b.length <= this.remaining) {
      this.remaining -= b.length;
      return s;
    }
    const cut = b.subarray(0, this.remaining).toString();
    this.remaining = 0;
    return cut;
  }
  get exhausted(): boolean {
    return this.remaining !== undefined && this.remaining <= 0;
  }
}

/**
 * Writes the logs to `out`. With follow, keeps reading new lines until `stillRunning()` turns
 * false (then drains) or `out` closes. Resolves when done.
 */
export async function streamLogs(path: string, opts: LogOptions, out: Writable, stillRunning: () => boolean): Promise<void> {
  const budget = new Budget(opts.limitBytes);
  const since = opts.sinceTime?.getTime();
  const keep = (l: LogLine) => since === undefined || Date.parse(l.time) >= since;
  // The current file only, as the kubelet: `kubectl logs` returns the last rotation.
  let lines: LogLine[] = [];
  let text = '';
  let fd: number | undefined;
  try {
    fd = fs.openSync(path, 'r');
    text = fs.readFileSync(fd, 'utf8');
  } catch {
    // not written yet
  }
  for (const raw of text.split('\n')) {
    const l = raw ? parseLine(raw) : undefined;
    if (l && keep(l)) lines.push(l);
  }
  if (opts.tailLines !== undefined && opts.tailLines >= 0) {
    // Count whole lines: a partial chunk belongs to the full line that ends it.
    let full = 0;
    let start = lines.length;
    for (let i = lines.length - 1; i >= 0; i--) {
      if (!lines[i].partial) {
        if (full === opts.tailLines) break;
        full++;
      }
      start = i;
    }
    lines = lines.slice(start);
  }
  let stopped = false;
  for (const l of lines) {
    const s = budget.take(render(l, !!opts.timestamps));
    if (s === undefined) {
      stopped = true;
      break;
    }
    out.write(s);
  }
  if (stopped || !opts.follow || budget.exhausted) {
    if (fd !== undefined) fs.closeSync(fd);
    return;
  }

  // Follow: poll the open file for growth. When the path names a new file (a rotation), the old one is
  // read to its end first, then the new one from its beginning.
  let offset = Buffer.byteLength(text);
  let pending = '';
  let closed = false;
  out.once('close', () => (closed = true));
  let lastCheck = false;
  const readNew = (): boolean => {
    if (fd === undefined) return true;
    const size = fs.fstatSync(fd).size;
    if (size <= offset) return true;
    const buf = Buffer.alloc(size - offset);
    fs.readSync(fd, buf, 0, buf.length, offset);
    offset = size;
    pending += buf.toString('utf8');
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const l = parseLine(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      if (!l || !keep(l)) continue;
      const s = budget.take(render(l, !!opts.timestamps));
      if (s === undefined) return false;
      out.write(s);
      if (budget.exhausted) return false;
    }
    return true;
  };
  try {
    for (;;) {
      if (closed) return;
      if (!readNew()) return;
      let st: fs.Stats | undefined;
      try {
        st = fs.statSync(path);
      } catch {
        st = undefined;
      }
      if (st && (fd === undefined || st.ino !== fs.fstatSync(fd).ino)) {
        if (fd !== undefined) fs.closeSync(fd);
        fd = undefined;
        try {
          fd = fs.openSync(path, 'r');
        } catch {
          // rotated again meanwhile: next round
        }
        offset = 0;
        pending = '';
        if (!readNew()) return;
      }
      if (lastCheck) return;
      // One more read after the container stops, for lines written just before it exited.
      if (!stillRunning()) lastCheck = true;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
