import { Module } from '@nestjs/common';
import { AllocationAudit } from './allocation/allocation-audit.repository';
import { BudgetLedger } from './budget/budget-ledger.service';
import { BudgetReservationStore } from './budget/budget-reservation.store';
import { BudgetRolloverJob } from './budget/budget-rollover.job';
import { BudgetWindowRepository } from './budget/budget-window.repository';

/**
 * Budgets and tier policy. Needs the app's TypeORM DataSource (with `tieringEntities` and
 * `tieringMigrations`) and CONCLAVE_CONFIG; the scheduler (ScheduleModule.forRoot) is the app's.
 */
@Module({
  providers: [BudgetWindowRepository, BudgetReservationStore, BudgetLedger, BudgetRolloverJob, AllocationAudit],
  exports: [BudgetLedger, AllocationAudit],
})
export class TieringModule {}
