// networking.k8s.io/v1 Ingress: ValidateIngressCreate / ValidateIngressUpdate and the registry strategy.
// Ingress v1 has no defaults: pathType in particular must be given.
import { isIP } from 'node:net';
import type { KubeObject } from '../object.js';
import type { Strategy } from '../resource-type.js';
import { FieldPath, fe, type FieldError } from '../field-errors.js';
import { dns1123SubdomainErrors } from '../label-names.js';
import { nameErrors } from '../meta-validation.js';
import {
  isInt, isObj, isSet, list, listAt, objAt, portNameErrors, portNumErrors, strAt, wildcardDNS1123SubdomainErrors, type Obj,
} from '../spec-validation.js';

const ingressClassAnnotation = 'kubernetes.io/ingress.class';
const pathTypes = ['Exact', 'ImplementationSpecific', 'Prefix'];
const invalidPathSequences = ['//', '/./', '/../', '%2f', '%2F'];
const invalidPathSuffixes = ['/..', '/.'];

interface IngressOptions {
  /** Keep accepting TLS secret names the stored object already had (backwards compatibility). */
  allowInvalidSecretName: boolean;
  /** Keep accepting invalid rule values under wildcard hosts the stored object already had. */
  allowInvalidWildcardHostRule: boolean;
}

/** validateIngressTypedLocalObjectReference (resource backends, IngressClass parameters). */
export function validateTypedLocalObjectReference(ref: Obj, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (isSet(ref.apiGroup)) {
    const group = strAt(ref.apiGroup, path.child('apiGroup'), errs);
    for (const m of dns1123SubdomainErrors(group)) errs.push(fe.invalid(path.child('apiGroup'), group, m));
  }
  for (const f of ['kind', 'name'] as const) {
    const v = strAt(ref[f], path.child(f), errs);
    if (!v) {
      if (!isSet(ref[f]) || ref[f] === '') errs.push(fe.required(path.child(f), `${f} is required`));
    } else for (const m of nameErrors('path-segment', v)) errs.push(fe.invalid(path.child(f), v, m));
  }
  return errs;
}

function validateIngressBackend(backend: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const b = objAt(backend, path, errs);
  if (!b) return errs;
  const hasResource = isSet(b.resource);
  const hasService = isSet(b.service);
  if (hasResource && hasService) return [fe.invalid(path, '', 'cannot set both resource and service backends')];
  if (hasResource) {
    const ref = objAt(b.resource, path.child('resource'), errs);
    if (ref) errs.push(...validateTypedLocalObjectReference(ref, path.child('resource')));
    return errs;
  }
  if (!hasService) return [fe.invalid(path, '', 'resource or service backend is required')];
  const svc = objAt(b.service, path.child('service'), errs);
  if (!svc) return errs;
  const namePath = path.child('service', 'name');
  const name = strAt(svc.name, namePath, errs);
  if (!name) {
    if (!isSet(svc.name) || svc.name === '') errs.push(fe.required(namePath, ''));
  } else for (const m of nameErrors('dns1035-label', name)) errs.push(fe.invalid(namePath, name, m));
  const port: Obj = objAt(svc.port, path.child('service', 'port'), errs) ?? {};
  const portName = strAt(port.name, path.child('service', 'port', 'name'), errs);
  const hasNumber = isSet(port.number) && port.number !== 0;
  if (portName && hasNumber) errs.push(fe.invalid(path, '', 'cannot set both port name & port number'));
  else if (portName) {
    for (const m of portNameErrors(portName)) errs.push(fe.invalid(path.child('service', 'port', 'name'), portName, m));
  } else if (hasNumber) {
    const numberPath = path.child('service', 'port', 'number');
    if (!isInt(port.number)) errs.push(fe.invalid(numberPath, port.number, 'must be an integer'));
    else for (const m of portNumErrors(port.number)) errs.push(fe.invalid(numberPath, port.number, m));
  } else errs.push(fe.required(path, 'port name or number is required'));
  return errs;
}

function validateHTTPIngressPath(p: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const hp = objAt(p, path, errs);
  if (!hp) return errs;
  if (!isSet(hp.pathType)) return [fe.required(path.child('pathType'), 'pathType must be specified')];
  const value = strAt(hp.path, path.child('path'), errs);
  switch (hp.pathType) {
    case 'Exact':
    case 'Prefix':
      if (!value.startsWith('/')) errs.push(fe.invalid(path.child('path'), value, 'must be an absolute path'));
      if (value.length > 0) {
        for (const seq of invalidPathSequences) if (value.includes(seq)) errs.push(fe.invalid(path.child('path'), value, `must not contain '${seq}'`));
        for (const suffix of invalidPathSuffixes) if (value.endsWith(suffix)) errs.push(fe.invalid(path.child('path'), value, `cannot end with '${suffix}'`));
      }
      break;
    case 'ImplementationSpecific':
      if (value.length > 0 && !value.startsWith('/')) errs.push(fe.invalid(path.child('path'), value, 'must be an absolute path'));
      break;
    default:
      errs.push(fe.notSupported(path.child('pathType'), hp.pathType, pathTypes));
  }
  errs.push(...validateIngressBackend(hp.backend, path.child('backend')));
  return errs;
}

function validateIngressRuleValue(rule: Obj, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const http = objAt(rule.http, path.child('http'), errs);
  if (!http) return errs;
  const paths = listAt(http.paths, path.child('http', 'paths'), errs);
  if (paths.length === 0) errs.push(fe.required(path.child('http', 'paths'), ''));
  paths.forEach((p, i) => errs.push(...validateHTTPIngressPath(p, path.child('http', 'paths').index(i))));
  return errs;
}

function hostErrors(host: string, path: FieldPath): FieldError[] {
  const msgs = host.includes('*') ? wildcardDNS1123SubdomainErrors(host) : dns1123SubdomainErrors(host);
  return msgs.map((m) => fe.invalid(path, host, m));
}

function validateIngressRules(rules: any[], path: FieldPath, opts: IngressOptions): FieldError[] {
  const errs: FieldError[] = [];
  rules.forEach((rule, i) => {
    const rulePath = path.index(i);
    if (!isObj(rule)) {
      errs.push(fe.invalid(rulePath, rule, 'must be an object'));
      return;
    }
    const host = strAt(rule.host, rulePath.child('host'), errs);
    if (host.length > 0) {
      if (isIP(host) !== 0) errs.push(fe.invalid(rulePath.child('host'), host, 'must be a DNS name, not an IP address'));
      errs.push(...hostErrors(host, rulePath.child('host')));
    }
    if (!host.includes('*') || !opts.allowInvalidWildcardHostRule) errs.push(...validateIngressRuleValue(rule, rulePath));
  });
  return errs;
}

function validateIngressTLS(tls: any[], path: FieldPath, opts: IngressOptions): FieldError[] {
  const errs: FieldError[] = [];
  tls.forEach((t, i) => {
    if (!isObj(t)) {
      errs.push(fe.invalid(path.index(i), t, 'must be an object'));
      return;
    }
    listAt(t.hosts, path.index(i).child('hosts'), errs).forEach((h, j) => {
      const host = strAt(h, path.index(i).child('hosts').index(j), errs);
      errs.push(...hostErrors(host, path.index(i).child('hosts').index(j)));
    });
    const secret = strAt(t.secretName, path.index(i).child('secretName'), errs);
    if (!opts.allowInvalidSecretName && secret) {
      for (const m of dns1123SubdomainErrors(secret)) errs.push(fe.invalid(path.index(i).child('secretName'), secret, m));
    }
  });
  return errs;
}

export function validateIngressSpec(spec: unknown, path: FieldPath, opts: IngressOptions): FieldError[] {
  if (!isObj(spec)) return [fe.invalid(path, spec ?? null, 'must be an object')];
  const errs: FieldError[] = [];
  const rules = listAt(spec.rules, path.child('rules'), errs);
  if (rules.length === 0 && !isSet(spec.defaultBackend)) errs.push(fe.invalid(path, spec.rules ?? null, 'either `defaultBackend` or `rules` must be specified'));
  if (isSet(spec.defaultBackend)) errs.push(...validateIngressBackend(spec.defaultBackend, path.child('defaultBackend')));
  if (rules.length > 0) errs.push(...validateIngressRules(rules, path.child('rules'), opts));
  const tls = listAt(spec.tls, path.child('tls'), errs);
  if (tls.length > 0) errs.push(...validateIngressTLS(tls, path.child('tls'), opts));
  if (isSet(spec.ingressClassName)) {
    const name = strAt(spec.ingressClassName, path.child('ingressClassName'), errs);
    for (const m of dns1123SubdomainErrors(name)) errs.push(fe.invalid(path.child('ingressClassName'), name, m));
  }
  return errs;
}

function optionsFor(old: KubeObject | undefined): IngressOptions {
  const spec: Obj = old && isObj(old.spec) ? old.spec : {};
  return {
    allowInvalidSecretName: list(spec.tls).some((t) => isObj(t) && typeof t.secretName === 'string' && t.secretName !== '' && dns1123SubdomainErrors(t.secretName).length > 0),
    allowInvalidWildcardHostRule: list(spec.rules).some((r) => isObj(r) && typeof r.host === 'string' && r.host.includes('*')
      && validateIngressRuleValue(r, FieldPath.root('')).length > 0),
  };
}

export function validateIngress(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs = validateIngressSpec(obj.spec, FieldPath.root('spec'), optionsFor(old));
  if (!old) {
    const annotation = obj.metadata.annotations?.[ingressClassAnnotation];
    const className = obj.spec?.ingressClassName;
    if (annotation !== undefined && isSet(className) && annotation !== className) {
      errs.push(fe.invalid(FieldPath.root('annotations').child(ingressClassAnnotation), annotation, 'must match `ingressClassName` when both are specified'));
    }
  }
  return errs;
}

export const ingressStrategy: Strategy = {
  prepareForCreate(obj) {
    obj.status = {};
  },
  validate: (obj, ctx) => validateIngress(obj, ctx.old),
};
