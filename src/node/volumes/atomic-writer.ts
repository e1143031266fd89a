// Writes a set of files into a volume directory the way upstream's AtomicWriter does, so a reader
// never sees a half-updated set: the files live in a timestamped `..<time>` directory, `..data`
// links to it, and each top-level name is a symlink through `..data`. An update writes a new
// timestamped directory and renames a fresh `..data_tmp` link over `..data` in one step.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface FileEntry {
  data: Buffer;
  /** Permission bits (e.g. 0o644). */
  mode: number;
}

/** Path → content, relative to the volume root. */
export type Payload = Map<string, FileEntry>;

const dataLink = '..data';

/** Rejects paths that would leave the volume (absolute, `..` components), as upstream's validatePath. */
export function validPayloadPath(p: string): string | undefined {
  if (!p) return 'invalid path: must not be empty';
  if (path.isAbsolute(p)) return `invalid path: must be relative path: ${p}`;
  if (p.length > 4096) return `invalid path: must be less than or equal to 4096 characters`;
  const parts = p.split('/');
  if (parts.some((s) => s === '..')) return `invalid path: must not contain '..': ${p}`;
  if (parts[0].startsWith('..')) return `invalid path: must not start with '..': ${p}`;
  return undefined;
}

function currentPayloadDir(dir: string): string | undefined {
  try {
    return path.join(dir, fs.readlinkSync(path.join(dir, dataLink)));
  } catch {
    return undefined;
  }
}

function sameAsCurrent(current: string | undefined, payload: Payload): boolean {
  if (!current) return false;
  const existing = new Set<string>();
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(current, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else existing.add(r);
    }
  };
  try {
    walk('');
  } catch {
    return false;
  }
  if (existing.size !== payload.size) return false;
  for (const [p, f] of payload) {
    if (!existing.has(p)) return false;
    const full = path.join(current, p);
    const st = fs.statSync(full);
    if ((st.mode & 0o7777) !== f.mode) return false;
    if (!fs.readFileSync(full).equals(f.data)) return false;
  }
  return true;
}

function timestampedName(): string {
  const d = new Date();
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `..${d.getUTCFullYear()}_${pad(d.getUTCMonth() + 1)}_${pad(d.getUTCDate())}_${pad(d.getUTCHours())}_${pad(d.getUTCMinutes())}_${pad(d.getUTCSeconds())}.${crypto.randomInt(1e9)}`;
}

/** Makes `dir` hold exactly `payload`; returns whether anything changed. */
export function writeAtomically(dir: string, payload: Payload): boolean {
  fs.mkdirSync(dir, { recursive: true });
  const old = currentPayloadDir(dir);
  if (sameAsCurrent(old, payload)) return false;
  const name = timestampedName();
  const tsDir = path.join(dir, name);
  fs.mkdirSync(tsDir, { mode: 0o755 });
  for (const [p, f] of payload) {
    const full = path.join(tsDir, p);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, f.data);
    fs.chmodSync(full, f.mode);
  }
  const tmp = path.join(dir, `${dataLink}_tmp`);
  fs.rmSync(tmp, { force: true });
  fs.symlinkSync(name, tmp);
  fs.renameSync(tmp, path.join(dir, dataLink));
  // The user-visible names: a symlink per top-level component, through ..data.
  const top = new Set([...payload.keys()].map((p) => p.split('/')[0]));
  for (const t of top) {
    const link = path.join(dir, t);
    let ok = false;
    try {
      ok = fs.readlinkSync(link) === path.join(dataLink, t);
    } catch {
      // missing
    }
    if (!ok) {
      fs.rmSync(link, { recursive: true, force: true });
      fs.symlinkSync(path.join(dataLink, t), link);
    }
  }
  for (const e of fs.readdirSync(dir)) {
    if (e.startsWith('..')) continue;
    if (!top.has(e)) fs.rmSync(path.join(dir, e), { recursive: true, force: true });
  }
  if (old) fs.rmSync(old, { recursive: true, force: true });
  return true;
}
