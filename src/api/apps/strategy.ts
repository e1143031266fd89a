// apps/v1 strategies, one per kind (see the *-strategy.ts files beside this one).
import type { Strategy } from '../resource-type.js';
import { replicaSetStrategy } from './replicaset-strategy.js';
import { deploymentStrategy } from './deployment-strategy.js';
import { daemonSetStrategy } from './daemonset-strategy.js';
import { controllerRevisionStrategy } from './controllerrevision-strategy.js';

export const strategies: Record<string, Strategy> = {
  ReplicaSet: replicaSetStrategy,
  Deployment: deploymentStrategy,
  DaemonSet: daemonSetStrategy,
  ControllerRevision: controllerRevisionStrategy,
};
