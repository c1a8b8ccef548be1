import type { ModelClass } from '@app/config';
import { allocationSignals, SelectorRule, SelectorSignals, selectTier } from './tier-selector';

const thresholds = { lowBudgetFraction: 0.1, scoreDrop: 0.15, settledScore: 0.7, splitOptions: 3 };
const signals = (over: Partial<SelectorSignals>): SelectorSignals => ({
  round: 2,
  scores: [],
  voteOptions: [],
  budgetFractionLeft: null,
  ...over,
});

describe(selectTier.name, () => {
  describe('seed cases', () => {
    it.each<[string, SelectorSignals, ModelClass]>([
      ['[] at round 1', signals({ round: 1, scores: [] }), 'reasoning'],
      ['[0.75, 0.80] unanimous at 50% budget', signals({ round: 3, scores: [0.75, 0.8], voteOptions: ['a', 'a', 'a'], budgetFractionLeft: 0.5 }), 'fast'],
      ['[0.60, 0.45] split three ways', signals({ round: 3, scores: [0.6, 0.45], voteOptions: ['a', 'b', 'c'], budgetFractionLeft: 0.5 }), 'reasoning'],
      ['8% budget', signals({ round: 3, scores: [0.6, 0.45], voteOptions: ['a', 'b', 'c'], budgetFractionLeft: 0.08 }), 'fast'],
    ])('should choose %s → %s', (_name, input, tier) => {
      expect(selectTier(input, thresholds).tier).toBe(tier);
    });
  });

  describe('every branch, in order', () => {
    it.each<[string, Partial<SelectorSignals>, ModelClass, SelectorRule]>([
      ['low budget beats round 1', { round: 1, budgetFractionLeft: 0.05 }, 'fast', 'budget_low'],
      ['low budget beats a score drop', { scores: [0.9, 0.2], budgetFractionLeft: 0.0999 }, 'fast', 'budget_low'],
      ['exactly the low fraction is not low', { round: 1, budgetFractionLeft: 0.1 }, 'reasoning', 'first_round'],
      ['forceFast beats round 1', { round: 1, forceFast: true, budgetFractionLeft: 0.5 }, 'fast', 'force_fast'],
      ['forceFast beats a split', { forceFast: true, voteOptions: ['a', 'b', 'c'] }, 'fast', 'force_fast'],
      ['low budget beats complexity', { complexity: 5, budgetFractionLeft: 0.05 }, 'fast', 'budget_low'],
      ['forceFast beats complexity', { complexity: 5, forceFast: true }, 'fast', 'force_fast'],
      ['complexity 4 beats unanimity', { complexity: 4, voteOptions: ['a', 'a'] }, 'reasoning', 'complex'],
      ['complexity 3 is not complex', { complexity: 3, voteOptions: ['a', 'a'] }, 'fast', 'unanimous'],
      ['a forecast past the limit makes a split round fast', { forecastFraction: 1.05, voteOptions: ['a', 'b', 'c'] }, 'fast', 'forecast_exhausts'],
      ['a forecast exactly at the limit is past it', { forecastFraction: 1, scores: [0.8, 0.5] }, 'fast', 'forecast_exhausts'],
      ['a forecast under the limit changes nothing', { forecastFraction: 0.99, voteOptions: ['a', 'b', 'c'] }, 'reasoning', 'split_votes'],
      ['round 1 beats the forecast', { round: 1, forecastFraction: 3 }, 'reasoning', 'first_round'],
      ['complexity beats the forecast', { complexity: 4, forecastFraction: 3 }, 'reasoning', 'complex'],
      ['a low budget beats the forecast', { forecastFraction: 3, budgetFractionLeft: 0.05 }, 'fast', 'budget_low'],
      ['round 1 beats unanimity', { round: 1, voteOptions: ['a', 'a'] }, 'reasoning', 'first_round'],
      ['a drop > 0.15 beats unanimity', { scores: [0.8, 0.6], voteOptions: ['a', 'a'] }, 'reasoning', 'score_dropped'],
      ['a drop of exactly 0.15 is not a drop', { scores: [0.75, 0.6], voteOptions: ['a', 'a'] }, 'fast', 'unanimous'],
      ['settled and rising', { scores: [0.7, 0.72], voteOptions: ['a', 'b', 'c'] }, 'fast', 'settled_rising'],
      ['settled but flat is not rising', { scores: [0.8, 0.8], voteOptions: ['a', 'b'] }, 'reasoning', 'default'],
      ['rising but below settled', { scores: [0.5, 0.69] }, 'reasoning', 'default'],
      ['one score is not a trend', { scores: [0.9], voteOptions: ['a', 'b'] }, 'reasoning', 'default'],
      ['unanimous votes', { scores: [0.5, 0.5], voteOptions: ['x', 'x', 'x'] }, 'fast', 'unanimous'],
      ['split over three options', { scores: [0.5, 0.5], voteOptions: ['x', 'y', 'z'] }, 'reasoning', 'split_votes'],
      ['two options is the default', { scores: [0.5, 0.5], voteOptions: ['x', 'y', 'x'] }, 'reasoning', 'default'],
      ['no votes is the default', { scores: [] }, 'reasoning', 'default'],
    ])('%s', (_name, over, tier, rule) => {
      const result = selectTier(signals(over), thresholds);
      expect(result).toEqual({ tier, rule, reason: expect.any(String) });
      expect(result.reason.length).toBeGreaterThan(0);
    });
  });

  it('should honour configured thresholds', () => {
    const strict = { ...thresholds, splitOptions: 2, lowBudgetFraction: 0.5 };
    expect(selectTier(signals({ voteOptions: ['x', 'y'] }), strict).rule).toBe('split_votes');
    expect(selectTier(signals({ budgetFractionLeft: 0.4 }), strict).rule).toBe('budget_low');
  });
});

describe(allocationSignals.name, () => {
  it('should summarise score, trend and spread', () => {
    expect(allocationSignals(signals({ round: 3, scores: [0.6, 0.45], voteOptions: ['a', 'b', 'a'], budgetFractionLeft: 0.3 }))).toEqual({
      round: 3,
      score: 0.45,
      trend: -0.15,
      voteSpread: 2,
      budgetLeft: 0.3,
    });
    expect(allocationSignals(signals({ round: 1 }))).toEqual({ round: 1, score: null, trend: null, voteSpread: 0, budgetLeft: null });
  });
});
