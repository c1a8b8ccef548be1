import type { ParticipantResponse } from '../deliberation.types';
import { economyOf } from './economy';

function response(participantIndex: number, totalTokens: number, costUsd: number | null, retry?: { totalTokens: number; costUsd: number | null }): ParticipantResponse {
  const usage = { totalTokens } as ParticipantResponse['usage'];
  return {
    participantIndex,
    adapter: 'a',
    model: 'm',
    tier: 'fast',
    text: 't',
    vote: null,
    voteError: null,
    error: null,
    latencyMs: 1,
    usage,
    costUsd,
    ...(retry ? { voteRetry: { usage: { totalTokens: retry.totalTokens } as ParticipantResponse['usage'], costUsd: retry.costUsd } } : {}),
  };
}

describe('economyOf', () => {
  const rounds = [
    { number: 1, responses: [response(0, 1000, 0.01), response(1, 1200, 0.02)] },
    { number: 2, responses: [response(0, 3000, 0.03), response(1, 2500, 0.025, { totalTokens: 300, costUsd: 0.001 })] },
  ];
  const prompts = [{ round: 2, asSent: 2000, underFull: 5000 }];

  it('sums the decision with vote retries, gives each later round its marginal cost, and the history savings', () => {
    const e = economyOf({ policy: 'digest', maxRounds: 3, rounds, prompts, stoppedEarly: false });
    expect(e.perDecision).toEqual({ tokens: 1000 + 1200 + 3000 + 2500 + 300, costUsd: 0.086 });
    expect(e.marginalRounds).toEqual([{ round: 2, tokens: 5800, costUsd: 0.056 }]);
    expect(e.historySavings).toEqual({ policy: 'digest', inputTokensUnderFull: 5000, inputTokensAsSent: 2000, savedInputTokens: 3000 });
    expect(e.earlyStopSavings).toEqual({ roundsSaved: 0, tokens: 0, costUsd: 0 });
  });

  it('counts the rounds an early stop saved at the last round’s cost', () => {
    const e = economyOf({ policy: 'full', maxRounds: 5, rounds, prompts: [{ round: 2, asSent: 5000, underFull: 5000 }], stoppedEarly: true });
    expect(e.earlyStopSavings).toEqual({ roundsSaved: 3, tokens: 3 * 5800, costUsd: 0.168 });
    expect(e.historySavings.savedInputTokens).toBe(0);
  });

  it('leaves a cost unknown (null), never $0, when any call in it had no price', () => {
    const unpriced = [rounds[0], { number: 2, responses: [response(0, 3000, null), response(1, 2500, 0.025)] }];
    const e = economyOf({ policy: 'digest', maxRounds: 3, rounds: unpriced, prompts, stoppedEarly: true });
    expect(e.perDecision.costUsd).toBeNull();
    expect(e.marginalRounds[0].costUsd).toBeNull();
    expect(e.earlyStopSavings).toEqual({ roundsSaved: 1, tokens: 5500, costUsd: null });
  });
});
