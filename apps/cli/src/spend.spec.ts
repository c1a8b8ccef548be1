import { spentThrough } from './spend';

describe(spentThrough.name, () => {
  const byRound = [
    { round: 1, totalTokens: 300, costUsd: 0.01 },
    { round: 2, totalTokens: 500, costUsd: null },
    { round: 3, totalTokens: 700, costUsd: 0.02 },
  ];

  it('should add the rounds up to and including the one named', () => {
    expect(spentThrough(byRound, 1)).toEqual({ totalTokens: 300, costUsd: 0.01 });
    expect(spentThrough(byRound, 3)).toEqual({ totalTokens: 1500, costUsd: 0.03 });
  });

  it('should leave the cost unknown when no round so far was priced, never $0', () => {
    expect(spentThrough([{ round: 1, totalTokens: 10, costUsd: null }], 1)).toEqual({ totalTokens: 10, costUsd: null });
    expect(spentThrough([], 1)).toEqual({ totalTokens: 0, costUsd: null });
  });
});
