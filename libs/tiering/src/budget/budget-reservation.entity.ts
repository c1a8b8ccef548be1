import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../persistence-columns';

/** What one reservation holds in one window (PostgreSQL: the shared authority; see BudgetReservationStore). */
@Entity('budget_reservations')
@Index('idx_budget_reservations_expires', ['expiresAt'])
export class BudgetReservationEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string;
  @PrimaryColumn({ name: 'window_id', type: 'varchar', length: 36 }) windowId: string;
  @Column({ type: 'bigint', transformer: bigintAsNumber }) tokens: number;
  @Column({ type: 'bigint', transformer: bigintAsNumber }) micros: number;
  @Column({ name: 'deliberation_id', type: 'varchar', length: 36, nullable: true }) deliberationId: string | null;
  /** The process that holds it (`host:pid`), for an operator reading the table. */
  @Column({ type: 'varchar', length: 128 }) owner: string;
  /** After this (ISO-8601) the holder is presumed dead and the reservation is reclaimed. */
  @Column({ name: 'expires_at', type: 'varchar', length: 32 }) expiresAt: string;
  @Column({ name: 'created_at', type: 'varchar', length: 32 }) createdAt: string;
}
