import type { ModelClass } from '@app/config';
import type { InvokeRequest, InvokeResult } from '@app/adapters';

import type { TokenUsage } from '@app/tokens';

import type { Ballot } from '../rules';

import type { ConvergenceAssessment, DeliberationRequest, DeliberationResult, ParticipantResponse, TierDecisionRecord } from '../deliberation.types';
import type { BudgetZone } from '@app/tiering';

import type { EngineState, RoundState } from '../state/engine-state';
import type { DeliberationEventData } from '../deliberation-events';

export interface PauseInfo {
  /** unpriced_model: a USD limit applies and the next call's model has no price, so its cost could not be held to it. */
  reason: 'budget' | 'budget_floor' | 'person' | 'unpriced_model';
  /** Which limit stopped it: "deliberation.tokens", "deliberation.usd", "daily.tokens", a floor, ... */
  limit: string;
  used: number;
  nextRoundEstimateTokens: number;
  detail?: string;
}

export interface PlannedCall {
  participantIndex: number;
  adapter: string;
  model: string;
  estimateTokens: number;
}

export type EngineOutcome =
  | { kind: 'completed'; result: DeliberationResult }
  | { kind: 'paused'; pause: PauseInfo }
  | { kind: 'failed'; reason: string; result: DeliberationResult | null }
  /** superseded: another worker recorded one of this run's calls first (it took the round over); it owns the deliberation. */
  | { kind: 'aborted'; why: 'cancelled' | 'shutdown' | 'superseded'; result: DeliberationResult | null }
  /** `oneRound`: a round finished and checkpointed and another follows; the next run goes on from the checkpoint. */
  | { kind: 'yielded' };

/** The events the engine itself tells; the runner tells the rest (started, the terminal ones). */
export type EngineEventType =
  'round_started' | 'response_received' | 'round_completed' | 'budget_warning' | 'tier_escalated' | 'participant_moved' | 'synthesis';

/** What the engine needs from the world. Production wires real services; unit tests pass small fakes. */
export interface EnginePorts {
  now(): Date;
  /** Counts tokens; expected to be memoized (answers are counted again for every later prompt). */
  countTokens(text: string, model: string): number;
  contextTokens(adapter: string): number;
  /** Decides each participant's adapter and model for the round, or pauses the deliberation. */
  planRound(state: EngineState, round: number, constraints: RoundConstraints): Promise<{ decisions: TierDecisionRecord[] } | { pause: PauseInfo }>;
  /** Where the deliberation stands against its limits before a round: warn, force fast models, or pause. */
  checkLimits(state: EngineState): LimitCheck;
  /** Reserves the round's estimated spend; refused when any hard cap would be crossed. */
  reserve(state: EngineState, calls: PlannedCall[]): Promise<{ ok: true; reservation: Reservation } | { ok: false; pause: PauseInfo }>;
  invoke(adapter: string, request: InvokeRequest): Promise<InvokeResult>;
  /**
   * Stores an answer (or a failed call) with its tokens, and those of its vote-only retry, in one
   * transaction, and sets their costs on it (null when unpriced).
   */
  /** Resolves false when the call's idempotency key was already recorded (by another worker): nothing was written. */
  record(state: EngineState, round: number, response: ParticipantResponse, afterConvergence: boolean): Promise<boolean>;
  roundStarted(state: EngineState, round: number, decisions: TierDecisionRecord[], startedAt: Date): Promise<void>;
  /** Stores the completed round and its checkpoint in one transaction; returns the checkpoint id. */
  roundCompleted(state: EngineState, round: RoundState, last: boolean): Promise<string>;
  emit<K extends EngineEventType>(deliberationId: string, type: K, data: DeliberationEventData[K]): void;
  /**
   * Embeds texts for the embeddings convergence backend (one vector per text), counting the call's
   * tokens; null when it failed (the engine then falls back to TF-IDF). Absent: no embeddings backend.
   */
  embed?(state: EngineState, round: number, texts: string[]): Promise<number[][] | null>;
}

/** What the budget allows the next round's tier choice. */
export interface RoundConstraints {
  /** A limit passed the force-fast threshold: fast models only. */
  forceFast: boolean;
  /** A money limit passed the pause threshold: local ($0) adapters only, or pause when there are none. */
  localOnly: boolean;
}

export interface LimitCheck extends RoundConstraints {
  warnings: Array<{ limit: string; fraction: number }>;
  pause: PauseInfo | null;
  /** The zone of the most used limit (GREEN when nothing is limited): lowers the convergence threshold. */
  zone?: BudgetZone;
}

/** A round's reserved spend, settled call by call with the real usage. */
export interface Reservation {
  /**
   * Returns a pause when this call's real usage (a provider reporting more than was reserved) pushed a
   * budget window past its hard cap: the spend is counted, and the round's remaining calls are cut off.
   */
  settle(participantIndex: number, tokens: number, costUsd: number | null): Promise<PauseInfo | null>;
  /** Releases whatever was not settled (calls that never ran). */
  release(): Promise<void>;
}

/**
 * Thrown by a port when another run of the same deliberation (a cluster's worker that took the round over
 * while this one was presumed dead) already wrote what this run was about to: this run stops, writing nothing more.
 */
export class RunSuperseded extends Error {
  override readonly name = 'RunSuperseded';
}
