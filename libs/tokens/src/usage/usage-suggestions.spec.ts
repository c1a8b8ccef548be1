import { SuggestionInput, suggestUsageChanges } from './usage-suggestions';

const base = (overrides: Partial<SuggestionInput> = {}): SuggestionInput => ({
  totalTokens: 1_000,
  exactTokens: 1_000,
  estimatedTokens: 0,
  afterConvergenceTokens: 0,
  estimateErrorPct: 15,
  participants: [
    { adapter: 'claude', model: 'claude-haiku-4-5', totalTokens: 500, calls: 3, unpricedCalls: 0 },
    { adapter: 'openai', model: 'gpt-5-mini', totalTokens: 500, calls: 3, unpricedCalls: 0 },
  ],
  votes: [],
  adapters: [],
  ...overrides,
});

const vote = (participantIndex: number, round: number, voteOption: string, deliberationId = 'd1') => ({
  deliberationId,
  participantIndex,
  adapter: 'local',
  model: 'llama3.2',
  round,
  voteOption,
});

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
    expect(suggestUsageChanges(input)).toEqual([
      'participant 2 (local/llama3.2) spent 62% of tokens; its votes never changed after round 1: give it the fast tier after the first round or leave it out of later rounds',
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
    expect(suggestUsageChanges(input)).toEqual([
      'local/llama3.2 spent 70% of tokens; its votes never changed after its first round in 2 of 3 deliberations: give it the fast tier after the first round',
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
    expect(suggestUsageChanges(input)).toEqual(['participant 0 (local/llama3.2) spent 90% of tokens: consider its fast model, or a smaller maxOutputTokens']);
  });

  it('should point at tokens spent after convergence', () => {
    expect(suggestUsageChanges(base({ afterConvergenceTokens: 180 }))).toEqual([
      '18% of tokens were spent after convergence: lower maxRounds or the convergence threshold',
    ]);
    expect(suggestUsageChanges(base({ afterConvergenceTokens: 99 }))).toEqual([]);
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
        { adapter: 'flaky', calls: 10, errors: 3 },
        { adapter: 'rare', calls: 2, errors: 2 },
        { adapter: 'fine', calls: 10, errors: 1 },
      ],
    });
    expect(suggestUsageChanges(input)).toEqual([
      '60% of tokens were estimated with the tokenizer because providers did not report usage: costs are only known to ±15%; prefer adapters that report usage',
      '3 calls used models with no price (mystery-0, mystery-1), so their cost is missing: add them under prices: in the config',
      'adapter flaky failed 3 of 10 calls (30%): check its configuration, timeout and concurrency',
    ]);
  });
});
