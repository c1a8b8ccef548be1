import type { TokenUsage } from '../token-usage';
import type { ModelPrice } from './price-lookup';

export type PricedCounts = Pick<TokenUsage, 'inputTokens' | 'outputTokens' | 'reasoningTokens' | 'cachedInputTokens'>;

const PICO_PER_MICRO = 1_000_000n;

/**
 * A price in USD per 1M tokens is exactly a price in micro-dollars per token ($3/1M = 3 µ$/token), but list
 * prices such as $0.15/1M are fractions of a micro-dollar. So each per-token price is turned into an integer
 * number of pico-dollars (10^-12 USD; prices are exact to 6 decimal places per 1M tokens, which covers every
 * published price), the products are summed as BigInt (tokens × pico can pass 2^53), and the call's cost is
 * rounded to micro-dollars once, half up. Sums of those integers never drift.
 */
function picoPerToken(usdPerMillion: number): bigint {
  return BigInt(Math.round(usdPerMillion * 1_000_000));
}

/**
 * The cost of one call in integer micro-dollars, or null when the price is unknown:
 * (input − cached) × input + cached × (cachedInput ?? input) + output × output + reasoning × (reasoning ?? output).
 */
export function priceUsage(usage: PricedCounts, price: ModelPrice | null): number | null {
  if (!price) return null;
  const cached = Math.min(usage.cachedInputTokens, usage.inputTokens);
  const pico =
    BigInt(usage.inputTokens - cached) * picoPerToken(price.input) +
    BigInt(cached) * picoPerToken(price.cachedInput ?? price.input) +
    BigInt(usage.outputTokens) * picoPerToken(price.output) +
    BigInt(usage.reasoningTokens) * picoPerToken(price.reasoning ?? price.output);
  return Number((pico + PICO_PER_MICRO / 2n) / PICO_PER_MICRO);
}

/** Micro-dollars to USD, done once at the end of a sum. */
export function microsToUsd(micros: number): number {
  return micros / 1_000_000;
}
