import { describeSpend, SuggestionInput, suggestUsageChanges } from './usage-suggestions';

const base = (overrides: Partial<SuggestionInput> = {}): SuggestionInput => ({
  totalTokens: 1_000,
  exactTokens: 1_000,
  estimatedTokens: 0,
  afterConvergence: { tokens: 0, costMicros: 0, deliberations: 0, rounds: 0 },
  estimateErrorPct: 15,
  participants: [
    { adapter: 'claude', model: 'claude-haiku-4-5', totalTokens: 500, calls: 3, unpricedCalls: 0 },
    { adapter: 'openai', model: 'gpt-5-mini', totalTokens: 500, calls: 3, unpricedCalls: 0 },
  ],
  votes: [],
  adapters: [],
  ...overrides,
});

const vote = (participantIndex: number, round: number, voteOption: string, deliberationId = 'd1', tokens = 200, costMicros: number | null = 3_000) => ({
  deliberationId,
  participantIndex,
  adapter: 'local',
  model: 'llama3.2',
  round,
  voteOption,
  tokens,
  costMicros,
});
const texts = (input: SuggestionInput): string[] => suggestUsageChanges(input).map((s) => s.text);

describe(suggestUsageChanges.name, () => {
  it('should suggest nothing when nothing stands out', () => {
    expect(
      suggestUsageChanges(
        base({
          participants: [
            { adapter: 'a', model: 'm1', totalTokens: 350, calls: 1, unpricedCalls: 0 },
            { adapter: 'b', model: 'm2', totalTokens: 350, calls: 1, unpricedCalls: 0 },
            { adapter: 'c', model: 'm3', totalTokens: 300, calls: 1, unpricedCalls: 0 },
          ],
        }),
      ),
    ).toEqual([]);
    expect(suggestUsageChanges(base({ totalTokens: 0, exactTokens: 0 }))).toEqual([]);
  });

  it('should name a dominant participant whose votes never changed', () => {
    const input = base({
      participants: [
        { adapter: 'local', model: 'llama3.2', totalTokens: 620, calls: 3, unpricedCalls: 0 },
        { adapter: 'claude', model: 'claude-haiku-4-5', totalTokens: 380, calls: 3, unpricedCalls: 0 },
      ],
      votes: [vote(2, 3, 'Option A '), vote(2, 1, 'option a'), vote(2, 2, 'Option A')],
    });
    // Its two later answers (200 tokens, $0.003 each) only repeated the vote: what leaving it out of them saves.
    expect(suggestUsageChanges(input)).toEqual([
      {
        kind: 'dominant_participant',
        text: 'participant 2 (local/llama3.2) spent 62% of tokens; its votes never changed after round 1 (400 tokens, $0.006 in its later rounds): give it the fast tier after the first round or leave it out of later rounds',
        savings: { tokens: 400, usd: 0.006 },
      },
    ]);
  });

  it('should count deliberations when the dominant participant appears in several', () => {
    const input = base({
      participants: [
        { adapter: 'local', model: 'llama3.2', totalTokens: 700, calls: 6, unpricedCalls: 0 },
        { adapter: 'claude', model: 'claude-haiku-4-5', totalTokens: 300, calls: 6, unpricedCalls: 0 },
      ],
      votes: [vote(0, 1, 'A', 'd1'), vote(0, 2, 'A', 'd1'), vote(0, 1, 'A', 'd2'), vote(0, 2, 'B', 'd2'), vote(1, 1, 'A', 'd3'), vote(1, 2, 'A', 'd3')],
    });
    expect(texts(input)).toEqual([
      'local/llama3.2 spent 70% of tokens; its votes never changed after its first round in 2 of 3 deliberations (400 tokens, $0.006 in its later rounds): give it the fast tier after the first round',
    ]);
  });

  it('should still name a dominant participant that changed its mind, with a different remedy', () => {
    const input = base({
      participants: [
        { adapter: 'local', model: 'llama3.2', totalTokens: 900, calls: 2, unpricedCalls: 0 },
        { adapter: 'claude', model: 'claude-haiku-4-5', totalTokens: 100, calls: 2, unpricedCalls: 0 },
      ],
      votes: [vote(0, 1, 'A'), vote(0, 2, 'B')],
    });
    expect(suggestUsageChanges(input)).toEqual([
      {
        kind: 'dominant_participant',
        text: 'participant 0 (local/llama3.2) spent 90% of tokens: consider its fast model, or a smaller maxOutputTokens',
        savings: null,
      },
    ]);
  });

  it('should say the cost is unknown when a repeated vote came from an unpriced model', () => {
    const input = base({
      participants: [
        { adapter: 'local', model: 'llama3.2', totalTokens: 900, calls: 2, unpricedCalls: 2 },
        { adapter: 'claude', model: 'claude-haiku-4-5', totalTokens: 100, calls: 2, unpricedCalls: 0 },
      ],
      votes: [vote(0, 1, 'A', 'd1', 450, null), vote(0, 2, 'A', 'd1', 450, null)],
    });
    expect(suggestUsageChanges(input)[0]).toMatchObject({
      text: expect.stringContaining('(450 tokens, cost unknown (unpriced models) in its later rounds)'),
      savings: { tokens: 450, usd: null },
    });
  });

  it('should point at tokens spent after convergence', () => {
    expect(suggestUsageChanges(base({ afterConvergence: { tokens: 180, costMicros: 620_000, deliberations: 3, rounds: 2 } }))).toEqual([
      {
        kind: 'after_convergence',
        text: '3 deliberations ran 2 confirming rounds after convergence: 180 tokens, $0.62 (18% of tokens); lower maxRounds or the convergence threshold',
        savings: { tokens: 180, usd: 0.62 },
      },
    ]);
    expect(texts(base({ afterConvergence: { tokens: 99, costMicros: 1, deliberations: 1, rounds: 1 } }))).toEqual([]);
  });

  it('should point at estimated tokens, unpriced models and failing adapters', () => {
    const input = base({
      exactTokens: 400,
      estimatedTokens: 600,
      participants: [
        { adapter: 'a', model: 'mystery-1', totalTokens: 300, calls: 2, unpricedCalls: 2 },
        { adapter: 'b', model: 'm2', totalTokens: 350, calls: 1, unpricedCalls: 0 },
        { adapter: 'c', model: 'mystery-0', totalTokens: 350, calls: 1, unpricedCalls: 1 },
      ],
      adapters: [
        { adapter: 'flaky', calls: 10, errors: 3, failedSpend: { tokens: 1_500, costMicros: 40_000 } },
        { adapter: 'rare', calls: 2, errors: 2 },
        { adapter: 'fine', calls: 10, errors: 1 },
      ],
    });
    expect(texts(input)).toEqual([
      '60% of tokens were estimated with the tokenizer because providers did not report usage: costs are only known to ±15%; prefer adapters that report usage',
      '3 calls used models with no price (mystery-0, mystery-1), so their cost is missing: add them under prices: in the config',
      'adapter flaky failed 3 of 10 calls (30%; the failed calls spent 1.5k tokens, $0.04): check its configuration, timeout and concurrency',
    ]);
    expect(suggestUsageChanges(input).map((x) => [x.kind, x.savings])).toEqual([
      ['estimated_tokens', null],
      ['unpriced_models', null],
      ['adapter_errors', { tokens: 1_500, usd: 0.04 }],
    ]);
  });

  it.each<[number, number | null, string]>([
    [41_234, 620_000, '41.2k tokens, $0.62'],
    [999, 3_100, '999 tokens, $0.0031'],
    [2_500_000, 12_345_678, '2.5M tokens, $12.35'],
    [0, 0, '0 tokens, $0.00'],
    [10, null, '10 tokens, cost unknown (unpriced models)'],
  ])('should state %i tokens and %p micro-dollars as %s', (tokens, costMicros, text) => {
    expect(describeSpend({ tokens, costMicros })).toBe(text);
  });
});
