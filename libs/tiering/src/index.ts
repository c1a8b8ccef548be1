import { AllocationEntity } from './allocation/allocation.entity';
import { BudgetAuditEntity } from './budget/budget-audit.entity';
import { BudgetSettingEntity } from './budget/budget-setting.entity';
import { BudgetWindowEntity } from './budget/budget-window.entity';
import { CreateBudgetWindows1763900002000 } from './migrations/1763900002000-create-budget-windows';
import { CreateBudgetSettings1763900002001 } from './migrations/1763900002001-create-budget-settings';
import { CreateAllocations1763900002002 } from './migrations/1763900002002-create-allocations';
import { CreateBudgetAudit1763900002003 } from './migrations/1763900002003-create-budget-audit';
import { AddAllocationFallback1763900015500 } from './migrations/1763900015500-add-allocation-fallback';
import { AddBudgetReservations1763900021000 } from './migrations/1763900021000-add-budget-reservations';
import { BudgetReservationEntity } from './budget/budget-reservation.entity';
import { AddAllocationRoleComplexityForced1763900015000 } from './migrations/1763900015000-add-allocation-role-complexity-forced';

export * from './rules/tier-selector';
export * from './rules/budget-zone';
export * from './rules/window-bounds';
export * from './rules/forecast';
export * from './rules/tier-ladder';
export * from './rules/plan-round';
export { BudgetLedger } from './budget/budget-ledger.service';
export type {
  BudgetAmount,
  BudgetUnit,
  Reservation,
  ReservationRefusal,
  ReservationScope,
  ReserveResult,
  ThresholdState,
  WindowHistoryEntry,
  WindowLimitsUpdate,
  WindowStatus,
  BudgetAuditView,
  Enforcement,
} from './budget/budget.types';
export { AllocationAudit } from './allocation/allocation-audit.repository';
export type { Allocation, AllocationQuery, AllocationStats, NewAllocation } from './allocation/allocation-audit.repository';
export { TieringModule } from './tiering.module';

export const tieringEntities = [BudgetWindowEntity, BudgetSettingEntity, AllocationEntity, BudgetAuditEntity, BudgetReservationEntity];
export const tieringMigrations = [
  CreateBudgetWindows1763900002000,
  CreateBudgetSettings1763900002001,
  CreateAllocations1763900002002,
  CreateBudgetAudit1763900002003,
  AddAllocationRoleComplexityForced1763900015000,
  AddAllocationFallback1763900015500,
  AddBudgetReservations1763900021000,
];
