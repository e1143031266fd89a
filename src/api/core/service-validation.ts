// Service validation (upstream's ValidateService / ValidateServiceUpdate): ports, type-specific rules,
// session affinity, cluster IPs and families, traffic policies; on update, cluster IPs and families
// may not change once set.
import { isIP } from 'node:net';
import { fe, FieldPath, type FieldError } from '../field-errors.js';
import { validateLabels } from '../labels.js';
import { supportedPortProtocols } from './container-validation.js';
import {
  dns1123Label, dns1123Subdomain, isInt, isObj, list, listAt, portNumErrors, qualifiedName, str, validCIDR, validIP,
  validatePortNumOrName, type Obj,
} from './shape.js';

export const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const sessionAffinities = ['ClientIP', 'None'];
const trafficPolicies = ['Cluster', 'Local'];
const ipFamilies = ['IPv4', 'IPv6'];
const ipFamilyPolicies = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const maxClientIPAffinitySeconds = 86400;

const spec = FieldPath.root('spec');

export function isHeadless(s: Obj): boolean {
  const ips = list(s.clusterIPs);
  return ips.length === 1 && ips[0] === 'None';
}

/** LoadBalancer and NodePort services, and ClusterIP ones with external IPs. */
export function externallyAccessible(s: Obj): boolean {
  return s.type === 'LoadBalancer' || s.type === 'NodePort' || (s.type === 'ClusterIP' && list(s.externalIPs).length > 0);
}

export function needsHealthCheck(s: Obj): boolean {
  return s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local';
}

function validateServicePort(sp: unknown, requireName: boolean, names: Set<string>, path: FieldPath): FieldError[] {
  if (!isObj(sp)) return [fe.invalid(path, sp, 'must be an object')];
  const errs: FieldError[] = [];
  const name = str(sp.name);
  if (requireName && !name) errs.push(fe.required(path.child('name'), ''));
  else if (name) {
    errs.push(...dns1123Label(name, path.child('name')));
    if (names.has(name)) errs.push(fe.duplicate(path.child('name'), name));
    else names.add(name);
  }
  const port = sp.port ?? 0;
  if (!isInt(port)) errs.push(fe.invalid(path.child('port'), port, 'must be an integer'));
  else for (const m of portNumErrors(port)) errs.push(fe.invalid(path.child('port'), port, m));
  if (sp.protocol === undefined || sp.protocol === null || sp.protocol === '') errs.push(fe.required(path.child('protocol'), ''));
  else if (!supportedPortProtocols.includes(sp.protocol)) errs.push(fe.notSupported(path.child('protocol'), sp.protocol, supportedPortProtocols));
  errs.push(...validatePortNumOrName(sp.targetPort, path.child('targetPort')));
  if (sp.appProtocol !== undefined && sp.appProtocol !== null) errs.push(...qualifiedName(str(sp.appProtocol), path.child('appProtocol')));
  if (sp.nodePort !== undefined && sp.nodePort !== null && !isInt(sp.nodePort)) errs.push(fe.invalid(path.child('nodePort'), sp.nodePort, 'must be an integer'));
  return errs;
}

function validateClusterIPsRelatedFields(s: Obj): FieldError[] {
  if (s.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const cipsPath = spec.child('clusterIPs');
  const clusterIP = str(s.clusterIP);
  const clusterIPs = listAt(s.clusterIPs, cipsPath, errs);
  if (clusterIP) {
    if (clusterIPs.length === 0) errs.push(fe.required(cipsPath, ''));
    else if (clusterIPs[0] !== clusterIP) errs.push(fe.invalid(cipsPath, clusterIPs, 'first value must match `clusterIP`'));
  } else if (clusterIPs.length !== 0) {
    errs.push(fe.invalid(cipsPath, clusterIPs, 'must be empty when `clusterIP` is not specified'));
  }
  const seen = new Set<string>();
  listAt(s.ipFamilies, spec.child('ipFamilies'), errs).forEach((f, i) => {
    if (!ipFamilies.includes(f)) errs.push(fe.notSupported(spec.child('ipFamilies').index(i), f, ipFamilies));
    if (seen.has(f)) errs.push(fe.duplicate(spec.child('ipFamilies').index(i), f));
    seen.add(f);
  });
  if (s.ipFamilyPolicy !== undefined && s.ipFamilyPolicy !== null && !ipFamilyPolicies.includes(s.ipFamilyPolicy)) {
    errs.push(fe.notSupported(spec.child('ipFamilyPolicy'), s.ipFamilyPolicy, ipFamilyPolicies));
  }
  let invalidIPs = false;
  clusterIPs.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (clusterIPs.length > 1) {
        invalidIPs = true;
        errs.push(fe.invalid(cipsPath, clusterIPs, "'None' must be the first and only value"));
      }
      return;
    }
    const e = validIP(ip, cipsPath.index(i));
    if (e.length) invalidIPs = true;
    errs.push(...e);
  });
  if (clusterIPs.length > 2) errs.push(fe.invalid(cipsPath, clusterIPs, 'may only hold up to 2 values'));
  if (invalidIPs) return errs;
  if (clusterIPs.length > 1 && isIP(clusterIPs[0]) === isIP(clusterIPs[1])) {
    errs.push(fe.invalid(cipsPath, clusterIPs, 'may specify no more than one IP for each IP family'));
  }
  const fams = list(s.ipFamilies);
  if (!isHeadless(s)) {
    clusterIPs.forEach((ip, i) => {
      if (i >= fams.length) return;
      if (fams[i] === 'IPv4' && isIP(ip) === 6) errs.push(fe.invalid(cipsPath.index(i), ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      if (fams[i] === 'IPv6' && isIP(ip) !== 6) errs.push(fe.invalid(cipsPath.index(i), ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
    });
  }
  return errs;
}

function nonSpecialIP(ip: string, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (ip === '0.0.0.0' || ip === '::') errs.push(fe.invalid(path, ip, `may not be unspecified (${ip})`));
  if (/^127\./.test(ip) || ip === '::1') errs.push(fe.invalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (/^169\.254\./.test(ip) || /^fe[89ab]/i.test(ip)) errs.push(fe.invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (/^224\.0\.0\./.test(ip) || /^ff02:/i.test(ip)) errs.push(fe.invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}

export function validateService(svc: Obj): FieldError[] {
  if (!isObj(svc.spec)) return [fe.invalid(spec, svc.spec ?? null, 'must be an object')];
  const s = svc.spec;
  const errs: FieldError[] = [];
  const ports = listAt(s.ports, spec.child('ports'), errs);
  const headless = isHeadless(s);
  if (ports.length === 0 && !headless && s.type !== 'ExternalName' && (s.ports === undefined || s.ports === null || Array.isArray(s.ports))) {
    errs.push(fe.required(spec.child('ports'), ''));
  }
  switch (s.type) {
    case 'LoadBalancer':
    case 'NodePort':
      if (headless) errs.push(fe.invalid(spec.child('clusterIPs').index(0), 'None', `may not be set to 'None' for ${s.type} services`));
      break;
    case 'ExternalName': {
      if (list(s.clusterIPs).length > 0) errs.push(fe.forbidden(spec.child('clusterIPs'), 'may not be set for ExternalName services'));
      if (list(s.ipFamilies).length > 0) errs.push(fe.forbidden(spec.child('ipFamilies'), 'may not be set for ExternalName services'));
      if (s.ipFamilyPolicy !== undefined && s.ipFamilyPolicy !== null) errs.push(fe.forbidden(spec.child('ipFamilyPolicy'), 'may not be set for ExternalName services'));
      const cname = str(s.externalName).replace(/\.$/, '');
      if (cname) errs.push(...dns1123Subdomain(cname, spec.child('externalName')));
      else errs.push(fe.required(spec.child('externalName'), ''));
      break;
    }
  }
  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(p, ports.length > 1, names, spec.child('ports').index(i))));
  if (s.selector !== undefined && s.selector !== null) {
    if (!isObj(s.selector)) errs.push(fe.invalid(spec.child('selector'), s.selector, 'must be a map of strings'));
    else errs.push(...validateLabels(s.selector, spec.child('selector')));
  }
  const sa = s.sessionAffinity;
  if (sa === undefined || sa === null || sa === '') errs.push(fe.required(spec.child('sessionAffinity'), ''));
  else if (!sessionAffinities.includes(sa)) errs.push(fe.notSupported(spec.child('sessionAffinity'), sa, sessionAffinities));
  const sacPath = spec.child('sessionAffinityConfig');
  if (sa === 'ClientIP') {
    const cfg = s.sessionAffinityConfig;
    const when = 'when session affinity type is ClientIP';
    if (!isObj(cfg)) errs.push(fe.required(sacPath, when));
    else if (!isObj(cfg.clientIP)) errs.push(fe.required(sacPath.child('clientIP'), when));
    else if (cfg.clientIP.timeoutSeconds === undefined || cfg.clientIP.timeoutSeconds === null) errs.push(fe.required(sacPath.child('clientIP').child('timeoutSeconds'), when));
    else {
      const t = cfg.clientIP.timeoutSeconds;
      if (!isInt(t) || t <= 0 || t > maxClientIPAffinitySeconds) {
        errs.push(fe.invalid(sacPath.child('clientIP').child('timeoutSeconds'), t, `must be greater than 0 and less than ${maxClientIPAffinitySeconds}`));
      }
    }
  } else if (sa === 'None' && s.sessionAffinityConfig !== undefined && s.sessionAffinityConfig !== null) {
    errs.push(fe.forbidden(sacPath, 'must not be set when session affinity is None'));
  }
  errs.push(...validateClusterIPsRelatedFields(s));
  listAt(s.externalIPs, spec.child('externalIPs'), errs).forEach((ip, i) => {
    const p = spec.child('externalIPs').index(i);
    const e = validIP(ip, p);
    errs.push(...(e.length ? e : nonSpecialIP(ip, p)));
  });
  if (s.type === undefined || s.type === null || s.type === '') errs.push(fe.required(spec.child('type'), ''));
  else if (!serviceTypes.includes(s.type)) errs.push(fe.notSupported(spec.child('type'), s.type, serviceTypes));
  if (s.type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (isObj(p) && p.nodePort) errs.push(fe.forbidden(spec.child('ports').index(i).child('nodePort'), "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  const portKeys = new Set<string>();
  ports.forEach((p, i) => {
    if (!isObj(p)) return;
    if (p.nodePort) {
      const key = `${str(p.protocol)}/${p.nodePort}`;
      if (nodePorts.has(key)) errs.push(fe.duplicate(spec.child('ports').index(i).child('nodePort'), p.nodePort));
      nodePorts.add(key);
    }
    const key = `${str(p.protocol)}/${p.port}`;
    if (portKeys.has(key)) errs.push(fe.duplicate(spec.child('ports').index(i), { protocol: p.protocol, port: p.port }));
    portKeys.add(key);
  });
  const ranges = listAt(s.loadBalancerSourceRanges, spec.child('loadBalancerSourceRanges'), errs);
  if (ranges.length > 0) {
    const rp = spec.child('LoadBalancerSourceRanges');
    if (s.type !== 'LoadBalancer') errs.push(fe.forbidden(rp, "may only be used when `type` is 'LoadBalancer'"));
    ranges.forEach((r, i) => errs.push(...validCIDR(str(r).trim(), rp.index(i))));
  }
  if (s.allocateLoadBalancerNodePorts !== undefined && s.allocateLoadBalancerNodePorts !== null && s.type !== 'LoadBalancer') {
    errs.push(fe.forbidden(spec.child('allocateLoadBalancerNodePorts'), "may only be used when `type` is 'LoadBalancer'"));
  }
  if (s.type === 'LoadBalancer' && (s.allocateLoadBalancerNodePorts === undefined || s.allocateLoadBalancerNodePorts === null)) {
    errs.push(fe.required(FieldPath.root('allocateLoadBalancerNodePorts'), ''));
  }
  if (s.loadBalancerClass !== undefined && s.loadBalancerClass !== null) {
    if (s.type === 'LoadBalancer') errs.push(...qualifiedName(str(s.loadBalancerClass), spec.child('loadBalancerClass')));
    else errs.push(fe.forbidden(spec.child('loadBalancerClass'), "may only be used when `type` is 'LoadBalancer'"));
  }
  const etp = s.externalTrafficPolicy;
  if (!externallyAccessible(s)) {
    if (etp !== undefined && etp !== null && etp !== '') errs.push(fe.invalid(spec.child('externalTrafficPolicy'), etp, 'may only be set for externally-accessible services'));
  } else if (etp === undefined || etp === null || etp === '') {
    errs.push(fe.required(spec.child('externalTrafficPolicy'), ''));
  } else if (!trafficPolicies.includes(etp)) {
    errs.push(fe.notSupported(spec.child('externalTrafficPolicy'), etp, trafficPolicies));
  }
  const hc = s.healthCheckNodePort;
  if (!needsHealthCheck(s)) {
    if (hc) errs.push(fe.invalid(spec.child('healthCheckNodePort'), hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  } else if (hc) {
    if (!isInt(hc)) errs.push(fe.invalid(spec.child('healthCheckNodePort'), hc, 'must be an integer'));
    else for (const m of portNumErrors(hc)) errs.push(fe.invalid(spec.child('healthCheckNodePort'), hc, m));
  }
  const itp = s.internalTrafficPolicy;
  if (itp === undefined || itp === null) {
    if (s.type === 'NodePort' || s.type === 'LoadBalancer' || s.type === 'ClusterIP') errs.push(fe.required(spec.child('internalTrafficPolicy'), ''));
  } else if (!trafficPolicies.includes(itp)) {
    errs.push(fe.notSupported(spec.child('internalTrafficPolicy'), itp, trafficPolicies));
  }
  if (s.trafficDistribution !== undefined && s.trafficDistribution !== null && s.trafficDistribution !== 'PreferClose') {
    errs.push(fe.notSupported(spec.child('trafficDistribution'), s.trafficDistribution, ['PreferClose']));
  }
  return errs;
}

function validateUpgradeDowngradeClusterIPs(old: Obj, s: Obj): FieldError[] {
  if (s.type === 'ExternalName' || old.type === 'ExternalName') return [];
  if (isHeadless(old) && isHeadless(s)) return [];
  const errs: FieldError[] = [];
  const oldIPs = list(old.clusterIPs);
  const newIPs = list(s.clusterIPs);
  const p = spec.child('clusterIPs');
  if (oldIPs.length === newIPs.length) {
    oldIPs.forEach((ip, i) => {
      if (ip !== newIPs[i]) errs.push(fe.invalid(p.index(i), newIPs, 'may not change once set'));
    });
  } else if (oldIPs.length > newIPs.length) {
    if (newIPs.length === 0) errs.push(fe.invalid(p.index(0), newIPs, 'primary clusterIP can not be unset'));
    if (oldIPs.length > 0 && newIPs.length > 0 && newIPs[0] !== oldIPs[0]) errs.push(fe.invalid(p.index(0), newIPs, 'may not change once set'));
    if (newIPs.length === 1 && s.ipFamilyPolicy !== 'SingleStack') {
      errs.push(fe.invalid(spec.child('ipFamilyPolicy'), s.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP"));
    }
  } else if (oldIPs.length > 0 && newIPs[0] !== oldIPs[0]) {
    errs.push(fe.invalid(p.index(0), newIPs, 'may not change once set'));
  }
  return errs;
}

function validateUpgradeDowngradeIPFamilies(old: Obj, s: Obj): FieldError[] {
  if (s.type === 'ExternalName' || old.type === 'ExternalName') return [];
  if (isHeadless(old) !== isHeadless(s) || isHeadless(s)) return [];
  const errs: FieldError[] = [];
  const oldF = list(old.ipFamilies);
  const newF = list(s.ipFamilies);
  const p = spec.child('ipFamilies').index(0);
  if (oldF.length === newF.length) {
    oldF.forEach((f, i) => {
      if (f !== newF[i]) errs.push(fe.invalid(p, newF, 'may not change once set'));
    });
  } else if (oldF.length > newF.length) {
    if (list(s.clusterIPs).length === 0) errs.push(fe.invalid(p, newF, 'primary ipFamily can not be unset'));
    if (newF.length > 0 && newF[0] !== oldF[0]) errs.push(fe.invalid(p, list(s.clusterIPs), 'may not change once set'));
    if (newF.length === 1 && s.ipFamilyPolicy !== 'SingleStack') {
      errs.push(fe.invalid(spec.child('ipFamilyPolicy'), s.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary ipFamily"));
    }
  } else if (oldF.length > 0 && newF.length > 0 && newF[0] !== oldF[0]) {
    errs.push(fe.invalid(p, list(s.clusterIPs), 'may not change once set'));
  }
  return errs;
}

export function validateServiceUpdate(svc: Obj, old: Obj): FieldError[] {
  if (!isObj(svc.spec) || !isObj(old.spec)) return [];
  const s = svc.spec;
  const o = old.spec;
  const errs = [...validateUpgradeDowngradeClusterIPs(o, s), ...validateUpgradeDowngradeIPFamilies(o, s)];
  if (o.type === 'LoadBalancer' && s.type === 'LoadBalancer' && (o.loadBalancerClass ?? null) !== (s.loadBalancerClass ?? null)) {
    errs.push(fe.invalid(spec.child('loadBalancerClass'), s.loadBalancerClass ?? null, 'may not change once set'));
  }
  if (needsHealthCheck(o) && needsHealthCheck(s) && s.healthCheckNodePort !== o.healthCheckNodePort) {
    errs.push(fe.forbidden(spec.child('healthCheckNodePort'), 'field is immutable'));
  }
  return errs;
}
