// gitRepo (deprecated upstream, still served): an emptyDir filled once by `git clone` of the
// repository into `directory`, then `git checkout <revision>` and `git reset --hard`, as upstream's
// plugin does. A failed attempt empties the directory so the next try starts clean.
import fs from 'node:fs';
import path from 'node:path';
import { runCommand } from './run-command.js';

async function git(args: string[], cwd: string): Promise<void> {
  const r = await runCommand('git', args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' }, timeoutMs: 300_000 });
  if (r.code !== 0) {
    const out = (r.stdout + r.stderr).trim();
    throw new Error(`failed to exec 'git ${args.join(' ')}': ${out}: exit status ${r.code}`);
  }
}

function emptyDirectory(dir: string): void {
  for (const e of fs.readdirSync(dir)) fs.rmSync(path.join(dir, e), { recursive: true, force: true });
}

/**
 * The kubelet's own checks before running git (CVE-2024-10220): no value may pass for a git option,
 * and with a revision the directory is one level, so the checkout runs inside the clone.
 */
export function gitRepoSpecProblem(spec: any): string | undefined {
  for (const field of ['repository', 'revision', 'directory']) {
    const value = String(spec?.[field] ?? '');
    if (value.startsWith('-')) return `${JSON.stringify(value)} is an invalid value for ${field}`;
  }
  const directory = String(spec?.directory ?? '');
  if (spec?.revision && directory && /[/\\]/.test(path.normalize(directory).replace(/\/$/, ''))) {
    return `${JSON.stringify(directory)} is not a valid directory, it must not contain a directory separator`;
  }
  return undefined;
}

/** Clones into `dir` unless `readyMarker` says an earlier setup finished. */
export async function setUpGitRepo(dir: string, readyMarker: string, spec: any): Promise<void> {
  if (fs.existsSync(readyMarker)) return;
  const problem = gitRepoSpecProblem(spec);
  if (problem) throw new Error(problem);
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, 0o777);
  emptyDirectory(dir);
  const target: string = spec.directory ?? '';
  try {
    const args = ['clone', '--', spec.repository];
    if (target) args.push(target);
    await git(args, dir);
    if (spec.revision) {
      let subdir: string;
      const entries = fs.readdirSync(dir);
      if (target && path.normalize(target) === '.') subdir = dir;
      else if (entries.length === 1) subdir = path.join(dir, entries[0]);
      else throw new Error(`unexpected directory contents: ${JSON.stringify(entries)}`);
      await git(['checkout', spec.revision], subdir);
      await git(['reset', '--hard'], subdir);
    }
  } catch (e) {
    emptyDirectory(dir);
    throw e;
  }
  fs.mkdirSync(path.dirname(readyMarker), { recursive: true });
  fs.writeFileSync(readyMarker, '');
}
