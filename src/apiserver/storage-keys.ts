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
