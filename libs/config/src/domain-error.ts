/**
 * What went wrong, in domain terms. Libs throw these and know no HTTP; the API's one exception filter
 * maps each kind to a status (not_found 404, conflict 409, invalid 400, rule_violated 422,
 * rate_limited 429, unavailable 503).
 */
export type DomainErrorKind = 'not_found' | 'conflict' | 'invalid' | 'rule_violated' | 'rate_limited' | 'unavailable';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly kind: DomainErrorKind,
    /** A stable code clients may branch on, e.g. BUDGET_HARD_CAP, CHECKPOINT_NOT_LATEST. */
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Seconds a client should wait before retrying (rate_limited). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
