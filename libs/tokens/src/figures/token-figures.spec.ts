import { callCostBounds, costConfidence, FigureRow, summarizeFigures } from './token-figures';

const row = (accuracy: FigureRow['accuracy'], totalTokens: number, costMicros: number | null, extra: Partial<FigureRow> = {}): FigureRow => ({
  inputTokens: totalTokens,
  outputTokens: 0,
  reasoningTokens: 0,
  cachedInputTokens: 0,
  totalTokens,
  accuracy,
  costMicros,
  ...extra,
});

describe(costConfidence.name, () => {
  it.each([
    [100, 0, 1],
    [0, 100, 0],
    [75, 25, 0.75],
    [0, 0, null],
  ])('should be %d exact / %d estimated → %p', (exact, estimated, expected) => {
    expect(costConfidence(exact, estimated)).toBe(expected);
  });
});

describe(callCostBounds.name, () => {
  it.each([
    [1_000, 'exact', 15, 1_000, 1_000],
    [1_000, 'estimated', 15, 850, 1_150],
    [1_000, 'estimated', 0, 1_000, 1_000],
    [1_000, 'estimated', 100, 0, 2_000],
    [null, 'estimated', 15, 0, 0],
    [0, 'unavailable', 15, 0, 0],
  ] as const)('should bound %p µ$ %s at ±%d%% to [%d, %d]', (cost, accuracy, pct, lower, upper) => {
    expect(callCostBounds(cost, accuracy, pct)).toEqual({ lowerMicros: lower, upperMicros: upper });
  });
});

describe(summarizeFigures.name, () => {
  it('should give zeros and null confidence for no calls', () => {
    expect(summarizeFigures([], 15)).toEqual({
      inputTokens: 0,
      outputTokens: 0,
      reasoningTokens: 0,
      cachedInputTokens: 0,
      totalTokens: 0,
      exactTokens: 0,
      estimatedTokens: 0,
      unavailableCalls: 0,
      calls: 0,
      costUsd: 0,
      costLowerUsd: 0,
      costUpperUsd: 0,
      costConfidence: null,
      unpricedCalls: 0,
    });
  });

  it('should count exact cost once and widen only the estimated cost', () => {
    const figures = summarizeFigures(
      [
        row('exact', 300, 2_000_000, { inputTokens: 200, outputTokens: 80, reasoningTokens: 20, cachedInputTokens: 50 }),
        row('estimated', 100, 1_000_000),
        row('unavailable', 0, 0),
      ],
      15,
    );
    expect(figures).toEqual({
      inputTokens: 300,
      outputTokens: 80,
      reasoningTokens: 20,
      cachedInputTokens: 50,
      totalTokens: 400,
      exactTokens: 300,
      estimatedTokens: 100,
      unavailableCalls: 1,
      calls: 3,
      costUsd: 3,
      costLowerUsd: 2.85,
      costUpperUsd: 3.15,
      costConfidence: 0.75,
      unpricedCalls: 0,
    });
  });

  it('should leave unpriced calls out of the cost and count them', () => {
    const figures = summarizeFigures([row('exact', 100, 1_500), row('exact', 100, null)], 15);
    expect(figures).toMatchObject({ costUsd: 0.0015, costLowerUsd: 0.0015, costUpperUsd: 0.0015, unpricedCalls: 1, totalTokens: 200 });
  });

  it('should give a null cost when no call could be priced', () => {
    expect(summarizeFigures([row('estimated', 100, null)], 15)).toMatchObject({
      costUsd: null,
      costLowerUsd: null,
      costUpperUsd: null,
      unpricedCalls: 1,
      costConfidence: 0,
    });
  });

  it('should sum in micro-dollars so a thousand small costs do not drift', () => {
    const rows = Array.from({ length: 1_000 }, () => row('exact', 10, 1)); // 1 µ$ each
    expect(summarizeFigures(rows, 15).costUsd).toBe(0.001);
  });
});
