import type { DeliberationView } from '@app/deliberation';
import type { TokenFigures } from '@app/tokens';
import { clip, nextStep, renderSummary, summarize } from './deliberation-summary';

const totals: TokenFigures = {
  inputTokens: 900,
  outputTokens: 300,
  reasoningTokens: 0,
  cachedInputTokens: 0,
  totalTokens: 1200,
  exactTokens: 1200,
  estimatedTokens: 0,
  unavailableCalls: 0,
  calls: 4,
  costUsd: 0.0123,
  costLowerUsd: 0.0123,
  costUpperUsd: 0.0123,
  costConfidence: 1,
  unpricedCalls: 0,
};

function view(overrides: Partial<DeliberationView> = {}): DeliberationView {
  const response = (participantIndex: number, option: string | null, text: string) => ({
    participantIndex,
    adapter: 'a',
    model: 'm',
    tier: 'fast',
    text,
    vote: option === null ? null : { option, confidence: 0.8, rationale: 'r', continueDebate: false },
    voteError: option === null ? ('no_vote_marker' as const) : null,
    error: null,
    latencyMs: 5,
    tokens: { input: 1, output: 1, reasoning: 0, cachedInput: 0, total: 2, accuracy: 'exact' },
    costUsd: 0.001,
    truncated: false,
    voteRetry: null,
  });
  return {
    id: 'd1',
    status: 'running',
    question: 'Webhooks?',
    context: 'x'.repeat(50_000),
    mode: 'conference',
    maxRounds: 3,
    budget: null,
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:01Z',
    participants: [
      { index: 0, adapter: 'a', model: 'm', tier: 'auto', stance: 'for', role: null },
      { index: 1, adapter: 'a', model: 'm', tier: 'auto', stance: 'against', role: 'security' },
    ],
    rounds: [
      {
        number: 1,
        startedAt: '2026-01-01T00:00:00Z',
        completedAt: '2026-01-01T00:00:01Z',
        responses: [response(0, 'Webhooks', 'LONG ANSWER '.repeat(5000)), response(1, null, 'no vote here')],
        convergence: null,
        decisions: [],
      },
    ],
    result: null,
    pause: null,
    failure: null,
    latestCheckpointId: 'c1',
    parentId: null,
    forkedFromCheckpointId: null,
    resumes: [],
    ...overrides,
  } as DeliberationView;
}

describe('deliberation summary', () => {
  describe('summarize', () => {
    it("should leave out the answers' texts and the context, keeping votes and figures", () => {
      const sut = summarize(view(), totals);
      const json = JSON.stringify(sut);
      expect(json).not.toContain('LONG ANSWER');
      expect(json).not.toContain('xxxxxxxx');
      expect(sut.rounds[0].votes).toEqual([
        { participantIndex: 0, adapter: 'a', model: 'm', option: 'Webhooks', confidence: 0.8, problem: null },
        { participantIndex: 1, adapter: 'a', model: 'm', option: null, confidence: null, problem: 'no_vote_marker' },
      ]);
      expect(sut).toMatchObject({ finished: false, roundsCompleted: 1, tokens: { totalTokens: 1200, costUsd: 0.0123 } });
    });

    it('should clip a long question', () => {
      expect(summarize(view({ question: 'q'.repeat(5000) }), totals).question).toHaveLength(2000);
    });
  });

  describe('nextStep', () => {
    it.each([
      ['running', /^Still running: call get_deliberation \{"id":"d1"\}/],
      ['queued', /^Still queued/],
      ['paused', /^Paused \(person\): continue with resume \{"checkpointId":"c1"\}/],
      ['failed', /^Failed: continue with resume \{"checkpointId":"c1"\}/],
      ['interrupted', /^Interrupted: continue with resume/],
      ['completed', /^Read the answers with get_transcript \{"id":"d1"\}.*token_usage \{"deliberationId":"d1"\}/],
      ['cancelled', /^Cancelled/],
    ] as const)('should say what to call next when %s', (status, expected) => {
      expect(nextStep({ id: 'd1', status, latestCheckpointId: 'c1', pause: { reason: 'person' } as never })).toMatch(expected);
    });

    it('should say when there is no checkpoint to resume from', () => {
      expect(nextStep({ id: 'd1', status: 'failed', latestCheckpointId: null, pause: null })).toMatch(/no checkpoint to resume from/);
    });
  });

  it('renderSummary should give the state, the last votes, the figures and the next step in a few lines', () => {
    const text = renderSummary(summarize(view(), totals));
    expect(text.split('\n')).toEqual([
      'Deliberation d1: running, 1 of 3 rounds completed.',
      'Round 1 votes: #0 Webhooks; #1 no_vote_marker.',
      'Tokens: 1,200 in 4 calls, $0.0123.',
      expect.stringMatching(/^Still running/),
    ]);
  });

  it('clip should keep short text and end long text with an ellipsis within the limit', () => {
    expect(clip('abc', 3)).toBe('abc');
    expect(clip('abcd', 3)).toBe('ab…');
  });
});
