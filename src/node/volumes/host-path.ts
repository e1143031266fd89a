// hostPath: a node path used as it is, after upstream's type check (DirectoryOrCreate makes a
// 0755 directory, FileOrCreate a 0644 file in an existing parent; the others must already be so).
// Without a type nothing is checked, and a missing path becomes a 0755 directory when the container
// starts, as containerd (and Docker) make a bind mount's missing source.
import fs from 'node:fs';
import util from 'node:util';

function stat(p: string): fs.Stats | undefined {
  return fs.statSync(p, { throwIfNoEntry: false });
}

/** Checks (and for the *OrCreate types creates) the path; throws with upstream's message. */
export function checkHostPathType(p: string, type: string | undefined): void {
  const failed = (what: string) => new Error(`hostPath type check failed: ${p} is not ${what}`);
  const t = type ?? '';
  if (t === '') return;
  if (t === 'DirectoryOrCreate' && !stat(p)) {
    fs.mkdirSync(p, { recursive: true, mode: 0o755 });
    return;
  }
  if (t === 'FileOrCreate' && !stat(p)) {
    try {
      fs.closeSync(fs.openSync(p, fs.constants.O_CREAT | fs.constants.O_WRONLY, 0o644));
    } catch (e) {
      // The kubelet passes on the open error as Go words it.
      const errno = (e as NodeJS.ErrnoException).errno;
      const text = errno !== undefined ? util.getSystemErrorMap().get(errno)?.[1] : undefined;
      throw new Error(`open ${p}: ${text ?? (e as Error).message}`);
    }
  }
  const st = stat(p);
  const checks: Record<string, [() => boolean, string]> = {
    DirectoryOrCreate: [() => !!st?.isDirectory(), 'a directory'],
    Directory: [() => !!st?.isDirectory(), 'a directory'],
    FileOrCreate: [() => !!st?.isFile(), 'a file'],
    File: [() => !!st?.isFile(), 'a file'],
    Socket: [() => !!st?.isSocket(), 'a socket file'],
    CharDevice: [() => !!st?.isCharacterDevice(), 'a character device'],
    BlockDevice: [() => !!st?.isBlockDevice(), 'a block device'],
  };
  const check = checks[t];
  if (!check) throw new Error(`hostPath type check failed: ${p}: unknown type "${t}"`);
  if (!check[0]()) throw failed(check[1]);
}

/** The node path to mount for a hostPath source: checked as its type says, made as the runtime would when untyped. */
export function prepareHostPath(p: string, type: string | undefined): string {
  checkHostPathType(p, type);
  if (!type && !stat(p)) fs.mkdirSync(p, { recursive: true, mode: 0o755 });
  return p;
}
