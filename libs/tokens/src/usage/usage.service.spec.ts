import { DomainError } from '@app/config';
import { DataSource } from 'typeorm';
import { summarizeFigures } from '../figures/token-figures';
import { TokenLedger, UsageEntry } from '../ledger/token-ledger.service';
import { TokenUsageEntity } from '../ledger/token-usage.entity';
import { openTokensTestDb } from '../testing/tokens-test-db';
import { makeUsage, unavailableUsage, type Accuracy } from '../token-usage';
import { UsageService } from './usage.service';

const NOW = new Date('2025-11-20T10:00:30.000Z');
const P0 = { adapter: 'claude', provider: 'anthropic', model: 'claude-haiku-4-5' };
const P1 = { adapter: 'openai', provider: 'openai', model: 'gpt-5-mini' };
const P2 = { adapter: 'local', provider: 'ollama', model: 'llama3.2' };

function call(
  deliberationId: string,
  round: number,
  participantIndex: number,
  source: typeof P0,
  at: string,
  counts: { in?: number; out?: number } | null,
  accuracy: Accuracy = 'exact',
  extra: Partial<UsageEntry> = {},
): UsageEntry {
  const timestamp = new Date(at);
  return {
    deliberationId,
    round,
    participantIndex,
    tier: 'fast',
    usage: counts
      ? makeUsage({ ...source, timestamp }, { inputTokens: counts.in, outputTokens: counts.out }, accuracy)
      : unavailableUsage({ ...source, timestamp }),
    latencyMs: 100 * (participantIndex + 1),
    ...extra,
  };
}

/** d1: three rounds, participant 2 (local, $0) spends most and always votes A; round 3 is after convergence. */
const CALLS: UsageEntry[] = [
  call('d1', 1, 0, P0, '2025-11-20T09:58:10.000Z', { in: 1000, out: 200 }, 'exact', { voteOption: 'A' }), // 2000 µ$
  call('d1', 1, 1, P1, '2025-11-20T09:58:11.000Z', { in: 1000, out: 100 }, 'estimated', { voteOption: 'B' }), // 450 µ$
  call('d1', 1, 2, P2, '2025-11-20T09:58:12.000Z', { in: 3000, out: 1000 }, 'exact', { voteOption: 'A' }),
  call('d1', 2, 0, P0, '2025-11-20T09:59:40.000Z', { in: 1500, out: 300 }, 'exact', { voteOption: 'A' }), // 3000 µ$
  call('d1', 2, 1, P1, '2025-11-20T09:59:41.000Z', null, 'unavailable', { errorKind: 'timeout' }),
  call('d1', 2, 2, P2, '2025-11-20T09:59:42.000Z', { in: 4000, out: 1000 }, 'exact', { voteOption: 'a ' }),
  call('d1', 3, 0, P0, '2025-11-20T10:00:10.000Z', { in: 2000, out: 200 }, 'exact', { voteOption: 'A', afterConvergence: true }), // 3000 µ$
  call('d1', 3, 2, P2, '2025-11-20T10:00:11.000Z', { in: 5000, out: 1000 }, 'exact', { voteOption: 'A', afterConvergence: true }),
  call('d2', 1, 0, { ...P1, model: 'mystery-1' }, '2025-11-10T12:00:00.000Z', { in: 100, out: 50 }, 'estimated'),
];

describe(UsageService.name, () => {
  let dataSource: DataSource;
  let ledger: TokenLedger;
  let sut: UsageService;

  beforeAll(async () => {
    ({ dataSource, ledger, usage: sut } = await openTokensTestDb());
    for (const entry of CALLS) await dataSource.transaction((manager) => ledger.recordUsage(manager, entry));
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  describe('deliberationTokens', () => {
    it('should give totals with exact/estimated splits, cost bounds and confidence', async () => {
      const view = await sut.deliberationTokens('d1');
      expect(view.totals).toEqual({
        inputTokens: 17_500,
        outputTokens: 3_800,
        reasoningTokens: 0,
        cachedInputTokens: 0,
        totalTokens: 21_300,
        exactTokens: 20_200,
        estimatedTokens: 1_100,
        unavailableCalls: 1,
        calls: 8,
        costUsd: 0.00845,
        costLowerUsd: 0.008382, // 450 µ$ estimated −15% (67.5 → 68)
        costUpperUsd: 0.008518,
        costConfidence: 20_200 / 21_300,
        unpricedCalls: 0,
      });
    });

    it('should agree with the pure summary of the same rows', async () => {
      const rows = await dataSource.getRepository(TokenUsageEntity).findBy({ deliberationId: 'd1' });
      expect((await sut.deliberationTokens('d1')).totals).toEqual(summarizeFigures(rows, 15));
    });

    it('should split by participant and by round', async () => {
      const view = await sut.deliberationTokens('d1');
      expect(view.byParticipant.map((p) => [p.participantIndex, p.adapter, p.model, p.totalTokens, p.calls, p.costUsd, p.costConfidence])).toEqual([
        [0, 'claude', 'claude-haiku-4-5', 5_200, 3, 0.008, 1],
        [1, 'openai', 'gpt-5-mini', 1_100, 2, 0.00045, 0],
        [2, 'local', 'llama3.2', 15_000, 3, 0, 1],
      ]);
      expect(view.byParticipant[1]).toMatchObject({ unavailableCalls: 1, costLowerUsd: 0.000382, costUpperUsd: 0.000518 });
      expect(view.byRound.map((r) => [r.round, r.totalTokens, r.calls, r.costUsd])).toEqual([
        [1, 6_300, 3, 0.00245],
        [2, 6_800, 3, 0.003],
        [3, 8_200, 2, 0.003],
      ]);
    });

    it('should give zeros and empty lists for an id with no calls', async () => {
      const view = await sut.deliberationTokens('nobody');
      expect(view).toMatchObject({ deliberationId: 'nobody', byParticipant: [], byRound: [] });
      expect(view.totals).toMatchObject({ calls: 0, totalTokens: 0, costUsd: 0, costConfidence: null });
    });
  });

  describe('roundTokens', () => {
    it("should list each call of the round with the round's totals", async () => {
      const view = await sut.roundTokens('d1', 2);
      expect(view.calls).toEqual([
        {
          participantIndex: 0,
          adapter: 'claude',
          model: 'claude-haiku-4-5',
          tier: 'fast',
          accuracy: 'exact',
          inputTokens: 1500,
          outputTokens: 300,
          reasoningTokens: 0,
          cachedInputTokens: 0,
          totalTokens: 1800,
          costUsd: 0.003,
          latencyMs: 100,
          errorKind: null,
        },
        {
          participantIndex: 1,
          adapter: 'openai',
          model: 'gpt-5-mini',
          tier: 'fast',
          accuracy: 'unavailable',
          inputTokens: 0,
          outputTokens: 0,
          reasoningTokens: 0,
          cachedInputTokens: 0,
          totalTokens: 0,
          costUsd: 0,
          latencyMs: 200,
          errorKind: 'timeout',
        },
        {
          participantIndex: 2,
          adapter: 'local',
          model: 'llama3.2',
          tier: 'fast',
          accuracy: 'exact',
          inputTokens: 4000,
          outputTokens: 1000,
          reasoningTokens: 0,
          cachedInputTokens: 0,
          totalTokens: 5000,
          costUsd: 0,
          latencyMs: 300,
          errorKind: null,
        },
      ]);
      expect(view.totals).toMatchObject({ calls: 3, totalTokens: 6_800, unavailableCalls: 1, costUsd: 0.003 });
      expect(await sut.roundTokens('d1', 9)).toMatchObject({ round: 9, calls: [], totals: { calls: 0 } });
    });
  });

  describe('usageOverTime', () => {
    const window = { from: new Date('2025-11-01T00:00:00Z'), to: new Date('2025-11-21T00:00:00Z') };

    it('should group by UTC day in date order', async () => {
      const view = await sut.usageOverTime({ ...window, groupBy: 'day' }, NOW);
      expect(view.groups.map((g) => [g.key, g.totalTokens, g.costUsd, g.unpricedCalls])).toEqual([
        ['2025-11-10', 150, null, 1],
        ['2025-11-20', 21_300, 0.00845, 0],
      ]);
      expect(view).toMatchObject({ from: '2025-11-01T00:00:00.000Z', to: '2025-11-21T00:00:00.000Z', groupBy: 'day' });
      expect(view.totals).toMatchObject({ calls: 9, totalTokens: 21_450, costUsd: 0.00845, unpricedCalls: 1, estimatedTokens: 1_250 });
    });

    it.each([
      [
        'adapter',
        [
          ['local', 15_000],
          ['claude', 5_200],
          ['openai', 1_250],
        ],
      ],
      [
        'model',
        [
          ['llama3.2', 15_000],
          ['claude-haiku-4-5', 5_200],
          ['gpt-5-mini', 1_100],
          ['mystery-1', 150],
        ],
      ],
      [
        'deliberation',
        [
          ['d1', 21_300],
          ['d2', 150],
        ],
      ],
    ] as const)('should group by %s, largest first', async (groupBy, expected) => {
      const view = await sut.usageOverTime({ ...window, groupBy }, NOW);
      expect(view.groups.map((g) => [g.key, g.totalTokens])).toEqual(expected);
    });

    it('should treat the window as [from, to)', async () => {
      const view = await sut.usageOverTime({ from: new Date('2025-11-20T09:58:10Z'), to: new Date('2025-11-20T09:59:40Z') }, NOW);
      expect(view.totals).toMatchObject({ calls: 3, totalTokens: 6_300 });
      expect(view.groupBy).toBe('adapter');
    });

    it('should default to the 30 days before now', async () => {
      const view = await sut.usageOverTime({}, NOW);
      expect(view).toMatchObject({ from: '2025-10-21T10:00:30.000Z', to: NOW.toISOString() });
      expect(view.totals.calls).toBe(9);
    });

    it('should refuse a window that ends before it starts', async () => {
      const error = await sut.usageOverTime({ from: new Date('2025-11-02'), to: new Date('2025-11-01') }, NOW).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ kind: 'invalid', code: 'USAGE_RANGE_INVALID' });
    });
  });

  describe('solutions', () => {
    it('should give lifetime totals per adapter', async () => {
      const solutions = await sut.adapterTotals();
      expect(solutions.map((s) => [s.adapter, s.calls, s.totalTokens, s.deliberations, s.unpricedCalls, s.costUsd])).toEqual([
        ['claude', 3, 5_200, 1, 0, 0.008],
        ['local', 3, 15_000, 1, 0, 0],
        ['openai', 3, 1_250, 2, 1, 0.00045],
      ]);
      expect(await sut.adapterTotalsOf('openai', {}, NOW)).toEqual({
        adapter: 'openai',
        totalTokens: 1_250,
        exactTokens: 0,
        estimatedTokens: 1_250,
        inputTokens: 1_100,
        outputTokens: 150,
        reasoningTokens: 0,
        cachedInputTokens: 0,
        calls: 3,
        unavailableCalls: 1,
        unpricedCalls: 1,
        costUsd: 0.00045,
        costLowerUsd: 0.000382,
        costUpperUsd: 0.000518,
        costConfidence: 0,
        deliberations: 2,
        updatedAt: '2025-11-20T09:59:41.000Z',
        // Three calls (100, 200 and a 200 ms timeout); two answers, d2's without a vote; its busiest minute 09:58.
        figures: {
          from: '2025-10-21T10:00:30.000Z',
          to: NOW.toISOString(),
          calls: 3,
          refusedByBreaker: 0,
          successRate: 0.6667,
          avgLatencyMs: 167,
          p95LatencyMs: 200,
          answers: 2,
          voteParseFailureRate: 0.5,
          peakTokensPerMinute: { tokens: 1_100, at: '2025-11-20T09:58:00.000Z' },
        },
      });
    });

    it('should give the figures over the requested window only, with lifetime totals', async () => {
      const [claude, local, openai] = await sut.adapterTotals({ from: new Date('2025-11-20T09:59:00Z'), to: new Date('2025-11-20T10:00:00Z') }, NOW);
      expect(openai).toMatchObject({ calls: 3, figures: { calls: 1, successRate: 0, answers: 0, voteParseFailureRate: null, avgLatencyMs: 200 } });
      expect(claude.figures).toMatchObject({ calls: 1, successRate: 1, answers: 1, voteParseFailureRate: 0, p95LatencyMs: 100 });
      expect(local.figures.peakTokensPerMinute).toEqual({ tokens: 5_000, at: '2025-11-20T09:59:00.000Z' });
    });

    it('should answer not_found for an adapter never called', async () => {
      await expect(sut.adapterTotalsOf('nope')).rejects.toMatchObject({ kind: 'not_found', code: 'SOLUTION_NOT_FOUND' });
    });
  });

  describe('summary', () => {
    it('should give rates, top participants, waste after convergence and concrete suggestions', async () => {
      expect(await sut.summary(NOW)).toEqual({
        from: '2025-11-13T10:00:30.000Z',
        to: '2025-11-20T10:00:30.001Z',
        tokensPerMinuteNow: 6_800 + 8_200,
        peakTokensPerMinute: 8_200,
        totalTokens: 21_300,
        topParticipants: [
          { adapter: 'local', model: 'llama3.2', totalTokens: 15_000, share: 15_000 / 21_300 },
          { adapter: 'claude', model: 'claude-haiku-4-5', totalTokens: 5_200, share: 5_200 / 21_300 },
          { adapter: 'openai', model: 'gpt-5-mini', totalTokens: 1_100, share: 1_100 / 21_300 },
        ],
        tokensAfterConvergence: 8_200,
        shareAfterConvergence: 8_200 / 21_300,
        suggestions: [
          'participant 2 (local/llama3.2) spent 70% of tokens; its votes never changed after round 1 (11k tokens, $0.00 in its later rounds): give it the fast tier after the first round or leave it out of later rounds',
          '1 deliberation ran 1 confirming round after convergence: 8.2k tokens, $0.003 (38% of tokens); lower maxRounds or the convergence threshold',
        ],
        // Each with what acting on it would have saved: the local model costs nothing, the confirming round did.
        suggestionDetails: [
          { kind: 'dominant_participant', text: expect.any(String), savings: { tokens: 11_000, usd: 0 } },
          { kind: 'after_convergence', text: expect.any(String), savings: { tokens: 8_200, usd: 0.003 } },
        ],
      });
    });

    it('should be all zeros with no usage in the window', async () => {
      expect(await sut.summary(new Date('2030-01-01T00:00:00Z'))).toMatchObject({
        tokensPerMinuteNow: 0,
        peakTokensPerMinute: 0,
        totalTokens: 0,
        topParticipants: [],
        tokensAfterConvergence: 0,
        shareAfterConvergence: 0,
        suggestions: [],
      });
    });
  });
});
