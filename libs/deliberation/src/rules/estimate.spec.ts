import { estimateDeliberation, historyTokens } from './estimate';

describe('historyTokens', () => {
  it.each([
    // policy, round, participants, answer, digest → tokens (each quoted answer + 24 for its fence)
    ['full', 1, 4, 500, 300, 0],
    ['full', 2, 4, 500, 300, 4 * 524],
    ['full', 3, 4, 500, 300, 8 * 524],
    ['latest', 3, 4, 500, 300, 4 * 524],
    ['digest', 3, 4, 500, 300, 524 + 3 * 324],
    ['digest', 3, 4, 200, 300, 224 + 3 * 224],
  ] as const)('%s in round %i with %i participants, answers of %i, digests of %i: %i', (policy, round, n, answer, digest, expected) => {
    expect(historyTokens(policy, round, n, answer, digest)).toBe(expected);
  });
});

describe('estimateDeliberation', () => {
  const base = {
    participants: [
      { baseTokens: 1000, promptRoomTokens: 100_000, price: { input: 3, output: 15 } },
      { baseTokens: 1000, promptRoomTokens: 100_000, price: { input: 1, output: 4 } },
    ],
    maxRounds: 3,
    policy: 'full' as const,
    digestTokens: 300,
    answerTokens: { low: 250, expected: 500, high: 2000 },
    earliestStop: 2,
  };

  it('adds prompt and answer per participant per round, and prices them', () => {
    const { rounds, total } = estimateDeliberation(base);
    // Round 1: 2 × (1000 + 500); round 2: 2 × (1000 + 2 × 524 + 500).
    expect(rounds[0].tokens.expected).toBe(3000);
    expect(rounds[1].tokens.expected).toBe(2 * (1000 + 2 * 524 + 500));
    expect(rounds[0].costUsd!.expected).toBeCloseTo((1000 * 3 + 500 * 15 + 1000 * 1 + 500 * 4) / 1e6, 6);
    expect(total.tokens.expected).toBe(rounds.reduce((a, r) => a + r.tokens.expected, 0));
  });

  it('low stops at the earliest stop; high uses the output cap in every round', () => {
    const { rounds, total } = estimateDeliberation(base);
    expect(rounds[2].tokens.low).toBe(0);
    expect(total.tokens.low).toBeLessThan(total.tokens.expected);
    expect(total.tokens.high).toBeGreaterThan(total.tokens.expected);
  });

  it('digest re-reads less than latest, which re-reads less than full', () => {
    const totals = (['full', 'latest', 'digest'] as const).map((policy) => estimateDeliberation({ ...base, policy }).total.inputTokens.expected);
    expect(totals[0]).toBeGreaterThan(totals[1]);
    expect(totals[1]).toBeGreaterThan(totals[2]);
  });

  it('caps the history at the context room', () => {
    const small = { ...base, participants: base.participants.map((p) => ({ ...p, promptRoomTokens: 1500 })) };
    expect(estimateDeliberation(small).rounds[2].inputTokens.expected).toBe(2 * 1500);
  });

  it('leaves the cost unknown, never $0, when a model has no price', () => {
    const unpriced = { ...base, participants: [base.participants[0], { ...base.participants[1], price: null }] };
    const { rounds, total } = estimateDeliberation(unpriced);
    expect(rounds[0].costUsd).toBeNull();
    expect(total.costUsd).toBeNull();
    expect(total.tokens.expected).toBeGreaterThan(0);
  });
});
