// Where each object lives in the store: /registry/<group>/<resource>/<namespace>/<name>.
import type { ResourceType } from '../api/resource-type.js';

export function resourcePrefix(rt: ResourceType): string {
  return `/registry/${rt.group || 'core'}/${rt.plural}/`;
}

/** The prefix holding every object of the resource in one namespace (or all of them for ''). */
export function listPrefix(rt: ResourceType, namespace: string): string {
  return rt.namespaced && namespace ? `${resourcePrefix(rt)}${namespace}/` : resourcePrefix(rt);
}

export function objectKey(rt: ResourceType, namespace: string, name: string): string {
  return rt.namespaced ? `${resourcePrefix(rt)}${namespace}/${name}` : `${resourcePrefix(rt)}${name}`;
}

/**
 * A test on a stored key that every object matching the field selector's metadata.name and
 * metadata.namespace equality terms passes, so that objects which cannot match are skipped before
 * they are decoded (`kubectl get pod x -w` and `kubectl wait` watch one name among thousands).
 */
export function keyPrefilter(rt: ResourceType, terms: readonly { field: string; op: string; value: string }[]): ((key: string) => boolean) | undefined {
  const name = terms.find((t) => t.field === 'metadata.name' && t.op === '=')?.value;
  const namespace = rt.namespaced ? terms.find((t) => t.field === 'metadata.namespace' && t.op === '=')?.value : undefined;
  if (name === undefined && namespace === undefined) return undefined;
  const prefix = resourcePrefix(rt);
  return (key) => {
    if (name !== undefined && !key.endsWith(`/${name}`)) return false;
    if (namespace !== undefined && !key.startsWith(`${prefix}${namespace}/`)) return false;
    return true;
  };
}
