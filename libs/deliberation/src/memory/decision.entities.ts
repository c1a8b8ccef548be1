import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Outcome, StopReason, Synthesis, TallyEntry } from '../deliberation.types';
import type { TermCounts } from './memory-vector';

/** Who decided: each participant as it last ran. */
export interface DecisionParticipant {
  adapter: string;
  model: string | null;
  stance: string;
  role: string | null;
}

/** A completed deliberation's decision, kept to be found again (GET /v1/decisions) and quoted or reused. Its id is the deliberation's. */
@Entity('decisions')
@Index('idx_decisions_created', ['createdAt'])
export class DecisionEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string;
  @Column({ type: 'text' }) question: string;
  /** The context's opening sentences (the vector holds all of its words). */
  @Column({ name: 'context_digest', type: 'text', nullable: true }) contextDigest: string | null;
  @Column({ type: 'simple-json' }) participants: DecisionParticipant[];
  @Column({ type: 'varchar', length: 16 }) outcome: Outcome;
  @Column({ name: 'winning_option', type: 'text', nullable: true }) winningOption: string | null;
  /** The winning option's wordings as voted (see TallyEntry.variants). */
  @Column({ type: 'simple-json' }) variants: TallyEntry['variants'];
  @Column({ type: 'simple-json' }) tally: TallyEntry[];
  /** The winning option's average confidence; null without a winner. */
  @Column({ type: 'float', nullable: true }) confidence: number | null;
  @Column({ type: 'simple-json', nullable: true }) synthesis: Synthesis | null;
  @Column({ name: 'stop_reason', type: 'varchar', length: 32 }) stopReason: StopReason;
  @Column({ type: 'integer' }) rounds: number;
  @Column({ type: 'integer' }) tokens: number;
  @Column({ name: 'cost_usd', type: 'float', nullable: true }) costUsd: number | null;
  /** The similarity vector of question + context: term counts (IDF is the store's, applied in memory). */
  @Column({ type: 'simple-json' }) vector: TermCounts;
  /** `tfidf`, or `tfidf+embeddings:<model>` when `embedding` holds that model's vector too. */
  @Column({ name: 'vector_kind', type: 'varchar', length: 160 }) vectorKind: string;
  /** The embeddings adapter's vector of question + context (memory.embeddings); null without one. */
  @Column({ type: 'simple-json', nullable: true }) embedding: number[] | null;
  /** When it was decided (the deliberation's completion). */
  @Column({ name: 'created_at', type: 'varchar', length: 32 }) createdAt: string;
}

/** A deliberation answered from memory: which decision it reused and what that saved. */
@Entity('decision_reuses')
@Index('idx_decision_reuses_decision', ['decisionId'])
export class DecisionReuseEntity {
  @PrimaryColumn({ name: 'deliberation_id', type: 'varchar', length: 36 }) deliberationId: string;
  @Column({ name: 'decision_id', type: 'varchar', length: 36 }) decisionId: string;
  @Column({ name: 'tokens_saved', type: 'integer' }) tokensSaved: number;
  @Column({ name: 'cost_saved_usd', type: 'float', nullable: true }) costSavedUsd: number | null;
  @Column({ name: 'created_at', type: 'varchar', length: 32 }) createdAt: string;
}
