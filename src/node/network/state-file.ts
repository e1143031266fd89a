// State the node's network keeps in the agent's data dir (pod IPs, host ports), so that an agent
// restart finds it: JSON, replaced atomically (write beside, then rename) so a crash never leaves half.
import fs from 'node:fs';
import path from 'node:path';

/** The file's value, or `fallback` when it does not exist yet (or cannot be read). */
export function readStateFile<T>(file: string, fallback: T): T {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return fallback;
  }
}

export function writeStateFile(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value));
  fs.renameSync(tmp, file);
}
