// The core/v1 strategies, by kind. Each kind's defaulting and validation lives in its own file.
import type { Strategy } from '../resource-type.js';
import { configMapStrategy } from './configmap-strategy.js';
import { endpointsStrategy } from './endpoints-strategy.js';
import { eventStrategy } from './event-strategy.js';
import { namespaceStrategy } from './namespace-strategy.js';
import { nodeStrategy } from './node-strategy.js';
import { persistentVolumeClaimStrategy } from './persistent-volume-claim-strategy.js';
import { persistentVolumeStrategy } from './persistent-volume-strategy.js';
import { podStrategy } from './pod-strategy.js';
import { replicationControllerStrategy } from './replication-controller-strategy.js';
import { secretStrategy } from './secret-strategy.js';
import { serviceAccountStrategy } from './service-account-strategy.js';
import { serviceStrategy } from './service-strategy.js';

export const strategies: Record<string, Strategy> = {
  Pod: podStrategy,
  Service: serviceStrategy,
  ReplicationController: replicationControllerStrategy,
  Namespace: namespaceStrategy,
  Node: nodeStrategy,
  ConfigMap: configMapStrategy,
  Secret: secretStrategy,
  ServiceAccount: serviceAccountStrategy,
  PersistentVolume: persistentVolumeStrategy,
  PersistentVolumeClaim: persistentVolumeClaimStrategy,
  Endpoints: endpointsStrategy,
  Event: eventStrategy,
};
