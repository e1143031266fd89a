// The Service strategy: upstream defaults (type, session affinity, port protocol and targetPort,
// traffic policies, IP families), cluster IP normalisation, type-change cleanup on update, and
// validation. Cluster IPs and node ports are allocated by the ServiceAllocation admission plugin.
import { isIP } from 'node:net';
import type { Strategy } from '../resource-type.js';
import { validateCoreObjectMeta } from './core-meta.js';
import { deepEqual, isObj, list, type Obj } from './shape.js';
import { externallyAccessible, needsHealthCheck, validateService, validateServiceUpdate } from './service-validation.js';

export function defaultService(svc: Obj): void {
  if (svc.spec === undefined || svc.spec === null) svc.spec = {};
  const s = svc.spec;
  if (!isObj(s)) return;
  if (!s.sessionAffinity) s.sessionAffinity = 'None';
  if (s.sessionAffinity === 'None') delete s.sessionAffinityConfig;
  if (s.sessionAffinity === 'ClientIP') {
    const cfg = s.sessionAffinityConfig;
    if (!isObj(cfg) || !isObj(cfg.clientIP) || cfg.clientIP.timeoutSeconds === undefined || cfg.clientIP.timeoutSeconds === null) {
      s.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
    }
  }
  if (!s.type) s.type = 'ClusterIP';
  for (const p of list(s.ports)) {
    if (!isObj(p)) continue;
    if (!p.protocol) p.protocol = 'TCP';
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (externallyAccessible(s) && !s.externalTrafficPolicy) s.externalTrafficPolicy = 'Cluster';
  if ((s.internalTrafficPolicy === undefined || s.internalTrafficPolicy === null) && ['NodePort', 'LoadBalancer', 'ClusterIP'].includes(s.type)) {
    s.internalTrafficPolicy = 'Cluster';
  }
  if (s.type === 'LoadBalancer' && (s.allocateLoadBalancerNodePorts === undefined || s.allocateLoadBalancerNodePorts === null)) {
    s.allocateLoadBalancerNodePorts = true;
  }
  // Upstream's IP allocator fills these; this cluster is single-stack IPv4 unless the IPs say otherwise.
  if (s.type !== 'ExternalName') {
    if (list(s.ipFamilies).length === 0 && (s.ipFamilies === undefined || s.ipFamilies === null || Array.isArray(s.ipFamilies))) {
      const ips = list(s.clusterIPs).length ? list(s.clusterIPs) : s.clusterIP ? [s.clusterIP] : [];
      const fams = ips.filter((ip) => typeof ip === 'string' && isIP(ip) !== 0).map((ip) => (isIP(ip) === 6 ? 'IPv6' : 'IPv4'));
      s.ipFamilies = fams.length ? fams : ['IPv4'];
    }
    if (s.ipFamilyPolicy === undefined || s.ipFamilyPolicy === null) s.ipFamilyPolicy = list(s.ipFamilies).length > 1 ? 'PreferDualStack' : 'SingleStack';
  }
}

const needsClusterIP = (s: Obj) => s.type !== 'ExternalName';
const needsNodePort = (s: Obj) => s.type === 'NodePort' || s.type === 'LoadBalancer';

/** Upstream's NormalizeClusterIPs: keep clusterIP and clusterIPs in step for clients that set only one. */
export function normalizeClusterIPs(s: Obj, old: Obj | undefined): void {
  const cip = typeof s.clusterIP === 'string' ? s.clusterIP : '';
  const cips = list(s.clusterIPs);
  if (!old) {
    if (cip && cips.length === 0) s.clusterIPs = [cip];
    return;
  }
  const oldCip = typeof old.clusterIP === 'string' ? old.clusterIP : '';
  const oldCips = list(old.clusterIPs);
  if (oldCips.length > 0 && cips.length === 0 && oldCip === cip) s.clusterIPs = oldCips;
  if (oldCip !== cip) {
    const same = deepEqual(list(s.clusterIPs), oldCips);
    if (oldCip && !cip && same) delete s.clusterIPs;
    if (cip && same) s.clusterIPs = [cip];
  }
}

/** Upstream's patchAllocatedValues: an update that omits allocated values keeps them. */
function patchAllocatedValues(s: Obj, old: Obj): void {
  if (needsClusterIP(old) && needsClusterIP(s)) {
    if (!s.clusterIP && old.clusterIP) s.clusterIP = old.clusterIP;
    if (list(s.clusterIPs).length === 0 && list(old.clusterIPs).length > 0) s.clusterIPs = old.clusterIPs;
  }
  if (needsNodePort(old) && needsNodePort(s)) {
    const used = (svc: Obj) => new Set(list(svc.ports).filter(isObj).map((p) => p.nodePort).filter(Boolean));
    const oldUsed = used(old);
    const newUsed = used(s);
    const byName = new Map<string, number>();
    for (const p of list(old.ports)) if (isObj(p)) byName.set(String(p.name ?? ''), p.nodePort);
    for (const p of list(s.ports)) {
      if (!isObj(p) || p.nodePort) continue;
      const v = byName.get(String(p.name ?? ''));
      if (v && !(oldUsed.has(v) && newUsed.has(v))) p.nodePort = v;
    }
  }
  if (needsHealthCheck(old) && needsHealthCheck(s) && !s.healthCheckNodePort && old.healthCheckNodePort) s.healthCheckNodePort = old.healthCheckNodePort;
}

/** Upstream's dropTypeDependentFields: a type change drops values that no longer apply, unless the client changed them. */
function dropTypeDependentFields(svc: Obj, s: Obj, old: Obj): void {
  if (needsClusterIP(old) && !needsClusterIP(s)) {
    if ((s.clusterIP ?? '') === (old.clusterIP ?? '') && deepEqual(list(s.clusterIPs), list(old.clusterIPs))) {
      delete s.clusterIP;
      delete s.clusterIPs;
    }
    if (deepEqual(list(s.ipFamilies), list(old.ipFamilies))) delete s.ipFamilies;
    if ((s.ipFamilyPolicy ?? null) === (old.ipFamilyPolicy ?? null)) delete s.ipFamilyPolicy;
  }
  if (needsNodePort(old) && !needsNodePort(s)) {
    const nps = (x: Obj) => list(x.ports).map((p) => (isObj(p) ? p.nodePort ?? 0 : 0));
    if (deepEqual(nps(s), nps(old))) for (const p of list(s.ports)) if (isObj(p)) delete p.nodePort;
  }
  if (needsHealthCheck(old) && !needsHealthCheck(s) && s.healthCheckNodePort === old.healthCheckNodePort) delete s.healthCheckNodePort;
  if (old.type === 'LoadBalancer' && s.type !== 'LoadBalancer') {
    if (typeof s.allocateLoadBalancerNodePorts === 'boolean' && s.allocateLoadBalancerNodePorts === old.allocateLoadBalancerNodePorts) {
      delete s.allocateLoadBalancerNodePorts;
    }
    if ((s.loadBalancerClass ?? null) === (old.loadBalancerClass ?? null)) delete s.loadBalancerClass;
  }
  if (externallyAccessible(old) && !externallyAccessible(s) && s.externalTrafficPolicy === old.externalTrafficPolicy) delete s.externalTrafficPolicy;
  if (s.type !== 'LoadBalancer' && isObj(svc.status)) svc.status.loadBalancer = {};
}

export const serviceStrategy: Strategy = {
  defaults(svc) {
    defaultService(svc);
  },

  prepareForCreate(svc) {
    svc.status = { loadBalancer: {} };
    if (isObj(svc.spec)) normalizeClusterIPs(svc.spec, undefined);
  },

  prepareForUpdate(svc, old) {
    if (!isObj(svc.spec) || !isObj(old.spec)) return;
    patchAllocatedValues(svc.spec, old.spec);
    normalizeClusterIPs(svc.spec, old.spec);
    dropTypeDependentFields(svc, svc.spec, old.spec);
  },

  validate(svc) {
    return [...validateCoreObjectMeta(svc), ...validateService(svc)];
  },

  validateUpdate(svc, old) {
    return validateServiceUpdate(svc, old);
  },
};
