import type { DeliberationEvent } from '@app/deliberation';
import { applyEvent, initialProgress, progressNotice, votesSoFar, type ProgressState } from './deliberation-progress';

let seq = 0;
function event<T extends DeliberationEvent['type']>(type: T, data: Extract<DeliberationEvent, { type: T }>['data']): DeliberationEvent {
  return { seq: ++seq, type, deliberationId: 'd1', at: '2026-01-01T00:00:00Z', data } as DeliberationEvent;
}

function answer(
  round: number,
  participantIndex: number,
  option: string | null,
  tokens = 100,
  error: { kind: string; message: string } | null = null,
): DeliberationEvent {
  return event('response_received', {
    round,
    participantIndex,
    adapter: 'a',
    model: 'm',
    vote: option === null ? null : { option, confidence: 0.8, rationale: '', continueDebate: true },
    voteError: null,
    error,
    latencyMs: 5,
    tokens,
    costUsd: 0.001,
    truncated: false,
  });
}

const start = (): ProgressState => initialProgress({ status: 'queued', maxRounds: 3, participants: [{}, {}, {}] as never });

function fold(events: DeliberationEvent[]): ProgressState[] {
  const states: ProgressState[] = [];
  events.reduce((state, e) => {
    const next = applyEvent(state, e);
    states.push(next);
    return next;
  }, start());
  return states;
}

describe('deliberation progress', () => {
  describe('progressNotice', () => {
    it('should say round k of n, answers, votes so far, tokens and cost', () => {
      const [, , , s] = fold([event('round_started', { round: 1 }), answer(1, 0, 'Webhooks', 120), answer(1, 1, 'Polling', 80), answer(1, 2, 'Webhooks', 100)]);
      expect(progressNotice({ ...s, tokens: 300, costUsd: 0.01234 })).toEqual({
        progress: 0.99,
        total: 3,
        message: 'round 1 of 3: 3 of 3 answers; votes so far: Webhooks 2, Polling 1; 300 tokens, $0.0123',
      });
    });

    it('should grow with every answer and round, across rounds', () => {
      const states = fold([
        event('round_started', { round: 1 }),
        answer(1, 0, 'A'),
        answer(1, 1, 'B'),
        answer(1, 2, 'A'),
        event('round_completed', { round: 1, convergence: null }),
        event('round_started', { round: 2 }),
        answer(2, 0, 'A'),
        answer(2, 1, 'A'),
        answer(2, 2, 'A'),
        event('round_completed', { round: 2, convergence: null }),
      ]);
      const reported = states.filter((_, i) => ![0, 5].includes(i)).map((s) => progressNotice(s).progress);
      expect(reported).toEqual([0.33, 0.67, 0.99, 1, 1.33, 1.67, 1.99, 2]);
      expect(progressNotice(states[states.length - 1]).message).toMatch(/votes so far: A 3;/);
    });

    it('should say how it ended and stop there', () => {
      const states = fold([event('round_started', { round: 1 }), answer(1, 0, 'A'), event('paused', { pause: null, latestCheckpointId: 'c1' })]);
      const last = states[states.length - 1];
      expect(last.ended).toBe(true);
      expect(progressNotice(last).message).toMatch(/^paused after 0 of 3 rounds; votes so far: A 1; 100 tokens, cost unknown$/);
    });

    it('should say a queued deliberation has not started', () => {
      expect(progressNotice(start()).message).toBe('queued, round 1 of 3 not started; votes so far: none yet; 0 tokens, cost unknown');
    });
  });

  describe('applyEvent', () => {
    it("should keep a participant's latest position and not count a failed call as a vote", () => {
      const [, , , s] = fold([answer(1, 0, 'A'), answer(1, 1, 'B'), answer(2, 0, 'B'), answer(2, 1, null, 0, { kind: 'timeout', message: 'slow' })]);
      expect([...s.positions]).toEqual([
        [0, 'B'],
        [1, 'B'],
      ]);
      expect(s.tokens).toBe(300);
    });

    it('should leave the state alone for events that do not move it', () => {
      const s = start();
      expect(applyEvent(s, event('budget_warning', { round: 1, limit: 'tokens', fraction: 0.7 }))).toBe(s);
    });
  });

  it('votesSoFar should order by votes then name and clip long options', () => {
    const long = 'x'.repeat(80);
    expect(
      votesSoFar(
        new Map<number, string | null>([
          [0, 'b'],
          [1, 'a'],
          [2, 'b'],
          [3, long],
          [4, null],
        ]),
      ),
    ).toBe(`b 2, a 1, ${'x'.repeat(57)}... 1`);
    expect(votesSoFar(new Map())).toBe('none yet');
  });
});
