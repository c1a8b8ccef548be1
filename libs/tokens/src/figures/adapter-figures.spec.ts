import { adapterFigures, nearestRankOffset, rate, type AdapterCallSums } from './adapter-figures';

describe('adapter figures', () => {
  it.each<[number, number, number | null]>([
    [0, 95, null],
    [1, 95, 0],
    [4, 95, 3],
    [10, 95, 9],
    [20, 95, 18],
    [100, 95, 94],
    [101, 95, 95],
    [10, 50, 4],
    [3, 0, 0],
  ])('nearest rank of %i values at p%i is offset %s', (n, pct, expected) => {
    expect(nearestRankOffset(n, pct)).toBe(expected);
  });

  it.each<[number, number, number | null]>([
    [0, 0, null],
    [3, 4, 0.75],
    [1, 3, 0.3333],
    [2, 2, 1],
  ])('rate %i / %i = %s', (part, whole, expected) => {
    expect(rate(part, whole)).toBe(expected);
  });

  const window = { from: '2026-12-01T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z' };
  const none: AdapterCallSums = { sent: 0, succeeded: 0, latencyMs: 0, refused: 0, answers: 0, voteParseFailures: 0 };

  it.each<[string, AdapterCallSums, number | null, { tokens: number; minute: string } | null, Record<string, unknown>]>([
    [
      'no calls: rates and latencies are null',
      none,
      null,
      null,
      { calls: 0, successRate: null, avgLatencyMs: null, p95LatencyMs: null, voteParseFailureRate: null, peakTokensPerMinute: null },
    ],
    [
      'calls: average rounded, rates, the peak minute as an instant',
      { sent: 4, succeeded: 3, latencyMs: 1001, refused: 2, answers: 3, voteParseFailures: 1 },
      700,
      { tokens: 360, minute: '2026-12-01T10:15' },
      {
        calls: 4,
        refusedByBreaker: 2,
        successRate: 0.75,
        avgLatencyMs: 250,
        p95LatencyMs: 700,
        answers: 3,
        voteParseFailureRate: 0.3333,
        peakTokensPerMinute: { tokens: 360, at: '2026-12-01T10:15:00.000Z' },
      },
    ],
    [
      'only refused calls: nothing sent',
      { ...none, refused: 3 },
      null,
      { tokens: 0, minute: '2026-12-01T10:15' },
      { calls: 0, refusedByBreaker: 3, successRate: null, peakTokensPerMinute: null },
    ],
  ])('%s', (_name, sums, p95, peak, expected) => {
    expect(adapterFigures(window, sums, p95, peak)).toMatchObject({ ...window, ...expected });
  });
});
