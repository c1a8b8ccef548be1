import { Module } from '@nestjs/common';
import { DeliberationModule } from '@app/deliberation';
import { CheckpointsController } from '../checkpoints/checkpoints.controller';
import { DeliberationsController } from './deliberations.controller';

@Module({ imports: [DeliberationModule], controllers: [DeliberationsController, CheckpointsController] })
export class DeliberationsApiModule {}
