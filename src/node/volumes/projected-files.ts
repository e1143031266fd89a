// The files of configMap, secret, downwardAPI and projected volumes, as upstream's plugins compute
// them: every key (or the listed items), the volume's defaultMode or an item's mode, optional
// sources that may be missing, service account tokens. The atomic writer puts them on disk.
import type { KubeObject } from '../../api/object.js';
import type { EnvSources } from '../container-env.js';
import { ContainerConfigError, fieldValue, resourceValue } from '../container-env.js';
import { validPayloadPath, type Payload } from './atomic-writer.js';

const defaultMode = 0o644;

interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

function add(payload: Payload, p: string, data: Buffer, mode: number): void {
  const bad = validPayloadPath(p);
  if (bad) throw new Error(bad);
  payload.set(p, { data, mode: mode & 0o7777 });
}

/** Keys of a ConfigMap or Secret into the payload (all of them, or the listed items). */
function addKeys(payload: Payload, values: Map<string, Buffer>, items: KeyToPath[] | undefined, mode: number, optional: boolean, missingKey: (k: string) => string): void {
  if (!items || items.length === 0) {
    for (const [k, v] of values) add(payload, k, v, mode);
    return;
  }
  for (const it of items) {
    const v = values.get(it.key);
    if (v === undefined) {
      if (optional) continue;
      throw new Error(missingKey(it.key));
    }
    add(payload, it.path, v, it.mode ?? mode);
  }
}

function configMapValues(cm: KubeObject): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const [k, v] of Object.entries<string>((cm as any).data ?? {})) m.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries<string>((cm as any).binaryData ?? {})) m.set(k, Buffer.from(v, 'base64'));
  return m;
}

function secretValues(s: KubeObject): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const [k, v] of Object.entries<string>((s as any).data ?? {})) m.set(k, Buffer.from(v, 'base64'));
  for (const [k, v] of Object.entries<string>((s as any).stringData ?? {})) m.set(k, Buffer.from(v, 'utf8'));
  return m;
}

async function addConfigMap(payload: Payload, pod: KubeObject, src: any, mode: number, sources: EnvSources): Promise<void> {
  const cm = await sources.configMap(pod.metadata.namespace!, src.name);
  if (!cm) {
    if (src.optional) return;
    throw new Error(`configmap "${src.name}" not found`);
  }
  addKeys(payload, configMapValues(cm), src.items, mode, !!src.optional, (k) => `configmap references non-existent config key: ${k}`);
}

async function addSecret(payload: Payload, pod: KubeObject, name: string, src: any, mode: number, sources: EnvSources): Promise<void> {
  const s = await sources.secret(pod.metadata.namespace!, name);
  if (!s) {
    if (src.optional) return;
    throw new Error(`secret "${name}" not found`);
  }
  addKeys(payload, secretValues(s), src.items, mode, !!src.optional, (k) => `references non-existent secret key: ${k}`);
}

function addDownwardAPI(payload: Payload, pod: KubeObject, items: any[], mode: number, sources: EnvSources): void {
  for (const it of items ?? []) {
    let text: string;
    try {
      if (it.fieldRef) text = fieldValue(pod, it.fieldRef.fieldPath);
      else if (it.resourceFieldRef) {
        const name = it.resourceFieldRef.containerName;
        const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
        const container = all.find((c: any) => c.name === name) ?? (name ? undefined : all[0]);
        if (!container) throw new Error(`container ${name} not found`);
        text = resourceValue(container, it.resourceFieldRef, sources.nodeAllocatable);
      } else continue;
    } catch (e) {
      if (e instanceof ContainerConfigError) throw new Error(e.message);
      throw e;
    }
    add(payload, it.path, Buffer.from(text, 'utf8'), it.mode ?? mode);
  }
}

async function addServiceAccountToken(payload: Payload, pod: KubeObject, src: any, mode: number, sources: EnvSources): Promise<void> {
  if (!sources.serviceAccountToken) throw new Error('this node cannot request service account tokens');
  const token = await sources.serviceAccountToken(pod, src.audience || undefined, src.expirationSeconds ?? 3600);
  add(payload, src.path, Buffer.from(token, 'utf8'), mode);
}

/** The payload of one volume of these kinds, or undefined when the volume is of another kind. */
export async function projectedPayload(pod: KubeObject, volume: any, sources: EnvSources): Promise<Payload | undefined> {
  const payload: Payload = new Map();
  if (volume.configMap) {
    await addConfigMap(payload, pod, volume.configMap, volume.configMap.defaultMode ?? defaultMode, sources);
  } else if (volume.secret) {
    await addSecret(payload, pod, volume.secret.secretName, volume.secret, volume.secret.defaultMode ?? defaultMode, sources);
  } else if (volume.downwardAPI) {
    addDownwardAPI(payload, pod, volume.downwardAPI.items, volume.downwardAPI.defaultMode ?? defaultMode, sources);
  } else if (volume.projected) {
    const mode = volume.projected.defaultMode ?? defaultMode;
    for (const src of volume.projected.sources ?? []) {
      if (src.configMap) await addConfigMap(payload, pod, src.configMap, mode, sources);
      else if (src.secret) await addSecret(payload, pod, src.secret.name, src.secret, mode, sources);
      else if (src.downwardAPI) addDownwardAPI(payload, pod, src.downwardAPI.items, mode, sources);
      else if (src.serviceAccountToken) await addServiceAccountToken(payload, pod, src.serviceAccountToken, mode, sources);
      else if (src.clusterTrustBundle) throw new Error('clusterTrustBundle projections are not supported by nanokube');
    }
  } else {
    return undefined;
  }
  return payload;
}
