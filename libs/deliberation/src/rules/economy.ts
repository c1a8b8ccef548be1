import type { DeliberationEconomy, HistoryPolicy, ParticipantResponse } from '../deliberation.types';

export interface EconomyInput {
  policy: HistoryPolicy;
  maxRounds: number;
  rounds: ReadonlyArray<{ number: number; responses: readonly ParticipantResponse[] }>;
  /**
   * Per round from 2 on: prompt tokens of that round's calls as built under the policy, and as the
   * same prompts would have been built under `full` (counted, never sent).
   */
  prompts: ReadonlyArray<{ round: number; asSent: number; underFull: number }>;
  /** The run stopped before maxRounds by a stop rule (not by a budget, a person or an error). */
  stoppedEarly: boolean;
}

/** A response's spend with its vote-only retry, which is a call of its own. */
function spend(r: ParticipantResponse): { tokens: number; costUsd: number | null } {
  const retry = r.voteRetry;
  const tokens = r.usage.totalTokens + (retry?.usage.totalTokens ?? 0);
  const costUsd = r.costUsd === null || (retry && retry.costUsd === null) ? null : r.costUsd + (retry?.costUsd ?? 0);
  return { tokens, costUsd };
}

function addCost(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : Math.round((a + b) * 1e6) / 1e6;
}

/**
 * What the decision cost and what the economy rules saved: tokens and cost of the decision, the
 * marginal cost of each round after the first, the input tokens the history policy saved against
 * `full` (from the prompts), and the rounds early stopping saved (rounds not run × the last round's cost).
 * Costs are null when any call in them had no price: unknown, never $0.
 */
export function economyOf(input: EconomyInput): DeliberationEconomy {
  const perRound = input.rounds.map((r) => {
    let tokens = 0;
    let costUsd: number | null = 0;
    for (const response of r.responses) {
      const s = spend(response);
      tokens += s.tokens;
      costUsd = addCost(costUsd, s.costUsd);
    }
    return { round: r.number, tokens, costUsd };
  });
  const decision = perRound.reduce<{ tokens: number; costUsd: number | null }>(
    (a, r) => ({ tokens: a.tokens + r.tokens, costUsd: addCost(a.costUsd, r.costUsd) }),
    { tokens: 0, costUsd: 0 },
  );
  const underFull = input.prompts.reduce((a, p) => a + p.underFull, 0);
  const asSent = input.prompts.reduce((a, p) => a + p.asSent, 0);
  const last = perRound.at(-1);
  const roundsSaved = input.stoppedEarly ? Math.max(0, input.maxRounds - input.rounds.length) : 0;
  return {
    perDecision: decision,
    marginalRounds: perRound.slice(1),
    historySavings: { policy: input.policy, inputTokensUnderFull: underFull, inputTokensAsSent: asSent, savedInputTokens: Math.max(0, underFull - asSent) },
    earlyStopSavings: {
      roundsSaved,
      tokens: last ? roundsSaved * last.tokens : 0,
      costUsd: last && last.costUsd !== null ? Math.round(roundsSaved * last.costUsd * 1e6) / 1e6 : roundsSaved === 0 ? 0 : null,
    },
  };
}

/** A finished decision as the usage summary reads it. */
export interface FinishedDecision {
  mode: string;
  stopReason: string;
  economy: DeliberationEconomy;
}

export interface Spread {
  median: number;
  p90: number;
}

export interface DecisionGroupFigures {
  decisions: number;
  tokensPerDecision: Spread;
  /** Null when any decision in the group had an unpriced call. */
  costUsdPerDecision: Spread | null;
}

export interface DecisionFigures extends DecisionGroupFigures {
  byMode: Array<DecisionGroupFigures & { mode: string }>;
  byStopReason: Array<DecisionGroupFigures & { stopReason: string }>;
  /** Over the window: input tokens the history policies saved against full, and what early stops saved. */
  savings: { historyInputTokens: number; earlyStopRounds: number; earlyStopTokens: number; earlyStopCostUsd: number | null };
}

/** Nearest-rank percentile of an unsorted list; 0 for none. */
function percentileOf(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function groupFigures(decisions: readonly FinishedDecision[]): DecisionGroupFigures {
  const tokens = decisions.map((d) => d.economy.perDecision.tokens);
  const costs = decisions.map((d) => d.economy.perDecision.costUsd);
  const priced = costs.every((c) => c !== null);
  return {
    decisions: decisions.length,
    tokensPerDecision: { median: percentileOf(tokens, 50), p90: percentileOf(tokens, 90) },
    costUsdPerDecision: priced ? { median: percentileOf(costs as number[], 50), p90: percentileOf(costs as number[], 90) } : null,
  };
}

/** Tokens and cost per decision (median, p90), by mode and stop reason, and the savings over the window. */
export function decisionFigures(decisions: readonly FinishedDecision[]): DecisionFigures {
  const by = <K extends 'mode' | 'stopReason'>(key: K) =>
    [...new Set(decisions.map((d) => d[key]))]
      .sort()
      .map((value) => ({ [key]: value, ...groupFigures(decisions.filter((d) => d[key] === value)) }) as DecisionGroupFigures & Record<K, string>);
  const early = decisions.map((d) => d.economy.earlyStopSavings);
  return {
    ...groupFigures(decisions),
    byMode: by('mode'),
    byStopReason: by('stopReason'),
    savings: {
      historyInputTokens: decisions.reduce((a, d) => a + d.economy.historySavings.savedInputTokens, 0),
      earlyStopRounds: early.reduce((a, e) => a + e.roundsSaved, 0),
      earlyStopTokens: early.reduce((a, e) => a + e.tokens, 0),
      earlyStopCostUsd: early.some((e) => e.costUsd === null) ? null : Math.round(early.reduce((a, e) => a + e.costUsd!, 0) * 1e6) / 1e6,
    },
  };
}
