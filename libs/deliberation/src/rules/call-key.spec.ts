import { callKey, nextAttempt, voteRetryKey } from './call-key';

describe('call keys', () => {
  it('should name the deliberation, round, participant and attempt, the vote-only retry apart', () => {
    const key = callKey('d1', 3, 2, 1);
    expect(key).toBe('d1:3:2:1');
    expect(voteRetryKey(key)).toBe('d1:3:2:1:vote');
  });

  it.each([
    [undefined, 0, 1],
    [{}, 0, 1],
    [{ 0: 1 }, 0, 2],
    [{ 0: 2, 1: 1 }, 1, 2],
  ])('should count the next attempt on from the calls recorded (%j, participant %d)', (recorded, participant, attempt) => {
    expect(nextAttempt(recorded, participant)).toBe(attempt);
  });
});
