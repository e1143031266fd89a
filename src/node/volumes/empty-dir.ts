// emptyDir: a directory under the agent's data dir that lives as long as the pod on this node
// (container restarts keep it); medium Memory is a tmpfs (sized to sizeLimit) when root.
import fs from 'node:fs';
import path from 'node:path';
import { Quantity } from '../../api/quantity.js';
import { canMountTmpfs, mountTmpfs, unmountIfMounted } from './tmpfs.js';

export function sizeLimitBytes(spec: any): number | undefined {
  if (spec?.sizeLimit === undefined || spec.sizeLimit === null) return undefined;
  return Number(Quantity.parse(String(spec.sizeLimit)).value());
}

export async function setUpEmptyDir(dir: string, spec: any): Promise<void> {
  if (spec?.medium === 'Memory' && canMountTmpfs()) {
    await mountTmpfs(dir, sizeLimitBytes(spec));
    return;
  }
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(dir, { recursive: true });
    fs.chmodSync(dir, 0o777); // as upstream: any container user may write
  }
}

export async function tearDownEmptyDir(dir: string): Promise<void> {
  await unmountIfMounted(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Bytes the files under `dir` occupy (allocated blocks, like du), not following symlinks. Walked
 * asynchronously: a volume of many files must not hold up the agent's event loop.
 */
export async function diskUsage(dir: string): Promise<number> {
  let total = 0;
  const walk = async (p: string): Promise<void> => {
    let st: fs.Stats;
    try {
      st = await fs.promises.lstat(p);
    } catch {
      return;
    }
    total += st.blocks * 512;
    if (!st.isDirectory()) return;
    let entries: string[] = [];
    try {
      entries = await fs.promises.readdir(p);
    } catch {
      return;
    }
    for (const e of entries) await walk(path.join(p, e));
  };
  await walk(dir);
  return total;
}
