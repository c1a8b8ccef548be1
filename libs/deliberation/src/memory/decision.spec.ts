import type { DeliberationRequest, DeliberationResult } from '../deliberation.types';
import type { RoundState } from '../state/engine-state';
import { decisionRecord, reuseAllowed, reusedResult } from './decision';

const request: DeliberationRequest = {
  question: 'Should billing move to webhooks?',
  context: 'Billing handles 2M events a day. Polling wastes calls. The processor signs its deliveries. A fourth sentence.',
  participants: [
    { index: 0, adapter: 'claude', tier: 'auto', stance: 'for' },
    { index: 1, adapter: 'local', model: 'llama3', tier: 'auto', stance: 'neutral', role: 'security' },
  ],
  mode: 'conference',
  maxRounds: 3,
};

const tally = [
  { option: 'Adopt webhooks', votes: 2, averageConfidence: 0.85, participants: [0, 1], variants: [{ option: 'Adopt webhooks', participants: [0, 1] }] },
];

const result = {
  outcome: 'unanimous',
  winningOption: 'Adopt webhooks',
  tally,
  stopReason: 'converged',
  roundsUsed: 2,
  tokens: { totalTokens: 5000, costUsd: 0.02 },
} as unknown as DeliberationResult;

const rounds = [
  { number: 1, decisions: [{ participantIndex: 0, model: 'claude-haiku-4-5' }] },
  { number: 2, decisions: [{ participantIndex: 0, model: 'claude-sonnet-4-6' }] },
] as unknown as RoundState[];

describe('decision records', () => {
  it('should keep who decided on which model, what won and how sure, what it cost, and the vector of question + context', () => {
    const sut = decisionRecord('d1', request, rounds, result, new Date('2026-12-01T10:00:00.000Z'));
    expect(sut).toMatchObject({
      id: 'd1',
      question: request.question,
      contextDigest: 'Billing handles 2M events a day. Polling wastes calls. The processor signs its deliveries.',
      participants: [
        { adapter: 'claude', model: 'claude-sonnet-4-6', stance: 'for', role: null },
        { adapter: 'local', model: 'llama3', stance: 'neutral', role: 'security' },
      ],
      outcome: 'unanimous',
      winningOption: 'Adopt webhooks',
      variants: tally[0].variants,
      confidence: 0.85,
      synthesis: null,
      stopReason: 'converged',
      rounds: 2,
      tokens: 5000,
      costUsd: 0.02,
      vectorKind: 'tfidf',
      createdAt: '2026-12-01T10:00:00.000Z',
    });
    expect(sut.vector).toMatchObject({ billing: 2, webhook: 1, processor: 1 });
  });

  it('should have no winner, variants or confidence for a tie', () => {
    const sut = decisionRecord('d1', request, [], { ...result, outcome: 'tie', winningOption: null }, new Date());
    expect(sut).toMatchObject({ winningOption: null, variants: [], confidence: null });
    expect(sut.participants[0].model).toBeNull();
  });

  const now = new Date('2026-12-31T00:00:00.000Z');
  const past = { createdAt: '2026-12-10T00:00:00.000Z', participants: [{ adapter: 'claude' }, { adapter: 'local' }, { adapter: 'codex' }] } as never;
  it.each([
    [['claude', 'local'], 30, { ok: true }],
    [['local'], 30, { ok: true }],
    [['claude', 'claude'], 30, { ok: true }],
    [['claude', 'gemini'], 30, { ok: false, reason: 'other_adapters' }],
    [['claude', 'local'], 20, { ok: false, reason: 'too_old' }],
    [['claude', 'local'], 21, { ok: true }],
  ])('should allow reuse for adapters %j within %d days: %j', (adapters, days, expected) => {
    expect(reuseAllowed(past, adapters as string[], now, days as number)).toEqual(expected);
  });

  it('should make a reused result of the past decision: its outcome and tally, no round, and its tokens saved', () => {
    const row = decisionRecord('d1', request, rounds, result, new Date('2026-12-01T10:00:00.000Z'));
    const sut = reusedResult(row, 0.97);
    expect(sut).toMatchObject({
      outcome: 'unanimous',
      winningOption: 'Adopt webhooks',
      tally,
      stopReason: 'reused',
      roundsUsed: 0,
      reusedFrom: 'd1',
      economy: { perDecision: { tokens: 0, costUsd: 0 }, tokensSaved: 5000, costSavedUsd: 0.02 },
    });
    expect(sut.summary).toBe('Answered from memory: decision d1 of 2026-12-01 (similarity 0.97) decided "Adopt webhooks" (unanimous); no model was called.');
    expect(sut.synthesis).toBeUndefined();
  });
});
