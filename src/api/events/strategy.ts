import type { Strategy } from '../resource-type.js';

export const strategies: Record<string, Strategy> = {};
