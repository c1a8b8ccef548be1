import { SQL_FALSE } from '@app/config';
import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { TokenUsage } from '@app/tokens';
import type { ConvergenceStatus, DeliberationRequest, DeliberationResult, ParticipantSpec, TierDecisionRecord, Vote } from '../deliberation.types';
import type { PauseInfo } from '../engine/engine.ports';
import type { RuntimeState } from '../state/engine-state';

/** What a deliberation_rounds row stores of the round's convergence. */
export interface StoredConvergence {
  score: number;
  status: ConvergenceStatus;
  perParticipant?: Array<{ participantIndex: number; similarity: number }>;
}

export interface StoredVoteRetry {
  text: string | null;
  errorKind: string | null;
  usage: TokenUsage;
  costUsd: number | null;
}

export interface ResumeEntry {
  checkpointId: string;
  at: string;
  changes: Record<string, string | number | boolean | object | null | undefined>;
}

@Entity('deliberations')
@Index('idx_deliberations_created', ['createdAt', 'id'])
@Index('idx_deliberations_status', ['status'])
export class DeliberationEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string;
  @Column({ type: 'varchar', length: 16 }) status: string;
  @Column({ type: 'text' }) question: string;
  @Column({ type: 'varchar', length: 16 }) mode: string;
  @Column({ name: 'max_rounds', type: 'integer' }) maxRounds: number;
  /** The request as accepted (participants resolved), enough to run or resume it. */
  @Column({ type: 'simple-json' }) request: DeliberationRequest;
  @Column({ type: 'simple-json' }) participants: ParticipantSpec[];
  @Column({ type: 'simple-json', nullable: true }) result: DeliberationResult | null;
  @Column({ type: 'simple-json', nullable: true }) pause: PauseInfo | null;
  @Column({ type: 'text', nullable: true }) failure: string | null;
  @Column({ name: 'latest_checkpoint_id', type: 'varchar', length: 36, nullable: true }) latestCheckpointId: string | null;
  @Column({ name: 'parent_id', type: 'varchar', length: 36, nullable: true }) parentId: string | null;
  @Column({ name: 'forked_from_checkpoint_id', type: 'varchar', length: 36, nullable: true }) forkedFromCheckpointId: string | null;
  @Column({ type: 'simple-json' }) resumes: ResumeEntry[];
  /** Engine bookkeeping that must survive a restart (failure streaks, warnings sent). */
  @Column({ type: 'simple-json' }) runtime: RuntimeState;
  @Column({ name: 'created_at', type: 'varchar', length: 32 }) createdAt: string;
  @Column({ name: 'updated_at', type: 'varchar', length: 32 }) updatedAt: string;
}

@Entity('deliberation_rounds')
@Index('uq_rounds_deliberation_number', ['deliberationId', 'number'], { unique: true })
export class RoundEntity {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'deliberation_id', type: 'varchar', length: 36 }) deliberationId: string;
  @Column({ type: 'integer' }) number: number;
  @Column({ name: 'started_at', type: 'varchar', length: 32 }) startedAt: string;
  @Column({ name: 'completed_at', type: 'varchar', length: 32, nullable: true }) completedAt: string | null;
  @Column({ type: 'simple-json', nullable: true }) convergence: StoredConvergence | null;
  @Column({ type: 'simple-json' }) decisions: TierDecisionRecord[];
}

@Entity('deliberation_responses')
@Index('uq_responses_round_participant', ['deliberationId', 'round', 'participantIndex'], { unique: true })
export class ResponseEntity {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'deliberation_id', type: 'varchar', length: 36 }) deliberationId: string;
  @Column({ type: 'integer' }) round: number;
  @Column({ name: 'participant_index', type: 'integer' }) participantIndex: number;
  @Column({ type: 'varchar', length: 64 }) adapter: string;
  @Column({ type: 'varchar', length: 128 }) model: string;
  @Column({ type: 'varchar', length: 16 }) tier: string;
  @Column({ type: 'text' }) text: string;
  @Column({ type: 'simple-json', nullable: true }) vote: Vote | null;
  @Column({ name: 'vote_error', type: 'varchar', length: 32, nullable: true }) voteError: string | null;
  @Column({ type: 'simple-json', nullable: true }) error: { kind: string; message: string } | null;
  @Column({ name: 'latency_ms', type: 'integer' }) latencyMs: number;
  @Column({ type: 'simple-json' }) usage: TokenUsage;
  @Column({ name: 'cost_usd', type: 'float', nullable: true }) costUsd: number | null;
  @Column({ name: 'created_at', type: 'varchar', length: 32 }) createdAt: string;
  /** The provider cut the answer off at the output limit. */
  @Column({ type: 'boolean', default: SQL_FALSE }) truncated: boolean;
  /** The vote-only retry, when one was made: what the model replied (or how it failed) and its tokens. */
  @Column({ name: 'vote_retry', type: 'simple-json', nullable: true }) voteRetry: StoredVoteRetry | null;
}

/** An answer's idempotency key (rules/call-key.ts), stored with the answer: one call is recorded once, whichever worker asks. */
@Entity('recorded_calls')
@Index('idx_recorded_calls_round', ['deliberationId', 'round'])
export class RecordedCallEntity {
  @PrimaryColumn({ name: 'call_key', type: 'varchar', length: 200 }) callKey: string;
  @Column({ name: 'deliberation_id', type: 'varchar', length: 64 }) deliberationId: string;
  @Column({ type: 'integer' }) round: number;
  @Column({ name: 'participant_index', type: 'integer' }) participantIndex: number;
  @Column({ name: 'created_at', type: 'varchar', length: 32 }) createdAt: string;
}
