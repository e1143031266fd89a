// Upstream's defaulting for pods and pod templates (pkg/apis/core/v1 SetDefaults_* plus the declarative
// +default markers), applied in place. defaultPodSpec/defaultPodTemplateSpec are what every PodSpec
// gets, wherever it is embedded; defaultPod adds the Pod-only defaults (SetDefaults_Pod).
import { canonicalResourceList, canonicalQuantity } from './quantity-defaults.js';
import { isObj, list, type Obj } from './shape.js';

const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domain = `${domainComponent}(?:\\.${domainComponent})*(?::[0-9]+)?`;
const pathComponent = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const referenceRe = new RegExp(
  `^(?:${domain}/)?${pathComponent}(?:/${pathComponent})*(?::([\\w][\\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$`,
);

/** The tag ParseImageName finds: the explicit tag, "latest" without tag and digest, "" for a digest or an unparsable name. */
export function imageTag(image: string): string {
  const m = referenceRe.exec(image);
  if (!m) return '';
  if (m[1]) return m[1];
  return m[2] ? '' : 'latest';
}

function defaultHandler(h: unknown): void {
  if (!isObj(h)) return;
  if (isObj(h.httpGet)) {
    if (!h.httpGet.path) h.httpGet.path = '/';
    if (!h.httpGet.scheme) h.httpGet.scheme = 'HTTP';
  }
  // GRPCAction.service is +default="" (kubectl describe dereferences it).
  if (isObj(h.grpc) && (h.grpc.service === undefined || h.grpc.service === null)) h.grpc.service = '';
}

export function defaultProbe(p: unknown): void {
  if (!isObj(p)) return;
  if (!p.timeoutSeconds) p.timeoutSeconds = 1;
  if (!p.periodSeconds) p.periodSeconds = 10;
  if (!p.successThreshold) p.successThreshold = 1;
  if (!p.failureThreshold) p.failureThreshold = 3;
  defaultHandler(p);
}

function defaultFieldRef(ref: unknown): void {
  if (isObj(ref) && !ref.apiVersion) ref.apiVersion = 'v1';
}

function defaultResourceFieldRef(ref: unknown): void {
  // ResourceFieldSelector.divisor is a non-pointer Quantity: it always serialises, as "0" when unset.
  if (!isObj(ref)) return;
  if (ref.divisor === undefined || ref.divisor === null) ref.divisor = '0';
  else ref.divisor = canonicalQuantity(ref.divisor);
}

export function defaultContainer(c: unknown): void {
  if (!isObj(c)) return;
  if (!c.imagePullPolicy) c.imagePullPolicy = imageTag(typeof c.image === 'string' ? c.image : '') === 'latest' ? 'Always' : 'IfNotPresent';
  if (!c.terminationMessagePath) c.terminationMessagePath = '/dev/termination-log';
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = 'File';
  for (const p of list(c.ports)) if (isObj(p) && !p.protocol) p.protocol = 'TCP';
  if (c.resources === undefined || c.resources === null) c.resources = {};
  if (isObj(c.resources)) {
    canonicalResourceList(c.resources.limits);
    canonicalResourceList(c.resources.requests);
  }
  for (const e of list(c.env)) {
    if (!isObj(e) || !isObj(e.valueFrom)) continue;
    defaultFieldRef(e.valueFrom.fieldRef);
    defaultResourceFieldRef(e.valueFrom.resourceFieldRef);
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  if (isObj(c.lifecycle)) {
    defaultHandler(c.lifecycle.postStart);
    defaultHandler(c.lifecycle.preStop);
  }
}

/** Every field of VolumeSource, in upstream's validation order; a volume with none becomes an emptyDir (SetDefaults_Volume). */
export const volumeSourceFields = [
  'emptyDir', 'hostPath', 'gitRepo', 'gcePersistentDisk', 'awsElasticBlockStore', 'secret', 'nfs', 'iscsi', 'glusterfs', 'flocker',
  'persistentVolumeClaim', 'rbd', 'cinder', 'cephfs', 'quobyte', 'downwardAPI', 'fc', 'flexVolume', 'configMap', 'azureFile',
  'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk', 'storageos', 'projected', 'scaleIO', 'csi', 'ephemeral',
  'image',
];

function defaultDownwardAPIItems(items: unknown): void {
  for (const item of list(items)) {
    if (!isObj(item)) continue;
    defaultFieldRef(item.fieldRef);
    defaultResourceFieldRef(item.resourceFieldRef);
  }
}

export function defaultVolume(v: unknown): void {
  if (!isObj(v)) return;
  if (!volumeSourceFields.some((f) => v[f] !== undefined && v[f] !== null)) v.emptyDir = {};
  const mode = (src: unknown) => {
    if (isObj(src) && (src.defaultMode === undefined || src.defaultMode === null)) src.defaultMode = 420;
  };
  mode(v.secret);
  mode(v.configMap);
  mode(v.downwardAPI);
  mode(v.projected);
  if (isObj(v.downwardAPI)) defaultDownwardAPIItems(v.downwardAPI.items);
  if (isObj(v.projected)) {
    for (const s of list(v.projected.sources)) {
      if (!isObj(s)) continue;
      if (isObj(s.downwardAPI)) defaultDownwardAPIItems(s.downwardAPI.items);
      if (isObj(s.serviceAccountToken) && (s.serviceAccountToken.expirationSeconds === undefined || s.serviceAccountToken.expirationSeconds === null)) {
        s.serviceAccountToken.expirationSeconds = 3600;
      }
    }
  }
  if (isObj(v.hostPath) && (v.hostPath.type === undefined || v.hostPath.type === null)) v.hostPath.type = '';
  if (isObj(v.emptyDir) && v.emptyDir.sizeLimit !== undefined) v.emptyDir.sizeLimit = canonicalQuantity(v.emptyDir.sizeLimit);
  if (isObj(v.ephemeral) && isObj(v.ephemeral.volumeClaimTemplate) && isObj(v.ephemeral.volumeClaimTemplate.spec)) {
    defaultPersistentVolumeClaimSpec(v.ephemeral.volumeClaimTemplate.spec);
  }
  if (isObj(v.iscsi) && !v.iscsi.iscsiInterface) v.iscsi.iscsiInterface = 'default';
  if (isObj(v.rbd)) {
    v.rbd.pool ||= 'rbd';
    v.rbd.user ||= 'admin';
    v.rbd.keyring ||= '/etc/ceph/keyring';
  }
  if (isObj(v.azureDisk)) {
    v.azureDisk.cachingMode ??= 'ReadWrite';
    v.azureDisk.fsType ??= 'ext4';
    v.azureDisk.readOnly ??= false;
    v.azureDisk.kind ??= 'Shared';
  }
  if (isObj(v.scaleIO)) {
    v.scaleIO.storageMode ||= 'ThinProvisioned';
    v.scaleIO.fsType ||= 'xfs';
  }
}

/** SetDefaults_PersistentVolumeClaimSpec (also used for ephemeral volume claim templates). */
export function defaultPersistentVolumeClaimSpec(spec: Obj): void {
  if (spec.volumeMode === undefined || spec.volumeMode === null) spec.volumeMode = 'Filesystem';
  if (isObj(spec.resources)) {
    canonicalResourceList(spec.resources.requests);
    canonicalResourceList(spec.resources.limits);
  }
}

/** SetDefaults_PodSpec and everything nested in a PodSpec (containers, probes, volumes). In place. */
export function defaultPodSpec(spec: any): void {
  if (!isObj(spec)) return;
  if (!spec.dnsPolicy) spec.dnsPolicy = 'ClusterFirst';
  if (!spec.restartPolicy) spec.restartPolicy = 'Always';
  if (spec.securityContext === undefined || spec.securityContext === null) spec.securityContext = {};
  if (spec.terminationGracePeriodSeconds === undefined || spec.terminationGracePeriodSeconds === null) spec.terminationGracePeriodSeconds = 30;
  if (!spec.schedulerName) spec.schedulerName = 'default-scheduler';
  for (const c of list(spec.containers)) defaultContainer(c);
  for (const c of list(spec.initContainers)) defaultContainer(c);
  for (const c of list(spec.ephemeralContainers)) defaultContainer(c);
  for (const v of list(spec.volumes)) defaultVolume(v);
  canonicalResourceList(spec.overhead);
}

/** A PodTemplateSpec (ReplicationController, ReplicaSet, Deployment, Job, ...): its spec as defaultPodSpec. In place. */
export function defaultPodTemplateSpec(tpl: any): void {
  if (!isObj(tpl)) return;
  if (tpl.spec === undefined || tpl.spec === null) tpl.spec = {};
  defaultPodSpec(tpl.spec);
}

function requestsFromLimits(c: unknown): void {
  if (!isObj(c) || !isObj(c.resources) || !isObj(c.resources.limits)) return;
  if (c.resources.requests === undefined || c.resources.requests === null) c.resources.requests = {};
  if (!isObj(c.resources.requests)) return;
  for (const [k, v] of Object.entries(c.resources.limits)) {
    if (!Object.hasOwn(c.resources.requests, k)) c.resources.requests[k] = v;
  }
}

/** SetDefaults_Pod (only for Pod objects, not templates) followed by defaultPodSpec. In place. */
export function defaultPod(pod: any): void {
  if (!isObj(pod)) return;
  if (pod.spec === undefined || pod.spec === null) pod.spec = {};
  const spec = pod.spec;
  if (!isObj(spec)) return;
  // Requests default to limits for each resource that has a limit but no request.
  for (const c of list(spec.containers)) requestsFromLimits(c);
  for (const c of list(spec.initContainers)) requestsFromLimits(c);
  if (spec.enableServiceLinks === undefined || spec.enableServiceLinks === null) spec.enableServiceLinks = true;
  // With host networking every container port is also a host port.
  if (spec.hostNetwork === true) {
    for (const c of [...list(spec.containers), ...list(spec.initContainers)]) {
      if (!isObj(c)) continue;
      for (const p of list(c.ports)) if (isObj(p) && !p.hostPort && p.containerPort !== undefined) p.hostPort = p.containerPort;
    }
  }
  defaultPodSpec(spec);
}
