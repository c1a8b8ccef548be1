import { Module } from '@nestjs/common';
import { SchedulesModule } from '@app/schedules';
import { LoopbackOwnService } from './own-service.http';
import { SchedulesController } from './schedules.controller';

@Module({ imports: [SchedulesModule.forRoot(LoopbackOwnService)], controllers: [SchedulesController] })
export class SchedulesApiModule {}
