// Where a node keeps its containers' runtime state (each start's config, the shim's pid and exit
// files): on a tmpfs, as containerd and runc keep theirs under /run. It has to outlive the agent, not
// a reboot (the processes it describes do not either), and a burst of pods writes hundreds of small
// files and directories there: on the disks of these machines (ext4 without a journal) each new
// inode costs the kernel about half a millisecond, which for 100 pods at once was most of their start.
// `<data dir>/containers` is a symlink to it, so the data dir still shows a node's containers.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readStateFile, writeStateFile } from '../network/state-file.js';

const tmpfsMagic = 0x01021994;

interface OwnerRecord {
  dataDir: string;
}

function isTmpfs(dir: string): boolean {
  try {
    return fs.statfsSync(dir).type === tmpfsMagic;
  } catch {
    return false;
  }
}

/** The first tmpfs this process may write: /run as root, else the user's runtime dir, else /dev/shm. */
function tmpfsRoot(): string | undefined {
  const uid = process.getuid?.() ?? 0;
  const candidates: [string, string][] = uid === 0 ? [['/run', 'nanokube/containers']] : [];
  if (process.env.XDG_RUNTIME_DIR) candidates.push([process.env.XDG_RUNTIME_DIR, 'nanokube/containers']);
  candidates.push(['/dev/shm', `nanokube-${uid}/containers`]);
  for (const [mount, sub] of candidates) {
    if (!isTmpfs(mount)) continue;
    try {
      fs.accessSync(mount, fs.constants.W_OK);
      return path.join(mount, sub);
    } catch {
      // not ours to write
    }
  }
  return undefined;
}

/**
 * The state directory of the node whose data dir is `dataDir`, made ready. An existing real
 * `<data dir>/containers` (containers started before state moved to tmpfs) stays in use, so an agent
 * restart still finds them; without a writable tmpfs the state stays in the data dir.
 */
export function runtimeStateDir(dataDir: string): string {
  const link = path.join(dataDir, 'containers');
  const existing = fs.lstatSync(link, { throwIfNoEntry: false });
  if (existing?.isDirectory()) return link;
  const root = tmpfsRoot();
  if (!root) {
    if (existing) fs.rmSync(link, { force: true });
    fs.mkdirSync(link, { recursive: true });
    return link;
  }
  pruneOrphans(root);
  const resolved = path.resolve(dataDir);
  const id = crypto.createHash('sha256').update(resolved).digest('hex').slice(0, 16);
  const dir = path.join(root, id);
  if (!existing || fs.readlinkSync(link) !== dir) {
    // A data dir made afresh at a path used before: what the old one left is not this node's.
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dataDir, { recursive: true });
    fs.rmSync(link, { force: true });
    fs.symlinkSync(dir, link);
  }
  fs.mkdirSync(dir, { recursive: true });
  writeStateFile(path.join(root, `${id}.json`), { dataDir: resolved } satisfies OwnerRecord);
  return dir;
}

/** State of data dirs that were deleted (test clusters, benches): no agent can adopt it any more. */
function pruneOrphans(root: string): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(root);
  } catch {
    return;
  }
  for (const e of entries) {
    if (!e.endsWith('.json')) continue;
    const id = e.slice(0, -'.json'.length);
    const owner = readStateFile<OwnerRecord | undefined>(path.join(root, e), undefined);
    if (!owner?.dataDir || fs.existsSync(owner.dataDir)) continue;
    fs.rmSync(path.join(root, id), { recursive: true, force: true });
    fs.rmSync(path.join(root, e), { force: true });
  }
}
