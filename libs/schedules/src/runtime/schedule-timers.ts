import { Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '@app/config';
import { CronJob } from 'cron';
import { nextTick, type Cadence } from '../rules/cadence';

/** Longest delay setTimeout takes (about 24.8 days); a longer wait is armed in steps. */
const MAX_DELAY_MS = 2_147_483_647;

/**
 * Each ticking schedule's timer in @nestjs/schedule's SchedulerRegistry (named `schedule:<id>`): a
 * CronJob in the schedule's time zone for a cron expression; for everySeconds a timeout armed for the
 * next tick of its grid and re-armed after each, so ticks land on the grid (a setInterval started at
 * an arbitrary moment would drift off it by up to a whole period). The timer only says "look now": what
 * is due is decided from the stored last tick and the Clock.
 */
@Injectable()
export class ScheduleTimers {
  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly clock: Clock,
  ) {}

  arm(scheduleId: string, cadence: Cadence, onTick: () => void): void {
    this.disarm(scheduleId);
    const name = nameOf(scheduleId);
    if (cadence.kind === 'cron') {
      const job = new CronJob(cadence.expression, onTick, null, false, cadence.timezone);
      this.registry.addCronJob(name, job);
      job.start();
    } else {
      this.armTimeout(name, cadence, onTick);
    }
  }

  disarm(scheduleId: string): void {
    const name = nameOf(scheduleId);
    if (this.registry.doesExist('cron', name)) this.registry.deleteCronJob(name);
    if (this.registry.doesExist('timeout', name)) this.registry.deleteTimeout(name);
  }

  isArmed(scheduleId: string): boolean {
    const name = nameOf(scheduleId);
    return this.registry.doesExist('cron', name) || this.registry.doesExist('timeout', name);
  }

  disarmAll(): void {
    for (const name of this.registry.getCronJobs().keys()) if (name.startsWith(PREFIX)) this.registry.deleteCronJob(name);
    for (const name of this.registry.getTimeouts()) if (name.startsWith(PREFIX)) this.registry.deleteTimeout(name);
  }

  private armTimeout(name: string, cadence: Cadence, onTick: () => void): void {
    const now = this.clock.now().getTime();
    const wait = nextTick(cadence, new Date(now)).getTime() - now;
    const delay = Math.min(wait, MAX_DELAY_MS);
    const timer = setTimeout(() => {
      this.registry.deleteTimeout(name);
      this.armTimeout(name, cadence, onTick);
      if (delay === wait) onTick();
    }, delay);
    this.registry.addTimeout(name, timer);
  }
}

const PREFIX = 'schedule:';

function nameOf(scheduleId: string): string {
  return `${PREFIX}${scheduleId}`;
}
