import type { TokenUsage } from '@app/tokens';
import type { ParticipantResponse } from '../deliberation.types';
import type { EngineState } from './engine-state';

/**
 * Every figure of what a deliberation spent reads the calls from here: each answer (or failed call) and
 * its vote-only retry, a call of its own. So the budget check, the checkpoint's token totals and the next
 * round's estimate always add up the same calls.
 */
function callsOf(response: ParticipantResponse): Array<{ usage: TokenUsage; costUsd: number | null }> {
  return response.voteRetry ? [response, response.voteRetry] : [response];
}

/** One answer's spend, its vote-only retry included. */
export function callSpend(response: ParticipantResponse): { tokens: number; usd: number } {
  let tokens = 0;
  let usd = 0;
  for (const call of callsOf(response)) {
    tokens += call.usage.totalTokens;
    usd += call.costUsd ?? 0;
  }
  return { tokens, usd };
}

function storedResponses(state: EngineState): ParticipantResponse[] {
  return [...state.rounds.flatMap((r) => r.responses), ...state.partial];
}

/** What a deliberation has spent so far: every stored call, finished rounds and the round in progress. */
export function spentSoFar(state: EngineState): { tokens: number; usd: number } {
  let tokens = 0;
  let usd = 0;
  for (const response of storedResponses(state)) {
    const spend = callSpend(response);
    tokens += spend.tokens;
    usd += spend.usd;
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
  for (const call of storedResponses(state).flatMap(callsOf)) {
    totals.inputTokens += call.usage.inputTokens;
    totals.outputTokens += call.usage.outputTokens;
    totals.reasoningTokens += call.usage.reasoningTokens;
    totals.cachedInputTokens += call.usage.cachedInputTokens;
    totals.totalTokens += call.usage.totalTokens;
    totals.costUsd += call.costUsd ?? 0;
  }
  return totals;
}

/** The tokens the next round is expected to need: the last round's spend, or a first guess from the output cap. */
export function nextRoundEstimate(state: EngineState, maxOutputTokens: number): number {
  const last = state.rounds[state.rounds.length - 1];
  if (last) return last.responses.reduce((sum, r) => sum + callSpend(r).tokens, 0);
  return state.request.participants.length * maxOutputTokens * 2;
}
