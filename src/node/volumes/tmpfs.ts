// tmpfs mounts for memory-backed volumes (emptyDir medium Memory, secrets) when the agent is root.
import fs from 'node:fs';
import { runCommand } from './run-command.js';

export function canMountTmpfs(): boolean {
  return process.platform === 'linux' && process.getuid?.() === 0;
}

/** Whether a directory is a mount point (its device differs from its parent's). */
export function isMountPoint(dir: string): boolean {
  try {
    const self = fs.statSync(dir);
    const parent = fs.statSync(`${dir}/..`);
    return self.dev !== parent.dev || self.ino === parent.ino;
  } catch {
    return false;
  }
}

export async function mountTmpfs(dir: string, sizeBytes?: number): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  if (isMountPoint(dir)) return;
  const opts = ['mode=0777'];
  if (sizeBytes && sizeBytes > 0) opts.push(`size=${sizeBytes}`);
  const r = await runCommand('mount', ['-t', 'tmpfs', '-o', opts.join(','), 'tmpfs', dir]);
  if (r.code !== 0) throw new Error(`mount tmpfs at ${dir}: ${r.stderr.trim()}`);
}

/** Unmounts (lazily, so a busy mount does not keep the pod's directory) if it is a mount point. */
export async function unmountIfMounted(dir: string): Promise<void> {
  if (!isMountPoint(dir)) return;
  await runCommand('umount', ['-l', dir]);
}
