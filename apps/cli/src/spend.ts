import type { TokenFigures } from './wire';

type RoundFigures = Pick<TokenFigures, 'totalTokens' | 'costUsd'> & { round: number };

/**
 * What a deliberation had spent when round `round` ended, from GET /v1/deliberations/:id/tokens' byRound
 * (the ledger: vote retries and embeddings calls included). The cost is null when no call of those
 * rounds could be priced, as the API says it, never $0.
 */
export function spentThrough(byRound: RoundFigures[], round: number): { totalTokens: number; costUsd: number | null } {
  const rounds = byRound.filter((r) => r.round <= round);
  const priced = rounds.filter((r) => r.costUsd !== null);
  return {
    totalTokens: rounds.reduce((n, r) => n + r.totalTokens, 0),
    costUsd: priced.length === 0 ? null : priced.reduce((n, r) => n + (r.costUsd ?? 0), 0),
  };
}
