/** How a call's token counts were obtained. */
export type Accuracy = 'exact' | 'estimated' | 'unavailable';

/**
 * The token counts of one adapter call. Every count is a non-negative integer;
 * totalTokens = input + output + reasoning (cached input is part of input, never added again).
 */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  cachedInputTokens: number;
  totalTokens: number;
  accuracy: Accuracy;
  adapter: string;
  provider: string;
  model: string;
  /** ISO-8601 time the call finished. */
  timestamp: string;
}

export interface UsageCounts {
  inputTokens?: number;
  outputTokens?: number;
  reasoningTokens?: number;
  cachedInputTokens?: number;
}

export interface UsageSource {
  adapter: string;
  provider: string;
  model: string;
  timestamp?: Date;
}

function count(value: number | undefined): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/** Builds a TokenUsage that holds the invariants whatever a provider sent (negatives, NaN, cached > input). */
export function makeUsage(source: UsageSource, counts: UsageCounts, accuracy: Accuracy): TokenUsage {
  const inputTokens = count(counts.inputTokens);
  const outputTokens = count(counts.outputTokens);
  const reasoningTokens = count(counts.reasoningTokens);
  const cachedInputTokens = Math.min(count(counts.cachedInputTokens), inputTokens);
  return {
    inputTokens,
    outputTokens,
    reasoningTokens,
    cachedInputTokens,
    totalTokens: inputTokens + outputTokens + reasoningTokens,
    accuracy,
    adapter: source.adapter,
    provider: source.provider,
    model: source.model,
    timestamp: (source.timestamp ?? new Date()).toISOString(),
  };
}

/** The usage of a failed call: nothing is known, so nothing is counted. */
export function unavailableUsage(source: UsageSource): TokenUsage {
  return makeUsage(source, {}, 'unavailable');
}
