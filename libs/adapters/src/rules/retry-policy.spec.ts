import { DEFAULT_RETRY_POLICY, isRetryableStatus, parseRetryAfter, retryDelayMs } from './retry-policy';

describe('retry policy', () => {
  describe(isRetryableStatus.name, () => {
    it.each([
      [408, true],
      [429, true],
      [500, true],
      [502, true],
      [503, true],
      [599, true],
      [400, false],
      [401, false],
      [403, false],
      [404, false],
      [422, false],
      [200, false],
    ])('should say %i is retryable: %s', (status, expected) => {
      expect(isRetryableStatus(status)).toBe(expected);
    });
  });

  describe(retryDelayMs.name, () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1000 };

    it.each([
      // attempt, random, expected: step = min(max, base * 2^attempt), wait = step/2 + step/2 * random
      [0, 0, 50],
      [0, 1, 100],
      [1, 0, 100],
      [1, 0.5, 150],
      [2, 1, 400],
      [3, 0, 400],
      [4, 1, 1000],
      [10, 0, 500],
      [10, 1, 1000],
    ])('should wait for attempt %i with random %d: %i ms', (attempt, random, expected) => {
      expect(retryDelayMs(attempt, policy, () => random)).toBe(expected);
    });

    it('should honour Retry-After over the computed step, even beyond maxDelayMs', () => {
      expect(retryDelayMs(0, policy, () => 1, 5000)).toBe(5000);
      expect(retryDelayMs(3, policy, () => 1, 0)).toBe(0);
    });

    it('should clamp a random source that strays outside [0, 1]', () => {
      expect(retryDelayMs(0, policy, () => 7)).toBe(100);
      expect(retryDelayMs(0, policy, () => -3)).toBe(50);
    });

    it('should grow by default from half a second and stay within 30 s', () => {
      expect(retryDelayMs(0, DEFAULT_RETRY_POLICY, () => 0)).toBe(250);
      expect(retryDelayMs(20, DEFAULT_RETRY_POLICY, () => 1)).toBe(30_000);
    });
  });

  describe(parseRetryAfter.name, () => {
    const now = new Date('2025-01-01T00:00:00Z');

    it.each([
      ['120', 120_000],
      ['0', 0],
      [' 3 ', 3_000],
      ['1.5', 1_500],
      ['Wed, 01 Jan 2025 00:00:30 GMT', 30_000],
      ['Tue, 31 Dec 2024 23:59:00 GMT', 0],
    ])('should read %j as %i ms', (value, expected) => {
      expect(parseRetryAfter(value, now)).toBe(expected);
    });

    it.each([[undefined], [null], [''], ['soon'], ['-5'], ['1 2']])('should ignore %j', (value) => {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    });
  });
});
