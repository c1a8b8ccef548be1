import { DynamicModule, Inject, Module, OnModuleInit, type Type } from '@nestjs/common';
import { CONCLAVE_CONFIG, ConclaveConfig } from '@app/config';
import { DeliberationModule } from '@app/deliberation';
import { TieringModule } from '@app/tiering';
import { statSync } from 'node:fs';
import { ScheduleRepository } from './persistence/schedule.repository';
import { OwnService } from './runtime/own-service';
import { ScheduleEvents } from './runtime/schedule-events';
import { ScheduleRunner } from './runtime/schedule-runner';
import { ScheduleTimers } from './runtime/schedule-timers';
import { ScheduleService } from './schedule.service';

/**
 * Recurring deliberations. Needs the app's DataSource (with `scheduleEntities` and `scheduleMigrations`),
 * its ScheduleModule.forRoot (the SchedulerRegistry) and an OwnService (how to read a path of this service).
 */
@Module({})
export class SchedulesModule implements OnModuleInit {
  constructor(@Inject(CONCLAVE_CONFIG) private readonly config: ConclaveConfig) {}

  static forRoot(ownService: Type<OwnService>): DynamicModule {
    return {
      module: SchedulesModule,
      imports: [DeliberationModule, TieringModule],
      providers: [ScheduleRepository, ScheduleTimers, ScheduleEvents, ScheduleRunner, ScheduleService, { provide: OwnService, useClass: ownService }],
      exports: [ScheduleService, ScheduleEvents],
    };
  }

  /** A configured context folder that is not one stops the start, naming the key. */
  onModuleInit(): void {
    const dir = this.config.schedules.contextDir;
    if (dir === undefined) return;
    let isDirectory = false;
    try {
      isDirectory = statSync(dir).isDirectory();
    } catch {
      // reported below
    }
    if (!isDirectory) throw new Error(`schedules.contextDir: "${dir}" is not a readable folder`);
  }
}
