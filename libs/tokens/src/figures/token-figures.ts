import type { Accuracy } from '../token-usage';
import { microsToUsd } from '../prices/price-usage';

/** The one shape of token figures every view shares. */
export interface TokenFigures {
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  cachedInputTokens: number;
  totalTokens: number;
  /** Tokens of calls whose provider reported usage. */
  exactTokens: number;
  /** Tokens of calls counted with the tokenizer. */
  estimatedTokens: number;
  /** Calls with no usage at all (failed calls): they count no tokens. */
  unavailableCalls: number;
  calls: number;
  /** Sum of the priced calls; null when there were calls and none could be priced. */
  costUsd: number | null;
  costLowerUsd: number | null;
  costUpperUsd: number | null;
  /** exactTokens / (exactTokens + estimatedTokens); null when no token was counted. */
  costConfidence: number | null;
  /** Calls whose model has no price: their cost is left out of costUsd, never guessed. */
  unpricedCalls: number;
}

/** One call as the figures need it. costMicros null = unpriced. */
export interface FigureRow {
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  cachedInputTokens: number;
  totalTokens: number;
  accuracy: Accuracy;
  costMicros: number | null;
}

/** Additive partial sums (what SQL SUMs produce); figures are derived from them once. */
export interface UsageSums {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  cachedInputTokens: number;
  totalTokens: number;
  exactTokens: number;
  estimatedTokens: number;
  unavailableCalls: number;
  pricedCalls: number;
  /** Sum of the priced calls' cost. */
  costMicros: number;
  /** The part of costMicros that comes from estimated calls: the part the bounds widen. */
  estimatedCostMicros: number;
}

export function emptySums(): UsageSums {
  return {
    calls: 0,
    inputTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    cachedInputTokens: 0,
    totalTokens: 0,
    exactTokens: 0,
    estimatedTokens: 0,
    unavailableCalls: 0,
    pricedCalls: 0,
    costMicros: 0,
    estimatedCostMicros: 0,
  };
}

export function addRow(sums: UsageSums, row: FigureRow): UsageSums {
  const priced = row.costMicros !== null;
  return {
    calls: sums.calls + 1,
    inputTokens: sums.inputTokens + row.inputTokens,
    outputTokens: sums.outputTokens + row.outputTokens,
    reasoningTokens: sums.reasoningTokens + row.reasoningTokens,
    cachedInputTokens: sums.cachedInputTokens + row.cachedInputTokens,
    totalTokens: sums.totalTokens + row.totalTokens,
    exactTokens: sums.exactTokens + (row.accuracy === 'exact' ? row.totalTokens : 0),
    estimatedTokens: sums.estimatedTokens + (row.accuracy === 'estimated' ? row.totalTokens : 0),
    unavailableCalls: sums.unavailableCalls + (row.accuracy === 'unavailable' ? 1 : 0),
    pricedCalls: sums.pricedCalls + (priced ? 1 : 0),
    costMicros: sums.costMicros + (row.costMicros ?? 0),
    estimatedCostMicros: sums.estimatedCostMicros + (row.accuracy === 'estimated' ? (row.costMicros ?? 0) : 0),
  };
}

/** Two groups' sums as one: every field is a sum, so groups can be merged in any order. */
export function addSums(a: UsageSums, b: UsageSums): UsageSums {
  return {
    calls: a.calls + b.calls,
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    reasoningTokens: a.reasoningTokens + b.reasoningTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    totalTokens: a.totalTokens + b.totalTokens,
    exactTokens: a.exactTokens + b.exactTokens,
    estimatedTokens: a.estimatedTokens + b.estimatedTokens,
    unavailableCalls: a.unavailableCalls + b.unavailableCalls,
    pricedCalls: a.pricedCalls + b.pricedCalls,
    costMicros: a.costMicros + b.costMicros,
    estimatedCostMicros: a.estimatedCostMicros + b.estimatedCostMicros,
  };
}

export function sumRows(rows: readonly FigureRow[]): UsageSums {
  return rows.reduce(addRow, emptySums());
}

export function costConfidence(exactTokens: number, estimatedTokens: number): number | null {
  const counted = exactTokens + estimatedTokens;
  return counted === 0 ? null : exactTokens / counted;
}

/**
 * How far estimated cost may be off, in micro-dollars: estimated cost × estimateErrorPct / 100, rounded once.
 * Exact cost counts once and widens nothing.
 */
export function estimateMarginMicros(estimatedCostMicros: number, estimateErrorPct: number): number {
  return Math.round((estimatedCostMicros * estimateErrorPct) / 100);
}

/** The cost bounds of one call, in micro-dollars (what the lifetime totals accumulate). */
export function callCostBounds(costMicros: number | null, accuracy: Accuracy, estimateErrorPct: number): { lowerMicros: number; upperMicros: number } {
  const cost = costMicros ?? 0;
  const margin = accuracy === 'estimated' ? estimateMarginMicros(cost, estimateErrorPct) : 0;
  return { lowerMicros: Math.max(0, cost - margin), upperMicros: cost + margin };
}

export function figuresFromSums(sums: UsageSums, estimateErrorPct: number): TokenFigures {
  const unpricedCalls = sums.calls - sums.pricedCalls;
  const nothingPriced = sums.calls > 0 && sums.pricedCalls === 0;
  const margin = estimateMarginMicros(sums.estimatedCostMicros, estimateErrorPct);
  return {
    inputTokens: sums.inputTokens,
    outputTokens: sums.outputTokens,
    reasoningTokens: sums.reasoningTokens,
    cachedInputTokens: sums.cachedInputTokens,
    totalTokens: sums.totalTokens,
    exactTokens: sums.exactTokens,
    estimatedTokens: sums.estimatedTokens,
    unavailableCalls: sums.unavailableCalls,
    calls: sums.calls,
    costUsd: nothingPriced ? null : microsToUsd(sums.costMicros),
    costLowerUsd: nothingPriced ? null : microsToUsd(Math.max(0, sums.costMicros - margin)),
    costUpperUsd: nothingPriced ? null : microsToUsd(sums.costMicros + margin),
    costConfidence: costConfidence(sums.exactTokens, sums.estimatedTokens),
    unpricedCalls,
  };
}

/** The figures of a set of calls. Costs are summed in micro-dollars and converted to USD once. */
export function summarizeFigures(rows: readonly FigureRow[], estimateErrorPct: number): TokenFigures {
  return figuresFromSums(sumRows(rows), estimateErrorPct);
}
