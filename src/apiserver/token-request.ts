// POST serviceaccounts/<name>/token: a TokenRequest (authentication.k8s.io/v1) answered with a new
// service account token, as upstream: audiences default to the API server's, expirationSeconds to
// one hour (at least 10 minutes, at most 2^32 s), and a boundObjectRef ties the token to a Pod or
// Secret that must exist (with the uid given, if one is).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isObject, nowTimestamp, type KubeObject } from '../api/object.js';
import { ApiError, errors } from '../api/status.js';
import { fe, invalidError, type FieldError } from '../api/field-errors.js';
import type { Registry } from '../api/registry.js';
import type { ResourceType } from '../api/resource-type.js';
import type { RequestInfo } from './request-info.js';
import type { ResourceService } from './resource-service.js';
import type { BoundObject, ServiceAccountTokens } from './service-account-tokens.js';
import { decodeObjectBody, readBody } from './body.js';
import { sendJson } from './respond.js';

const defaultExpirationSeconds = 3600;
const minExpirationSeconds = 600;
const maxExpirationSeconds = 2 ** 32;

export async function serveTokenRequest(
  req: IncomingMessage, res: ServerResponse, rt: ResourceType, info: RequestInfo,
  service: ResourceService, registry: Registry, tokens: ServiceAccountTokens,
): Promise<void> {
  if (req.method !== 'POST') throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
  const body = decodeObjectBody(await readBody(req), req.headers['content-type']);
  sendJson(res, 201, await answerTokenRequest(body, rt, info.namespace, info.name, service, registry, tokens));
}

/** The TokenRequest answered for service account namespace/name (HTTP and in-process clients alike). */
export async function answerTokenRequest(
  body: unknown, rt: ResourceType, namespace: string, name: string,
  service: ResourceService, registry: Registry, tokens: ServiceAccountTokens,
): Promise<KubeObject> {
  if (!isObject(body)) throw errors.badRequest('the request body must be a TokenRequest object');
  const request = body as KubeObject;
  if (request.kind !== undefined && request.kind !== 'TokenRequest') throw errors.badRequest(`the kind in the data (${request.kind}) is not TokenRequest`);
  const spec = isObject(request.spec) ? request.spec as Record<string, any> : {};
  const expirationSeconds = spec.expirationSeconds ?? defaultExpirationSeconds;
  const audiences: string[] = Array.isArray(spec.audiences) && spec.audiences.length > 0 ? spec.audiences : tokens.audiences;
  const errs: FieldError[] = [];
  if (!Number.isInteger(expirationSeconds)) errs.push(fe.invalid('spec.expirationSeconds', expirationSeconds, 'must be a whole number of seconds'));
  else if (expirationSeconds < minExpirationSeconds) errs.push(fe.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration less than 10 minutes'));
  else if (expirationSeconds > maxExpirationSeconds) errs.push(fe.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration larger than 2^32 seconds'));
  const ref = isObject(spec.boundObjectRef) ? spec.boundObjectRef as Record<string, any> : undefined;
  if (ref && ref.kind !== 'Pod' && ref.kind !== 'Secret') errs.push(fe.notSupported('spec.boundObjectRef.kind', ref.kind, ['Pod', 'Secret']));
  if (errs.length > 0) throw invalidError('TokenRequest', 'authentication.k8s.io', name, errs);

  const sa = await service.get(rt, namespace, name);
  let bound: BoundObject | undefined;
  if (ref) {
    const plural = ref.kind === 'Pod' ? 'pods' : 'secrets';
    const obj = await service.get(registry.resource('', 'v1', plural)!, namespace, String(ref.name ?? ''));
    if (ref.uid && ref.uid !== obj.metadata.uid) {
      throw new ApiError(409, 'Conflict', `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
    bound = { kind: ref.kind, name: obj.metadata.name!, uid: obj.metadata.uid! };
  }
  const { token, expiresAt } = tokens.issue({ namespace, serviceAccount: { name: sa.metadata.name!, uid: sa.metadata.uid! }, bound, audiences }, expirationSeconds);
  return {
    kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1',
    metadata: { name: sa.metadata.name, namespace, creationTimestamp: null as unknown as string },
    spec: { audiences, expirationSeconds, boundObjectRef: ref ? { kind: ref.kind, apiVersion: 'v1', name: bound!.name, uid: bound!.uid } : null },
    status: { token, expirationTimestamp: nowTimestamp(expiresAt) },
  };
}
