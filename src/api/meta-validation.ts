// Generic ObjectMeta validation (upstream's ValidateObjectMeta): names per the kind's rule,
// namespace by scope, labels, annotations, ownerReferences, finalizers; immutable fields on update.
import type { ObjectMeta } from './object.js';
import type { NameRule } from './resource-type.js';
import { FieldPath, fe, type FieldError } from './field-errors.js';
import { validateLabels } from './labels.js';
import { dns1123SubdomainErrors, qualifiedNameErrors } from './label-names.js';

const totalAnnotationSizeLimit = 256 * 1024;

const dns1123LabelRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1035LabelRe = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

export function nameErrors(rule: NameRule, name: string): string[] {
  switch (rule) {
    case 'dns1123-subdomain':
      return dns1123SubdomainErrors(name);
    case 'dns1123-label': {
      const errs: string[] = [];
      if (name.length > 63) errs.push('must be no more than 63 characters');
      if (!dns1123LabelRe.test(name)) {
        errs.push("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
      }
      return errs;
    }
    case 'dns1035-label': {
      const errs: string[] = [];
      if (name.length > 63) errs.push('must be no more than 63 characters');
      if (!dns1035LabelRe.test(name)) {
        errs.push("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
      }
      return errs;
    }
    case 'path-segment': {
      if (name === '.' || name === '..') return [`may not be '${name}'`];
      const bad = ['/', '%'].find((c) => name.includes(c));
      return bad ? [`may not contain '${bad}'`] : [];
    }
  }
}

export function validateObjectMeta(meta: ObjectMeta | undefined, opts: { namespaced: boolean; nameRule: NameRule; path?: FieldPath }): FieldError[] {
  const path = opts.path ?? FieldPath.root('metadata');
  const errs: FieldError[] = [];
  const m = meta ?? {};
  if (typeof m.name !== 'string' || m.name === '') {
    if (!m.generateName) errs.push(fe.required(path.child('name'), 'name or generateName is required'));
  } else {
    for (const msg of nameErrors(opts.nameRule, m.name)) errs.push(fe.invalid(path.child('name'), m.name, msg));
  }
  if (m.generateName !== undefined && typeof m.generateName === 'string' && m.generateName && !m.name) {
    // A generated name is the prefix plus 5 characters; the prefix itself may end in '-'.
    const probe = m.generateName.replace(/-+$/, '') || 'a';
    for (const msg of nameErrors(opts.nameRule, probe.slice(0, 58))) errs.push(fe.invalid(path.child('generateName'), m.generateName, msg));
  }
  if (opts.namespaced) {
    if (!m.namespace) errs.push(fe.required(path.child('namespace'), ''));
  } else if (m.namespace) {
    errs.push(fe.forbidden(path.child('namespace'), 'not allowed on this type'));
  }
  if (m.labels !== undefined && (typeof m.labels !== 'object' || m.labels === null || Array.isArray(m.labels))) {
    errs.push(fe.invalid(path.child('labels'), m.labels, 'must be a map of strings'));
  } else errs.push(...validateLabels(m.labels, path.child('labels')));
  if (m.annotations !== undefined) {
    if (typeof m.annotations !== 'object' || m.annotations === null || Array.isArray(m.annotations)) {
      errs.push(fe.invalid(path.child('annotations'), m.annotations, 'must be a map of strings'));
    } else {
      let size = 0;
      for (const [k, v] of Object.entries(m.annotations)) {
        for (const msg of qualifiedNameErrors(k.toLowerCase())) errs.push(fe.invalid(path.child('annotations'), k, msg));
        if (typeof v !== 'string') errs.push(fe.invalid(path.child('annotations').key(k), v, 'must be a string'));
        size += k.length + String(v).length;
      }
      if (size > totalAnnotationSizeLimit) errs.push(fe.tooLong(path.child('annotations'), totalAnnotationSizeLimit));
    }
  }
  if (m.ownerReferences !== undefined) {
    if (!Array.isArray(m.ownerReferences)) errs.push(fe.invalid(path.child('ownerReferences'), m.ownerReferences, 'must be a list'));
    else {
      let controllers = 0;
      for (const [i, o] of m.ownerReferences.entries()) {
        const p = path.child('ownerReferences').index(i);
        if (!o || typeof o !== 'object') {
          errs.push(fe.invalid(p, o, 'must be an object'));
          continue;
        }
        if (!o.apiVersion) errs.push(fe.invalid(p.child('apiVersion'), o.apiVersion ?? '', 'version must not be empty'));
        if (!o.kind) errs.push(fe.invalid(p.child('kind'), o.kind ?? '', 'kind must not be empty'));
        if (!o.name) errs.push(fe.invalid(p.child('name'), o.name ?? '', 'name must not be empty'));
        if (!o.uid) errs.push(fe.invalid(p.child('uid'), o.uid ?? '', 'uid must not be empty'));
        if (o.controller) controllers++;
      }
      if (controllers > 1) errs.push(fe.invalid(path.child('ownerReferences'), m.ownerReferences, 'Only one reference can have Controller set to true'));
    }
  }
  if (m.finalizers !== undefined) {
    if (!Array.isArray(m.finalizers)) errs.push(fe.invalid(path.child('finalizers'), m.finalizers, 'must be a list of strings'));
    else {
      for (const [i, f] of m.finalizers.entries()) {
        if (typeof f !== 'string') errs.push(fe.invalid(path.child('finalizers').index(i), f, 'must be a string'));
        else for (const msg of qualifiedNameErrors(f)) errs.push(fe.invalid(path.child('finalizers'), f, msg));
      }
    }
  }
  return errs;
}

export function validateObjectMetaUpdate(meta: ObjectMeta, old: ObjectMeta, path = FieldPath.root('metadata')): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['name', 'namespace', 'uid', 'creationTimestamp'] as const) {
    if (old[f] !== undefined && meta[f] !== old[f]) errs.push(fe.invalid(path.child(f), meta[f], 'field is immutable'));
  }
  return errs;
}
