import { budgetProblem, consecutiveFailures, isFailure, monthlyRoom, pauseReason, type SettledRun } from './governance';

const run = (status: SettledRun['status'], pauseReason: string | null = null): SettledRun => ({ status, pauseReason });

describe('isFailure', () => {
  it.each([
    [run('failed'), true],
    [run('paused', 'budget'), true],
    [run('paused', 'budget_floor'), true],
    [run('paused', 'unpriced_model'), true],
    [run('paused', 'person'), false],
    [run('completed'), false],
    [run('cancelled'), false],
    [run('interrupted'), false],
    [run('skipped'), false],
    [run('missed'), false],
  ])('%j should count as a failure: %s', (r, failure) => {
    expect(isFailure(r)).toBe(failure);
  });
});

describe('consecutiveFailures', () => {
  it.each([
    ['none', [], 0],
    ['failures up to a completed run', [run('failed'), run('paused', 'budget'), run('completed'), run('failed')], 2],
    ['skips and misses between failures', [run('failed'), run('skipped'), run('missed'), run('failed'), run('interrupted'), run('failed')], 3],
    ['a person pausing neither adds nor ends', [run('failed'), run('paused', 'person'), run('failed')], 2],
    ['the newest completed', [run('completed'), run('failed'), run('failed')], 0],
  ])('should count %s', (_name, runs, streak) => {
    expect(consecutiveFailures(runs)).toBe(streak);
  });
});

describe('pauseReason', () => {
  const green = [{ window: 'daily', zone: 'GREEN' as const, fractionUsed: 0.1 }];
  it.each([
    ['a streak under the limit, green windows', 2, 3, green, null],
    ['a streak at the limit', 3, 3, green, '3 runs in a row failed or were paused by a budget (maxConsecutiveFailures 3)'],
    ['a RED window', 0, 3, [...green, { window: 'monthly', zone: 'RED' as const, fractionUsed: 0.961 }], 'budget window monthly is RED (96% used)'],
    ['an ORANGE window', 0, 3, [{ window: 'daily', zone: 'ORANGE' as const, fractionUsed: 0.9 }], null],
  ])('should answer for %s', (_name, streak, max, windows, reason) => {
    expect(pauseReason({ consecutiveFailures: streak, maxConsecutiveFailures: max, windows })).toBe(reason);
  });
});

describe('monthlyRoom', () => {
  it.each([
    ['no monthly cap', undefined, { tokens: 10_000, usd: 5 }, { maxTokens: 1000 }, true],
    ['room for the whole per-run cap', { usd: 20 }, { tokens: 0, usd: 18.5 }, { maxCostUsd: 1 }, true],
    ['exactly the per-run cap left', { usd: 20 }, { tokens: 0, usd: 19 }, { maxCostUsd: 1 }, true],
    ['less than the per-run cap left (USD)', { usd: 20 }, { tokens: 0, usd: 19.5 }, { maxCostUsd: 1 }, false],
    ['less than the per-run cap left (tokens)', { tokens: 1000 }, { tokens: 600, usd: 0 }, { maxTokens: 500 }, false],
  ])('should decide with %s', (_name, cap, spent, perRun, fits) => {
    expect(monthlyRoom(cap, spent, perRun).fits).toBe(fits);
  });

  it('should say which cap and what is left', () => {
    expect(monthlyRoom({ tokens: 1000 }, { tokens: 600, usd: 0 }, { maxTokens: 500 })).toEqual({
      fits: false,
      reason: 'monthly cap: 600 of 1000 tokens spent this month, a run may take 500',
    });
  });
});

describe('budgetProblem', () => {
  it.each([
    ['a per-run cap alone', { maxTokens: 1000 }, undefined, null],
    ['both caps in matching units', { maxTokens: 1000, maxCostUsd: 1 }, { tokens: 10_000, usd: 20 }, null],
    ['an empty per-run cap', {}, undefined, 'budget.perRun'],
    ['a monthly USD cap without a per-run one', { maxTokens: 1000 }, { usd: 20 }, 'budget.perRun.maxCostUsd'],
    ['a per-run cap over the monthly one', { maxTokens: 5000 }, { tokens: 1000 }, 'budget.perRun.maxTokens'],
  ])('should answer for %s', (_name, perRun, monthly, field) => {
    expect(budgetProblem(perRun, monthly)?.field ?? null).toBe(field);
  });
});
