// The core/v1 Event strategy: upstream's legacy event validation. Old-style events (no eventTime)
// need involvedObject.namespace to match the event's; new-style ones need the reporting fields.
import { fe, FieldPath, type FieldError } from '../field-errors.js';
import type { Strategy } from '../resource-type.js';
import { validateCoreObjectMeta } from './core-meta.js';
import { dns1123Subdomain, isObj, qualifiedName, str, type Obj } from './shape.js';

const reportingInstanceLengthLimit = 128;
const actionLengthLimit = 128;
const reasonLengthLimit = 128;
const noteLengthLimit = 1024;

export function validateEvent(ev: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const namespace = str(ev.metadata?.namespace);
  const involved = isObj(ev.involvedObject) ? ev.involvedObject : {};
  const involvedNs = str(involved.namespace);
  const nsPath = FieldPath.root('involvedObject').child('namespace');
  if (!ev.eventTime) {
    if (!involvedNs) {
      if (namespace !== '' && namespace !== 'default') errs.push(fe.invalid(nsPath, involvedNs, 'does not match event.namespace'));
    } else if (namespace !== involvedNs) {
      errs.push(fe.invalid(nsPath, involvedNs, 'does not match event.namespace'));
    }
  } else {
    if (!involvedNs && namespace !== 'default' && namespace !== 'kube-system') errs.push(fe.invalid(nsPath, involvedNs, 'does not match event.namespace'));
    const controller = str(ev.reportingComponent);
    if (!controller) errs.push(fe.required(FieldPath.root('reportingComponent'), ''));
    errs.push(...qualifiedName(controller, FieldPath.root('reportingComponent')));
    const instance = str(ev.reportingInstance);
    if (!instance) errs.push(fe.required(FieldPath.root('reportingInstance'), ''));
    if (instance.length > reportingInstanceLengthLimit) errs.push(fe.invalid(FieldPath.root('reportingInstance'), '', `can have at most ${reportingInstanceLengthLimit} characters`));
    const action = str(ev.action);
    if (!action) errs.push(fe.required(FieldPath.root('action'), ''));
    if (action.length > actionLengthLimit) errs.push(fe.invalid(FieldPath.root('action'), '', `can have at most ${actionLengthLimit} characters`));
    const reason = str(ev.reason);
    if (!reason) errs.push(fe.required(FieldPath.root('reason'), ''));
    if (reason.length > reasonLengthLimit) errs.push(fe.invalid(FieldPath.root('reason'), '', `can have at most ${reasonLengthLimit} characters`));
    if (str(ev.message).length > noteLengthLimit) errs.push(fe.invalid(FieldPath.root('message'), '', `can have at most ${noteLengthLimit} characters`));
  }
  errs.push(...dns1123Subdomain(namespace, FieldPath.root('namespace')));
  return errs;
}

export const eventStrategy: Strategy = {
  validate(ev) {
    return [...validateCoreObjectMeta(ev), ...validateEvent(ev)];
  },
};
