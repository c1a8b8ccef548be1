import { Module } from '@nestjs/common';
import { DeliberationModule } from '@app/deliberation';
import { DecisionsController } from './decisions.controller';

@Module({ imports: [DeliberationModule], controllers: [DecisionsController] })
export class DecisionsApiModule {}
