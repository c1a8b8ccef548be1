import { Injectable } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { BudgetLedger } from './budget-ledger.service';

/**
 * Starts new budget windows on time even when nothing is spending. Every minute rather than at the
 * boundary, because boundaries follow the configured time zone and a cron expression would not.
 */
@Injectable()
export class BudgetRolloverJob {
  constructor(private readonly ledger: BudgetLedger) {}

  @Cron(CronExpression.EVERY_MINUTE, { name: 'budget-rollover' })
  run(): Promise<void> {
    return this.ledger.rollover();
  }
}
