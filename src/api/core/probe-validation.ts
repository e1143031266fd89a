// Probes and lifecycle hooks: exactly one handler each (exec, httpGet, tcpSocket, grpc; sleep for hooks),
// valid ports and schemes, non-negative timings, and successThreshold 1 where upstream requires it.
import { fe, type FieldError, type FieldPath } from '../field-errors.js';
import {
  httpHeaderNameErrors, isInt, isObj, listAt, nonNegative, objAt, validatePortNumOrName, type Obj,
} from './shape.js';

type HandlerKind = 'exec' | 'httpGet' | 'tcpSocket' | 'grpc' | 'sleep';

const probeHandlers: HandlerKind[] = ['exec', 'httpGet', 'tcpSocket', 'grpc'];
const lifecycleHandlers: HandlerKind[] = ['exec', 'httpGet', 'tcpSocket', 'sleep'];

function validateHttpGet(h: Obj, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof h.path !== 'string' || h.path.length === 0) errs.push(fe.required(path.child('path'), ''));
  errs.push(...validatePortNumOrName(h.port, path.child('port')));
  if (h.scheme !== 'HTTP' && h.scheme !== 'HTTPS') errs.push(fe.notSupported(path.child('scheme'), h.scheme ?? '', ['HTTP', 'HTTPS']));
  for (const [i, header] of listAt(h.httpHeaders, path.child('httpHeaders'), errs).entries()) {
    const name = isObj(header) && typeof header.name === 'string' ? header.name : '';
    if (!isObj(header)) errs.push(fe.invalid(path.child('httpHeaders').index(i), header, 'must be an object'));
    else for (const m of httpHeaderNameErrors(name)) errs.push(fe.invalid(path.child('httpHeaders'), name, m));
  }
  return errs;
}

function validateSleep(h: Obj, gracePeriod: number | undefined, path: FieldPath): FieldError[] {
  if (!isInt(h.seconds)) return [fe.invalid(path.child('seconds'), h.seconds ?? null, 'must be an integer')];
  // PodLifecycleSleepActionAllowZero is on by default (1.33): zero is allowed.
  if (gracePeriod !== undefined && (h.seconds < 0 || h.seconds > gracePeriod)) {
    return [fe.invalid(path, h.seconds, `must be non-negative and less than terminationGracePeriodSeconds (${gracePeriod})`)];
  }
  return [];
}

function validateHandler(handler: Obj, kinds: HandlerKind[], gracePeriod: number | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  for (const kind of kinds) {
    const h = handler[kind];
    if (h === undefined || h === null) continue;
    const p = path.child(kind);
    if (n > 0) {
      errs.push(fe.forbidden(p, 'may not specify more than 1 handler type'));
      continue;
    }
    n++;
    if (!isObj(h)) {
      errs.push(fe.invalid(p, h, 'must be an object'));
      continue;
    }
    switch (kind) {
      case 'exec':
        if (!Array.isArray(h.command) || h.command.length === 0) errs.push(fe.required(p.child('command'), ''));
        break;
      case 'httpGet':
        errs.push(...validateHttpGet(h, p));
        break;
      case 'tcpSocket':
        errs.push(...validatePortNumOrName(h.port, p.child('port')));
        break;
      case 'grpc':
        if (!isInt(h.port)) errs.push(fe.invalid(p.child('port'), h.port ?? null, 'must be an integer'));
        else errs.push(...validatePortNumOrName(h.port, p.child('port')));
        break;
      case 'sleep':
        errs.push(...validateSleep(h, gracePeriod, p));
        break;
    }
  }
  if (n === 0) errs.push(fe.required(path, 'must specify a handler type'));
  return errs;
}

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** One probe; liveness and startup probes need successThreshold 1, readiness probes no terminationGracePeriodSeconds. */
export function validateProbe(probe: unknown, kind: ProbeKind, gracePeriod: number | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const p = objAt(probe, path, errs);
  if (!p) return errs;
  errs.push(...validateHandler(p, probeHandlers, gracePeriod, path));
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    nonNegative(p[f], path.child(f), errs);
  }
  const tgps = p.terminationGracePeriodSeconds;
  if (tgps !== undefined && tgps !== null) {
    if (!isInt(tgps)) errs.push(fe.invalid(path.child('terminationGracePeriodSeconds'), tgps, 'must be an integer'));
    else if (tgps <= 0) errs.push(fe.invalid(path.child('terminationGracePeriodSeconds'), tgps, 'must be greater than 0'));
  }
  if ((kind === 'liveness' || kind === 'startup') && isInt(p.successThreshold) && p.successThreshold !== 1) {
    errs.push(fe.invalid(path.child('successThreshold'), p.successThreshold, 'must be 1'));
  }
  if (kind === 'readiness' && tgps !== undefined && tgps !== null) {
    errs.push(fe.invalid(path.child('terminationGracePeriodSeconds'), tgps, 'must not be set for readinessProbes'));
  }
  return errs;
}

export function validateLifecycle(lifecycle: unknown, gracePeriod: number | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const l = objAt(lifecycle, path, errs);
  if (!l) return errs;
  for (const hook of ['postStart', 'preStop']) {
    const h = objAt(l[hook], path.child(hook), errs);
    if (h) errs.push(...validateHandler(h, lifecycleHandlers, gracePeriod, path.child(hook)));
  }
  return errs;
}
