// The garbage collector: deletes objects whose owners are gone (background), orphans dependents
// of owners deleted with the `orphan` finalizer, and deletes dependents first for owners deleted
// with `foregroundDeletion`. Level-triggered over informers of every kind.
import type { KubeObject, OwnerReference } from '../api/object.js';
import { ApiError } from '../api/status.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { Informer } from '../client/informer.js';
import { WorkQueue } from '../client/work-queue.js';

interface Node {
  ref: ResourceRef;
  obj: KubeObject;
}

/** Queue keys: "<group>/<plural>/<namespace>/<name>". */
function keyOf(ref: ResourceRef, obj: KubeObject): string {
  return `${ref.group}/${ref.plural}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

export class GarbageCollector {
  private readonly informers: Informer[] = [];
  private readonly byKey = new Map<string, Node>();
  private readonly byUid = new Map<string, string>();
  /** owner uid → keys of objects that name it in ownerReferences */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly queue = new WorkQueue();

  constructor(
    private readonly client: ApiClient,
    private readonly kinds: ResourceRef[],
  ) {}

  async start(): Promise<void> {
    for (const ref of this.kinds) {
      const inf = new Informer(this.client, ref);
      inf.on({
        add: (o) => this.observe(ref, o),
        update: (_old, o) => this.observe(ref, o),
        delete: (o) => this.forget(ref, o),
      });
      this.informers.push(inf);
    }
    await Promise.all(this.informers.map((i) => i.start()));
    this.queue.run(4, (key) => this.sync(key));
  }

  stop(): void {
    this.queue.stop();
    for (const i of this.informers) i.stop();
  }

  private observe(ref: ResourceRef, obj: KubeObject): void {
    const key = keyOf(ref, obj);
    const prev = this.byKey.get(key);
    if (prev) this.unlinkOwners(key, prev.obj);
    this.byKey.set(key, { ref, obj });
    if (obj.metadata.uid) this.byUid.set(obj.metadata.uid, key);
    for (const o of obj.metadata.ownerReferences ?? []) {
      let set = this.dependents.get(o.uid);
      if (!set) this.dependents.set(o.uid, (set = new Set()));
      set.add(key);
    }
    this.queue.add(key);
    // An owner that changed (e.g. got a deletionTimestamp) may change what its dependents need.
    for (const dep of this.dependents.get(obj.metadata.uid ?? '') ?? []) this.queue.add(dep);
  }

  private forget(ref: ResourceRef, obj: KubeObject): void {
    const key = keyOf(ref, obj);
    const prev = this.byKey.get(key);
    if (prev) this.unlinkOwners(key, prev.obj);
    this.byKey.delete(key);
    if (obj.metadata.uid && this.byUid.get(obj.metadata.uid) === key) this.byUid.delete(obj.metadata.uid);
    for (const dep of this.dependents.get(obj.metadata.uid ?? '') ?? []) this.queue.add(dep);
    // Owners waiting in foreground deletion for this dependent to go.
    for (const o of obj.metadata.ownerReferences ?? []) {
      const ownerKey = this.byUid.get(o.uid);
      if (ownerKey) this.queue.add(ownerKey);
    }
  }

  private unlinkOwners(key: string, obj: KubeObject): void {
    for (const o of obj.metadata.ownerReferences ?? []) {
      const set = this.dependents.get(o.uid);
      set?.delete(key);
      if (set && set.size === 0) this.dependents.delete(o.uid);
    }
  }

  private async sync(key: string): Promise<void> {
    const node = this.byKey.get(key);
    if (!node) return;
    const { ref, obj } = node;
    const fin = obj.metadata.finalizers ?? [];
    if (obj.metadata.deletionTimestamp && fin.includes('orphan')) await this.orphanDependents(node);
    else if (obj.metadata.deletionTimestamp && fin.includes('foregroundDeletion')) await this.deleteDependentsFirst(node);
    if ((obj.metadata.ownerReferences ?? []).length > 0) await this.checkOwners(ref, obj);
  }

  /** Decide for a dependent whether its owners still exist. */
  private async checkOwners(ref: ResourceRef, obj: KubeObject): Promise<void> {
    const owners = obj.metadata.ownerReferences ?? [];
    const dangling: OwnerReference[] = [];
    let foregroundOwners = 0;
    for (const o of owners) {
      const ownerKey = this.byUid.get(o.uid);
      const owner = ownerKey ? this.byKey.get(ownerKey) : undefined;
      if (!owner) {
        if (await this.ownerExists(obj, o)) continue;
        dangling.push(o);
      } else if (owner.obj.metadata.deletionTimestamp && (owner.obj.metadata.finalizers ?? []).includes('foregroundDeletion')) {
        foregroundOwners++;
      }
    }
    // Deleted once no owner remains that is not itself going away.
    if (dangling.length + foregroundOwners === owners.length) {
      if (obj.metadata.deletionTimestamp) return;
      await this.ignoreNotFound(this.client.delete(ref, obj.metadata.namespace ?? '', obj.metadata.name!, {
        propagationPolicy: foregroundOwners > 0 ? 'Foreground' : 'Background',
        preconditions: { uid: obj.metadata.uid },
      }));
      return;
    }
    if (dangling.length > 0) {
      const remaining = owners.filter((o) => !dangling.some((d) => d.uid === o.uid));
      await this.ignoreNotFound(this.client.patch(ref, obj.metadata.namespace ?? '', obj.metadata.name!, 'merge', {
        metadata: { ownerReferences: remaining, resourceVersion: obj.metadata.resourceVersion },
      }));
    }
  }

  /** The cache may lag: confirm with the API before treating an owner as gone. */
  private async ownerExists(dependent: KubeObject, o: OwnerReference): Promise<boolean> {
    const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
    const ownerRef = this.kinds.find((k) => k.group === group && k.version === version && k.kind === o.kind);
    if (!ownerRef) return false;
    try {
      const owner = await this.client.get(ownerRef, ownerRef.namespaced ? dependent.metadata.namespace ?? '' : '', o.name);
      return owner.metadata.uid === o.uid;
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return false;
      throw e;
    }
  }

  private async orphanDependents(owner: Node): Promise<void> {
    const uid = owner.obj.metadata.uid!;
    for (const depKey of [...(this.dependents.get(uid) ?? [])]) {
      const dep = this.byKey.get(depKey);
      if (!dep) continue;
      const remaining = (dep.obj.metadata.ownerReferences ?? []).filter((o) => o.uid !== uid);
      await this.ignoreNotFound(this.client.patch(dep.ref, dep.obj.metadata.namespace ?? '', dep.obj.metadata.name!, 'merge', {
        metadata: { ownerReferences: remaining.length ? remaining : null, resourceVersion: dep.obj.metadata.resourceVersion },
      }));
    }
    await this.removeFinalizer(owner, 'orphan');
  }

  private async deleteDependentsFirst(owner: Node): Promise<void> {
    const uid = owner.obj.metadata.uid!;
    const deps = [...(this.dependents.get(uid) ?? [])].map((k) => this.byKey.get(k)).filter((d): d is Node => !!d);
    for (const dep of deps) {
      if (dep.obj.metadata.deletionTimestamp) continue;
      await this.ignoreNotFound(this.client.delete(dep.ref, dep.obj.metadata.namespace ?? '', dep.obj.metadata.name!, {
        propagationPolicy: 'Foreground', preconditions: { uid: dep.obj.metadata.uid },
      }));
    }
    if (deps.length === 0) await this.removeFinalizer(owner, 'foregroundDeletion');
  }

  private async removeFinalizer(node: Node, finalizer: string): Promise<void> {
    const finalizers = (node.obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    await this.ignoreNotFound(this.client.patch(node.ref, node.obj.metadata.namespace ?? '', node.obj.metadata.name!, 'merge', {
      metadata: { finalizers: finalizers.length ? finalizers : null, resourceVersion: node.obj.metadata.resourceVersion },
    }));
  }

  private async ignoreNotFound(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return;
      throw e;
    }
  }
}
