import type { Ballot } from '../rules';
import type { ConvergenceAssessment, DeliberationRequest, ParticipantResponse, TierDecisionRecord } from '../deliberation.types';

/**
 * The engine's whole state: what a checkpoint holds (less the answer texts, stored once in
 * deliberation_responses) and what a run continues from.
 */

/** Bumped whenever EngineState changes shape; `upgradeState` reads older ones. */
export const STATE_SCHEMA_VERSION = 3;

/** A completed round as the engine and its checkpoints see it. */
export interface RoundState {
  number: number;
  startedAt: string;
  completedAt: string;
  responses: ParticipantResponse[];
  convergence: ConvergenceAssessment | null;
  decisions: TierDecisionRecord[];
}

/** Bookkeeping that must survive a pause or a crash. */
export interface RuntimeState {
  /** Consecutive failures of the same kind, per participant index (drives tier escalation). */
  failureStreaks: Record<number, { kind: string; count: number }>;
  /** Limits already warned about, so a warning is sent once. */
  warned: string[];
  /** Time spent running, across pauses and resumes. */
  activeMs: number;
}

/** Everything needed to continue a deliberation: this is what a checkpoint holds. */
export interface EngineState {
  id: string;
  request: DeliberationRequest;
  rounds: RoundState[];
  /** Answers already stored for the round in progress (a crash or a pause cut it short). */
  partial: ParticipantResponse[];
  runtime: RuntimeState;
  /**
   * The ballot shown from round 2 on, updated as each round completes. Checkpointed so its labels stay
   * the same across a pause, a crash or a release that groups differently. Absent with the ballot off.
   */
  ballot?: Ballot;
  /**
   * Digests written by the digest adapter, by `${round}:${participantIndex}` of the answer: checkpointed,
   * so a resumed deliberation does not pay for them again. Absent without a digest adapter.
   */
  modelDigests?: Record<string, string>;
  /**
   * Calls already recorded for each participant in the round in progress (read from recorded_calls when
   * the state is loaded, not checkpointed): the next call's attempt in its idempotency key.
   */
  attempts?: Record<number, number>;
}

export function emptyRuntime(): RuntimeState {
  return { failureStreaks: {}, warned: [], activeMs: 0 };
}
