import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { Accuracy } from '../token-usage';
import { bigintAsNumber } from './bigint-transformer';

/** One adapter call, successful or not. Written in the transaction of the response it belongs to. */
@Entity({ name: 'token_usage' })
@Index('idx_token_usage_deliberation_round', ['deliberationId', 'round'])
@Index('idx_token_usage_created_at', ['createdAt'])
@Index('idx_token_usage_adapter', ['adapter'])
export class TokenUsageEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'deliberation_id', type: 'varchar', length: 64 })
  deliberationId: string;

  @Column({ type: 'integer' })
  round: number;

  @Column({ name: 'participant_index', type: 'integer' })
  participantIndex: number;

  /** The participant's role, or the deliberation's own call's (chair, digest, embeddings); null without one. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  role: string | null;

  @Column({ type: 'varchar', length: 64 })
  adapter: string;

  @Column({ type: 'varchar', length: 64 })
  provider: string;

  @Column({ type: 'varchar', length: 200 })
  model: string;

  @Column({ type: 'varchar', length: 16 })
  tier: string;

  @Column({ name: 'input_tokens', type: 'integer' })
  inputTokens: number;

  @Column({ name: 'output_tokens', type: 'integer' })
  outputTokens: number;

  @Column({ name: 'reasoning_tokens', type: 'integer' })
  reasoningTokens: number;

  @Column({ name: 'cached_input_tokens', type: 'integer' })
  cachedInputTokens: number;

  @Column({ name: 'total_tokens', type: 'integer' })
  totalTokens: number;

  @Column({ type: 'varchar', length: 16 })
  accuracy: Accuracy;

  /** Null: the model has no price, so the call is unpriced (never a guessed number). */
  @Column({ name: 'cost_micros', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  costMicros: number | null;

  @Column({ type: 'boolean' })
  priced: boolean;

  @Column({ name: 'latency_ms', type: 'integer' })
  latencyMs: number;

  @Column({ name: 'error_kind', type: 'varchar', length: 64, nullable: true })
  errorKind: string | null;

  /** The option this call voted for, so the summary can tell who never changed its mind. */
  @Column({ name: 'vote_option', type: 'text', nullable: true })
  voteOption: string | null;

  /** The deliberation had already converged when this call was made: tokens a tighter policy would save. */
  @Column({ name: 'after_convergence', type: 'boolean' })
  afterConvergence: boolean;

  /** ISO-8601 (toISOString, UTC) time the call finished; string comparison orders it. */
  @Column({ name: 'created_at', type: 'varchar', length: 32 })
  createdAt: string;
}
