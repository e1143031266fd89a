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

/** Bytes the files under `dir` occupy (allocated blocks, like du), not following symlinks. */
export function diskUsage(dir: string): number {
  let total = 0;
  const walk = (p: string) => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return;
    }
    total += st.blocks * 512;
    if (!st.isDirectory()) return;
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(p);
    } catch {
      return;
    }
    for (const e of entries) walk(path.join(p, e));
  };
  walk(dir);
  return total;
}
