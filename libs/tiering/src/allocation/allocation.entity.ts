import { SQL_FALSE } from '@app/config';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { AllocationSignals } from '../rules/tier-selector';

/** One tier decision: which model a participant used in a round, what the policy recommended, and why. */
@Entity('allocations')
@Index('idx_allocations_deliberation_round', ['deliberationId', 'round'])
@Index('idx_allocations_created_at', ['createdAt'])
export class AllocationEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'deliberation_id', type: 'varchar', length: 64 })
  deliberationId: string;

  @Column({ type: 'integer' })
  round: number;

  @Column({ name: 'participant_index', type: 'integer' })
  participantIndex: number;

  @Column({ type: 'varchar', length: 8 })
  zone: string;

  @Column({ type: 'simple-json' })
  signals: AllocationSignals;

  @Column({ name: 'recommended_model', type: 'varchar', length: 200 })
  recommendedModel: string;

  @Column({ name: 'actual_model', type: 'varchar', length: 200 })
  actualModel: string;

  @Column({ type: 'varchar', length: 64 })
  adapter: string;

  @Column({ name: 'adapter_tier', type: 'varchar', length: 2 })
  adapterTier: string;

  @Column({ type: 'varchar', length: 16 })
  tier: string;

  @Column({ type: 'text' })
  reason: string;

  @Column({ type: 'boolean', default: SQL_FALSE })
  override: boolean;

  @Column({ name: 'override_reason', type: 'text', nullable: true })
  overrideReason: string | null;

  /** The participant's role (chair and digest calls have none: they are not allocated). */
  @Column({ type: 'varchar', length: 64, nullable: true })
  role: string | null;

  /** The request's complexity (1–5) for this participant, when it gave one. */
  @Column({ type: 'integer', nullable: true })
  complexity: number | null;

  /** `force` kept the model past a soft cap or a zone's forced fast models. */
  @Column({ type: 'boolean', default: SQL_FALSE })
  forced: boolean;

  /** The adapter the participant was moved off before its call (its circuit breaker was open); null when not moved. */
  @Column({ name: 'moved_from', type: 'varchar', length: 64, nullable: true })
  movedFrom: string | null;

  /** Why it was moved: `adapter_unavailable`. */
  @Column({ name: 'fallback_reason', type: 'varchar', length: 32, nullable: true })
  fallbackReason: string | null;

  @Column({ name: 'created_at', type: 'varchar', length: 32 })
  createdAt: string;
}
