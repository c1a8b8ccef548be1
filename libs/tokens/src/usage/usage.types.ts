import type { AdapterFigures } from '../figures/adapter-figures';
import type { Suggestion } from './usage-suggestions';
import type { Accuracy } from '../token-usage';
import type { TokenFigures } from '../figures/token-figures';
import type { TimeGroup } from '../ledger/token-usage.repository';

export type UsageGroupBy = TimeGroup;
export const USAGE_GROUP_BY: readonly UsageGroupBy[] = ['adapter', 'model', 'day', 'deliberation', 'role'];

export interface DeliberationTokens {
  deliberationId: string;
  totals: TokenFigures;
  /** One entry per participant and model (a participant whose tier changed has one per model). */
  byParticipant: Array<{ participantIndex: number; adapter: string; model: string } & TokenFigures>;
  byRound: Array<{ round: number } & TokenFigures>;
}

export interface RoundCall {
  participantIndex: number;
  adapter: string;
  model: string;
  tier: string;
  accuracy: Accuracy;
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  cachedInputTokens: number;
  totalTokens: number;
  costUsd: number | null;
  latencyMs: number;
  errorKind: string | null;
}

export interface RoundTokens {
  deliberationId: string;
  round: number;
  totals: TokenFigures;
  calls: RoundCall[];
}

/** A usage request's window; `to` defaults to now and `from` to 30 days before it. */
export interface UsageRange {
  from?: Date;
  to?: Date;
}

export interface UsageQuery extends UsageRange {
  groupBy?: UsageGroupBy;
}

export interface UsageOverTime {
  /** ISO-8601; the window is [from, to). */
  from: string;
  to: string;
  groupBy: UsageGroupBy;
  groups: Array<{ key: string } & TokenFigures>;
  totals: TokenFigures;
}

export interface AdapterTotals {
  adapter: string;
  totalTokens: number;
  exactTokens: number;
  estimatedTokens: number;
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  cachedInputTokens: number;
  calls: number;
  unavailableCalls: number;
  unpricedCalls: number;
  costUsd: number | null;
  costLowerUsd: number | null;
  costUpperUsd: number | null;
  costConfidence: number | null;
  deliberations: number;
  updatedAt: string;
  /** Latency, success and vote-parse rates and the peak minute over the requested window (the totals above are lifetime). */
  figures: AdapterFigures;
}

export interface UsageSummary {
  /** ISO-8601 window the summary covers (the last 7 days). */
  from: string;
  to: string;
  /** Tokens of calls that finished in the last 60 seconds. */
  tokensPerMinuteNow: number;
  /** The most tokens finished in one calendar minute (UTC) of the window. */
  peakTokensPerMinute: number;
  totalTokens: number;
  topParticipants: Array<{ adapter: string; model: string; totalTokens: number; share: number }>;
  tokensAfterConvergence: number;
  /** tokensAfterConvergence / totalTokens; 0 when nothing was spent. */
  shareAfterConvergence: number;
  suggestions: string[];
  /** The same suggestions, each with its kind and what acting on it would have saved over the window. */
  suggestionDetails: Suggestion[];
}
