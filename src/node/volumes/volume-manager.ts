// The node agent's volume manager: sets up each pod's volumes before its containers start, keeps
// configMap/secret/downwardAPI/projected files current (atomic ..data swap), watches emptyDir
// sizeLimits, says what each container mounts, and removes the pod's volumes once it is gone.
// Per pod: <dataDir>/pod-volumes/<uid>/volumes/<plugin>/<name> (as the kubelet's
// pods/<uid>/volumes/kubernetes.io~<plugin>/<name>), and meta/ for setup markers.
import fs from 'node:fs';
import path from 'node:path';
import type { KubeObject } from '../../api/object.js';
import { Quantity } from '../../api/quantity.js';
import type { ApiClient } from '../../client/api-client.js';
import type { Mount } from '../runtime/runtime.js';
import type { EnvSources } from '../container-env.js';
import { writeAtomically } from './atomic-writer.js';
import { diskUsage, setUpEmptyDir, sizeLimitBytes, tearDownEmptyDir } from './empty-dir.js';
import { setUpGitRepo } from './git-repo.js';
import { prepareHostPath } from './host-path.js';
import { resolveClaim } from './persistent-claim.js';
import { projectedPayload } from './projected-files.js';
import { canMountTmpfs, mountTmpfs, unmountIfMounted } from './tmpfs.js';
import { VolumeError } from './volume-error.js';
import { containerMounts, type PreparedVolume } from './volume-mounts.js';

export interface VolumeManagerOptions {
  client: ApiClient;
  dataDir: string;
  /** This node's addresses (an nfs PV served by one of them is local). */
  nodeAddresses: string[];
  /** This node's Node object (labels for PersistentVolume node affinity). */
  node(): KubeObject | undefined;
  sources(): EnvSources;
  /** An emptyDir went over its sizeLimit: the pod is to be evicted with this message. */
  onSizeLimitExceeded(uid: string, message: string): void;
  /** How often projected files are refreshed and sizeLimits checked (ms). */
  refreshMs?: number;
}

interface PodVolumes {
  pod: KubeObject;
  volumes: Map<string, PreparedVolume>;
  /** Every volume is set up. */
  ready: boolean;
  evicted?: boolean;
}

const pluginDirs: Record<string, string> = {
  emptyDir: 'kubernetes.io~empty-dir',
  gitRepo: 'kubernetes.io~git-repo',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
};

/** Volume sources whose files the agent writes (and rewrites on change). */
const projectedKinds = ['configMap', 'secret', 'downwardAPI', 'projected'];

function kindOf(volume: any): string | undefined {
  for (const k of ['emptyDir', 'gitRepo', 'hostPath', 'persistentVolumeClaim', ...projectedKinds]) if (volume[k] !== undefined && volume[k] !== null) return k;
  return undefined;
}

export class VolumeManager {
  private readonly pods = new Map<string, PodVolumes>();
  private timer?: NodeJS.Timeout;
  private refreshing = false;

  constructor(private readonly opts: VolumeManagerOptions) {}

  private podDir(uid: string): string {
    return path.join(this.opts.dataDir, 'pod-volumes', uid);
  }

  private volumeDir(uid: string, kind: string, name: string): string {
    return path.join(this.podDir(uid), 'volumes', pluginDirs[kind], name);
  }

  start(): void {
    this.timer = setInterval(() => void this.refresh(), this.opts.refreshMs ?? 5000);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Sets up every volume of the pod (again: each step is idempotent); throws VolumeError on the first failure. */
  async setUp(pod: KubeObject): Promise<void> {
    const uid = pod.metadata.uid!;
    let entry = this.pods.get(uid);
    if (!entry) this.pods.set(uid, (entry = { pod, volumes: new Map(), ready: false }));
    entry.pod = pod;
    if (entry.ready) return;
    for (const volume of pod.spec?.volumes ?? []) {
      if (entry.volumes.has(volume.name) && kindOf(volume) !== 'persistentVolumeClaim') continue;
      try {
        entry.volumes.set(volume.name, await this.setUpVolume(pod, volume));
      } catch (e) {
        throw new VolumeError(volume.name, (e as Error).message);
      }
    }
    entry.ready = true;
  }

  private async setUpVolume(pod: KubeObject, volume: any): Promise<PreparedVolume> {
    const uid = pod.metadata.uid!;
    const kind = kindOf(volume);
    switch (kind) {
      case 'emptyDir': {
        const dir = this.volumeDir(uid, kind, volume.name);
        await setUpEmptyDir(dir, volume.emptyDir);
        return { path: dir, readOnly: false };
      }
      case 'gitRepo': {
        const dir = this.volumeDir(uid, kind, volume.name);
        await setUpGitRepo(dir, path.join(this.podDir(uid), 'meta', `${volume.name}.git-ready`), volume.gitRepo);
        return { path: dir, readOnly: false };
      }
      case 'hostPath':
        return { path: prepareHostPath(volume.hostPath.path, volume.hostPath.type), readOnly: false };
      case 'persistentVolumeClaim': {
        const claim = await resolveClaim(this.opts.client, pod, volume.persistentVolumeClaim, this.opts.nodeAddresses, this.opts.node());
        return { path: claim.hostPath, readOnly: claim.readOnly };
      }
      case 'configMap':
      case 'secret':
      case 'downwardAPI':
      case 'projected': {
        const dir = this.volumeDir(uid, kind, volume.name);
        // As upstream, only configMap files are on disk: secrets, downwardAPI and projected volumes
        // are memory-backed (tmpfs) when root, so a secret never touches the disk.
        if (kind !== 'configMap' && canMountTmpfs()) await mountTmpfs(dir);
        await this.writeProjected(pod, volume, dir);
        return { path: dir, readOnly: true };
      }
      default:
        throw new Error(`volume type is not supported by nanokube (supported: emptyDir, gitRepo, hostPath, persistentVolumeClaim, configMap, secret, downwardAPI, projected)`);
    }
  }

  private async writeProjected(pod: KubeObject, volume: any, dir: string): Promise<void> {
    const payload = await projectedPayload(pod, volume, this.opts.sources());
    if (!payload) return;
    fs.mkdirSync(dir, { recursive: true });
    writeAtomically(dir, payload);
  }

  /** The latest pod object (labels and annotations feed downwardAPI files). */
  updatePod(pod: KubeObject): void {
    const entry = this.pods.get(pod.metadata.uid!);
    if (entry) entry.pod = pod;
  }

  /** What a container mounts; throws SubPathError for a subPath it cannot have. */
  mounts(pod: KubeObject, container: any, env: Record<string, string>): Mount[] {
    const entry = this.pods.get(pod.metadata.uid!);
    return containerMounts(container, entry?.volumes ?? new Map(), env);
  }

  /** Removes everything the pod's volumes left on this node (emptyDir data, written files, tmpfs mounts). */
  async tearDown(uid: string): Promise<void> {
    this.pods.delete(uid);
    const root = path.join(this.podDir(uid), 'volumes');
    for (const plugin of safeReaddir(root)) {
      for (const name of safeReaddir(path.join(root, plugin))) {
        const dir = path.join(root, plugin, name);
        await unmountIfMounted(dir);
        await tearDownEmptyDir(dir);
      }
    }
    fs.rmSync(this.podDir(uid), { recursive: true, force: true });
  }

  /** Volumes of pods this node no longer runs (removed while the agent was down). */
  async removeOrphans(known: Set<string>): Promise<void> {
    for (const uid of safeReaddir(path.join(this.opts.dataDir, 'pod-volumes'))) {
      if (!known.has(uid)) await this.tearDown(uid);
    }
  }

  private async refresh(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      for (const [uid, entry] of this.pods) {
        if (!entry.ready || entry.pod.metadata.deletionTimestamp) continue;
        for (const volume of entry.pod.spec?.volumes ?? []) {
          const kind = kindOf(volume);
          if (kind && projectedKinds.includes(kind)) {
            await this.writeProjected(entry.pod, volume, this.volumeDir(uid, kind, volume.name)).catch((e) => {
              if (process.env.NANOKUBE_DEBUG) console.error(`volume ${volume.name} of pod ${uid}:`, e);
            });
          } else if (kind === 'emptyDir' && !entry.evicted) {
            await this.checkSizeLimit(uid, entry, volume);
          }
        }
      }
    } finally {
      this.refreshing = false;
    }
  }

  private async checkSizeLimit(uid: string, entry: PodVolumes, volume: any): Promise<void> {
    const limit = sizeLimitBytes(volume.emptyDir);
    if (!limit || limit <= 0) return;
    const used = await diskUsage(this.volumeDir(uid, 'emptyDir', volume.name));
    if (used <= limit || entry.evicted || !this.pods.has(uid)) return;
    entry.evicted = true;
    const shown = Quantity.parse(String(volume.emptyDir.sizeLimit)).toString();
    this.opts.onSizeLimitExceeded(uid, `Usage of EmptyDir volume "${volume.name}" exceeds the limit "${shown}". `);
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
