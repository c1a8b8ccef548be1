import { bufferedProjection, forecast, forecastConfidence, ForecastInput, fractionUsedOf } from './forecast';

const start = new Date('2025-03-01T00:00:00Z');
const end = new Date('2025-03-02T00:00:00Z');
const at = (iso: string): Date => new Date(iso);
const base: ForecastInput = { usedTokens: 0, usedUsd: 0, start, end, now: at('2025-03-01T10:00:00Z') };

describe(forecast.name, () => {
  it('should compute a linear burn rate and the exhaustion time within the window', () => {
    const f = forecast({ ...base, usedTokens: 50_000, usedUsd: 1, limitTokens: 100_000 });
    expect(f.tokensPerHour).toBe(5000);
    expect(f.usdPerHour).toBe(0.1);
    expect(f.hoursToExhaustion).toBe(10);
    expect(f.exhaustionAt).toBe('2025-03-01T20:00:00.000Z');
    expect(f.projectedTokens).toBe(120_000);
    expect(f.projectedUsd).toBeCloseTo(2.4);
    expect(f.zone).toBe('GREEN');
  });

  it('should give no exhaustion time when the limit outlasts the window', () => {
    const f = forecast({ ...base, usedTokens: 10_000, limitTokens: 100_000 });
    expect(f.hoursToExhaustion).toBe(90);
    expect(f.exhaustionAt).toBeNull();
  });

  it('should take the first limit to run out', () => {
    const f = forecast({ ...base, usedTokens: 10_000, usedUsd: 5, limitTokens: 100_000, limitUsd: 10 });
    expect(f.hoursToExhaustion).toBe(10);
    expect(f.exhaustionAt).toBe('2025-03-01T20:00:00.000Z');
  });

  it.each<[string, Partial<ForecastInput>]>([
    ['no limit', { usedTokens: 100 }],
    ['nothing spent', { limitTokens: 100 }],
    ['no time elapsed', { usedTokens: 10, limitTokens: 100, now: start }],
  ])('should give no exhaustion with %s', (_name, over) => {
    const f = forecast({ ...base, ...over });
    expect(f.hoursToExhaustion).toBeNull();
    expect(f.exhaustionAt).toBeNull();
  });

  it('should say a limit already reached is exhausted now', () => {
    const f = forecast({ ...base, usedTokens: 100, limitTokens: 100 });
    expect(f.hoursToExhaustion).toBe(0);
    expect(f.exhaustionAt).toBe('2025-03-01T10:00:00.000Z');
  });

  it.each<[number, string]>([
    [10, 'GREEN'],
    [75, 'YELLOW'],
    [90, 'ORANGE'],
    [97, 'RED'],
  ])('should recommend per zone at %i%%', (used, zone) => {
    const f = forecast({ ...base, usedTokens: used, limitTokens: 100 });
    expect(f.zone).toBe(zone);
    expect(f.recommendation.startsWith(`${zone} (${used}% used)`)).toBe(true);
  });

  it('should use configured zones', () => {
    expect(forecast({ ...base, usedTokens: 50, limitTokens: 100, zones: { yellow: 0.2, orange: 0.3, red: 0.4 } }).zone).toBe('RED');
  });
});

describe(fractionUsedOf.name, () => {
  it.each<[{ tokens: number; money: number }, { tokens?: number | null; money?: number | null }, number | null]>([
    [{ tokens: 50, money: 0 }, {}, null],
    [{ tokens: 50, money: 0 }, { tokens: 100 }, 0.5],
    [{ tokens: 50, money: 9 }, { tokens: 100, money: 10 }, 0.9],
    [{ tokens: 50, money: 9 }, { tokens: 100, money: null }, 0.5],
  ])('%p of %p → %p', (used, limits, expected) => {
    expect(fractionUsedOf(used, limits)).toBe(expected);
  });
});

describe(forecastConfidence.name, () => {
  it.each<[string, number[], string, number | null]>([
    ['too short a history', [100, 100], 'low', null],
    ['nothing spent is steady', [0, 0, 0, 0], 'high', 0],
    ['a steady burn', [1000, 1100, 900, 1000], 'high', 0.071],
    ['a wobbling burn', [1000, 0, 1000, 2000], 'medium', 0.707],
    ['one burst', [0, 0, 0, 6000], 'low', 1.732],
  ])('%s → %s', (_name, hourly, confidence, variation) => {
    expect(forecastConfidence(hourly)).toEqual({ confidence, burnVariation: variation });
  });
});

describe(bufferedProjection.name, () => {
  it.each<[number | null, 'high' | 'medium' | 'low', number | null]>([
    [0.9, 'high', 0.9],
    [0.9, 'medium', 0.9],
    [0.9, 'low', 1.08],
    [null, 'low', null],
  ])('%p at %s confidence → %p', (projectedFraction, confidence, read) => {
    const r = bufferedProjection({ projectedFraction, confidence });
    if (read === null) expect(r).toBeNull();
    else expect(r).toBeCloseTo(read, 9);
  });

  it('should project against the tightest limit', () => {
    const f = forecast({ ...base, usedTokens: 50_000, usedUsd: 1, limitTokens: 100_000, limitUsd: 2 });
    expect(f).toMatchObject({ projectedTokens: 120_000, projectedFraction: 1.2 });
  });
});
