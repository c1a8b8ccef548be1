import type { AdapterErrorKind } from '../adapter.types';

/**
 * A circuit breaker per adapter, as a pure state machine over plain data (time comes in as epoch ms).
 * closed: calls go; N transport failures in a row open it. open: no call goes until the cool-down has
 * passed, then one trial call is admitted (half-open); its success closes the breaker, its failure opens
 * it again for another cool-down. An answer that says nothing about the transport (cancelled, a refused
 * model name, an over-long reply) neither closes nor opens it: a trial that ends so frees the trial slot.
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerSettings {
  failureThreshold: number;
  coolDownMs: number;
}

export interface Breaker {
  /** As last written; `open` reads as half-open once the cool-down has passed (see breakerState). */
  state: BreakerState;
  consecutiveFailures: number;
  openedAt: number | null;
  /** Half-open: the one trial call is in flight, so nothing else is admitted. */
  trialInFlight: boolean;
}

/** What a finished call tells the breaker. */
export type CallOutcome = 'success' | 'failure' | 'neutral';

export const CLOSED: Breaker = { state: 'closed', consecutiveFailures: 0, openedAt: null, trialInFlight: false };

/** The state as of `now`: an open breaker whose cool-down has passed is half-open. */
export function breakerState(b: Breaker, now: number, s: BreakerSettings): BreakerState {
  if (b.state === 'open' && b.openedAt !== null && now >= b.openedAt + s.coolDownMs) return 'half_open';
  return b.state;
}

/** Whether a call may go now (the half-open trial, once), and the breaker after admitting it. */
export function admit(b: Breaker, now: number, s: BreakerSettings): { admitted: boolean; next: Breaker } {
  const state = breakerState(b, now, s);
  if (state === 'closed') return { admitted: true, next: b };
  if (state === 'open' || b.trialInFlight) return { admitted: false, next: b };
  return { admitted: true, next: { ...b, state: 'half_open', trialInFlight: true } };
}

/** The breaker after a call admitted by `admit` ended with `outcome`. */
export function recordOutcome(b: Breaker, outcome: CallOutcome, now: number, s: BreakerSettings): Breaker {
  if (outcome === 'success') return CLOSED;
  const state = breakerState(b, now, s);
  if (outcome === 'neutral') return state === 'half_open' ? { ...b, state: 'half_open', trialInFlight: false } : b;
  const consecutiveFailures = b.consecutiveFailures + 1;
  // A failed trial, or the threshold reached: open (again) from now.
  if (state === 'half_open' || state === 'open' || consecutiveFailures >= s.failureThreshold) {
    return { state: 'open', consecutiveFailures, openedAt: now, trialInFlight: false };
  }
  return { ...b, consecutiveFailures };
}

/**
 * Which failed calls count against the adapter's transport: no answer in time, no connection, a 5xx or
 * 408, a CLI that could not run or died. A 429 is a provider that answered (it asks us to slow down, and
 * retries honour it), a 4xx or a bad body is an answer too; a cancel or a refused model says nothing.
 */
export function outcomeOfFailure(kind: AdapterErrorKind | string, status?: number): CallOutcome {
  switch (kind) {
    case 'timeout':
    case 'process_exit':
      return 'failure';
    case 'http_status':
      return status === undefined || status === 408 || status >= 500 ? 'failure' : 'success';
    case 'rate_limited':
    case 'bad_response':
      return 'success';
    default:
      return 'neutral';
  }
}
