// A container's environment and command line as the kubelet builds them: envFrom, env (value,
// fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef), service variables, and $(VAR)
// expansion in env values, command and args.
import type { KubeObject } from '../api/object.js';
import { Quantity } from '../api/quantity.js';

/** Raised when a referenced ConfigMap/Secret/key is missing: the container waits in CreateContainerConfigError. */
export class ContainerConfigError extends Error {}

export interface EnvSources {
  configMap(namespace: string, name: string): Promise<KubeObject | undefined>;
  secret(namespace: string, name: string): Promise<KubeObject | undefined>;
  /** {NAME}_SERVICE_HOST-style variables for the pod's namespace (empty until Services exist). */
  serviceEnv(pod: KubeObject): Promise<Record<string, string>>;
  nodeAllocatable: Record<string, string>;
  /** A token of the pod's service account for a projected serviceAccountToken source (absent: none can be had). */
  serviceAccountToken?(pod: KubeObject, audience: string | undefined, expirationSeconds: number): Promise<string>;
}

/** $(VAR) references resolved from `vars`; $$(VAR) is an escaped literal; unknown references stay as written. */
export function expand(text: string, vars: Record<string, string>): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '$' && text[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    if (c === '$' && text[i + 1] === '(') {
      const end = text.indexOf(')', i + 2);
      if (end > 0) {
        const name = text.slice(i + 2, end);
        if (Object.hasOwn(vars, name)) {
          out += vars[name];
          i = end;
          continue;
        }
        out += text.slice(i, end + 1);
        i = end;
        continue;
      }
    }
    out += c;
  }
  return out;
}

/** A pod field (downward API fieldRef) as its text; also used by downwardAPI volumes. */
export function fieldValue(pod: KubeObject, fieldPath: string): string {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (m) return (pod.metadata[m[1] as 'labels' | 'annotations'] ?? {})[m[2]] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'metadata.labels':
      return formatMap(pod.metadata.labels);
    case 'metadata.annotations':
      return formatMap(pod.metadata.annotations);
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
      return pod.status?.hostIP ?? '';
    case 'status.hostIPs':
      return (pod.status?.hostIPs ?? []).map((i: any) => i.ip).join(',');
    case 'status.podIP':
      return pod.status?.podIP ?? '';
    case 'status.podIPs':
      return (pod.status?.podIPs ?? []).map((i: any) => i.ip).join(',');
    default:
      throw new ContainerConfigError(`unsupported fieldPath: ${fieldPath}`);
  }
}

function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {}).sort().map((k) => `${k}="${m![k]}"`).join('\n');
}

/** A container resource (downward API resourceFieldRef) in units of its divisor. */
export function resourceValue(container: any, ref: any, allocatable: Record<string, string>): string {
  const [kind, resource] = String(ref.resource).split('.');
  let q = container.resources?.[kind]?.[resource];
  // An unset limit reads as the node's allocatable, as upstream.
  if (q === undefined && kind === 'limits') q = allocatable[resource];
  if (q === undefined) q = '0';
  const value = Quantity.parse(q).milliValue();
  const divisor = Quantity.parse(ref.divisor ?? (resource === 'cpu' ? '1' : '1')).milliValue();
  if (divisor === 0n) return '0';
  // Rounded up, as upstream's ExtractContainerResourceValue.
  return String((value + divisor - 1n) / divisor);
}

function decodeSecret(v: string): string {
  return Buffer.from(v, 'base64').toString('utf8');
}

export async function buildEnv(pod: KubeObject, container: any, sources: EnvSources): Promise<Record<string, string>> {
  const ns = pod.metadata.namespace ?? 'default';
  const env: Record<string, string> = {};
  // Service variables come first so that the container's own env can refer to and override them.
  if (pod.spec?.enableServiceLinks !== false) Object.assign(env, await sources.serviceEnv(pod));
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const cm = await sources.configMap(ns, from.configMapRef.name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${from.configMapRef.name}" not found`);
      }
      for (const [k, v] of Object.entries<string>(cm.data ?? {})) env[prefix + k] = v;
    } else if (from.secretRef) {
      const s = await sources.secret(ns, from.secretRef.name);
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${from.secretRef.name}" not found`);
      }
      for (const [k, v] of Object.entries<string>(s.data ?? {})) env[prefix + k] = decodeSecret(v);
    }
  }
  for (const e of container.env ?? []) {
    if (e.valueFrom === undefined) {
      env[e.name] = expand(e.value ?? '', env);
      continue;
    }
    const vf = e.valueFrom;
    if (vf.fieldRef) env[e.name] = fieldValue(pod, vf.fieldRef.fieldPath);
    else if (vf.resourceFieldRef) env[e.name] = resourceValue(container, vf.resourceFieldRef, sources.nodeAllocatable);
    else if (vf.configMapKeyRef) {
      const ref = vf.configMapKeyRef;
      const cm = await sources.configMap(ns, ref.name);
      const value = cm?.data?.[ref.key];
      if (value === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(cm ? `couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}` : `configmap "${ref.name}" not found`);
      }
      env[e.name] = value;
    } else if (vf.secretKeyRef) {
      const ref = vf.secretKeyRef;
      const s = await sources.secret(ns, ref.name);
      const value = s?.data?.[ref.key];
      if (value === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(s ? `couldn't find key ${ref.key} in Secret ${ns}/${ref.name}` : `secret "${ref.name}" not found`);
      }
      env[e.name] = decodeSecret(value);
    }
  }
  return env;
}

/** The command line a container runs: command (or the image's entrypoint, which needs images) and args, expanded. */
export function commandLine(container: any, env: Record<string, string>): string[] | undefined {
  const command: string[] | undefined = container.command;
  const args: string[] = container.args ?? [];
  if (!command || command.length === 0) return undefined;
  return [...command, ...args].map((s) => expand(s, env));
}
