import type { ParticipantResponse } from '../deliberation.types';
import { decisionFigures, economyOf } from './economy';

function response(
  participantIndex: number,
  totalTokens: number,
  costUsd: number | null,
  retry?: { totalTokens: number; costUsd: number | null },
): ParticipantResponse {
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

describe('decisionFigures', () => {
  const decision = (mode: string, stopReason: string, tokens: number, costUsd: number | null, saved = 0, roundsSaved = 0) => ({
    mode,
    stopReason,
    economy: {
      perDecision: { tokens, costUsd },
      marginalRounds: [],
      historySavings: { policy: 'digest' as const, inputTokensUnderFull: saved * 2, inputTokensAsSent: saved, savedInputTokens: saved },
      earlyStopSavings: { roundsSaved, tokens: roundsSaved * 1000, costUsd: costUsd === null ? null : roundsSaved * 0.01 },
    },
  });

  it('gives median and p90 per decision, by mode and stop reason, and the savings', () => {
    const figures = decisionFigures([
      decision('conference', 'converged', 10_000, 0.1, 4000, 1),
      decision('conference', 'max_rounds', 30_000, 0.3, 9000),
      decision('conference', 'converged', 20_000, 0.2, 5000, 1),
      decision('quick', 'max_rounds', 2_000, 0.02),
    ]);
    expect(figures.decisions).toBe(4);
    expect(figures.tokensPerDecision).toEqual({ median: 10_000, p90: 30_000 });
    expect(figures.costUsdPerDecision).toEqual({ median: 0.1, p90: 0.3 });
    expect(figures.byMode.map((m) => [m.mode, m.decisions, m.tokensPerDecision.median])).toEqual([
      ['conference', 3, 20_000],
      ['quick', 1, 2_000],
    ]);
    expect(figures.byStopReason.map((s) => [s.stopReason, s.decisions])).toEqual([
      ['converged', 2],
      ['max_rounds', 2],
    ]);
    expect(figures.savings).toEqual({ historyInputTokens: 18_000, earlyStopRounds: 2, earlyStopTokens: 2000, earlyStopCostUsd: 0.02 });
  });

  it('an unpriced decision makes the cost figures of its groups unknown, not $0', () => {
    const figures = decisionFigures([decision('conference', 'converged', 10_000, null, 0, 1), decision('quick', 'max_rounds', 2_000, 0.02)]);
    expect(figures.costUsdPerDecision).toBeNull();
    expect(figures.byMode.find((m) => m.mode === 'quick')!.costUsdPerDecision).toEqual({ median: 0.02, p90: 0.02 });
    expect(figures.savings.earlyStopCostUsd).toBeNull();
  });

  it('is all zeros with no decision', () => {
    expect(decisionFigures([])).toMatchObject({ decisions: 0, tokensPerDecision: { median: 0, p90: 0 }, byMode: [], byStopReason: [] });
  });
});
