import { CreateSchedules1763900020000 } from './persistence/create-schedules.migration';
import { ScheduleEntity, ScheduleRunEntity } from './persistence/schedule.entities';

export * from './schedule.types';
export { SchedulesModule } from './schedules.module';
export { ScheduleService, DEFAULT_MAX_CONSECUTIVE_FAILURES } from './schedule.service';
export { ScheduleEvents } from './runtime/schedule-events';
export { OwnService } from './runtime/own-service';
export { MAX_EVERY_SECONDS } from './rules/cadence';
export type { RunStatus, SkipReason } from './rules/governance';

export const scheduleEntities = [ScheduleEntity, ScheduleRunEntity];
export const scheduleMigrations = [CreateSchedules1763900020000];
