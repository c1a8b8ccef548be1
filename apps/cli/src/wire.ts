/**
 * The JSON the CLI reads from the routes that have no client type in the libs (their lib types hold
 * Dates where the wire has strings). Only the fields the CLI prints; the deliberation's view and its
 * SSE events come from '@app/deliberation', the contract the libs publish for clients.
 */

export interface TokenFigures {
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  cachedInputTokens: number;
  totalTokens: number;
  exactTokens: number;
  estimatedTokens: number;
  calls: number;
  costUsd: number | null;
  costLowerUsd: number | null;
  costUpperUsd: number | null;
  costConfidence: number | null;
  unpricedCalls: number;
}

/** GET /v1/usage */
export interface UsageReport {
  from: string;
  to: string;
  groupBy: string;
  groups: Array<TokenFigures & { key: string }>;
  totals: TokenFigures;
}

interface Amount {
  tokens: number;
  usd: number;
}

interface Limits {
  tokens: number | null;
  usd: number | null;
}

/** GET /v1/budgets/status, one window. */
export interface BudgetWindow {
  window: string;
  limits: Limits;
  used: Amount;
  reserved: Amount;
  remaining: Limits;
  overshoot: Amount;
  fractionUsed: number | null;
  zone: string;
  burnRate: { tokensPerHour: number; usdPerHour: number };
  forecast: { hoursToExhaustion: number | null; exhaustionAt: string | null; zone: string; recommendation: string };
  nextReset: string;
}

/** GET /v1/adapters, one adapter. */
export interface AdapterInfo {
  name: string;
  kind: string;
  provider: string;
  tier: string;
  models: { fast: string; reasoning: string };
  enabled: boolean;
  reachable: boolean;
  /** Its circuit breaker (absent from a service older than issue 15). */
  breaker?: { state: 'closed' | 'open' | 'half_open'; consecutiveFailures: number; openedAt: string | null; reopensAt: string | null };
}

interface Range {
  low: number;
  expected: number;
  high: number;
}

/** POST /v1/deliberations/estimate */
export interface Estimate {
  historyPolicy: string;
  maxRounds: number;
  participants: Array<{ participantIndex: number; adapter: string; model: string; priced: boolean }>;
  rounds: Array<{ round: number; tokens: Range; costUsd: Range | null }>;
  total: { tokens: Range; costUsd: Range | null };
  budget: {
    deliberation: { maxTokens: number | null; maxCostUsd: number | null; fits: boolean };
    windows: Array<{ window: string; remaining: Limits; fits: boolean }>;
    fits: boolean;
  };
  assumptions: string[];
}

/** POST /v1/deliberations (202) and POST /v1/checkpoints/:id/resume (202). */
export interface Started {
  id: string;
  status: string;
  resumedFromCheckpointId?: string;
  forkedFromCheckpointId?: string;
  parentId?: string;
}

/** GET /v1/deliberations/:id/tokens */
export interface DeliberationTokens {
  totals: TokenFigures;
}
