// Runs ip(8), nft(8) and sysctl for pod networking, feeding batches on stdin: every process costs
// ~5 ms here (node-platform.md), so callers batch their changes into one call.
import { spawn } from 'node:child_process';

export class NetCommandError extends Error {}

/** Runs a command with optional stdin; rejects with its stderr when it exits non-zero. */
export function runNet(file: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', (e) => reject(new NetCommandError(`${file}: ${e.message}`)));
    p.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new NetCommandError(`${file} ${args.join(' ')}: ${stderr.trim() || `exit ${code}`}`));
    });
    p.stdin.on('error', () => {}); // the command may exit before reading all of it
    p.stdin.end(input ?? '');
  });
}

/** Like runNet, but a failure is only returned (for best-effort cleanup). */
export async function tryNet(file: string, args: string[], input?: string): Promise<string | undefined> {
  try {
    await runNet(file, args, input);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
