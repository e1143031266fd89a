// How the host runtime makes volumes appear at their mountPath. Its containers are process groups
// on the node, so there are two ways:
// - as root with util-linux (`nsenter` for exec): the container's command runs in a private mount
//   namespace (private propagation; made by the shim with system calls, or by `unshare -m` where
//   their numbers are unknown) where each volume is bind-mounted over its mountPath, then the
//   command is exec'd (same pid, same process group). Only the container sees the mount; the
//   node's path is never written to. A missing mount point is created as an empty directory (or
//   empty file for a file volume), noted machine-wide, and removed by the last pod (of any agent)
//   that used it, once no mount namespace has anything mounted there (removing it would detach
//   another pod's mount). `exec` and exec probes enter the namespace with nsenter.
// - otherwise: mountPath becomes a symlink to the volume, when that path does not exist yet and
//   its parent can be created; the links are recorded and removed with the pod. A path that exists
//   (and is not already our link to the same volume) fails the container.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Mount } from '../runtime/runtime.js';
import { shimSyscalls } from '../runtime/linux-syscalls.js';

export type HostMountMode = 'namespace' | 'symlink';

let detected: HostMountMode | undefined;

/** Private mount namespaces when root on Linux with `unshare` and `nsenter`, symlinks otherwise. */
export function hostMountMode(): HostMountMode {
  if (detected) return detected;
  const onPath = (bin: string) => (process.env.PATH ?? '/usr/bin:/bin').split(':').some((d) => d && fs.existsSync(path.join(d, bin)));
  const override = process.env.NANOKUBE_HOST_MOUNTS;
  if (override === 'symlink' || override === 'namespace') return (detected = override);
  detected = process.platform === 'linux' && process.getuid?.() === 0 && onPath('unshare') && onPath('nsenter') ? 'namespace' : 'symlink';
  return detected;
}

/**
 * Runs in the new mount namespace: bind-mount each volume, make read-only ones so, cd, exec. Used only
 * where the shim cannot make these system calls itself (an architecture linux-syscalls.ts does not
 * know); the shim's own code does the same.
 */
const mountScript = `
n=$1; shift
while [ "$n" -gt 0 ]; do
  src=$1; dst=$2; ro=$3; made=$4; shift 4; n=$((n-1))
  # The last other user of a mount point nanokube made may have just removed it: make it again, noted.
  if [ ! -e "$dst" ]; then
    if [ -d "$src" ]; then mkdir -p "$dst"; else mkdir -p "$(dirname "$dst")" && : > "$dst"; fi
    mkdir -p "$(dirname "$made")" && printf %s "$dst" > "$made"
  fi
  mount --bind "$src" "$dst" || { echo "nanokube: cannot mount $src at $dst" >&2; exit 128; }
  if [ "$ro" = 1 ]; then mount -o remount,bind,ro "$dst" || exit 128; fi
done
wd=$1; shift
if [ "$wd" != - ]; then cd "$wd" || { echo "nanokube: chdir $wd failed" >&2; exit 128; }; fi
exec "$@"
`;

function kindOf(p: string): 'dir' | 'other' | 'missing' {
  try {
    return fs.statSync(p).isDirectory() ? 'dir' : 'other';
  } catch {
    return 'missing';
  }
}

function mountPointsFile(podStateDir: string): string {
  return path.join(podStateDir, 'mount-points-used.json');
}

/** Before the machine-wide notes, a pod listed only the mount points it made here (a pod started then may still run). */
function legacyMountPointsFile(podStateDir: string): string {
  return path.join(podStateDir, 'mount-points.json');
}

/**
 * Mount points nanokube made on this machine, by any agent: a file per path (named by its hash,
 * holding the path). A pod that mounts at such a path (or under one) takes part in removing it, so
 * the last pod of any agent to use it removes it, not only the pod that made it.
 */
const madeDir = '/run/nanokube/mount-points';

function madeEntry(p: string): string {
  return path.join(madeDir, crypto.createHash('sha256').update(p).digest('hex'));
}

function markMade(p: string): void {
  fs.mkdirSync(madeDir, { recursive: true });
  fs.writeFileSync(madeEntry(p), p);
}

/** The path and each directory above it that nanokube made. */
function madeAncestry(p: string): string[] {
  const out: string[] = [];
  for (let d = p; d !== path.dirname(d); d = path.dirname(d)) if (fs.existsSync(madeEntry(d))) out.push(d);
  return out;
}

/** Checks each mount point (and creates missing ones) so conflicts fail with a clear message before start. */
function prepareMountPoints(podStateDir: string, mounts: Mount[]): void {
  const used = readList(mountPointsFile(podStateDir));
  const before = used.length;
  const record = (p: string) => {
    if (!used.includes(p)) used.push(p);
  };
  for (const m of mounts) {
    const src = kindOf(m.hostPath);
    if (src === 'missing') throw new Error(`volume path ${m.hostPath} for mountPath "${m.containerPath}" does not exist`);
    const dst = kindOf(m.containerPath);
    if (dst === 'missing') {
      const dir = src === 'dir' ? m.containerPath : path.dirname(m.containerPath);
      const first = fs.mkdirSync(dir, { recursive: true });
      // Every directory made, from the first new one down.
      for (let d = dir; first && d.length >= first.length; d = path.dirname(d)) {
        markMade(d);
        record(d);
      }
      if (src !== 'dir') {
        fs.closeSync(fs.openSync(m.containerPath, 'a'));
        markMade(m.containerPath);
        record(m.containerPath);
      }
    } else if (dst !== src) {
      throw new Error(`cannot mount volume at "${m.containerPath}": it is ${dst === 'dir' ? 'a directory' : 'not a directory'} on the node and the volume is ${src === 'dir' ? 'a directory' : 'a file'}`);
    }
    // The mount point itself always (the container may have to make it again), and what is ours above it.
    record(m.containerPath);
    for (const p of madeAncestry(path.dirname(m.containerPath))) record(p);
  }
  if (used.length !== before) {
    fs.mkdirSync(podStateDir, { recursive: true });
    fs.writeFileSync(mountPointsFile(podStateDir), JSON.stringify(used));
  }
}

export interface PreparedCommand {
  command: string[];
  /** The working directory the shim should change to (undefined: the command changes itself). */
  workingDir?: string;
  /** The shim's mounts argument: '-', or "<unshare nr>,<mount nr>,<n>" then n × (src, dst, ro, made). */
  shimMounts: string[];
  /** Whether the container runs in a mount namespace of its own. */
  mountNamespace: boolean;
}

/**
 * The command the shim runs so the container sees its mounts. `podStateDir` keeps the links made
 * in symlink mode (removed by removeHostMounts).
 */
export function prepareHostMounts(podStateDir: string, mounts: Mount[], command: string[], workingDir: string | undefined): PreparedCommand {
  if (mounts.length === 0) return { command, workingDir, shimMounts: ['-'], mountNamespace: false };
  if (hostMountMode() === 'namespace') {
    prepareMountPoints(podStateDir, mounts);
    const args = mounts.flatMap((m) => [m.hostPath, m.containerPath, m.readOnly ? '1' : '0', madeEntry(m.containerPath)]);
    // The shim makes the namespace and mounts with system calls: the same through unshare(1), sh and
    // mount(8) was three programs started, about 5 ms of CPU per container.
    const calls = shimSyscalls();
    if (calls) return { command, workingDir, shimMounts: [`${calls.unshare},${calls.mount},${mounts.length}`, ...args], mountNamespace: true };
    return {
      command: ['unshare', '-m', '--propagation', 'private', '--', 'sh', '-c', mountScript, 'nanokube-mounts', String(mounts.length), ...args, workingDir || '-', ...command],
      shimMounts: ['-'], mountNamespace: true,
    };
  }
  linkMounts(podStateDir, mounts);
  return { command, workingDir, shimMounts: ['-'], mountNamespace: false };
}

function linksFile(podStateDir: string): string {
  return path.join(podStateDir, 'mount-links.json');
}

function readList(file: string): string[] {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
}

function readLinks(podStateDir: string): string[] {
  return readList(linksFile(podStateDir));
}

/**
 * Which of `candidates` are a mount point in some mount namespace on the machine (one mountinfo read
 * per namespace). Newest processes first, stopping once every candidate is found: with every container
 * in a namespace of its own, a pod's deletion would otherwise read all of them, while a shared mount
 * point (/dev/termination-log) is usually found in the first.
 */
function mountPointsInUse(candidates: string[]): Set<string> {
  const wanted = new Set(candidates);
  const seen = new Set<string>();
  const points = new Set<string>();
  const pids = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number).sort((a, b) => b - a);
  for (const pid of pids) {
    if (points.size === wanted.size) break;
    try {
      const ns = fs.readlinkSync(`/proc/${pid}/ns/mnt`);
      if (seen.has(ns)) continue;
      seen.add(ns);
      for (const line of fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n')) {
        const p = line.split(' ')[4];
        if (!p) continue;
        const point = p.replace(/\\([0-7]{3})/g, (_m, o) => String.fromCharCode(parseInt(o, 8)));
        if (wanted.has(point)) points.add(point);
      }
    } catch {
      // the process went away
    }
  }
  return points;
}

/** Removes the mount points nanokube made that a pod's containers used, when empty and mounted nowhere any more. */
function removeMountPoints(podStateDir: string): void {
  const legacy = readList(legacyMountPointsFile(podStateDir));
  for (const p of legacy) if (fs.existsSync(p)) markMade(p);
  fs.rmSync(legacyMountPointsFile(podStateDir), { force: true });
  const used = [...new Set([...readList(mountPointsFile(podStateDir)), ...legacy])];
  if (used.length === 0) return;
  const ours = used.filter((p) => fs.existsSync(madeEntry(p)));
  const inUse = ours.length ? mountPointsInUse(ours) : new Set<string>();
  for (const p of ours.sort((a, b) => b.length - a.length)) {
    if (inUse.has(p)) continue;
    try {
      const st = fs.lstatSync(p);
      if (st.isDirectory()) fs.rmdirSync(p); // fails (and stays) when not empty
      else if (st.isFile() && st.size === 0) fs.unlinkSync(p);
      else continue;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') continue; // not empty: kept, and still ours
    }
    fs.rmSync(madeEntry(p), { force: true });
  }
  fs.rmSync(mountPointsFile(podStateDir), { force: true });
}

function linkMounts(podStateDir: string, mounts: Mount[]): void {
  const links = readLinks(podStateDir);
  for (const m of mounts) {
    let existing: string | undefined;
    try {
      existing = fs.readlinkSync(m.containerPath);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new Error(`cannot mount volume at "${m.containerPath}": the path exists on the node, and the host runtime cannot mount over a path it does not own`);
      }
    }
    if (existing !== undefined) {
      if (existing === m.hostPath && links.includes(m.containerPath)) continue;
      throw new Error(`cannot mount volume at "${m.containerPath}": the path exists on the node, and the host runtime cannot mount over a path it does not own`);
    }
    try {
      fs.mkdirSync(path.dirname(m.containerPath), { recursive: true });
      fs.symlinkSync(m.hostPath, m.containerPath);
    } catch (e) {
      throw new Error(`cannot mount volume at "${m.containerPath}": ${(e as Error).message}`);
    }
    links.push(m.containerPath);
    fs.mkdirSync(podStateDir, { recursive: true });
    fs.writeFileSync(linksFile(podStateDir), JSON.stringify(links));
  }
}

/** Removes what a pod's mounts left on the node: symlinks (symlink mode) or empty mount points (namespace mode). */
export function removeHostMounts(podStateDir: string): void {
  removeMountPoints(podStateDir);
  for (const link of readLinks(podStateDir)) {
    try {
      if (fs.lstatSync(link).isSymbolicLink()) fs.unlinkSync(link);
    } catch {
      // already gone
    }
  }
  fs.rmSync(linksFile(podStateDir), { force: true });
}

/** A command run "inside" a container whose mounts live in a private namespace: enter it first. */
export function execInMountNamespace(pid: number, command: string[], cwd: string | undefined): { file: string; args: string[] } {
  return { file: 'nsenter', args: ['-t', String(pid), '-m', cwd ? `--wd=${cwd}` : '-w', '--', ...command] };
}
