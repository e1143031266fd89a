// storage.k8s.io/v1 strategies, one per kind (see the *-strategy.ts files beside this one).
import type { Strategy } from '../resource-type.js';
import { storageClassStrategy } from './storageclass-strategy.js';

export const strategies: Record<string, Strategy> = {
  StorageClass: storageClassStrategy,
};
