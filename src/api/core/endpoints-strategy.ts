// The Endpoints strategy: port protocols default to TCP; every subset needs addresses, each address
// a valid IP, ports valid and named when there are several.
import { fe, FieldPath, type FieldError } from '../field-errors.js';
import type { Strategy } from '../resource-type.js';
import { supportedPortProtocols } from './container-validation.js';
import { validateCoreObjectMeta } from './core-meta.js';
import { dns1123Label, dns1123Subdomain, isInt, isObj, list, listAt, portNumErrors, qualifiedName, str, validIP, type Obj } from './shape.js';

export function defaultEndpoints(ep: Obj): void {
  for (const ss of list(ep.subsets)) {
    if (!isObj(ss)) continue;
    for (const p of list(ss.ports)) if (isObj(p) && !p.protocol) p.protocol = 'TCP';
  }
}

function validateAddress(a: unknown, path: FieldPath): FieldError[] {
  if (!isObj(a)) return [fe.invalid(path, a, 'must be an object')];
  // Upstream also rejects loopback and link-local addresses here; pods of a node reached at
  // 127.0.0.1 have that address, so only the IP syntax is checked.
  const errs = validIP(a.ip, path.child('ip'));
  if (str(a.hostname)) errs.push(...dns1123Label(a.hostname, path.child('hostname')));
  if (a.nodeName !== undefined && a.nodeName !== null) errs.push(...dns1123Subdomain(str(a.nodeName), path.child('nodeName')));
  return errs;
}

function validatePort(p: unknown, requireName: boolean, path: FieldPath): FieldError[] {
  if (!isObj(p)) return [fe.invalid(path, p, 'must be an object')];
  const errs: FieldError[] = [];
  const name = str(p.name);
  if (requireName && !name) errs.push(fe.required(path.child('name'), ''));
  else if (name) errs.push(...dns1123Label(name, path.child('name')));
  const port = p.port ?? 0;
  if (!isInt(port)) errs.push(fe.invalid(path.child('port'), port, 'must be an integer'));
  else for (const m of portNumErrors(port)) errs.push(fe.invalid(path.child('port'), port, m));
  if (p.protocol === undefined || p.protocol === null || p.protocol === '') errs.push(fe.required(path.child('protocol'), ''));
  else if (!supportedPortProtocols.includes(p.protocol)) errs.push(fe.notSupported(path.child('protocol'), p.protocol, supportedPortProtocols));
  if (p.appProtocol !== undefined && p.appProtocol !== null) errs.push(...qualifiedName(str(p.appProtocol), path.child('appProtocol')));
  return errs;
}

export function validateEndpoints(ep: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const path = FieldPath.root('subsets');
  listAt(ep.subsets, path, errs).forEach((ss, i) => {
    const ip = path.index(i);
    if (!isObj(ss)) {
      errs.push(fe.invalid(ip, ss, 'must be an object'));
      return;
    }
    const addresses = listAt(ss.addresses, ip.child('addresses'), errs);
    const notReady = listAt(ss.notReadyAddresses, ip.child('notReadyAddresses'), errs);
    if (addresses.length === 0 && notReady.length === 0) errs.push(fe.required(ip, 'must specify `addresses` or `notReadyAddresses`'));
    addresses.forEach((a, j) => errs.push(...validateAddress(a, ip.child('addresses').index(j))));
    notReady.forEach((a, j) => errs.push(...validateAddress(a, ip.child('notReadyAddresses').index(j))));
    const ports = listAt(ss.ports, ip.child('ports'), errs);
    ports.forEach((p, j) => errs.push(...validatePort(p, ports.length > 1, ip.child('ports').index(j))));
  });
  return errs;
}

export const endpointsStrategy: Strategy = {
  defaults(ep) {
    defaultEndpoints(ep);
  },
  validate(ep) {
    return [...validateCoreObjectMeta(ep), ...validateEndpoints(ep)];
  },
};
