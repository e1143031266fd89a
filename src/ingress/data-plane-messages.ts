// What the node agent's Ingress controller and its data plane processes tell each other over the IPC
// channel: the listeners' settings once, then whole routing inputs on every change (JSON-serialisable
// API objects, so a data plane process builds the same RoutingSnapshot the controller would).
import type { KubeObject } from '../api/object.js';
import type { ListenerLimits } from './ingress-listeners.js';

export interface DataPlaneSettings {
  address: string;
  /** undefined: that listener is not served (its port could not be had). 0 picks a free port. */
  httpPort?: number;
  httpsPort?: number;
  defaultCertificate: { certPem: string; keyPem: string };
  limits: ListenerLimits;
}

/** Everything routing needs: the served Ingresses and the Services, EndpointSlices and TLS Secrets they name. */
export interface RoutingInputs {
  ingresses: KubeObject[];
  services: KubeObject[];
  slices: KubeObject[];
  secrets: KubeObject[];
}

/** A port listened on, or why the listener could not start. */
export type ListenResult = { port: number } | { error: string };

export type ToDataPlane =
  | { type: 'start'; settings: DataPlaneSettings; routing: RoutingInputs }
  | { type: 'routing'; routing: RoutingInputs }
  | { type: 'stop' };

export type FromDataPlane =
  /** The process listens for messages (cluster's 'online' comes before an ES module has run). */
  | { type: 'ready' }
  | { type: 'listening'; http?: ListenResult; https?: ListenResult };
