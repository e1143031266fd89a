// Which scheduled run a CronJob should start now, after however long the controller (or the
// server) was away: upstream's mostRecentScheduleTime and startingDeadlineSeconds window, and its
// rule for more than 100 missed starts. Pure functions of the schedule and the times given.
import type { CronSchedule } from '../api/batch/cron-schedule.js';

const maxMissedStarts = 100;

/**
 * The latest time the schedule fired after `earliest` and up to `now`, and roughly how many times it
 * fired (upstream's mostRecentScheduleTime: the count comes from the first interval, so a schedule
 * that was down for years costs a few steps, not one per missed start).
 */
export function mostRecentScheduleTime(cron: CronSchedule, earliest: Date, now: Date): { latest?: Date; count: number } {
  const t1 = cron.next(earliest);
  if (t1.getTime() > now.getTime()) return { count: 0 };
  const t2 = cron.next(t1);
  if (t2.getTime() > now.getTime()) return { latest: t1, count: 1 };
  const interval = Math.max(1000, Math.round((t2.getTime() - t1.getTime()) / 1000) * 1000);
  const count = Math.floor((now.getTime() - t1.getTime()) / interval) + 1;
  // Walk from a little before the estimate; irregular schedules ("0 9 * * 1-5") may need to go back further.
  for (let back = 2; ; back *= 2) {
    const from = Math.max(t1.getTime(), t1.getTime() + (count - back) * interval);
    let latest: Date | undefined;
    for (let t = from === t1.getTime() ? t1 : cron.next(new Date(from)); t.getTime() <= now.getTime(); t = cron.next(t)) latest = t;
    if (latest || from === t1.getTime()) return { latest, count };
  }
}

export interface SchedulePlan {
  /** The run to start now: the latest scheduled time still inside startingDeadlineSeconds. */
  scheduled?: Date;
  /** The latest scheduled time that passed its starting deadline without a Job (a MissSchedule). */
  missed?: Date;
  /** Roughly how many starts were missed inside the window (upstream's estimate, from the first interval). */
  missedStarts: number;
  /** More than 100 starts were missed (upstream warns TooManyMissedTimes and still starts the latest). */
  tooMany: boolean;
  /** The next time the schedule fires after now. */
  next: Date;
}

/**
 * What a CronJob should do at `now`, given the time it last scheduled (or its creation): upstream only
 * looks back startingDeadlineSeconds when that is set, so older misses are skipped, not run late.
 */
export function planSchedule(cron: CronSchedule, earliest: Date, now: Date, startingDeadlineSeconds?: number | null): SchedulePlan {
  let windowStart = earliest;
  if (startingDeadlineSeconds !== undefined && startingDeadlineSeconds !== null) {
    const deadlineStart = new Date(now.getTime() - startingDeadlineSeconds * 1000);
    if (deadlineStart.getTime() > earliest.getTime()) windowStart = deadlineStart;
  }
  const recent = mostRecentScheduleTime(cron, windowStart, now);
  const missed = windowStart !== earliest ? mostRecentScheduleTime(cron, earliest, windowStart).latest : undefined;
  return { scheduled: recent.latest, missed, missedStarts: recent.count, tooMany: recent.count > maxMissedStarts, next: cron.next(now) };
}
