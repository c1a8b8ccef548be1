import type { BudgetZone } from '@app/tiering';
import type { ConvergenceAssessment, Mode, StopReason, Vote } from '../deliberation.types';

export const DEFAULT_CONSENSUS_FRACTION = 0.66;

export interface StopInput {
  /** The round just completed, from 1. */
  round: number;
  maxRounds: number;
  mode: Mode;
  /** This round's assessment; null in round 1 or when nobody was comparable. */
  convergence: ConvergenceAssessment | null;
  /** One entry per active participant: its vote this round, null when it cast no valid vote. */
  latestVotes: ReadonlyArray<Vote | null>;
  /** Share of participants that must vote `continue_debate: false` (compared with ≥). */
  consensusFraction?: number;
  /** No stop of any kind before this round (default 1). Capped at maxRounds, which always ends it. */
  minRounds?: number;
  /** false: participants' continue_debate votes never stop the deliberation (default true). */
  modelConsensus?: boolean;
  /** The budget zone when the round started (default GREEN). */
  budgetZone?: BudgetZone;
  /** Every participant of the round voted, for one option (after grouping). */
  unanimous?: boolean;
}

/**
 * The convergence threshold in a budget zone: the lower of the deliberation's own and the zone's, so a
 * debate converges sooner as the money runs out. GREEN (or a zone without a value) keeps the base.
 */
export function thresholdForZone(base: number, zone: BudgetZone, zoneThresholds: Partial<Record<BudgetZone, number>>): number {
  const forZone = zone === 'GREEN' ? undefined : zoneThresholds[zone];
  return forZone === undefined ? base : Math.min(base, forZone);
}

/** Floating-point slack: 0.7 × 10 is 7.000000000000001, and 7 of 10 must reach a 70% consensus. */
const EPSILON = 1e-9;

/**
 * Whether the deliberation stops after this round, and why; null to go on. Nothing stops it before
 * `minRounds`; then, in order: converged, impasse, budget consensus (a unanimous round in the ORANGE or
 * RED zone), model consensus (unless turned off), max rounds. Budget, cancellation and errors stop a deliberation
 * from outside these rules.
 *
 * Model consensus never fires before round 2 — in either mode: a quick deliberation has one round and
 * so stops with `max_rounds`. A participant without a valid vote counts as wanting to continue.
 */
export function decideStop(input: StopInput): StopReason | null {
  // maxRounds (and quick mode's single round) still ends the deliberation: minRounds cannot extend it.
  const minRounds = Math.min(input.minRounds ?? 1, input.mode === 'quick' ? 1 : input.maxRounds);
  if (input.round < minRounds) return null;
  if (input.convergence?.status === 'converged') return 'converged';
  if (input.convergence?.status === 'impasse') return 'impasse';
  // With little money left, a round everyone answered with one decision is decision enough.
  if (input.unanimous && (input.budgetZone === 'ORANGE' || input.budgetZone === 'RED')) return 'budget_consensus';
  if (input.modelConsensus !== false && input.round >= 2 && hasModelConsensus(input.latestVotes, input.consensusFraction ?? DEFAULT_CONSENSUS_FRACTION)) {
    return 'model_consensus';
  }
  if (input.mode === 'quick' || input.round >= input.maxRounds) return 'max_rounds';
  return null;
}

export function hasModelConsensus(votes: ReadonlyArray<Vote | null>, fraction: number): boolean {
  if (votes.length === 0) return false;
  // Nobody asking to stop is never a consensus to stop, whatever the fraction is configured to.
  const wantToStop = votes.filter((vote) => vote !== null && vote.continueDebate === false).length;
  return wantToStop > 0 && wantToStop >= fraction * votes.length - EPSILON;
}
