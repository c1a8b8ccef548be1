/**
 * When to retry a failed provider call and how long to wait. Pure: time and randomness are passed in,
 * so the schedule is unit-tested without clocks.
 */
export interface RetryPolicy {
  /** The first wait before jitter. */
  baseDelayMs: number;
  /** No computed wait exceeds this (a Retry-After header may ask for longer; see retryDelayMs). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseDelayMs: 500, maxDelayMs: 30_000 };

/** 408, 429 and 5xx are worth another try; any other status is the request's fault and fails at once. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

/**
 * Milliseconds to wait before retry number `attempt + 1` (attempt counts from 0).
 * Exponential with "equal jitter": half the step is fixed, half random, so concurrent callers spread out
 * yet never retry immediately. A server's Retry-After wins over the computed step: it knows its own load.
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: () => number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.ceil(retryAfterMs);
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt));
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(step / 2 + (step / 2) * r);
}

/**
 * Reads a Retry-After header: delta-seconds ("120") or an HTTP date. Returns milliseconds from `now`,
 * never negative, or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // Only a full HTTP date (it names a weekday or GMT); Date.parse alone accepts too much ("1 2").
  if (!/GMT|UTC|[A-Za-z]{3},/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}
