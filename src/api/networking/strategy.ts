// networking.k8s.io/v1 strategies, one per kind (see the *-strategy.ts files beside this one).
import type { Strategy } from '../resource-type.js';
import { ingressStrategy } from './ingress-strategy.js';
import { ingressClassStrategy } from './ingressclass-strategy.js';

export const strategies: Record<string, Strategy> = {
  Ingress: ingressStrategy,
  IngressClass: ingressClassStrategy,
};
