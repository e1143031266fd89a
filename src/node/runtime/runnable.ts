// Whether a command an exec names can run, checked before wrapping it in nsenter: a command that cannot
// is handed over bare, so exec reports it as upstream does ("executable file not found in $PATH")
// rather than with nsenter's words. `root` is where the container's file system is seen from here
// (/proc/<pid>/root for one in its own mount namespace, so a script in a volume counts).
import fs from 'node:fs';
import path from 'node:path';

/** Whether `file` names an executable (a path, or a name found on PATH), as the shell would find it. */
export function runnable(file: string, pathVar: string | undefined, cwd: string | undefined, root = ''): boolean {
  const ok = (p: string) => {
    try {
      fs.accessSync(root + p, fs.constants.X_OK);
      return !fs.statSync(root + p).isDirectory();
    } catch {
      return false;
    }
  };
  if (file.includes('/')) return ok(path.resolve(cwd ?? process.cwd(), file));
  return (pathVar ?? '').split(':').some((dir) => ok(path.resolve(cwd ?? process.cwd(), dir || '.', file)));
}
