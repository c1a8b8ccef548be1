import { takeEvents } from '../apps/web/src/api/events';
import type { components } from '../apps/web/src/api/schema';
import {
  budgetBar,
  cadenceText,
  costRange,
  emptyLive,
  foldEvent,
  forecastText,
  formatDuration,
  lastDays,
  liveCard,
  modelRows,
  percentile,
  pricingCoverage,
  runText,
  sparkPoints,
  stackByModel,
  stateLabel,
  zoneLines,
} from '../apps/web/src/lib/figures';

/** The web page's pure figures (apps/web/src/lib/figures.ts), as tables. */

type S = components['schemas'];

function figures(over: Partial<S['UsageGroupDto']> = {}): S['UsageGroupDto'] {
  return {
    key: 'gpt-5',
    inputTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    cachedInputTokens: 0,
    totalTokens: 0,
    exactTokens: 0,
    estimatedTokens: 0,
    unavailableCalls: 0,
    calls: 0,
    costUsd: null,
    costLowerUsd: null,
    costUpperUsd: null,
    costConfidence: null,
    unpricedCalls: 0,
    ...over,
  };
}

function window(over: Partial<S['WindowStatusDto']> = {}): S['WindowStatusDto'] {
  const forecast = {
    tokensPerHour: 0,
    usdPerHour: 0,
    hoursToExhaustion: null,
    exhaustionAt: null,
    projectedTokens: 0,
    projectedUsd: 0,
    projectedFraction: null,
    confidence: 'high' as const,
    burnVariation: 0,
    zone: 'GREEN' as const,
    recommendation: '',
  };
  return {
    window: 'daily',
    limits: { tokens: null, usd: null },
    softCap: 0.8,
    used: { tokens: 0, usd: 0 },
    reserved: { tokens: 0, usd: 0 },
    remaining: { tokens: null, usd: null },
    heldForCritical: { tokens: null, usd: null },
    overshoot: { tokens: 0, usd: 0 },
    fractionUsed: null,
    zone: 'GREEN',
    burnRate: { tokensPerHour: 0, usdPerHour: 0 },
    forecast,
    periodStart: '2026-12-03T00:00:00.000Z',
    nextReset: '2026-12-04T00:00:00.000Z',
    ...over,
  };
}

type Deliberation = S['DeliberationViewDto'];
type Response = Deliberation['rounds'][number]['responses'][number];

function answer(participantIndex: number, over: Partial<Response> = {}): Response {
  return {
    participantIndex,
    adapter: `a${participantIndex}`,
    model: 'gpt-5',
    tier: 'reasoning',
    text: 'text',
    vote: { option: 'Webhooks', confidence: 0.8, rationale: 'r', continueDebate: true },
    voteError: null,
    error: null,
    latencyMs: 100,
    tokens: { input: 100, output: 20, reasoning: 0, cachedInput: 0, total: 120, accuracy: 'exact' },
    costUsd: 0.001,
    truncated: false,
    ...over,
  };
}

function deliberation(over: Partial<Deliberation> = {}): Deliberation {
  return {
    id: 'd1',
    status: 'running',
    question: 'Q?',
    context: null,
    mode: 'quick',
    maxRounds: 3,
    createdAt: '',
    updatedAt: '',
    participants: [0, 1, 2].map((index) => ({ index, adapter: `a${index}`, model: null, tier: 'auto', stance: 'neutral', role: null })),
    rounds: [],
    result: null,
    pause: null,
    failure: null,
    latestCheckpointId: null,
    parentId: null,
    forkedFromCheckpointId: null,
    memory: null,
    links: { self: '', events: '', transcript: '', tokens: '', checkpoints: '' },
    ...over,
  };
}

function event(type: S['DeliberationEventDto']['type'], data: S['DeliberationEventDto']['data']): S['DeliberationEventDto'] {
  return { seq: 1, type, deliberationId: 'd1', at: '', data };
}

describe('web figures', () => {
  describe('formatDuration', () => {
    it.each([
      [0, '0 s'],
      [40_000, '40 s'],
      [3_600_000 + 5 * 60_000 + 7_000, '1 h 5 min'],
      [3 * 86_400_000 + 4 * 3_600_000, '3 d 4 h'],
      [-5000, '0 s'],
    ])('should say %p ms as %p', (ms, text) => {
      expect(formatDuration(ms)).toBe(text);
    });
  });

  describe('costRange', () => {
    it.each([
      [{ costUsd: 1.5, costLowerUsd: 1.5, costUpperUsd: 1.5, unpricedCalls: 0 }, '$1.50'],
      [{ costUsd: 1.5, costLowerUsd: 1.2, costUpperUsd: 1.8, unpricedCalls: 0 }, '$1.20–$1.80'],
      [{ costUsd: null, costLowerUsd: null, costUpperUsd: null, unpricedCalls: 3 }, 'unpriced'],
      [{ costUsd: 0.5, costLowerUsd: 0.5, costUpperUsd: 0.5, unpricedCalls: 1 }, '$0.50 + unpriced'],
      [{ costUsd: null, costLowerUsd: null, costUpperUsd: null, unpricedCalls: 0 }, '—'],
    ])('should show %p as %p, never $0 for an unpriced model', (f, text) => {
      expect(costRange(f)).toBe(text);
    });
  });

  describe('pricingCoverage', () => {
    it('should split the tokens into exact, estimated and unpriced shares', () => {
      const c = pricingCoverage([
        figures({ key: 'gpt-5', exactTokens: 600, estimatedTokens: 0, totalTokens: 600, calls: 6 }),
        figures({ key: 'mystery', exactTokens: 0, estimatedTokens: 200, totalTokens: 200, calls: 2, unpricedCalls: 2 }),
        figures({ key: 'cli', exactTokens: 0, estimatedTokens: 200, totalTokens: 200, calls: 2, costUsd: 0.1 }),
      ]);
      expect(c).toEqual({ exact: 0.6, estimated: 0.2, unpriced: 0.2, tokens: 1000 });
    });

    it('should give zeros, not NaN, when nothing was counted', () => {
      expect(pricingCoverage([figures()])).toEqual({ exact: 0, estimated: 0, unpriced: 0, tokens: 0 });
    });
  });

  describe('budgetBar', () => {
    it('should show the limit nearest its cap, with what is reserved beside what is spent', () => {
      const bar = budgetBar(window({ limits: { tokens: 1000, usd: 10 }, used: { tokens: 100, usd: 6 }, reserved: { tokens: 50, usd: 1 } }));
      expect(bar).toEqual({ basis: 'usd', spent: 6, reserved: 1, cap: 10, spentFraction: 0.6, reservedFraction: 0.1 });
    });

    it('should show no fraction without a limit', () => {
      expect(budgetBar(window({ used: { tokens: 5, usd: 1 } }))).toMatchObject({ basis: null, cap: null, spentFraction: 0 });
    });
  });

  describe('forecastText', () => {
    const now = new Date('2026-12-03T10:00:00Z');
    it.each([
      [window(), 'no limit'],
      [window({ limits: { tokens: 10, usd: null } }), 'lasts to the reset'],
      [window({ limits: { tokens: 10, usd: null }, forecast: { ...window().forecast, exhaustionAt: '2026-12-03T12:30:00Z' } }), 'runs out in 2 h 30 min'],
      [window({ limits: { tokens: 10, usd: null }, forecast: { ...window().forecast, exhaustionAt: '2026-12-03T09:00:00Z' } }), 'exhausted'],
    ])('should say %#', (w, text) => {
      expect(forecastText(w, now)).toBe(text);
    });
  });

  describe('liveCard', () => {
    it('should show who is answering in the round in progress, from the events', () => {
      let live = foldEvent(
        emptyLive(),
        event('round_started', {
          round: 1,
          participants: [0, 1, 2].map((i) => ({ participantIndex: i, adapter: `a${i}`, model: 'gpt-5', tier: 'reasoning' })),
        }),
      );
      live = foldEvent(
        live,
        event('response_received', {
          round: 1,
          participantIndex: 0,
          tokens: 120,
          costUsd: 0.001,
          vote: { option: 'X', confidence: 1, rationale: '', continueDebate: false },
        }),
      );
      live = foldEvent(
        live,
        event('response_received', { round: 1, participantIndex: 2, tokens: 0, costUsd: null, error: { kind: 'timeout', message: 'late' } }),
      );
      const card = liveCard(deliberation(), live);
      expect(card.round).toBe(1);
      expect(card.chips.map((c) => c.state)).toEqual(['answered', 'answering', 'failed']);
      expect(card.stopShare).toBe(1);
      // Told by the events, not stored yet: alpha's answer (the failed call spent nothing).
      expect(card.spentTokens).toBe(120);
      expect(card.spentUsd).toBeCloseTo(0.001);
    });

    it('should read the convergence of completed rounds (none for round 1) and estimate the next round', () => {
      const rounds = [1, 2].map((number) => ({
        number,
        startedAt: '',
        completedAt: 'x',
        responses: [answer(0), answer(1, { vote: { option: 'X', confidence: 1, rationale: '', continueDebate: false } })],
        convergence: { score: number === 1 ? 0 : 0.7, status: 'refining' as const, perParticipant: [] },
        decisions: [],
      }));
      const card = liveCard(deliberation({ status: 'completed', rounds }), emptyLive());
      expect(card.scores).toEqual([0.7]);
      expect(card.stopShare).toBe(0.5);
      expect(card.spentTokens).toBe(480);
      expect(card.spentUsd).toBeCloseTo(0.004);
      expect(card.nextRoundTokens).toBe(240);
      expect(card.chips.map((c) => c.state)).toEqual(['answered', 'answered', 'waiting']);
    });
  });

  describe('stateLabel', () => {
    it.each([
      [{ status: 'paused' as const, pause: { reason: 'person' as const, limit: 'person', used: 1, nextRoundEstimateTokens: 1 } }, 'paused by a person'],
      [{ status: 'paused' as const, pause: { reason: 'budget' as const, limit: 'daily.tokens', used: 1, nextRoundEstimateTokens: 1 } }, 'paused on budget'],
      [
        {
          status: 'running' as const,
          rounds: [
            {
              number: 1,
              startedAt: '',
              completedAt: null,
              responses: [answer(0, { error: { kind: 'timeout', message: '' } })],
              convergence: null,
              decisions: [],
            },
          ],
        },
        'running · degraded',
      ],
      [{ status: 'queued' as const }, 'queued'],
    ])('should name the state %#', (over, text) => {
      expect(stateLabel(deliberation(over))).toBe(text);
    });
  });

  describe('sparkPoints', () => {
    it('should map 0..1 to the height, clipped, across the width', () => {
      expect(sparkPoints([0, 0.5, 1.2], 100, 20)).toBe('0.0,20.0 50.0,10.0 100.0,0.0');
      expect(sparkPoints([], 100, 20)).toBe('');
    });
  });

  describe('stackByModel', () => {
    it('should stack each model on the ones cheaper over the period', () => {
      const s = stackByModel([
        { day: '2026-12-01', groups: [figures({ key: 'a', costUsd: 1 }), figures({ key: 'b', costUsd: 2 })] },
        { day: '2026-12-02', groups: [figures({ key: 'b', costUsd: 3 })] },
      ]);
      expect(s).toEqual({
        days: ['2026-12-01', '2026-12-02'],
        models: ['b', 'a'],
        stacked: [
          [2, 3],
          [3, 3],
        ],
      });
    });
  });

  describe('lastDays', () => {
    it('should list UTC days oldest first, ending today', () => {
      expect(lastDays(new Date('2026-03-01T05:00:00Z'), 3)).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
    });
  });

  describe('modelRows', () => {
    it('should join the ledger figures with latency and vote-parse failures from the answers', () => {
      const rounds = [
        {
          number: 1,
          startedAt: '',
          completedAt: 'x',
          convergence: null,
          decisions: [],
          responses: [
            answer(0, { latencyMs: 100 }),
            answer(1, { latencyMs: 300, voteError: 'invalid_json', vote: null }),
            answer(2, { latencyMs: 200 }),
            answer(0, { model: 'other', latencyMs: 9 }),
          ],
        },
      ];
      const [row] = modelRows(
        [
          figures({
            key: 'gpt-5',
            calls: 4,
            unavailableCalls: 1,
            exactTokens: 300,
            estimatedTokens: 100,
            totalTokens: 400,
            costUsd: 0.5,
            costLowerUsd: 0.5,
            costUpperUsd: 0.5,
          }),
        ],
        [deliberation({ rounds })],
      );
      expect(row).toMatchObject({
        model: 'gpt-5',
        calls: 4,
        exactShare: 0.75,
        errorRate: 0.25,
        voteParseFailures: 1,
        latencyP50: 200,
        latencyP95: 300,
        cost: '$0.50',
      });
    });
  });

  describe('zoneLines', () => {
    it('should draw the zones at their fractions of a daily USD limit, and none without one', () => {
      expect(zoneLines(10, { yellow: 0.7, orange: 0.85, red: 0.95 })).toEqual([
        { zone: 'YELLOW', usd: 7 },
        { zone: 'ORANGE', usd: 8.5 },
        { zone: 'RED', usd: 9.5 },
      ]);
      expect(zoneLines(null, { yellow: 0.7, orange: 0.85, red: 0.95 })).toEqual([]);
    });
  });

  describe('percentile', () => {
    it.each([
      [[], 50, null],
      [[5], 95, 5],
      [[1, 2, 3, 4], 50, 2],
      [[1, 2, 3, 4], 95, 4],
    ])('should take the nearest rank of %p at p%p', (values, p, expected) => {
      expect(percentile(values, p)).toBe(expected);
    });
  });

  describe('takeEvents', () => {
    it('should return the data of complete events only', () => {
      const buffer = 'id: 1\nevent: round_started\ndata: {"a":1}\n\n: keep-alive\n\nid: 2\ndata: {"b":2}\n\nid: 3\ndata: {"c"';
      expect(takeEvents(buffer)).toEqual(['{"a":1}', '{"b":2}']);
    });
  });
});

describe('cadenceText', () => {
  it.each([
    [{ cron: '0 9 * * 1-5', everySeconds: null, timezone: 'Europe/Berlin' }, 'cron 0 9 * * 1-5 (Europe/Berlin)'],
    [{ cron: null, everySeconds: 60, timezone: 'UTC' }, 'every 1 min'],
    [{ cron: null, everySeconds: 5400, timezone: 'UTC' }, 'every 1 h 30 min'],
    [{ cron: null, everySeconds: 86_400, timezone: 'UTC' }, 'every 1 d'],
  ])('%j reads %s', (schedule, text) => {
    expect(cadenceText(schedule)).toBe(text);
  });
});

describe('runText', () => {
  type Run = Parameters<typeof runText>[0];
  const run: Run = { status: 'completed', skipped: null, reason: null, outcome: null, winningOption: null, tokens: null, costUsd: null };
  it.each<[Run, string]>([
    [
      { ...run, outcome: 'unanimous', winningOption: 'Adopt webhooks', tokens: 15_048, costUsd: 0.045 },
      'completed — unanimous: "Adopt webhooks" · 15k tokens, $0.04',
    ],
    [
      { ...run, status: 'skipped', skipped: 'overlap', reason: 'the previous run was still going on' },
      'skipped (overlap): the previous run was still going on',
    ],
    [
      { ...run, status: 'missed', reason: '3 tick(s) missed while the service was down (catchUp is off)' },
      'missed: 3 tick(s) missed while the service was down (catchUp is off)',
    ],
    [{ ...run, status: 'failed', reason: 'fewer than 2 answers', tokens: 0, costUsd: null }, 'failed (fewer than 2 answers) · 0 tokens'],
    [
      { ...run, status: 'paused', reason: 'budget: deliberation.tokens', tokens: 900, costUsd: 0.01 },
      'paused (budget: deliberation.tokens) · 900 tokens, $0.01',
    ],
    [{ ...run, status: 'running' }, 'running'],
  ])('%j reads %s', (r, text) => {
    expect(runText(r)).toBe(text);
  });
});
