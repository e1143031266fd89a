// The PersistentVolume binder (upstream's persistentvolume controller, static binding): a Pending
// claim is bound to the smallest Available volume that fits it (storageClassName, volumeMode,
// accessModes, capacity, selector; or the one named by its volumeName / pre-bound by a claimRef),
// and phases follow as upstream: volumes Available → Bound → Released when their claim goes (then
// Retain keeps them, Delete removes data and object, or leaves them Failed where no deleter can),
// claims Pending → Bound → Lost when their volume goes. WaitForFirstConsumer claims wait for a
// scheduled pod. It also keeps the protection finalizers: a claim used by a pod, or a bound volume,
// is not removed until that ends.
import { nowTimestamp, type KubeObject } from '../api/object.js';
import { ApiError } from '../api/status.js';
import { claimRefIs, findVolumeForClaim, volumeReachableFrom } from '../api/persistent-volume-match.js';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { EventRecorder } from '../client/event-recorder.js';
import { Informer } from '../client/informer.js';
import { WorkQueue } from '../client/work-queue.js';
import { defaultLocalPathClass, isDefaultClass, localPathProvisioner, provisionedVolume } from './local-path-provisioner.js';
import { deleteVolumeData } from './volume-deleter.js';

const refs = {
  pvs: { group: '', version: 'v1', kind: 'PersistentVolume', plural: 'persistentvolumes', namespaced: false },
  pvcs: { group: '', version: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true },
  pods: { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true },
  nodes: { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false },
  storageClasses: { group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass', plural: 'storageclasses', namespaced: false },
} satisfies Record<string, ResourceRef>;

const pvcProtection = 'kubernetes.io/pvc-protection';
const pvProtection = 'kubernetes.io/pv-protection';
const annBindCompleted = 'pv.kubernetes.io/bind-completed';
const annBoundByController = 'pv.kubernetes.io/bound-by-controller';
const annStorageProvisioner = 'volume.kubernetes.io/storage-provisioner';
const annBetaStorageProvisioner = 'volume.beta.kubernetes.io/storage-provisioner';
const annSelectedNode = 'volume.kubernetes.io/selected-node';

/** Upstream's podUsesPVC: only a scheduled pod holds a claim (the kubelet will not start one whose claim is being deleted). */
export function podUsesClaim(pod: KubeObject, claimName: string): boolean {
  return !!pod.spec?.nodeName && (pod.spec?.volumes ?? []).some((v: any) => v.persistentVolumeClaim?.claimName === claimName);
}

export class PersistentVolumeController {
  private readonly pvs: Informer;
  private readonly pvcs: Informer;
  private readonly pods: Informer;
  private readonly classes: Informer;
  private readonly queue = new WorkQueue({ baseDelayMs: 200, maxDelayMs: 30_000 });
  private readonly events: EventRecorder;
  /** The local-path provisioner's own events (upstream: a separate process, its own event source). */
  private readonly provisionerEvents: EventRecorder;
  private readonly reportedPending = new Map<string, string>();

  constructor(
    private readonly client: ApiClient,
    /** Where the local-path provisioner makes volume directories. */
    private readonly storageDir: string,
  ) {
    this.events = new EventRecorder(client, { component: 'persistentvolume-controller' });
    this.provisionerEvents = new EventRecorder(client, { component: localPathProvisioner });
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
      const sc = pvc!.spec?.storageClassName ? this.classes.get('', pvc!.spec.storageClassName) : undefined;
      let node: KubeObject | undefined;
      if ((sc as any)?.volumeBindingMode === 'WaitForFirstConsumer') {
        // As upstream: nothing is bound or provisioned before a pod using the claim is scheduled, and
        // then only a volume its node can reach.
        const nodeName = this.consumerNode(pvc!);
        if (!nodeName) return this.claimPending(pvc!, 'waiting for first consumer to be created before binding', 'WaitForFirstConsumer');
        node = await this.nodeNamed(nodeName);
      }
      const pv = findVolumeForClaim(this.pvs.list().filter((v) => !node || volumeReachableFrom(v, node)), pvc!);
      if (!pv) {
        if ((sc as any)?.provisioner === localPathProvisioner) return this.provision(pvc!, sc!, node?.metadata.name);
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

  /** The node of a scheduled pod that uses the claim (WaitForFirstConsumer waits for one). */
  private consumerNode(pvc: KubeObject): string | undefined {
    const consumer = this.pods.list(pvc.metadata.namespace).find((p) => !p.metadata.deletionTimestamp && podUsesClaim(p, pvc.metadata.name!));
    return consumer?.spec?.nodeName;
  }

  /** The Node (for its labels), or a stand-in with only its host name label when it is gone. */
  private async nodeNamed(name: string): Promise<KubeObject> {
    try {
      return await this.client.get(refs.nodes, '', name);
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
      return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } } } as KubeObject;
    }
  }

  /**
   * local-path: a volume for the claim, on the node of its first pod under WaitForFirstConsumer. As
   * upstream, the claim is first annotated with its provisioner (and the chosen node, which upstream's
   * scheduler writes) and an ExternalProvisioning event says so; the provisioner then makes the volume.
   */
  private async provision(pvc: KubeObject, sc: KubeObject, node: string | undefined): Promise<void> {
    const provisioner: string = (sc as any).provisioner;
    const annotations = pvc.metadata.annotations ?? {};
    if (annotations[annStorageProvisioner] !== provisioner || (node && annotations[annSelectedNode] !== node)) {
      const wanted: Record<string, string> = { [annStorageProvisioner]: provisioner, [annBetaStorageProvisioner]: provisioner };
      if (node) wanted[annSelectedNode] = node;
      await this.client.patch(refs.pvcs, pvc.metadata.namespace!, pvc.metadata.name!, 'merge', { metadata: { annotations: wanted, resourceVersion: pvc.metadata.resourceVersion } });
      this.events.normal(pvc, 'ExternalProvisioning', `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`);
      return; // the claim's update brings it back here
    }
    const pv = provisionedVolume(pvc, sc, this.storageDir, node);
    if (this.pvs.get('', pv.metadata.name!)) return;
    this.provisionerEvents.normal(pvc, 'Provisioning', `External provisioner is provisioning volume for claim "${pvc.metadata.namespace}/${pvc.metadata.name}"`);
    try {
      await this.client.create(refs.pvs, '', pv);
      this.provisionerEvents.normal(pvc, 'ProvisioningSucceeded', `Successfully provisioned volume ${pv.metadata.name}`);
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

  /**
   * A deleted claim keeps kubernetes.io/pvc-protection while a pod uses it: as upstream's
   * pvc-protection controller, any scheduled pod naming it, whatever its phase, until the pod object
   * is gone. The informer may lag behind a pod just created, so "unused" is confirmed with a live list.
   */
  private async releaseClaimProtection(pvc: KubeObject): Promise<void> {
    if (!(pvc.metadata.finalizers ?? []).includes(pvcProtection)) return;
    const ns = pvc.metadata.namespace!;
    const name = pvc.metadata.name!;
    if (this.pods.list(ns).some((p) => podUsesClaim(p, name))) return;
    const live = await this.client.list(refs.pods, ns);
    if (live.items.some((p) => podUsesClaim(p, name))) return;
    await this.client.patch(refs.pvcs, ns, name, 'merge', {
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
    const status: Record<string, unknown> = { phase, message: message ?? null, lastPhaseTransitionTime: nowTimestamp() };
    return this.client.patch(refs.pvs, '', pv.metadata.name!, 'merge', { status }, { subresource: 'status' });
  }

  /** persistentVolumeReclaimPolicy: Retain keeps a Released volume; Delete removes its data and the object (or fails it, volume-deleter.ts). */
  private async reclaim(pv: KubeObject): Promise<void> {
    const policy = pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
    if (policy === 'Delete') {
      const refused = deleteVolumeData(pv, this.storageDir);
      if (refused) {
        if (pv.status?.phase !== 'Failed') {
          await this.setVolumePhase(pv, 'Failed', refused);
          this.events.warning(pv, 'VolumeFailedDelete', refused);
        }
        return;
      }
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
