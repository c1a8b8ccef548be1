import type { ConclaveConfig, ModelClass } from '@app/config';

export type TieringConfig = ConclaveConfig['tiering'];
export type SelectorThresholds = Pick<TieringConfig, 'lowBudgetFraction' | 'scoreDrop' | 'settledScore' | 'splitOptions'>;

/** What the selector looks at before a round. Plain data, gathered by the engine. */
export interface SelectorSignals {
  round: number;
  /** Convergence scores of the rounds so far, oldest first. */
  scores: number[];
  /** The previous round's valid votes, one entry per vote, already grouped into options. */
  voteOptions: string[];
  /** The tighter of the deliberation's and the budget windows' remaining fraction; null when nothing is limited. */
  budgetFractionLeft: number | null;
  /** Set when a limit passed the forceFast threshold (85% by default). */
  forceFast?: boolean;
  /** How hard the request says the question is, 1–5; 4 and 5 ask for reasoning models. */
  complexity?: number;
  /**
   * The budget windows' highest projection at their reset against their limits (1 = runs out exactly
   * then), already read 20 % worse where the forecast's confidence is low; null when nothing is limited.
   */
  forecastFraction?: number | null;
}

/** Which rule decided, as a stable code (the reason is for people). */
export type SelectorRule =
  'budget_low' | 'force_fast' | 'complex' | 'first_round' | 'forecast_exhausts' | 'score_dropped' | 'settled_rising' | 'unanimous' | 'split_votes' | 'default';

export interface TierSelection {
  tier: ModelClass;
  rule: SelectorRule;
  reason: string;
}

/** The complexity (1–5) from which the selector asks for reasoning models. */
const COMPLEX = 4;
const roundTo = (n: number): number => Math.round(n * 1e9) / 1e9;
const pct = (fraction: number): string => `${Math.round(fraction * 1000) / 10}%`;

/**
 * Picks fast or reasoning models for a round. The order matters: money first (a debate that cannot be
 * paid for cannot be won), then the shape of the debate. Ties and unknowns fall to reasoning, because a
 * wrong "settled" call costs more rounds than it saves.
 */
export function selectTier(signals: SelectorSignals, thresholds: SelectorThresholds): TierSelection {
  const { round, scores, voteOptions, budgetFractionLeft } = signals;
  if (budgetFractionLeft !== null && budgetFractionLeft < thresholds.lowBudgetFraction) {
    return {
      tier: 'fast',
      rule: 'budget_low',
      reason: `budget low: ${pct(budgetFractionLeft)} left (< ${pct(thresholds.lowBudgetFraction)})`,
    };
  }
  if (signals.forceFast) {
    return { tier: 'fast', rule: 'force_fast', reason: 'budget threshold reached: fast models forced' };
  }
  // A person's word that the question is hard outranks the debate's shape, not the money.
  if (signals.complexity !== undefined && signals.complexity >= COMPLEX) {
    return { tier: 'reasoning', rule: 'complex', reason: `complexity ${signals.complexity} (>= ${COMPLEX}): reasoning models` };
  }
  if (round <= 1) return { tier: 'reasoning', rule: 'first_round', reason: 'first round: reasoning models' };
  // A projection is softer than a threshold passed: it steers the rounds after the first, not a person's word.
  if (signals.forecastFraction !== undefined && signals.forecastFraction !== null && signals.forecastFraction >= 1) {
    return {
      tier: 'fast',
      rule: 'forecast_exhausts',
      reason: `at this burn a budget window reaches ${pct(signals.forecastFraction)} of its limit by its reset: fast models`,
    };
  }

  const latest = scores.length > 0 ? scores[scores.length - 1] : null;
  const previous = scores.length > 1 ? scores[scores.length - 2] : null;
  // Rounded so that 0.75 → 0.60 counts as a drop of exactly 0.15, not 0.15000000000000002.
  if (latest !== null && previous !== null && roundTo(previous - latest) > thresholds.scoreDrop) {
    return {
      tier: 'reasoning',
      rule: 'score_dropped',
      reason: `convergence dropped from ${previous.toFixed(2)} to ${latest.toFixed(2)} (> ${thresholds.scoreDrop})`,
    };
  }
  if (latest !== null && previous !== null && latest >= thresholds.settledScore && latest > previous) {
    return {
      tier: 'fast',
      rule: 'settled_rising',
      reason: `convergence ${latest.toFixed(2)} >= ${thresholds.settledScore} and rising`,
    };
  }
  const distinct = new Set(voteOptions).size;
  if (voteOptions.length > 0 && distinct === 1) {
    return { tier: 'fast', rule: 'unanimous', reason: `all ${voteOptions.length} votes for one option` };
  }
  if (distinct >= thresholds.splitOptions) {
    return { tier: 'reasoning', rule: 'split_votes', reason: `votes split over ${distinct} options` };
  }
  return { tier: 'reasoning', rule: 'default', reason: 'debate unsettled: reasoning models' };
}

/** The selector's inputs as the allocation audit stores them. */
export interface AllocationSignals {
  round: number;
  score: number | null;
  /** Latest score minus the previous one; null before two scores exist. */
  trend: number | null;
  /** How many distinct options the previous round's votes went to. */
  voteSpread: number;
  budgetLeft: number | null;
}

export function allocationSignals(signals: SelectorSignals): AllocationSignals {
  const n = signals.scores.length;
  return {
    round: signals.round,
    score: n > 0 ? signals.scores[n - 1] : null,
    trend: n > 1 ? Math.round((signals.scores[n - 1] - signals.scores[n - 2]) * 1e4) / 1e4 : null,
    voteSpread: new Set(signals.voteOptions).size,
    budgetLeft: signals.budgetFractionLeft,
  };
}
