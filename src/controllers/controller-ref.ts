// Controller ownerReferences (upstream's ControllerRefManager): an owner claims the objects its
// selector matches — adopting orphans, releasing objects whose labels stopped matching — and leaves
// objects controlled by someone else alone.
import type { KubeObject, OwnerReference } from '../api/object.js';
import { ApiError } from '../api/status.js';
import type { Selector } from '../api/labels.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';

export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((o) => o.controller === true);
}

export function newControllerRef(owner: KubeObject, kind: ResourceRef): OwnerReference {
  return {
    apiVersion: kind.group ? `${kind.group}/${kind.version}` : kind.version, kind: kind.kind,
    name: owner.metadata.name!, uid: owner.metadata.uid!,
    controller: true, blockOwnerDeletion: true,
  };
}

/** The group of an apiVersion ("apps/v1" → "apps", "v1" → ""). */
function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Whether `ref` points at an object of this kind (any version of its group). */
export function refersToKind(ref: OwnerReference | undefined, kind: ResourceRef): ref is OwnerReference {
  return !!ref && ref.kind === kind.kind && groupOf(ref.apiVersion) === kind.group;
}

function ignoreNotFound(e: unknown): void {
  if (!(e instanceof ApiError && e.code === 404)) throw e;
}

export interface ClaimOptions {
  client: ApiClient;
  owner: KubeObject;
  ownerRef: ResourceRef;
  selector: Selector;
  /** The kind of the objects claimed (pods for replica sets, replica sets for deployments). */
  ref: ResourceRef;
  objects: KubeObject[];
}

/**
 * Returns the objects the owner controls after adopting and releasing. Writes are merge patches
 * pinned to the object's resourceVersion, so a concurrent change fails (409) and the owner's
 * sync is retried with fresh data instead of overwriting someone else's ownerReferences.
 */
export async function claimObjects(opts: ClaimOptions): Promise<KubeObject[]> {
  const { client, owner, selector } = opts;
  const ownerUid = owner.metadata.uid;
  const claimed: KubeObject[] = [];
  let adoptionChecked: Promise<boolean> | undefined;
  const errors: unknown[] = [];
  for (const obj of opts.objects) {
    const ref = controllerRefOf(obj);
    const matches = selector.matches(obj.metadata.labels);
    try {
      if (ref) {
        if (ref.uid !== ownerUid) continue;
        if (matches) claimed.push(obj);
        // An owner being deleted keeps its objects so the garbage collector can find them.
        else if (!owner.metadata.deletionTimestamp) await release(opts, obj);
        continue;
      }
      if (!matches || owner.metadata.deletionTimestamp || obj.metadata.deletionTimestamp) continue;
      // The cache may be stale: make sure the owner still exists and is not being deleted (once).
      adoptionChecked ??= canAdopt(opts);
      if (!(await adoptionChecked)) continue;
      const adopted = await adopt(opts, obj);
      if (adopted) claimed.push(adopted);
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length) throw errors[0];
  return claimed;
}

async function canAdopt(opts: ClaimOptions): Promise<boolean> {
  try {
    const fresh = await opts.client.get(opts.ownerRef, opts.owner.metadata.namespace ?? '', opts.owner.metadata.name!);
    return fresh.metadata.uid === opts.owner.metadata.uid && !fresh.metadata.deletionTimestamp;
  } catch (e) {
    ignoreNotFound(e);
    return false;
  }
}

async function adopt(opts: ClaimOptions, obj: KubeObject): Promise<KubeObject | undefined> {
  const ownerReferences = [...(obj.metadata.ownerReferences ?? []), newControllerRef(opts.owner, opts.ownerRef)];
  try {
    return await opts.client.patch(opts.ref, obj.metadata.namespace ?? '', obj.metadata.name!, 'merge', {
      metadata: { resourceVersion: obj.metadata.resourceVersion, ownerReferences },
    });
  } catch (e) {
    ignoreNotFound(e);
    return undefined;
  }
}

async function release(opts: ClaimOptions, obj: KubeObject): Promise<void> {
  const rest = (obj.metadata.ownerReferences ?? []).filter((o) => o.uid !== opts.owner.metadata.uid);
  try {
    await opts.client.patch(opts.ref, obj.metadata.namespace ?? '', obj.metadata.name!, 'merge', {
      metadata: { resourceVersion: obj.metadata.resourceVersion, ownerReferences: rest.length ? rest : null },
    });
  } catch (e) {
    ignoreNotFound(e);
  }
}
