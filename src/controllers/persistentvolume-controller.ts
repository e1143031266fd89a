// The PersistentVolume binder (upstream's persistentvolume controller, static binding): a Pending
// claim is bound to the smallest Available volume that fits it (storageClassName, volumeMode,
// accessModes, capacity, selector; or the one named by its volumeName / pre-bound by a claimRef),
// and phases follow as upstream: volumes Available → Bound → Released when their claim goes (then
// Retain keeps them, Delete removes the object), claims Pending → Bound → Lost when their volume
// goes. It also keeps the protection finalizers: a claim used by a pod, or a bound volume, is
// not removed until that ends.
import type { KubeObject } from '../api/object.js';
import { ApiError } from '../api/status.js';
import { Quantity } from '../api/quantity.js';
import { selectorFromLabelSelector } from '../api/labels.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { EventRecorder } from '../client/event-recorder.js';
import { Informer } from '../client/informer.js';
import { WorkQueue } from '../client/work-queue.js';
import { defaultLocalPathClass, isDefaultClass, localPathProvisioner, provisionedVolume, removeProvisionedData } from './local-path-provisioner.js';

const refs = {
  pvs: { group: '', version: 'v1', kind: 'PersistentVolume', plural: 'persistentvolumes', namespaced: false },
  pvcs: { group: '', version: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true },
  pods: { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true },
  storageClasses: { group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass', plural: 'storageclasses', namespaced: false },
} satisfies Record<string, ResourceRef>;

const pvcProtection = 'kubernetes.io/pvc-protection';
const pvProtection = 'kubernetes.io/pv-protection';
const annBindCompleted = 'pv.kubernetes.io/bind-completed';
const annBoundByController = 'pv.kubernetes.io/bound-by-controller';

function storageOf(list: Record<string, string> | undefined): bigint {
  const q = list?.storage;
  return q === undefined ? 0n : Quantity.parse(q).value();
}

/** Whether a volume can serve a claim (everything but who it is bound to). */
export function volumeFitsClaim(pv: KubeObject, pvc: KubeObject): boolean {
  const vs = pv.spec ?? {};
  const cs = pvc.spec ?? {};
  if ((vs.storageClassName ?? '') !== (cs.storageClassName ?? '')) return false;
  if ((vs.volumeMode ?? 'Filesystem') !== (cs.volumeMode ?? 'Filesystem')) return false;
  const modes: string[] = vs.accessModes ?? [];
  if (!(cs.accessModes ?? []).every((m: string) => modes.includes(m))) return false;
  if (storageOf(vs.capacity) < storageOf(cs.resources?.requests)) return false;
  if (cs.selector && !selectorFromLabelSelector(cs.selector).matches(pv.metadata.labels ?? {})) return false;
  return true;
}

function claimRefIs(pv: KubeObject, pvc: KubeObject): boolean {
  const ref = pv.spec?.claimRef;
  return !!ref && ref.name === pvc.metadata.name && (ref.namespace ?? '') === pvc.metadata.namespace && (!ref.uid || ref.uid === pvc.metadata.uid);
}

/** The volume a Pending claim should bind to: one pre-bound to it, else the smallest that fits. */
export function findVolumeForClaim(pvs: KubeObject[], pvc: KubeObject): KubeObject | undefined {
  const candidates = pvs.filter((pv) => !pv.metadata.deletionTimestamp && pv.status?.phase !== 'Released' && pv.status?.phase !== 'Failed');
  const preBound = candidates.find((pv) => claimRefIs(pv, pvc) && volumeFitsClaim(pv, pvc));
  if (preBound) return preBound;
  const free = candidates.filter((pv) => !pv.spec?.claimRef && volumeFitsClaim(pv, pvc));
  free.sort((a, b) => (storageOf(a.spec?.capacity) < storageOf(b.spec?.capacity) ? -1 : storageOf(a.spec?.capacity) > storageOf(b.spec?.capacity) ? 1 : 0));
  return free[0];
}

export class PersistentVolumeController {
  private readonly pvs: Informer;
  private readonly pvcs: Informer;
  private readonly pods: Informer;
  private readonly classes: Informer;
  private readonly queue = new WorkQueue({ baseDelayMs: 200, maxDelayMs: 30_000 });
  private readonly events: EventRecorder;
  private readonly reportedPending = new Map<string, string>();

  constructor(
    private readonly client: ApiClient,
    /** Where the local-path provisioner makes volume directories. */
    private readonly storageDir: string,
  ) {
    this.events = new EventRecorder(client, { component: 'persistentvolume-controller' });
    this.pvs = new Informer(client, refs.pvs);
    this.pvcs = new Informer(client, refs.pvcs);
    this.pods = new Informer(client, refs.pods);
    this.classes = new Informer(client, refs.storageClasses);
    this.classes.on({ add: () => this.pendingClaims().forEach(pvcKey) });
    const pvKey = (pv: KubeObject) => this.queue.add(`pv/${pv.metadata.name}`);
    const pvcKey = (pvc: KubeObject) => this.queue.add(`pvc/${pvc.metadata.namespace}/${pvc.metadata.name}`);
    this.pvs.on({
      add: (pv) => { pvKey(pv); this.pendingClaims().forEach(pvcKey); },
      update: (_o, pv) => { pvKey(pv); this.claimsOf(pv).forEach(pvcKey); if (!pv.spec?.claimRef) this.pendingClaims().forEach(pvcKey); },
      delete: (pv) => this.claimsOf(pv).forEach(pvcKey),
    });
    this.pvcs.on({
      add: pvcKey,
      update: (_o, pvc) => pvcKey(pvc),
      delete: (pvc) => this.volumesOf(pvc).forEach(pvKey),
    });
    // A claim being deleted waits for the pods that use it.
    const podChanged = (pod: KubeObject) => {
      for (const v of pod.spec?.volumes ?? []) {
        if (v.persistentVolumeClaim?.claimName) this.queue.add(`pvc/${pod.metadata.namespace}/${v.persistentVolumeClaim.claimName}`);
      }
    };
    this.pods.on({ add: podChanged, update: (_o, p) => podChanged(p), delete: podChanged });
  }

  async start(): Promise<void> {
    await Promise.all([this.pvs.start(), this.pvcs.start(), this.pods.start(), this.classes.start()]);
    await this.ensureDefaultClass();
    this.queue.run(1, (key) => this.sync(key));
  }

  stop(): void {
    this.queue.stop();
    this.pvs.stop();
    this.pvcs.stop();
    this.pods.stop();
    this.classes.stop();
  }

  /** The default StorageClass `local-path` exists from the first start (as k3s ships it). */
  private async ensureDefaultClass(): Promise<void> {
    if (this.classes.list().length > 0) return;
    try {
      await this.client.create(refs.storageClasses, '', defaultLocalPathClass());
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409)) throw e;
    }
  }

  private pendingClaims(): KubeObject[] {
    return this.pvcs.list().filter((c) => !c.spec?.volumeName);
  }

  private claimsOf(pv: KubeObject): KubeObject[] {
    const ref = pv.spec?.claimRef;
    const byRef = ref ? this.pvcs.get(ref.namespace ?? '', ref.name) : undefined;
    const byName = this.pvcs.list().filter((c) => c.spec?.volumeName === pv.metadata.name);
    return [...(byRef ? [byRef] : []), ...byName];
  }

  private volumesOf(pvc: KubeObject): KubeObject[] {
    return this.pvs.list().filter((pv) => claimRefIs(pv, pvc) || pv.metadata.name === pvc.spec?.volumeName);
  }

  private async sync(key: string): Promise<void> {
    try {
      if (key.startsWith('pv/')) await this.syncVolume(key.slice(3));
      else {
        const [ns, name] = key.slice(4).split('/');
        await this.syncClaim(ns, name);
      }
    } catch (e) {
      if (e instanceof ApiError && (e.code === 409 || e.code === 404)) {
        this.queue.addAfter(key, 200); // raced with another writer: look again
        return;
      }
      throw e;
    }
  }

  // ---- claims ----

  private async syncClaim(ns: string, name: string): Promise<void> {
    let pvc = this.pvcs.get(ns, name);
    if (!pvc) return;
    if (pvc.metadata.deletionTimestamp) return this.releaseClaimProtection(pvc);
    if (!(pvc.metadata.finalizers ?? []).includes(pvcProtection)) {
      pvc = await this.client.patch(refs.pvcs, ns, name, 'merge', { metadata: { finalizers: [...(pvc.metadata.finalizers ?? []), pvcProtection], resourceVersion: pvc.metadata.resourceVersion } });
    }
    const volumeName: string | undefined = pvc!.spec?.volumeName;
    if (!volumeName) {
      // Retroactive default class: a claim without storageClassName gets the default one.
      const defaultClass = this.classes.list().find(isDefaultClass);
      if ((pvc!.spec?.storageClassName === undefined || pvc!.spec?.storageClassName === null) && defaultClass) {
        await this.client.patch(refs.pvcs, ns, name, 'merge', { spec: { storageClassName: defaultClass.metadata.name }, metadata: { resourceVersion: pvc!.metadata.resourceVersion } });
        return;
      }
      const pv = findVolumeForClaim(this.pvs.list(), pvc!);
      if (!pv) {
        const sc = pvc!.spec?.storageClassName ? this.classes.get('', pvc!.spec.storageClassName) : undefined;
        if ((sc as any)?.provisioner === localPathProvisioner) return this.provision(pvc!, sc!);
        return this.claimPending(pvc!);
      }
      await this.bind(pv, pvc!);
      return;
    }
    const pv = this.pvs.get('', volumeName);
    if (!pv) {
      if (pvc!.status?.phase === 'Bound' || pvc!.status?.phase === 'Lost') {
        if (pvc!.status?.phase !== 'Lost') {
          await this.setClaimStatus(pvc!, { phase: 'Lost' });
          this.events.warning(pvc!, 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
        }
        return;
      }
      return this.claimPending(pvc!, `volume "${volumeName}" not found`);
    }
    const ref = pv.spec?.claimRef;
    if (!ref || claimRefIs(pv, pvc!)) {
      await this.bind(pv, pvc!);
      return;
    }
    // The volume it names belongs to another claim.
    if (pvc!.status?.phase === 'Bound') {
      await this.setClaimStatus(pvc!, { phase: 'Lost' });
      this.events.warning(pvc!, 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
    } else {
      await this.claimPending(pvc!, `volume "${volumeName}" already bound to a different claim.`);
    }
  }

  /** local-path: a volume for the claim, on the node of its first pod under WaitForFirstConsumer. */
  private async provision(pvc: KubeObject, sc: KubeObject): Promise<void> {
    let node: string | undefined;
    if ((sc as any).volumeBindingMode === 'WaitForFirstConsumer') {
      const consumer = this.pods.list(pvc.metadata.namespace).find((p) => p.spec?.nodeName && !p.metadata.deletionTimestamp &&
        (p.spec?.volumes ?? []).some((v: any) => v.persistentVolumeClaim?.claimName === pvc.metadata.name));
      if (!consumer) return this.claimPending(pvc, 'waiting for first consumer to be created before binding', 'WaitForFirstConsumer');
      node = consumer.spec!.nodeName;
    }
    const pv = provisionedVolume(pvc, sc, this.storageDir, node);
    try {
      await this.client.create(refs.pvs, '', pv);
      this.events.normal(pvc, 'ProvisioningSucceeded', `Successfully provisioned volume ${pv.metadata.name}`);
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409)) throw e;
    }
  }

  private async claimPending(pvc: KubeObject, why?: string, reason = 'FailedBinding'): Promise<void> {
    const message = why ?? (pvc.spec?.storageClassName
      ? `storageclass "${pvc.spec.storageClassName}": no persistent volumes available for this claim`
      : 'no persistent volumes available for this claim and no storage class is set');
    if (pvc.status?.phase !== 'Pending') await this.setClaimStatus(pvc, { phase: 'Pending' });
    const key = `${pvc.metadata.uid}`;
    if (this.reportedPending.get(key) !== message) {
      this.reportedPending.set(key, message);
      this.events[why && reason === 'FailedBinding' ? 'warning' : 'normal'](pvc, reason, message);
    }
  }

  private async setClaimStatus(pvc: KubeObject, status: Record<string, unknown>): Promise<KubeObject> {
    return this.client.patch(refs.pvcs, pvc.metadata.namespace!, pvc.metadata.name!, 'merge', { status }, { subresource: 'status' });
  }

  /** Binds volume and claim both ways, then marks both Bound (each step safe to repeat). */
  private async bind(pv: KubeObject, pvc: KubeObject): Promise<void> {
    const ref = pv.spec?.claimRef;
    let volume = pv;
    if (!ref?.uid || ref.uid !== pvc.metadata.uid) {
      const claimRef = {
        kind: 'PersistentVolumeClaim', namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid,
        apiVersion: 'v1', resourceVersion: pvc.metadata.resourceVersion,
      };
      const annotations = ref ? pv.metadata.annotations : { ...(pv.metadata.annotations ?? {}), [annBoundByController]: 'yes' };
      volume = await this.client.update(refs.pvs, '', { ...pv, metadata: { ...pv.metadata, annotations }, spec: { ...pv.spec, claimRef } });
    }
    if (volume.status?.phase !== 'Bound') {
      volume = await this.client.patch(refs.pvs, '', pv.metadata.name!, 'merge', { status: { phase: 'Bound' } }, { subresource: 'status' });
    }
    let claim = pvc;
    if (claim.spec?.volumeName !== pv.metadata.name || claim.metadata.annotations?.[annBindCompleted] !== 'yes') {
      const annotations: Record<string, string> = { ...(claim.metadata.annotations ?? {}), [annBindCompleted]: 'yes' };
      if (!claim.spec?.volumeName) annotations[annBoundByController] = 'yes';
      claim = await this.client.update(refs.pvcs, claim.metadata.namespace!, {
        ...claim, metadata: { ...claim.metadata, annotations }, spec: { ...claim.spec, volumeName: pv.metadata.name },
      });
    }
    if (claim.status?.phase !== 'Bound') {
      await this.setClaimStatus(claim, { phase: 'Bound', accessModes: volume.spec?.accessModes, capacity: volume.spec?.capacity });
      this.reportedPending.delete(`${claim.metadata.uid}`);
    }
  }

  /** A deleted claim keeps kubernetes.io/pvc-protection while a running pod uses it. */
  private async releaseClaimProtection(pvc: KubeObject): Promise<void> {
    if (!(pvc.metadata.finalizers ?? []).includes(pvcProtection)) return;
    const inUse = this.pods.list(pvc.metadata.namespace).some((p) =>
      p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' &&
      (p.spec?.volumes ?? []).some((v: any) => v.persistentVolumeClaim?.claimName === pvc.metadata.name));
    if (inUse) return;
    await this.client.patch(refs.pvcs, pvc.metadata.namespace!, pvc.metadata.name!, 'merge', {
      metadata: { finalizers: (pvc.metadata.finalizers ?? []).filter((f: string) => f !== pvcProtection), resourceVersion: pvc.metadata.resourceVersion },
    });
  }

  // ---- volumes ----

  private async syncVolume(name: string): Promise<void> {
    let pv = this.pvs.get('', name);
    if (!pv) return;
    const finalizers: string[] = pv.metadata.finalizers ?? [];
    if (pv.metadata.deletionTimestamp) {
      // A bound volume stays until its claim lets go of it.
      const ref = pv.spec?.claimRef;
      const claimAlive = !!ref?.uid && this.pvcs.get(ref.namespace ?? '', ref.name)?.metadata.uid === ref.uid;
      if (finalizers.includes(pvProtection) && (pv.status?.phase !== 'Bound' || !claimAlive)) {
        await this.client.patch(refs.pvs, '', name, 'merge', { metadata: { finalizers: finalizers.filter((f) => f !== pvProtection), resourceVersion: pv.metadata.resourceVersion } });
      }
      return;
    }
    if (!finalizers.includes(pvProtection)) {
      pv = await this.client.patch(refs.pvs, '', name, 'merge', { metadata: { finalizers: [...finalizers, pvProtection], resourceVersion: pv.metadata.resourceVersion } });
    }
    const ref = pv!.spec?.claimRef;
    if (!ref) {
      if (pv!.status?.phase !== 'Available') await this.setVolumePhase(pv!, 'Available');
      return;
    }
    if (!ref.uid) {
      // Pre-bound by the user to a claim that may not exist yet: available to that claim only.
      if (pv!.status?.phase !== 'Available') await this.setVolumePhase(pv!, 'Available');
      return;
    }
    let claim = this.pvcs.get(ref.namespace ?? '', ref.name);
    if (!claim || claim.metadata.uid !== ref.uid) {
      // The cache may lag behind a fresh claim: ask the server before releasing.
      try {
        claim = await this.client.get(refs.pvcs, ref.namespace ?? '', ref.name);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
        claim = undefined;
      }
    }
    if (claim && claim.metadata.uid === ref.uid) {
      if (claim.spec?.volumeName === name && pv!.status?.phase !== 'Bound') await this.setVolumePhase(pv!, 'Bound');
      return;
    }
    // Its claim is gone.
    if (pv!.status?.phase !== 'Released' && pv!.status?.phase !== 'Failed') pv = await this.setVolumePhase(pv!, 'Released');
    await this.reclaim(pv!);
  }

  private async setVolumePhase(pv: KubeObject, phase: string, message?: string): Promise<KubeObject> {
    const status: Record<string, unknown> = { phase, message: message ?? null, lastPhaseTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
    return this.client.patch(refs.pvs, '', pv.metadata.name!, 'merge', { status }, { subresource: 'status' });
  }

  /** persistentVolumeReclaimPolicy: Retain keeps a Released volume; Delete removes the object. */
  private async reclaim(pv: KubeObject): Promise<void> {
    const policy = pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
    if (policy === 'Delete') {
      removeProvisionedData(pv, this.storageDir);
      try {
        await this.client.delete(refs.pvs, '', pv.metadata.name!);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    } else if (policy === 'Recycle' && pv.status?.phase !== 'Failed') {
      await this.setVolumePhase(pv, 'Failed', 'Recycle is not supported by nanokube; delete and recreate the volume');
      this.events.warning(pv, 'VolumeFailedRecycle', 'Recycle is not supported by nanokube; delete and recreate the volume');
    }
  }
}
