import { Module } from '@nestjs/common';
import { TieringModule } from '@app/tiering';
import { AllocationsController } from './allocations.controller';

@Module({
  imports: [TieringModule],
  controllers: [AllocationsController],
})
export class AllocationsApiModule {}
