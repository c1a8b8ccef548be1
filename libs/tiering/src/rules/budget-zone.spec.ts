import { BudgetZone, budgetZone, ThresholdLevel, thresholdLevel } from './budget-zone';

const zones = { yellow: 0.7, orange: 0.85, red: 0.95 };

describe(budgetZone.name, () => {
  it.each<[number | null, BudgetZone]>([
    [null, 'GREEN'],
    [0, 'GREEN'],
    [0.6999, 'GREEN'],
    [0.7, 'YELLOW'],
    [0.8499, 'YELLOW'],
    [0.85, 'ORANGE'],
    [0.9499, 'ORANGE'],
    [0.95, 'RED'],
    [1, 'RED'],
    [1.4, 'RED'],
  ])('%p → %s', (fraction, zone) => {
    expect(budgetZone(fraction, zones)).toBe(zone);
  });

  it('should use configured zones', () => {
    expect(budgetZone(0.5, { yellow: 0.4, orange: 0.6, red: 0.8 })).toBe('YELLOW');
  });
});

describe(thresholdLevel.name, () => {
  const thresholds = { warn: 0.7, forceFast: 0.85, pause: 0.95 };
  it.each<[number | null, ThresholdLevel]>([
    [null, 'ok'],
    [0.69, 'ok'],
    [0.7, 'warn'],
    [0.85, 'force_fast'],
    [0.95, 'pause'],
    [2, 'pause'],
  ])('%p → %s', (fraction, level) => {
    expect(thresholdLevel(fraction, thresholds)).toBe(level);
  });
});
