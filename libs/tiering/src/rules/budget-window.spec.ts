import { configSchema } from '@app/config';
import type { BudgetWindowRow } from '../budget/budget-window.repository';
import type { OpenWindow } from '../budget/budget.types';
import { describeWindow, errorPct, fractionLeft, historyEntry, reservationTtlMs, tierCap, windowRefusal, worstThreshold } from './budget-window';

const { zones, thresholds } = configSchema.parse({}).budgets;

function window(over: Partial<OpenWindow> = {}): OpenWindow {
  return {
    id: 'w1',
    kind: 'daily',
    start: new Date('2025-03-12T00:00:00Z'),
    end: new Date('2025-03-13T00:00:00Z'),
    limitTokens: 1000,
    limitMicros: 2_000_000,
    softCap: 0.8,
    usedTokens: 0,
    usedMicros: 0,
    reservedTokens: 0,
    reservedMicros: 0,
    midForecast: null,
    ...over,
  };
}

describe(windowRefusal.name, () => {
  it.each<[string, Partial<OpenWindow>, number, number, string | null]>([
    ['fits', { usedTokens: 500 }, 400, 0, null],
    ['tokens over with the reservations', { usedTokens: 500, reservedTokens: 200 }, 400, 0, 'tokens'],
    ['money over', { usedMicros: 1_900_000 }, 0, 200_000, 'usd'],
    ['money already past the cap, but the call spends none (a local model)', { usedMicros: 2_500_000 }, 100, 0, null],
    ['no limits at all', { limitTokens: null, limitMicros: null, usedTokens: 10 ** 9 }, 10 ** 9, 10 ** 9, null],
  ])('%s', (_name, over, tokens, micros, unit) => {
    expect(windowRefusal(window(over), tokens, micros)?.unit ?? null).toBe(unit);
  });

  it.each<[string, Partial<OpenWindow>, number, number, number, string | null]>([
    ['a non-critical call stops short of the 10% held back', { usedTokens: 850 }, 60, 0, 10, 'tokens'],
    ['a non-critical call that ends exactly at the held slice fits', { usedTokens: 850 }, 50, 0, 10, null],
    ['a critical call (no reserve applied) uses the held slice', { usedTokens: 850 }, 150, 0, 0, null],
    ['money: the held slice counts in micro-dollars', { usedMicros: 1_700_000 }, 0, 200_000, 10, 'usd'],
    ['a 0% reserve holds nothing back', { usedTokens: 999 }, 1, 0, 0, null],
  ])('reservePct: %s', (_name, over, tokens, micros, reservePct, unit) => {
    expect(windowRefusal(window(over), tokens, micros, reservePct)?.unit ?? null).toBe(unit);
  });

  it('should say how much of the limit is held for critical participants when that is what refused', () => {
    expect(windowRefusal(window({ usedTokens: 850 }), 60, 0, 10)).toMatchObject({ unit: 'tokens', limit: 1000, heldForCritical: 100 });
    expect(windowRefusal(window({ usedTokens: 850 }), 200, 0, 0)).not.toHaveProperty('heldForCritical');
  });

  it('should state the refusal in USD, not micro-dollars', () => {
    expect(windowRefusal(window({ usedMicros: 1_500_000, reservedMicros: 250_000 }), 0, 500_000)).toEqual({
      ok: false,
      window: 'daily',
      unit: 'usd',
      limit: 2,
      used: 1.5,
      reserved: 0.25,
      needed: 0.5,
    });
  });
});

describe(fractionLeft.name, () => {
  it('should be null when nothing is limited', () => {
    expect(fractionLeft([window({ limitTokens: null, limitMicros: null })])).toBeNull();
  });

  it.each<[Array<Partial<OpenWindow>>, number]>([
    [[{ usedTokens: 250, reservedTokens: 250 }], 0.5],
    [[{ usedTokens: 100 }, { kind: 'weekly', usedMicros: 1_800_000 }], 0.1],
    [[{ usedTokens: 1500 }], 0],
  ])('%p → %p', (windows, expected) => {
    expect(fractionLeft(windows.map(window))).toBeCloseTo(expected, 9);
  });
});

describe(tierCap.name, () => {
  it.each<[Partial<OpenWindow>, string]>([
    [{ usedTokens: 100 }, 'T3'],
    [{ usedTokens: 800 }, 'T2'],
    [{ usedMicros: 2_000_000 }, 'T1'],
  ])('%p → %s', (over, tier) => {
    expect(tierCap([window(over)])).toBe(tier);
  });
});

describe(worstThreshold.name, () => {
  it('should name the fullest window and unit, money in USD', () => {
    const worst = worstThreshold([window({ usedTokens: 100 }), window({ kind: 'weekly', usedMicros: 1_900_000 })], thresholds);
    expect(worst).toEqual({ level: 'pause', window: 'weekly', unit: 'usd', fractionUsed: 0.95, limit: 2, used: 1.9 });
  });

  it('should be ok with no limit anywhere', () => {
    expect(worstThreshold([window({ limitTokens: null, limitMicros: null })], thresholds)).toMatchObject({ level: 'ok', window: null });
  });
});

describe(describeWindow.name, () => {
  it('should show remaining and overshoot in USD, never below zero', () => {
    const status = describeWindow(window({ usedTokens: 1200, usedMicros: 500_000, reservedMicros: 100_000 }), new Date('2025-03-12T12:00:00Z'), zones);
    expect(status).toMatchObject({
      remaining: { tokens: 0, usd: 1.4 },
      overshoot: { tokens: 200, usd: 0 },
      used: { tokens: 1200, usd: 0.5 },
      fractionUsed: 1.2,
      zone: 'RED',
    });
  });
});

describe(historyEntry.name, () => {
  const row: BudgetWindowRow = {
    id: 'w0',
    kind: 'daily',
    periodStart: '2025-03-11T00:00:00.000Z',
    periodEnd: '2025-03-12T00:00:00.000Z',
    limitTokens: 1000,
    limitUsdMicros: null,
    softCap: 0.8,
    usedTokens: 500,
    usedMicros: 100_000,
    midForecast: { recordedAt: '2025-03-11T18:00:00.000Z', projectedTokens: 533, projectedUsd: 0.13 } as BudgetWindowRow['midForecast'],
    reservedTokens: 0,
    reservedMicros: 0,
    closed: true,
  };

  it('should give the forecast error as projected minus actual', () => {
    expect(historyEntry(row, zones)).toMatchObject({ actual: { tokens: 500, usd: 0.1 }, fractionUsed: 0.5, forecastError: { tokens: 33, usd: 0.03 } });
  });

  it('should have no forecast error without a mid-window forecast', () => {
    expect(historyEntry({ ...row, midForecast: null }, zones).forecastError).toBeNull();
  });
});

describe(reservationTtlMs.name, () => {
  const adapter = (name: string, timeoutMs: number) => ({
    name,
    kind: 'http',
    provider: 'openai',
    tier: 'T2',
    models: { fast: 'a', reasoning: 'b' },
    timeoutMs,
  });

  it.each<[string, number, Array<[string, number]>, number]>([
    ['no adapters: twice the round timeout', 300_000, [], 600_000],
    [
      'adapters quicker than a round',
      300_000,
      [
        ['a', 120_000],
        ['b', 60_000],
      ],
      600_000,
    ],
    [
      'an adapter slower than a round (a chair outside it)',
      60_000,
      [
        ['a', 120_000],
        ['b', 240_000],
      ],
      480_000,
    ],
  ])('%s', (_case, roundTimeoutMs, adapters, expected) => {
    const config = configSchema.parse({ deliberation: { roundTimeoutMs }, adapters: adapters.map(([name, t]) => adapter(name, t)) });

    expect(reservationTtlMs(config)).toBe(expected);
  });
});

describe(errorPct.name, () => {
  it.each<[number, number, number | null]>([
    [533, 500, 6.6],
    [400, 500, -20],
    [500, 500, 0],
    [10, 0, null],
  ])('projected %p against actual %p → %p %', (projected, actual, pct) => {
    expect(errorPct(projected, actual)).toBe(pct);
  });
});
