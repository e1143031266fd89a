// Deletes everything in a Terminating namespace, then finalizes and removes the namespace.
import type { KubeObject } from '../api/object.js';
import { ApiError } from '../api/status.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { Informer } from '../client/informer.js';
import { WorkQueue } from '../client/work-queue.js';

const namespaces: ResourceRef = { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false };

export class NamespaceController {
  private readonly informer: Informer;
  private readonly queue = new WorkQueue({ baseDelayMs: 200, maxDelayMs: 5000 });

  constructor(
    private readonly client: ApiClient,
    /** Every namespaced kind whose objects must go with their namespace. */
    private readonly kinds: ResourceRef[],
  ) {
    this.informer = new Informer(client, namespaces);
    this.informer.on({ add: (n) => this.enqueue(n), update: (_o, n) => this.enqueue(n) });
  }

  async start(): Promise<void> {
    await this.informer.start();
    this.queue.run(2, (name) => this.sync(name));
  }

  stop(): void {
    this.queue.stop();
    this.informer.stop();
  }

  private enqueue(ns: KubeObject): void {
    if (ns.metadata.deletionTimestamp) this.queue.add(ns.metadata.name!);
  }

  private async sync(name: string): Promise<void> {
    const ns = this.informer.get('', name);
    if (!ns?.metadata.deletionTimestamp) return;
    let remaining = 0;
    for (const ref of this.kinds) {
      const list = await this.client.list(ref, name);
      for (const item of list.items) {
        remaining++;
        if (item.metadata.deletionTimestamp) continue;
        try {
          await this.client.delete(ref, name, item.metadata.name!, { propagationPolicy: 'Background' });
        } catch (e) {
          if (!(e instanceof ApiError && e.code === 404)) throw e;
        }
      }
    }
    if (remaining > 0) {
      // Objects with finalizers or grace periods take time; look again shortly.
      this.queue.addAfter(name, 500);
      return;
    }
    if ((ns.spec?.finalizers ?? []).includes('kubernetes')) {
      await this.client.update(namespaces, '', {
        ...ns, spec: { ...ns.spec, finalizers: (ns.spec.finalizers as string[]).filter((f) => f !== 'kubernetes') },
      }, { subresource: 'finalize' });
    }
    try {
      await this.client.delete(namespaces, '', name);
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
  }
}
