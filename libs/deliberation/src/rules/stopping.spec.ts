import type { ConvergenceAssessment, ConvergenceStatus, StopReason, Vote } from '../deliberation.types';
import { decideStop, hasModelConsensus, thresholdForZone, type StopInput } from './stopping';

const vote = (continueDebate: boolean): Vote => ({ option: 'A', confidence: 0.8, rationale: '', continueDebate });
const assessed = (status: ConvergenceStatus): ConvergenceAssessment => ({ score: 0.5, status, perParticipant: [] });
const go = vote(true);
const stop = vote(false);

function input(overrides: Partial<StopInput>): StopInput {
  return { round: 2, maxRounds: 5, mode: 'conference', convergence: null, latestVotes: [go, go, go], consensusFraction: 0.66, ...overrides };
}

describe('decideStop', () => {
  it.each<[string, Partial<StopInput>, StopReason | null]>([
    ['converged', { convergence: assessed('converged') }, 'converged'],
    ['converged beats consensus and max rounds', { convergence: assessed('converged'), round: 5, latestVotes: [stop, stop, stop] }, 'converged'],
    ['impasse', { convergence: assessed('impasse') }, 'impasse'],
    ['impasse beats max rounds', { convergence: assessed('impasse'), round: 5 }, 'impasse'],
    ['2 of 3 want to stop (0.667 ≥ 0.66)', { latestVotes: [stop, stop, go] }, 'model_consensus'],
    ['1 of 3 want to stop', { latestVotes: [stop, go, go] }, null],
    ['a missing vote counts as continue', { latestVotes: [stop, null, null] }, null],
    ['2 of 3 with one missing vote', { latestVotes: [stop, stop, null] }, 'model_consensus'],
    ['consensus never in round 1 of a conference', { round: 1, latestVotes: [stop, stop, stop] }, null],
    ['consensus beats max rounds', { round: 5, latestVotes: [stop, stop, stop] }, 'model_consensus'],
    ['refining goes on', { convergence: assessed('refining') }, null],
    ['diverging goes on', { convergence: assessed('diverging') }, null],
    ['last round', { round: 5 }, 'max_rounds'],
    ['past the last round', { round: 6 }, 'max_rounds'],
    ['quick mode stops after its round', { mode: 'quick', round: 1, maxRounds: 3 }, 'max_rounds'],
    ['quick mode round 1 with everyone done reports max_rounds', { mode: 'quick', round: 1, latestVotes: [stop, stop] }, 'max_rounds'],
    ['maxRounds 1', { round: 1, maxRounds: 1 }, 'max_rounds'],
  ])('%s', (_name, overrides, expected) => {
    expect(decideStop(input(overrides))).toBe(expected);
  });

  it.each<[string, Partial<StopInput>, StopReason | null]>([
    ['no convergence stop before minRounds', { round: 2, minRounds: 3, convergence: assessed('converged') }, null],
    ['no impasse before minRounds', { round: 2, minRounds: 3, convergence: assessed('impasse') }, null],
    ['no model consensus before minRounds', { round: 2, minRounds: 3, latestVotes: [stop, stop, stop] }, null],
    ['converged at minRounds stops', { round: 3, minRounds: 3, convergence: assessed('converged') }, 'converged'],
    ['model consensus at minRounds stops', { round: 3, minRounds: 3, latestVotes: [stop, stop, stop] }, 'model_consensus'],
    ['minRounds above maxRounds still ends at maxRounds', { round: 2, maxRounds: 2, minRounds: 4 }, 'max_rounds'],
    ['quick mode ends after its round whatever minRounds says', { mode: 'quick', round: 1, maxRounds: 1, minRounds: 3 }, 'max_rounds'],
    ['modelConsensus false ignores everyone wanting to stop', { latestVotes: [stop, stop, stop], modelConsensus: false }, null],
    [
      'modelConsensus false still stops when converged',
      { latestVotes: [stop, stop, stop], modelConsensus: false, convergence: assessed('converged') },
      'converged',
    ],
    ['modelConsensus false still stops at max rounds', { round: 5, latestVotes: [stop, stop, stop], modelConsensus: false }, 'max_rounds'],
    ['modelConsensus true is the default behaviour', { latestVotes: [stop, stop, stop], modelConsensus: true }, 'model_consensus'],
  ])('with minRounds / modelConsensus: %s', (_name, overrides, expected) => {
    expect(decideStop(input(overrides))).toBe(expected);
  });

  it('should default the consensus fraction to 0.66', () => {
    expect(decideStop({ ...input({ latestVotes: [stop, stop, go] }), consensusFraction: undefined })).toBe('model_consensus');
  });
});

describe('hasModelConsensus', () => {
  it.each<[string, Array<Vote | null>, number, boolean]>([
    ['7 of 10 at 70% (float 0.7×10 = 7.000000000000001)', [...Array(7).fill(stop), ...Array(3).fill(go)], 0.7, true],
    ['6 of 10 at 70%', [...Array(6).fill(stop), ...Array(4).fill(go)], 0.7, false],
    ['nobody', [], 0.66, false],
    ['all null', [null, null], 0.66, false],
    ['fraction 0 still needs one stop vote', [go, go], 0, false],
    ['everyone', [stop, stop], 1, true],
  ])('%s', (_name, votes, fraction, expected) => {
    expect(hasModelConsensus(votes, fraction)).toBe(expected);
  });
});

describe('budget-aware stopping', () => {
  const vote = (continueDebate = true) => ({ option: 'A', confidence: 0.8, rationale: 'r', continueDebate });
  const base = { round: 2, maxRounds: 3, mode: 'conference' as const, convergence: null, latestVotes: [vote(), vote()] };

  it.each([
    ['GREEN', true, null],
    ['YELLOW', true, null],
    ['ORANGE', true, 'budget_consensus'],
    ['RED', true, 'budget_consensus'],
    ['RED', false, null],
  ] as const)('in %s with unanimous=%s stops with %s', (zone, unanimous, expected) => {
    expect(decideStop({ ...base, budgetZone: zone, unanimous })).toBe(expected);
  });

  it('never before minRounds, and converged still comes first', () => {
    expect(decideStop({ ...base, round: 2, minRounds: 3, budgetZone: 'RED', unanimous: true })).toBeNull();
    expect(decideStop({ ...base, budgetZone: 'RED', unanimous: true, convergence: { score: 0.9, status: 'converged', perParticipant: [] } })).toBe('converged');
  });

  it.each([
    [0.85, 'GREEN', 0.85],
    [0.85, 'YELLOW', 0.8],
    [0.85, 'ORANGE', 0.75],
    [0.85, 'RED', 0.7],
    [0.6, 'RED', 0.6], // a deliberation's own lower threshold is never raised
  ] as const)('thresholdForZone(%s, %s) = %s', (base, zone, expected) => {
    expect(thresholdForZone(base, zone, { YELLOW: 0.8, ORANGE: 0.75, RED: 0.7 })).toBe(expected);
  });
});
