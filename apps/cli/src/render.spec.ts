import type { DeliberationResult } from '@app/deliberation';
import {
  adapterLines,
  answerLine,
  budgetLines,
  costText,
  estimateLines,
  listLines,
  progressLine,
  resultLines,
  memoryLine,
  roundLine,
  stoppedLines,
  usageLines,
} from './render';
import type { BudgetWindow, Estimate, TokenFigures } from './wire';

const figures = (over: Partial<TokenFigures> = {}): TokenFigures => ({
  inputTokens: 200,
  outputTokens: 100,
  reasoningTokens: 0,
  cachedInputTokens: 0,
  totalTokens: 300,
  exactTokens: 300,
  estimatedTokens: 0,
  calls: 2,
  costUsd: 0.0042,
  costLowerUsd: 0.0042,
  costUpperUsd: 0.0042,
  costConfidence: 1,
  unpricedCalls: 0,
  ...over,
});

const answer = {
  round: 1,
  participantIndex: 1,
  adapter: 'codex',
  model: 'gpt-5',
  vote: { option: 'Keep polling', confidence: 0.8, rationale: 'r', continueDebate: true },
  voteError: null,
  error: null,
  latencyMs: 1240,
  tokens: 1500,
  costUsd: 0.002,
  truncated: false,
};

describe('render', () => {
  describe(answerLine.name, () => {
    it('should say who answered (stance, role, model), the vote and confidence, tokens and latency', () => {
      expect(answerLine(answer, { stance: 'against', role: 'security' } as never)).toBe(
        '  #1 codex (against, security) gpt-5  "Keep polling" 80%  1,500 tokens · 1.2 s',
      );
      expect(answerLine(answer, { stance: 'neutral', role: null } as never)).toBe('  #1 codex gpt-5  "Keep polling" 80%  1,500 tokens · 1.2 s');
    });

    it('should say a missing vote, a failed call, a cut answer and a vote asked again', () => {
      expect(answerLine({ ...answer, vote: null, voteError: 'no_vote_marker' }, undefined)).toBe(
        '  #1 codex gpt-5  no vote (no_vote_marker)  1,500 tokens · 1.2 s',
      );
      expect(answerLine({ ...answer, vote: null, error: { kind: 'timeout', message: 'no answer\nin 5 s' } }, undefined)).toBe(
        '  #1 codex gpt-5  failed: timeout no answer in 5 s',
      );
      expect(answerLine({ ...answer, truncated: true, voteRetry: { text: 'x', errorKind: null, tokens: 40 } }, undefined)).toBe(
        '  #1 codex gpt-5  "Keep polling" 80%  1,540 tokens · 1.2 s  cut at the output limit vote asked again',
      );
    });
  });

  it('should print a round with its convergence and what was spent so far', () => {
    expect(roundLine(1, null, { totalTokens: 3000, costUsd: 0.0159 })).toBe('  round 1 done: convergence — (first round) · so far 3,000 tokens, $0.0159');
    expect(roundLine(2, { score: 0.876, status: 'converged' }, { totalTokens: 9021, costUsd: null })).toBe(
      '  round 2 done: convergence 0.88 (converged) · so far 9,021 tokens, unpriced',
    );
    expect(roundLine(2, { score: 0.5, status: 'refining' }, null)).toBe('  round 2 done: convergence 0.50 (refining)');
  });

  it('should say which past decisions a run used: quoted in round 1, or the one that answered it', () => {
    const d = (id: string, similarity: number) => ({
      id,
      question: 'Q?',
      decision: 'Adopt webhooks',
      outcome: 'unanimous' as const,
      confidence: 0.8,
      decidedAt: '2026-12-01T00:00:00.000Z',
      similarity,
      similarityBy: 'tfidf' as const,
    });
    expect(memoryLine({ mode: 'context', decisions: [d('0123456789ab', 0.812), d('fedcba987654', 0.75)] })).toBe(
      '  memory: 2 past decisions quoted in round 1 (01234567 81%, fedcba98 75%)',
    );
    expect(memoryLine({ mode: 'reuse', decisions: [d('0123456789ab', 1)], reusedFrom: '0123456789ab' })).toBe(
      '  answered from memory: decision 0123456789ab "Adopt webhooks" (similarity 1.00); no model called',
    );
  });

  it('should draw the progress of a round and the running spend', () => {
    expect(progressLine(1, 4, { totalTokens: 1234, costUsd: 0.01 }, 8)).toBe('  ██░░░░░░ 1/4 answered · 1,234 tokens, $0.01');
  });

  it('should give the cost range only when the bounds differ', () => {
    expect(costText(figures())).toBe('300 tokens in 2 calls, $0.0042');
    expect(costText(figures({ costLowerUsd: 0.004, costUpperUsd: 0.0045, calls: 1 }))).toBe('300 tokens in 1 call, $0.0042 (between $0.004 and $0.0045)');
  });

  describe(resultLines.name, () => {
    const result = {
      outcome: 'majority',
      winningOption: 'Adopt webhooks',
      tally: [
        {
          option: 'Adopt webhooks',
          votes: 2,
          averageConfidence: 0.85,
          participants: [0, 2],
          variants: [
            { option: 'Adopt webhooks', participants: [0] },
            { option: 'Adopt webhooks with reconciliation', participants: [2] },
          ],
        },
        { option: 'Keep polling', votes: 1, averageConfidence: 0.6, participants: [1], variants: [{ option: 'Keep polling', participants: [1] }] },
      ],
      abstained: [3],
      stopReason: 'converged',
      roundsUsed: 2,
      durationMs: 3100,
      degraded: false,
      tokens: figures(),
    } as unknown as DeliberationResult;

    it('should print the outcome, the tally with merged wordings, and the cost', () => {
      expect(resultLines(result)).toEqual([
        'Outcome: majority — "Adopt webhooks"',
        '  stopped: converged after 2 rounds in 3.1 s',
        'Tally:',
        '  2 × "Adopt webhooks"  avg confidence 85% · #0 #2',
        '      merged: "Adopt webhooks with reconciliation" (#2)',
        '  1 × "Keep polling"  avg confidence 60% · #1',
        '  abstained: #3',
        'Cost: 300 tokens in 2 calls, $0.0042',
      ]);
    });

    it("should print the chair's synthesis and its reading of the votes, or why there is none", () => {
      const synthesis = {
        recommendation: 'Adopt webhooks behind a feature flag.',
        agreements: ['Reconciliation stays'],
        disagreements: ['Rollout speed'],
        dissent: ['#1 prefers polling'],
        chairAdapter: 'claude',
        chairModel: 'claude-sonnet-4-6',
        text: '',
        mappedOutcome: { outcome: 'unanimous', winningOption: 'Adopt webhooks', tally: [] },
      };
      const lines = resultLines({ ...result, synthesis, outcomeBy: 'chair' } as DeliberationResult);
      expect(lines).toContain('Synthesis (chair claude, claude-sonnet-4-6): Adopt webhooks behind a feature flag.');
      expect(lines).toContain('  agreed: Reconciliation stays');
      expect(lines).toContain('  disputed: Rollout speed');
      expect(lines).toContain('  dissent: #1 prefers polling');
      expect(lines).toContain('  as the chair reads the votes: unanimous — "Adopt webhooks"');
      expect(resultLines({ ...result, synthesis: null, synthesisError: 'skipped: over budget' } as DeliberationResult)).toContain(
        'No synthesis: skipped: over budget',
      );
    });
  });

  it('should say why a deliberation stopped and the command that resumes it', () => {
    const base = { id: 'd1', failure: null, latestCheckpointId: 'cp1' };
    expect(stoppedLines({ ...base, status: 'paused', pause: { reason: 'budget', limit: 'deliberation.tokens', used: 1, nextRoundEstimateTokens: 2 } })).toEqual(
      ['Paused: budget (deliberation.tokens)', 'Resume it with: conclave resume cp1 --max-tokens N (or --max-usd X)'],
    );
    expect(stoppedLines({ ...base, status: 'paused', pause: { reason: 'person', limit: 'person', used: 0, nextRoundEstimateTokens: 0 } })).toEqual([
      'Paused: person (person)',
      'Resume it with: conclave resume cp1',
    ]);
    expect(stoppedLines({ ...base, status: 'failed', pause: null, failure: 'fewer than 2 answers' })).toEqual([
      'Failed: fewer than 2 answers',
      'Resume it once the cause is fixed: conclave resume cp1',
    ]);
    expect(stoppedLines({ ...base, status: 'cancelled', pause: null })).toEqual(['Cancelled.']);
    expect(stoppedLines({ ...base, status: 'running', pause: null })).toEqual(['Still running. Follow it with: conclave watch d1']);
    expect(stoppedLines({ ...base, status: 'interrupted', pause: null }, undefined, 'conclave --embedded')).toEqual([
      'Interrupted (the service stopped while it ran).',
      'Resume it with: conclave --embedded resume cp1',
    ]);
  });

  it('should print usage as a table with a total row under its own rule', () => {
    const lines = usageLines({
      from: '2026-12-01T00:00:00.000Z',
      to: '2026-12-02T00:00:00.000Z',
      groupBy: 'model',
      groups: [{ key: 'gpt-5', ...figures() }],
      totals: figures(),
    });
    expect(lines).toEqual([
      'Usage from 2026-12-01T00:00:00.000Z to 2026-12-02T00:00:00.000Z, by model',
      'model  calls  input  output  reasoning  total  cost     exact',
      '─────  ─────  ─────  ──────  ─────────  ─────  ───────  ─────',
      'gpt-5      2    200     100          0    300  $0.0042  100%',
      '─────  ─────  ─────  ──────  ─────────  ─────  ───────  ─────',
      'total      2    200     100          0    300  $0.0042  100%',
    ]);
  });

  it('should print each budget window with its bar, zone, spent, reserved, limit and time to exhaustion', () => {
    const window: BudgetWindow = {
      window: 'daily',
      limits: { tokens: 10_000, usd: null },
      used: { tokens: 2_500, usd: 0.01 },
      reserved: { tokens: 500, usd: 0 },
      remaining: { tokens: 7_000, usd: null },
      overshoot: { tokens: 0, usd: 0 },
      fractionUsed: 0.25,
      zone: 'GREEN',
      burnRate: { tokensPerHour: 1000, usdPerHour: 0 },
      forecast: { hoursToExhaustion: 7.5, exhaustionAt: null, zone: 'YELLOW', recommendation: 'slow down' },
      nextReset: '2026-12-04T00:00:00.000Z',
    };
    expect(budgetLines([window])).toEqual([
      'window  used                       zone   spent                reserved        limit          exhausted in  resets',
      '──────  ────────────────────  ───  ─────  ───────────────────  ──────────────  ─────────────  ────────────  ────────────────',
      'daily   █████░░░░░░░░░░░░░░░  25%  GREEN  2,500 tokens, $0.01  500 tokens, $0  10,000 tokens  7 h 30 min    2026-12-04 00:00',
      'daily: slow down',
    ]);
  });

  it('should print an estimate per round and in total, unpriced models as unknown cost, and whether it fits each limit', () => {
    const estimate: Estimate = {
      historyPolicy: 'digest',
      maxRounds: 2,
      participants: [
        { participantIndex: 0, adapter: 'claude', model: 'claude-sonnet-4-6', priced: true },
        { participantIndex: 1, adapter: 'local', model: 'mystery', priced: false },
      ],
      rounds: [
        { round: 1, tokens: { low: 1000, expected: 2000, high: 5000 }, costUsd: null },
        { round: 2, tokens: { low: 0, expected: 3000, high: 9000 }, costUsd: null },
      ],
      total: { tokens: { low: 1000, expected: 5000, high: 14000 }, costUsd: null },
      budget: {
        deliberation: { maxTokens: 10000, maxCostUsd: null, fits: false },
        windows: [
          { window: 'daily', remaining: { tokens: null, usd: null }, fits: true },
          { window: 'monthly', remaining: { tokens: 50000, usd: 2 }, fits: false },
        ],
        fits: false,
      },
      assumptions: ['answers of 280 tokens'],
    };
    expect(estimateLines(estimate)).toEqual([
      'Estimate for 2 participants, up to 2 rounds, history digest:',
      '  #0 claude claude-sonnet-4-6',
      '  #1 local mystery (no price: cost unknown)',
      '',
      'round  tokens low  expected    high  cost low  expected  high',
      '─────  ──────────  ────────  ──────  ────────  ────────  ────────',
      '1           1,000     2,000   5,000  unpriced  unpriced  unpriced',
      '2               0     3,000   9,000  unpriced  unpriced  unpriced',
      'total       1,000     5,000  14,000  unpriced  unpriced  unpriced',
      '',
      'Own budget (10,000 tokens): does not fit',
      'daily window (no limit): fits',
      'monthly window (50,000 tokens / $2.00 left): does not fit',
      'The high case does not fit every limit.',
      '  assumes answers of 280 tokens',
    ]);
  });

  it('should list adapters with their state, and say when there is nothing to list', () => {
    const adapter = {
      name: 'claude',
      kind: 'http',
      provider: 'anthropic',
      tier: 'T3',
      models: { fast: 'claude-haiku-4-5', reasoning: 'claude-sonnet-4-6' },
      enabled: true,
      reachable: false,
    };
    expect(adapterLines([adapter, { ...adapter, name: 'off', enabled: false }])).toEqual([
      'adapter  kind  provider   tier  fast model        reasoning model    state',
      '───────  ────  ─────────  ────  ────────────────  ─────────────────  ───────────',
      'claude   http  anthropic  T3    claude-haiku-4-5  claude-sonnet-4-6  unreachable',
      'off      http  anthropic  T3    claude-haiku-4-5  claude-sonnet-4-6  disabled',
    ]);
    const breaker = { state: 'open' as const, consecutiveFailures: 5, openedAt: '2026-12-03T10:00:00.000Z', reopensAt: '2026-12-03T10:00:30.000Z' };
    expect(
      adapterLines([
        { ...adapter, reachable: true, breaker },
        { ...adapter, name: 'half', breaker: { ...breaker, state: 'half_open' } },
      ]).slice(2),
    ).toEqual([
      'claude   http  anthropic  T3    claude-haiku-4-5  claude-sonnet-4-6  circuit open until 10:00:30 UTC',
      'half     http  anthropic  T3    claude-haiku-4-5  claude-sonnet-4-6  circuit half-open',
    ]);
    expect(adapterLines([])).toEqual(['No adapters configured.']);
    expect(listLines([])).toEqual(['No deliberations.']);
  });
});
