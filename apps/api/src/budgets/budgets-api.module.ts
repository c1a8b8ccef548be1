import { Module } from '@nestjs/common';
import { TieringModule } from '@app/tiering';
import { BudgetsController } from './budgets.controller';

@Module({
  imports: [TieringModule],
  controllers: [BudgetsController],
})
export class BudgetsApiModule {}
