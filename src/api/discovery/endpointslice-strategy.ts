// discovery.k8s.io/v1 EndpointSlice: SetDefaults_EndpointPort (protocol TCP) and
// ValidateEndpointSlice(Create/Update).
import { isIP } from 'node:net';
import type { KubeObject } from '../object.js';
import type { Strategy } from '../resource-type.js';
import { FieldPath, fe, type FieldError } from '../field-errors.js';
import { dns1123SubdomainErrors, labelValueErrors, qualifiedNameErrors } from '../label-names.js';
import { validateLabels } from '../labels.js';
import { dns1123LabelErrors, immutable, isObj, isSet, list, listAt, objAt, stringMapAt, strAt } from '../spec-validation.js';

const addressTypes = ['FQDN', 'IPv4', 'IPv6'];
const protocols = ['SCTP', 'TCP', 'UDP'];
const maxTopologyLabels = 16;
const maxAddresses = 100;
const maxPorts = 20000;
const maxEndpoints = 1000;
const maxZoneHints = 8;
const maxNodeHints = 8;

export function defaultEndpointSlice(obj: KubeObject): void {
  // Upstream also defaults a missing port name to "", which the EndpointSlice controller (comparing
  // ports as JSON) would see as a change on every sync; an absent name means the same.
  for (const p of list(obj.ports)) if (isObj(p) && !isSet(p.protocol)) p.protocol = 'TCP';
}

/** ValidateEndpointIP without its loopback rule: nanokube pods share their node's address, which may be 127.0.0.1. */
function endpointIPErrors(ip: string, family: 4 | 6, path: FieldPath): FieldError[] {
  if (isIP(ip) !== family) return [fe.invalid(path, ip, `must be a valid IPv${family} address`)];
  const errs: FieldError[] = [];
  const lower = ip.toLowerCase();
  if (ip === '0.0.0.0' || /^(0*:)*:?0*$/.test(lower)) errs.push(fe.invalid(path, ip, `may not be unspecified (${ip})`));
  if (/^169\.254\./.test(ip) || /^fe[89ab][0-9a-f]:/.test(lower)) errs.push(fe.invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (/^224\.0\.0\./.test(ip) || /^ff02:/.test(lower)) errs.push(fe.invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}

/** IsFullyQualifiedDomainName. */
function fqdnErrors(value: string, path: FieldPath): FieldError[] {
  if (value.length === 0) return [fe.required(path, '')];
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  const sub = dns1123SubdomainErrors(name);
  if (sub.length) return sub.map((m) => fe.invalid(path, name, m));
  const labels = name.split('.');
  if (labels.length < 2) return [fe.invalid(path, name, 'should be a domain with at least two segments separated by dots')];
  return labels.flatMap((l) => dns1123LabelErrors(l).map((m) => fe.invalid(path, l, m)));
}

function validateHints(hints: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const h = objAt(hints, path, errs);
  if (!h) return errs;
  const zones = listAt(h.forZones, path.child('forZones'), errs);
  if (zones.length > maxZoneHints) errs.push(fe.tooMany(path.child('forZones'), zones.length, maxZoneHints));
  else {
    const seen = new Set<string>();
    zones.forEach((z, i) => {
      const p = path.child('forZones').index(i).child('name');
      const name = strAt(isObj(z) ? z.name : undefined, p, errs);
      if (seen.has(name)) errs.push(fe.duplicate(p, name));
      else seen.add(name);
      for (const m of labelValueErrors(name)) errs.push(fe.invalid(p, name, m));
    });
  }
  const nodes = listAt(h.forNodes, path.child('forNodes'), errs);
  if (nodes.length > maxNodeHints) errs.push(fe.tooMany(path.child('forNodes'), nodes.length, maxNodeHints));
  else {
    const seen = new Set<string>();
    nodes.forEach((n, i) => {
      const p = path.child('forNodes').index(i).child('name');
      const name = strAt(isObj(n) ? n.name : undefined, p, errs);
      if (seen.has(name)) errs.push(fe.duplicate(p, name));
      else seen.add(name);
      for (const m of dns1123SubdomainErrors(name)) errs.push(fe.invalid(p, name, m));
    });
  }
  return errs;
}

function validateEndpoints(endpoints: any[], addressType: unknown, path: FieldPath): FieldError[] {
  if (endpoints.length > maxEndpoints) return [fe.tooMany(path, endpoints.length, maxEndpoints)];
  const errs: FieldError[] = [];
  endpoints.forEach((ep, i) => {
    const p = path.index(i);
    if (!isObj(ep)) {
      errs.push(fe.invalid(p, ep, 'must be an object'));
      return;
    }
    const addrPath = p.child('addresses');
    const addresses = listAt(ep.addresses, addrPath, errs);
    if (addresses.length === 0) errs.push(fe.required(addrPath, 'must contain at least 1 address'));
    else if (addresses.length > maxAddresses) errs.push(fe.tooMany(addrPath, addresses.length, maxAddresses));
    addresses.forEach((a, j) => {
      const address = strAt(a, addrPath.index(j), errs);
      if (addressType === 'IPv4') errs.push(...endpointIPErrors(address, 4, addrPath.index(j)));
      else if (addressType === 'IPv6') errs.push(...endpointIPErrors(address, 6, addrPath.index(j)));
      else if (addressType === 'FQDN') errs.push(...fqdnErrors(address, addrPath.index(j)));
    });
    if (isSet(ep.nodeName)) {
      const node = strAt(ep.nodeName, p.child('nodeName'), errs);
      for (const m of dns1123SubdomainErrors(node)) errs.push(fe.invalid(p.child('nodeName'), node, m));
    }
    const topoPath = p.child('deprecatedTopology');
    const topology = stringMapAt(ep.deprecatedTopology, topoPath, errs);
    if (topology.length > maxTopologyLabels) errs.push(fe.tooMany(topoPath, topology.length, maxTopologyLabels));
    errs.push(...validateLabels(Object.fromEntries(topology), topoPath));
    if (isSet(ep.hostname)) {
      const hostname = strAt(ep.hostname, p.child('hostname'), errs);
      for (const m of dns1123LabelErrors(hostname)) errs.push(fe.invalid(p.child('hostname'), hostname, m));
    }
    if (isSet(ep.hints)) errs.push(...validateHints(ep.hints, p.child('hints')));
  });
  return errs;
}

function validatePorts(ports: any[], path: FieldPath): FieldError[] {
  if (ports.length > maxPorts) return [fe.tooMany(path, ports.length, maxPorts)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = path.index(i);
    if (!isObj(port)) {
      errs.push(fe.invalid(p, port, 'must be an object'));
      return;
    }
    const name = strAt(port.name, p.child('name'), errs);
    if (name.length > 0) for (const m of dns1123LabelErrors(name)) errs.push(fe.invalid(p.child('name'), name, m));
    if (names.has(name)) errs.push(fe.duplicate(p.child('name'), name));
    else names.add(name);
    if (!isSet(port.protocol)) errs.push(fe.required(p.child('protocol'), ''));
    else if (!protocols.includes(port.protocol)) errs.push(fe.notSupported(p.child('protocol'), port.protocol, protocols));
    if (isSet(port.appProtocol)) {
      const app = strAt(port.appProtocol, p.child('appProtocol'), errs);
      for (const m of qualifiedNameErrors(app)) errs.push(fe.invalid(p.child('appProtocol'), app, m));
    }
  });
  return errs;
}

export function validateEndpointSlice(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const addressTypePath = FieldPath.root('addressType');
  if (!obj.addressType) errs.push(fe.required(addressTypePath, ''));
  else if (!addressTypes.includes(obj.addressType)) errs.push(fe.notSupported(addressTypePath, obj.addressType, addressTypes));
  errs.push(...validateEndpoints(listAt(obj.endpoints, FieldPath.root('endpoints'), errs), obj.addressType, FieldPath.root('endpoints')));
  errs.push(...validatePorts(listAt(obj.ports, FieldPath.root('ports'), errs), FieldPath.root('ports')));
  return errs;
}

export const endpointSliceStrategy: Strategy = {
  defaults: defaultEndpointSlice,
  validate: validateEndpointSlice,
  validateUpdate: (obj, old) => immutable(obj.addressType, old.addressType, FieldPath.root('addressType')),
};
