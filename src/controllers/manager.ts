// Runs the control plane's controllers against one ApiClient.
import os from 'node:os';
import path from 'node:path';
import type { ApiClient } from '../client/api-client.js';
import type { ResourceRef } from '../client/resource-ref.js';
import { GarbageCollector } from './garbage-collector.js';
import { NamespaceController } from './namespace-controller.js';
import { NodeLifecycleController } from './node-lifecycle-controller.js';
import { NodeIpamController } from './node-ipam-controller.js';
import { ServiceLoadBalancerController } from './service-load-balancer-controller.js';
import { EndpointsController } from './endpoints-controller.js';
import { EndpointSliceController } from './endpointslice-controller.js';
import { EndpointSliceMirroringController } from './endpointslice-mirroring-controller.js';
import { ClusterDnsEndpointsController } from './cluster-dns-endpoints-controller.js';
import { JobController } from './job-controller.js';
import { CronJobController } from './cronjob-controller.js';
import { DaemonSetController } from './daemonset-controller.js';
import { ReplicaSetController } from './replica-set-controller.js';
import { DeploymentController } from './deployment-controller.js';
import { PersistentVolumeController } from './persistentvolume-controller.js';
import { defaultServiceAccountController } from './service-account-controller.js';
import { rootCaPublisher } from './root-ca-publisher.js';

export interface Controller {
  start(): Promise<void>;
  stop(): void;
}

export interface ControllerManagerOptions {
  client: ApiClient;
  /** Every kind the server serves (the garbage collector and namespace deletion cover them all). */
  kinds: ResourceRef[];
  /** --node-monitor-grace-period in seconds (default 50). */
  nodeMonitorGracePeriodSeconds?: number;
  /** --cluster-cidr: the pod network, split into one podCIDR per Node (default 10.42.0.0/16). */
  clusterCidr?: string;
  /** Where the local-path provisioner keeps volume directories (default: a directory under the system temp dir). */
  storageDir?: string;
  /** The cluster CA, published in every namespace as the kube-root-ca.crt ConfigMap (none: not published). */
  rootCaPem?: string;
}

export class ControllerManager {
  private readonly controllers: Controller[];

  constructor(opts: ControllerManagerOptions) {
    this.controllers = [
      new GarbageCollector(opts.client, opts.kinds),
      new NamespaceController(opts.client, opts.kinds.filter((k) => k.namespaced)),
      new NodeLifecycleController(opts.client, { gracePeriodSeconds: opts.nodeMonitorGracePeriodSeconds }),
      new NodeIpamController(opts.client, { clusterCidr: opts.clusterCidr }),
      new ServiceLoadBalancerController(opts.client),
      new EndpointsController(opts.client),
      new EndpointSliceController(opts.client),
      new EndpointSliceMirroringController(opts.client),
      new ClusterDnsEndpointsController(opts.client),
      new JobController(opts.client),
      new CronJobController(opts.client),
      new DaemonSetController(opts.client),
      new ReplicaSetController(opts.client, 'ReplicaSet'),
      new ReplicaSetController(opts.client, 'ReplicationController'),
      new DeploymentController(opts.client),
      new PersistentVolumeController(opts.client, opts.storageDir ?? path.join(os.tmpdir(), 'nanokube-storage')),
      defaultServiceAccountController(opts.client),
      ...(opts.rootCaPem ? [rootCaPublisher(opts.client, opts.rootCaPem)] : []),
    ];
  }

  async start(): Promise<void> {
    await Promise.all(this.controllers.map((c) => c.start()));
  }

  stop(): void {
    for (const c of this.controllers) c.stop();
  }
}
