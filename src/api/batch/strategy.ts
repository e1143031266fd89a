// batch/v1 strategies, one per kind (see the *-strategy.ts files beside this one).
import type { Strategy } from '../resource-type.js';
import { jobStrategy } from './job-strategy.js';
import { cronJobStrategy } from './cronjob-strategy.js';

export const strategies: Record<string, Strategy> = {
  Job: jobStrategy,
  CronJob: cronJobStrategy,
};
