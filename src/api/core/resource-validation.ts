// Resource names and quantities (requests, limits, capacities) with upstream's rules and messages:
// qualified or standard names, non-negative values, integer extended resources, requests <= limits.
import { fe, type FieldError, type FieldPath } from '../field-errors.js';
import { Quantity } from '../quantity.js';
import { qualifiedNameErrors } from '../label-names.js';
import { isNegativeErrorMsg, isObj } from './shape.js';

const standardContainerResources = new Set(['cpu', 'memory', 'ephemeral-storage']);
const standardResources = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu',
  'limits.memory', 'limits.ephemeral-storage', 'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets',
  'configmaps', 'persistentvolumeclaims', 'storage', 'requests.storage', 'services.nodeports', 'services.loadbalancers',
]);

export function isHugePageResourceName(name: string): boolean {
  return name.startsWith('hugepages-');
}

export function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith('requests.')) return false;
  return qualifiedNameErrors(`requests.${name}`).length === 0;
}

export function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !isHugePageResourceName(name);
}

function isStandardResourceName(name: string): boolean {
  return standardResources.has(name) || isHugePageResourceName(name) || name.startsWith('requests.hugepages-');
}

function isIntegerResourceName(name: string): boolean {
  return isExtendedResourceName(name);
}

function validateResourceName(name: string, path: FieldPath): FieldError[] {
  const errs = qualifiedNameErrors(name).map((m) => fe.invalid(path, name, m));
  if (errs.length) return errs;
  if (!name.includes('/') && !isStandardResourceName(name)) errs.push(fe.invalid(path, name, 'must be a standard resource type or fully qualified'));
  return errs;
}

export function validateContainerResourceName(name: string, path: FieldPath): FieldError[] {
  const errs = validateResourceName(name, path);
  if (!name.includes('/')) {
    if (!standardContainerResources.has(name) && !isHugePageResourceName(name)) {
      errs.push(fe.invalid(path, name, 'must be a standard resource for containers'));
    }
  } else if (!isNativeResource(name) && !isExtendedResourceName(name)) {
    errs.push(fe.invalid(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** Parses a quantity, reporting the decoder's error at `path`. */
export function parseQuantityAt(v: unknown, path: FieldPath, errs: FieldError[]): Quantity | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') {
    errs.push(fe.invalid(path, v ?? null, 'must be a quantity (a string or a number)'));
    return undefined;
  }
  try {
    return Quantity.parse(v);
  } catch (e) {
    errs.push(fe.invalid(path, v, (e as Error).message));
    return undefined;
  }
}

const zero = Quantity.parse('0');

/** ValidateResourceQuantityValue: non-negative, and whole for integer resources. */
export function validateResourceQuantityValue(name: string, q: Quantity, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (q.cmp(zero) < 0) errs.push(fe.invalid(path, q.toString(), isNegativeErrorMsg));
  if (isIntegerResourceName(name) && q.milliValue() % 1000n !== 0n) errs.push(fe.invalid(path, q.toString(), 'must be an integer'));
  return errs;
}

export function validatePositiveQuantity(q: Quantity, path: FieldPath): FieldError[] {
  return q.cmp(zero) <= 0 ? [fe.invalid(path, q.toString(), 'must be greater than zero')] : [];
}

/** A container's (or pod overhead's) ResourceRequirements. */
export function validateResourceRequirements(res: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (res === undefined || res === null) return errs;
  if (!isObj(res)) return [fe.invalid(path, res, 'must be an object')];
  const limPath = path.child('limits');
  const reqPath = path.child('requests');
  const limits = new Map<string, Quantity>();
  let limCpuMem = false;
  let reqCpuMem = false;
  let hugePages = false;
  if (res.limits !== undefined && res.limits !== null && !isObj(res.limits)) errs.push(fe.invalid(limPath, res.limits, 'must be an object'));
  if (res.requests !== undefined && res.requests !== null && !isObj(res.requests)) errs.push(fe.invalid(reqPath, res.requests, 'must be an object'));
  for (const [name, v] of Object.entries(isObj(res.limits) ? res.limits : {})) {
    const p = limPath.key(name);
    errs.push(...validateContainerResourceName(name, p));
    const q = parseQuantityAt(v, p, errs);
    if (!q) continue;
    errs.push(...validateResourceQuantityValue(name, q, p));
    limits.set(name, q);
    if (isHugePageResourceName(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') limCpuMem = true;
  }
  for (const [name, v] of Object.entries(isObj(res.requests) ? res.requests : {})) {
    const p = reqPath.key(name);
    errs.push(...validateContainerResourceName(name, p));
    const q = parseQuantityAt(v, p, errs);
    if (!q) continue;
    errs.push(...validateResourceQuantityValue(name, q, p));
    const limit = limits.get(name);
    const hasLimit = isObj(res.limits) && Object.hasOwn(res.limits, name);
    if (limit) {
      if (q.cmp(limit) !== 0 && !isOvercommitAllowed(name)) {
        errs.push(fe.invalid(reqPath, q.toString(), `must be equal to ${name} limit of ${limit.toString()}`));
      } else if (q.cmp(limit) > 0) {
        errs.push(fe.invalid(reqPath, q.toString(), `must be less than or equal to ${name} limit of ${limit.toString()}`));
      }
    } else if (!hasLimit && !isOvercommitAllowed(name)) {
      errs.push(fe.required(limPath, 'Limit must be set for non overcommitable resources'));
    }
    if (isHugePageResourceName(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') reqCpuMem = true;
  }
  if (!limCpuMem && !reqCpuMem && hugePages) errs.push(fe.forbidden(path, 'HugePages require cpu or memory'));
  const claims = res.claims;
  if (claims !== undefined && claims !== null && !Array.isArray(claims)) errs.push(fe.invalid(path.child('claims'), claims, 'must be a list'));
  return errs;
}
