import type { ConvergenceStatus } from '../deliberation.types';
import { assessConvergence, type ConvergenceInput, DEFAULT_CONVERGENCE_SETTINGS, scoreTrend, statusFor } from './convergence';

const SAME = 'We should adopt webhooks for billing because polling wastes requests and adds latency.';
const OTHER = 'Keep polling: it is simple, robust, and our partners cannot receive callbacks reliably.';

const answers = (...texts: string[]) => texts.map((text, participantIndex) => ({ participantIndex, text }));
const history = (...scores: number[]) => scores.map((score) => ({ score, status: 'refining' as ConvergenceStatus }));

function input(overrides: Partial<ConvergenceInput>): ConvergenceInput {
  return { previous: answers(SAME, SAME), current: answers(SAME, SAME), history: [], finalVotesSplit: false, ...overrides };
}

describe('assessConvergence', () => {
  it('should compare each participant with its own previous answer and take the minimum', () => {
    const sut = assessConvergence(input({ previous: answers(SAME, SAME), current: answers(SAME, OTHER), settings: { backend: 'jaccard' } }));
    expect(sut?.perParticipant).toEqual([
      { participantIndex: 0, similarity: 1 },
      { participantIndex: 1, similarity: expect.any(Number) },
    ]);
    expect(sut?.perParticipant[1].similarity).toBeLessThan(0.4);
    expect(sut?.score).toBe(sut?.perParticipant[1].similarity);
  });

  it('should skip participants missing in either round', () => {
    const sut = assessConvergence(
      input({
        previous: [
          { participantIndex: 0, text: SAME },
          { participantIndex: 2, text: SAME },
        ],
        current: [
          { participantIndex: 0, text: SAME },
          { participantIndex: 1, text: OTHER },
        ],
      }),
    );
    expect(sut?.perParticipant.map((p) => p.participantIndex)).toEqual([0]);
    expect(sut?.score).toBe(1);
  });

  it('should return null when no participant is comparable', () => {
    expect(assessConvergence(input({ previous: [{ participantIndex: 0, text: SAME }], current: [{ participantIndex: 1, text: SAME }] }))).toBeNull();
  });

  it('should not call the first high score converged (with consecutive = 2, round 3 is the earliest)', () => {
    expect(assessConvergence(input({ history: [] }))?.status).toBe('refining');
    expect(assessConvergence(input({ history: history(0.9) }))?.status).toBe('converged');
  });

  it('should call converged positions with split votes an impasse', () => {
    expect(assessConvergence(input({ history: history(0.9), finalVotesSplit: true }))?.status).toBe('impasse');
  });

  it('should call a low score diverging, and an impasse after impasseAfter in a row', () => {
    const diverging = input({ previous: answers(SAME, SAME), current: answers(OTHER, OTHER) });
    expect(assessConvergence({ ...diverging, history: history(0.2) })?.status).toBe('diverging');
    expect(assessConvergence({ ...diverging, history: history(0.2, 0.3) })?.status).toBe('impasse');
    expect(assessConvergence({ ...diverging, history: history(0.2, 0.6, 0.3) })?.status).toBe('diverging');
  });

  it('should use an injected similarity (e.g. embeddings) with the corpus of both rounds', () => {
    const calls: number[] = [];
    const sut = assessConvergence(
      input({
        similarity: (_a, _b, corpus) => {
          calls.push(corpus?.length ?? -1);
          return 0.5;
        },
      }),
    );
    expect(sut?.score).toBe(0.5);
    expect(calls).toEqual([4, 4]);
  });

  it('should honour configured settings', () => {
    const sut = assessConvergence(input({ history: [], settings: { consecutive: 1 } }));
    expect(sut?.status).toBe('converged');
  });
});

describe('statusFor', () => {
  const settings = DEFAULT_CONVERGENCE_SETTINGS;
  it.each<[string, number, number[], boolean, ConvergenceStatus]>([
    ['first high score', 0.9, [], false, 'refining'],
    ['second high score in a row', 0.85, [0.9], false, 'converged'],
    ['high score after a dip', 0.9, [0.9, 0.5], false, 'refining'],
    ['converged but votes split', 0.95, [0.9], true, 'impasse'],
    ['in between', 0.6, [0.9], false, 'refining'],
    ['exactly the diverging bound', 0.4, [0.1, 0.1], false, 'refining'],
    ['first low score', 0.39, [], false, 'diverging'],
    ['second low score', 0.1, [0.2], false, 'diverging'],
    ['third low score in a row', 0.1, [0.2, 0.3], false, 'impasse'],
    ['low after a break', 0.1, [0.2, 0.5, 0.3], false, 'diverging'],
    ['low score with split votes', 0.1, [], true, 'diverging'],
  ])('%s → %s', (_name, score, scores, split, expected) => {
    expect(
      statusFor(
        score,
        scores.map((s) => ({ score: s })),
        split,
        settings,
      ),
    ).toBe(expected);
  });
});

describe('scoreTrend', () => {
  const identity = (options: string[]) => new Map(options.map((o) => [o, o]));
  const response = (option: string | null, error = false) => ({ error: error ? { kind: 'timeout' } : null, vote: option ? { option } : null });

  it('gives round 1 its vote agreement, so two scores exist after round 2', () => {
    const rounds = [
      { number: 1, convergence: null, responses: [response('A'), response('A'), response('B'), response(null)] },
      { number: 2, convergence: { score: 0.9 }, responses: [] },
    ];
    expect(scoreTrend({ rounds }, identity)).toEqual([2 / 3, 0.9]);
  });

  it('leaves round 1 out when nobody voted, and groups paraphrases before counting', () => {
    expect(scoreTrend({ rounds: [{ number: 1, convergence: null, responses: [response(null), response('A', true)] }] }, identity)).toEqual([]);
    const group = (options: string[]) => new Map(options.map((o) => [o, o.toLowerCase()]));
    expect(scoreTrend({ rounds: [{ number: 1, convergence: null, responses: [response('Yes'), response('yes')] }] }, group)).toEqual([1]);
  });
});
