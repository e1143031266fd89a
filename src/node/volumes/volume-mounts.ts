// A container's mounts from its volumeMounts: the set-up volume's path, narrowed by subPath (or
// subPathExpr with $(VAR) from the container's env), read-only when the mount or the volume says so.
import fs from 'node:fs';
import path from 'node:path';
import type { Mount } from '../runtime/runtime.js';
import { expand } from '../container-env.js';

export interface PreparedVolume {
  /** The directory (or file) on the node. */
  path: string;
  /** Always mounted read-only (configMap, secret, downwardAPI, projected, read-only claims). */
  readOnly: boolean;
}

/** Raised for a volumeMount the container cannot have: it waits in CreateContainerConfigError. */
export class SubPathError extends Error {}

function subPathOf(vm: any, env: Record<string, string>): string {
  if (vm.subPathExpr) return expand(vm.subPathExpr, env);
  return vm.subPath ?? '';
}

/** The node path for `sub` inside a volume, created as a directory when missing; never outside it. */
function resolveSubPath(volumePath: string, sub: string): string {
  if (path.isAbsolute(sub) || sub.split('/').includes('..')) throw new Error(`subpath "${sub}" must be a relative path without '..'`);
  const root = fs.realpathSync(volumePath);
  const inside = (p: string) => p === root || p.startsWith(root + path.sep);
  // Component by component, so a symlink inside the volume can never make us create a directory outside it.
  let real = root;
  const mode = fs.statSync(root).mode & 0o777;
  for (const part of sub.split('/').filter((s) => s && s !== '.')) {
    const next = path.join(real, part);
    if (!fs.existsSync(next)) {
      if (fs.lstatSync(next, { throwIfNoEntry: false })) throw new Error(`subpath "${sub}" contains a dangling symlink`);
      fs.mkdirSync(next, { mode });
    }
    real = fs.realpathSync(next);
    if (!inside(real)) throw new Error(`subpath "${sub}" resolves outside the volume`);
  }
  return real;
}

export function containerMounts(container: any, volumes: Map<string, PreparedVolume>, env: Record<string, string>): Mount[] {
  const out: Mount[] = [];
  for (const vm of container.volumeMounts ?? []) {
    const vol = volumes.get(vm.name);
    if (!vol) throw new SubPathError(`volume "${vm.name}" of volumeMount at ${vm.mountPath} is not set up`);
    const readOnly = !!vm.readOnly || vol.readOnly;
    let hostPath = vol.path;
    const sub = subPathOf(vm, env);
    if (sub) {
      try {
        hostPath = resolveSubPath(vol.path, sub);
      } catch (e) {
        throw new SubPathError(`failed to prepare subPath for volumeMount "${vm.name}" of container "${container.name}": ${(e as Error).message}`);
      }
    }
    out.push({ hostPath, containerPath: vm.mountPath, readOnly });
  }
  return out;
}
