// Each pod's own UTS namespace (isolated runtime), holding its host name: made once per pod like its
// network namespace and kept alive by a bind mount of the namespace on a file (as `ip netns` does),
// so every container of the pod, and exec into them, enter the same one (`nsenter --uts=FILE`) and
// `hostname` inside prints the pod's name. hostNetwork pods keep the node's, as upstream.
// The files live under /run (a tmpfs: namespaces do not outlive a reboot, nor should their files), in
// a directory of this agent's own, so pruning after a restart touches no other agent's pods.
import fs from 'node:fs';
import path from 'node:path';
import { runNet, tryNet } from '../network/net-command.js';

export class PodUtsNamespaces {
  constructor(private readonly dir: string) {}

  /** The namespace file of the pod, when it has one. */
  path(podUid: string): string | undefined {
    const file = path.join(this.dir, podUid);
    return this.mounted(file) ? file : undefined;
  }

  /** A bind-mounted namespace file sits on nsfs, another device than the directory holding it. */
  private mounted(file: string): boolean {
    try {
      return fs.statSync(file).dev !== fs.statSync(this.dir).dev;
    } catch {
      return false;
    }
  }

  /** Makes the pod's namespace with its host name (after an agent restart, finds it). */
  async create(podUid: string, hostname: string): Promise<void> {
    const file = path.join(this.dir, podUid);
    if (this.mounted(file)) return; // a pod's host name never changes (spec.hostname is immutable)
    fs.mkdirSync(this.dir, { recursive: true });
    fs.closeSync(fs.openSync(file, 'a'));
    await runNet('unshare', [`--uts=${file}`, 'hostname', hostname]);
  }

  async remove(podUid: string): Promise<void> {
    const file = path.join(this.dir, podUid);
    if (this.mounted(file)) await tryNet('umount', [file]);
    fs.rmSync(file, { force: true });
  }

  /** After a restart: namespaces of pods not in `keep` are removed. */
  async prune(keep: Set<string>): Promise<void> {
    const uids = fs.existsSync(this.dir) ? fs.readdirSync(this.dir) : [];
    for (const uid of uids) if (!keep.has(uid)) await this.remove(uid);
  }

  /** Removes every namespace of this agent (for tests and decommissioned nodes). */
  async destroy(): Promise<void> {
    await this.prune(new Set());
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
