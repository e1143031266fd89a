// What the per-namespace controllers below share: a namespace informer that queues each namespace
// that is active (not terminating), and an informer of the one object they keep in each.
import type { KubeObject } from '../api/object.js';
import { ApiError } from '../api/status.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { Informer } from '../client/informer.js';
import { WorkQueue } from '../client/work-queue.js';

const namespaces: ResourceRef = { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false };

/** Keeps one named object in every active namespace, as `desired` says it should be. */
export class PerNamespaceObject {
  private readonly namespaces: Informer;
  private readonly objects: Informer;
  private readonly queue = new WorkQueue({ baseDelayMs: 200, maxDelayMs: 10_000 });

  constructor(
    private readonly client: ApiClient,
    private readonly ref: ResourceRef,
    private readonly name: string,
    /** The object for a namespace, and whether an existing one still matches it. */
    private readonly desired: { make(namespace: string): KubeObject; matches(existing: KubeObject): boolean },
  ) {
    this.namespaces = new Informer(client, namespaces);
    this.objects = new Informer(client, ref, { fieldSelector: `metadata.name=${name}` });
    const enqueue = (o: KubeObject) => this.queue.add(o.metadata.namespace ?? o.metadata.name!);
    this.namespaces.on({ add: enqueue, update: (_o, n) => enqueue(n) });
    this.objects.on({ update: (_o, n) => enqueue(n), delete: enqueue });
  }

  async start(): Promise<void> {
    await Promise.all([this.namespaces.start(), this.objects.start()]);
    this.queue.run(1, (ns) => this.sync(ns));
  }

  stop(): void {
    this.queue.stop();
    this.namespaces.stop();
    this.objects.stop();
  }

  private async sync(namespace: string): Promise<void> {
    const ns = this.namespaces.get('', namespace);
    if (!ns || ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') return;
    const existing = this.objects.get(namespace, this.name);
    try {
      if (!existing) await this.client.create(this.ref, namespace, this.desired.make(namespace));
      else if (!this.desired.matches(existing)) await this.client.update(this.ref, namespace, { ...this.desired.make(namespace), metadata: { ...existing.metadata } });
    } catch (e) {
      // Created meanwhile, or the namespace began terminating: the informers bring the next step.
      if (e instanceof ApiError && (e.code === 409 || e.code === 403 || e.code === 404)) return;
      throw e;
    }
  }
}
