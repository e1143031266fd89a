// The Namespace strategy: the kubernetes.io/metadata.name label always equals the name; a new
// namespace is Active and carries the "kubernetes" finalizer the namespace controller removes.
import { fe, FieldPath, type FieldError } from '../field-errors.js';
import type { Strategy } from '../resource-type.js';
import { qualifiedNameErrors } from '../label-names.js';
import { validateCoreObjectMeta, validateKubeFinalizerName } from './core-meta.js';
import { isObj, listAt, type Obj } from './shape.js';

export const namespaceNameLabel = 'kubernetes.io/metadata.name';

export function defaultNamespace(ns: Obj): void {
  const meta = ns.metadata;
  if (!isObj(meta) || typeof meta.name !== 'string' || meta.name === '') return;
  if (!isObj(meta.labels)) meta.labels = {};
  meta.labels[namespaceNameLabel] = meta.name;
}

export function validateNamespace(ns: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const path = FieldPath.root('spec').child('finalizers');
  if (ns.spec !== undefined && ns.spec !== null && !isObj(ns.spec)) return [fe.invalid(FieldPath.root('spec'), ns.spec, 'must be an object')];
  const spec = isObj(ns.spec) ? ns.spec : {};
  for (const f of listAt(spec.finalizers, path, errs)) {
    if (typeof f !== 'string') {
      errs.push(fe.invalid(path, f, 'must be a string'));
      continue;
    }
    for (const m of qualifiedNameErrors(f)) errs.push(fe.invalid(path, f, m));
    errs.push(...validateKubeFinalizerName(f, path));
  }
  return errs;
}

export const namespaceStrategy: Strategy = {
  defaults(ns) {
    defaultNamespace(ns);
  },

  prepareForCreate(ns) {
    ns.status = { phase: 'Active' };
    if (ns.spec === undefined || ns.spec === null) ns.spec = {};
    if (!isObj(ns.spec)) return;
    const finalizers = Array.isArray(ns.spec.finalizers) ? ns.spec.finalizers : [];
    if (!finalizers.includes('kubernetes')) ns.spec.finalizers = [...finalizers, 'kubernetes'];
  },

  validate(ns) {
    return [...validateCoreObjectMeta(ns), ...validateNamespace(ns)];
  },
};
