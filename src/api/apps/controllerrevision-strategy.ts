// apps/v1 ControllerRevision: data is required and immutable, revision non-negative.
import type { Strategy } from '../resource-type.js';
import { FieldPath, fe, type FieldError } from '../field-errors.js';
import { immutable, isSet, nonNegative } from '../spec-validation.js';

export const controllerRevisionStrategy: Strategy = {
  validate(obj) {
    const errs: FieldError[] = [];
    if (!isSet(obj.data)) errs.push(fe.required(FieldPath.root('data'), 'data is mandatory'));
    nonNegative(obj.revision, FieldPath.root('revision'), errs);
    return errs;
  },
  validateUpdate: (obj, old) => immutable(obj.data, old.data, FieldPath.root('data'), true),
};
