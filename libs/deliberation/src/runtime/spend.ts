import type { EngineState } from '../engine/engine.ports';

/** What a deliberation has spent so far: every stored call, finished rounds and the round in progress. */
export function spentSoFar(state: EngineState): { tokens: number; usd: number } {
  let tokens = 0;
  let usd = 0;
  for (const response of [...state.rounds.flatMap((r) => r.responses), ...state.partial]) {
    tokens += response.usage.totalTokens + (response.voteRetry?.usage.totalTokens ?? 0);
    usd += (response.costUsd ?? 0) + (response.voteRetry?.costUsd ?? 0);
  }
  return { tokens, usd };
}

/** Token totals over every stored call, as a checkpoint records them. */
export function tokenTotals(state: EngineState): {
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  cachedInputTokens: number;
  totalTokens: number;
  costUsd: number;
} {
  const totals = { inputTokens: 0, outputTokens: 0, reasoningTokens: 0, cachedInputTokens: 0, totalTokens: 0, costUsd: 0 };
  for (const response of [...state.rounds.flatMap((r) => r.responses), ...state.partial]) {
    totals.inputTokens += response.usage.inputTokens;
    totals.outputTokens += response.usage.outputTokens;
    totals.reasoningTokens += response.usage.reasoningTokens;
    totals.cachedInputTokens += response.usage.cachedInputTokens;
    totals.totalTokens += response.usage.totalTokens;
    totals.costUsd += response.costUsd ?? 0;
  }
  return totals;
}

/** The tokens the next round is expected to need: the last round's spend, or a first guess from the output cap. */
export function nextRoundEstimate(state: EngineState, maxOutputTokens: number): number {
  const last = state.rounds[state.rounds.length - 1];
  if (last) return last.responses.reduce((sum, r) => sum + r.usage.totalTokens, 0);
  return state.request.participants.length * maxOutputTokens * 2;
}
