/** Small statistics helpers for the benchmarks: medians of runs, percentiles of samples. */

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0..100) of the samples; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  if (p <= 0) return sorted[0];
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Rounds to `digits` decimals, for tables and JSON that people read. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A figure measured over several runs: its median and every run, so outliers stay visible. */
export interface Figure {
  median: number;
  runs: number[];
}

export function figure(runs: readonly number[], digits = 2): Figure {
  return { median: round(median(runs), digits), runs: runs.map((r) => round(r, digits)) };
}
