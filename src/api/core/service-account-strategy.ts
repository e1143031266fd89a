// The ServiceAccount strategy: nothing beyond the generic metadata checks and core's finalizer names.
import type { Strategy } from '../resource-type.js';
import { validateCoreObjectMeta } from './core-meta.js';

export const serviceAccountStrategy: Strategy = {
  validate(sa) {
    return validateCoreObjectMeta(sa);
  },
};
