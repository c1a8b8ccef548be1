/**
 * Per-adapter figures over a time window (GET /v1/usage/adapters): latency, success rate, vote-parse
 * failures and the peak minute, from token_usage rows. The sums come from SQL; these rules turn them
 * into the figures, so the arithmetic is tested apart from the queries.
 */

/** Calls of one adapter in a window, as summed by the repository. */
export interface AdapterCallSums {
  /** Calls sent to the provider (a call its circuit breaker refused was never sent). */
  sent: number;
  /** Sent calls that came back without an error. */
  succeeded: number;
  /** The sent calls' latencies added up, ms. */
  latencyMs: number;
  /** Calls refused by the circuit breaker (error kind circuit_open). */
  refused: number;
  /** Participants' answers (one per participant and round that got a reply). */
  answers: number;
  /** Answers whose first reply had no vote that parsed (a vote-only retry was asked, or no vote at all). */
  voteParseFailures: number;
}

export interface AdapterFigures {
  /** The window, ISO-8601, [from, to). */
  from: string;
  to: string;
  calls: number;
  refusedByBreaker: number;
  /** Share of the sent calls that succeeded (0–1, 4 decimals); null without calls. */
  successRate: number | null;
  avgLatencyMs: number | null;
  /** Nearest-rank 95th percentile of the sent calls' latencies. */
  p95LatencyMs: number | null;
  answers: number;
  voteParseFailureRate: number | null;
  /** The calendar minute (UTC) in which most of its tokens finished, and how many; null without tokens. */
  peakTokensPerMinute: { tokens: number; at: string } | null;
}

/** part / whole to 4 decimals; null when there is no whole to divide by. */
export function rate(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;
}

/**
 * The 0-based position, in ascending order, of the nearest-rank percentile `pct` of `n` values (the
 * smallest value with at least pct% of the values at or below it); null when there are none. Asked of
 * the database as an OFFSET, so no latency list is ever loaded.
 */
export function nearestRankOffset(n: number, pct: number): number | null {
  if (n <= 0) return null;
  return Math.min(n, Math.max(1, Math.ceil((pct / 100) * n))) - 1;
}

export function adapterFigures(
  window: { from: string; to: string },
  sums: AdapterCallSums,
  p95LatencyMs: number | null,
  peak: { tokens: number; minute: string } | null,
): AdapterFigures {
  return {
    from: window.from,
    to: window.to,
    calls: sums.sent,
    refusedByBreaker: sums.refused,
    successRate: rate(sums.succeeded, sums.sent),
    avgLatencyMs: sums.sent === 0 ? null : Math.round(sums.latencyMs / sums.sent),
    p95LatencyMs: sums.sent === 0 ? null : p95LatencyMs,
    answers: sums.answers,
    voteParseFailureRate: rate(sums.voteParseFailures, sums.answers),
    // The stored minute is the first 16 characters of an ISO instant ("2026-12-03T09:37").
    peakTokensPerMinute: peak && peak.tokens > 0 ? { tokens: peak.tokens, at: `${peak.minute}:00.000Z` } : null,
  };
}
