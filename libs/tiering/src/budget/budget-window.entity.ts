import { SQL_FALSE } from '@app/config';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../persistence-columns';
import type { Forecast } from '../rules/forecast';

/** One period of one budget window (a day, a week, a month). Exactly one row per kind is open. */
@Entity('budget_windows')
@Index('idx_budget_windows_kind_period', ['kind', 'periodStart'], { unique: true })
export class BudgetWindowEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 16 })
  kind: string;

  @Column({ name: 'period_start', type: 'varchar', length: 32 })
  periodStart: string;

  @Column({ name: 'period_end', type: 'varchar', length: 32 })
  periodEnd: string;

  @Column({ name: 'limit_tokens', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  limitTokens: number | null;

  @Column({ name: 'limit_usd_micros', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  limitUsdMicros: number | null;

  @Column({ name: 'soft_cap', type: 'double precision' })
  softCap: number;

  @Column({ name: 'used_tokens', type: 'bigint', default: 0, transformer: bigintAsNumber })
  usedTokens: number;

  @Column({ name: 'used_micros', type: 'bigint', default: 0, transformer: bigintAsNumber })
  usedMicros: number;

  /** Held by reservations in flight (PostgreSQL only; SQLite reserves in memory and leaves 0). */
  @Column({ name: 'reserved_tokens', type: 'bigint', default: 0, transformer: bigintAsNumber })
  reservedTokens: number;

  @Column({ name: 'reserved_micros', type: 'bigint', default: 0, transformer: bigintAsNumber })
  reservedMicros: number;

  /** The forecast made the first time the window was touched after its midpoint. */
  @Column({ name: 'mid_forecast', type: 'simple-json', nullable: true })
  midForecast: (Forecast & { recordedAt: string }) | null;

  @Column({ type: 'boolean', default: SQL_FALSE })
  closed: boolean;
}
