import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { StartDeliberation } from '@app/deliberation';
import type { ContextFrom, ScheduleBudget } from '../schedule.types';

@Entity('schedules')
export class ScheduleEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string;
  @Column({ type: 'varchar', length: 200 }) name: string;
  @Column({ type: 'varchar', length: 16 }) status: string;
  @Column({ type: 'boolean' }) enabled: boolean;
  @Column({ type: 'varchar', length: 200, nullable: true }) cron: string | null;
  @Column({ name: 'every_seconds', type: 'integer', nullable: true }) everySeconds: number | null;
  @Column({ type: 'varchar', length: 64 }) timezone: string;
  @Column({ name: 'catch_up', type: 'boolean' }) catchUp: boolean;
  @Column({ type: 'simple-json' }) deliberation: StartDeliberation;
  @Column({ name: 'context_from', type: 'simple-json', nullable: true }) contextFrom: ContextFrom | null;
  @Column({ type: 'simple-json' }) budget: ScheduleBudget;
  @Column({ name: 'max_consecutive_failures', type: 'integer' }) maxConsecutiveFailures: number;
  @Column({ name: 'paused_reason', type: 'text', nullable: true }) pausedReason: string | null;
  @Column({ name: 'paused_at', type: 'varchar', length: 32, nullable: true }) pausedAt: string | null;
  /** Failures before this instant do not count (set by resume). */
  @Column({ name: 'streak_since', type: 'varchar', length: 32 }) streakSince: string;
  @Column({ name: 'last_tick_at', type: 'varchar', length: 32 }) lastTickAt: string;
  @Column({ name: 'created_at', type: 'varchar', length: 32 }) createdAt: string;
  @Column({ name: 'updated_at', type: 'varchar', length: 32 }) updatedAt: string;
}

// The indexes and the foreign key are the migration's, declared here too so the entities describe the
// migrated schema exactly (test/schema-matches-entities.e2e-spec.ts, on SQLite and PostgreSQL).
@Entity('schedule_runs')
@Index('uq_schedule_runs_tick', ['scheduleId', 'tickAt'], { unique: true })
@Index('idx_schedule_runs_created', ['scheduleId', 'createdAt'])
@Index('idx_schedule_runs_status', ['status'])
export class ScheduleRunEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string;
  @Column({ name: 'schedule_id', type: 'varchar', length: 36 }) scheduleId: string;
  /** Never loaded: it declares the migration's foreign key (runs go with their schedule). */
  @ManyToOne(() => ScheduleEntity, { onDelete: 'CASCADE', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'schedule_id' })
  schedule?: ScheduleEntity;
  @Column({ type: 'varchar', length: 16 }) trigger: string;
  @Column({ name: 'tick_at', type: 'varchar', length: 32, nullable: true }) tickAt: string | null;
  @Column({ type: 'varchar', length: 16 }) status: string;
  @Column({ type: 'varchar', length: 16, nullable: true }) skipped: string | null;
  @Column({ type: 'text', nullable: true }) reason: string | null;
  @Column({ name: 'pause_reason', type: 'varchar', length: 32, nullable: true }) pauseReason: string | null;
  @Column({ name: 'deliberation_id', type: 'varchar', length: 36, nullable: true }) deliberationId: string | null;
  @Column({ type: 'varchar', length: 16, nullable: true }) outcome: string | null;
  @Column({ name: 'winning_option', type: 'text', nullable: true }) winningOption: string | null;
  @Column({ type: 'integer', nullable: true }) tokens: number | null;
  @Column({ name: 'cost_usd', type: 'float', nullable: true }) costUsd: number | null;
  @Column({ name: 'created_at', type: 'varchar', length: 32 }) createdAt: string;
  @Column({ name: 'finished_at', type: 'varchar', length: 32, nullable: true }) finishedAt: string | null;
}
