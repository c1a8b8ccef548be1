import { admit, breakerState, CLOSED, outcomeOfFailure, recordOutcome, type Breaker, type CallOutcome } from './circuit-breaker';

const s = { failureThreshold: 3, coolDownMs: 1000 };

/** Runs a script of calls against one breaker: each step admits at `at`, then records its outcome. */
function play(steps: Array<{ at: number; outcome: CallOutcome }>): { admitted: boolean[]; breaker: Breaker } {
  let b = CLOSED;
  const admitted: boolean[] = [];
  for (const step of steps) {
    const a = admit(b, step.at, s);
    admitted.push(a.admitted);
    b = a.next;
    if (a.admitted) b = recordOutcome(b, step.outcome, step.at, s);
  }
  return { admitted, breaker: b };
}

describe('circuit breaker', () => {
  it.each<[string, Array<{ at: number; outcome: CallOutcome }>, boolean[], Partial<Breaker>]>([
    [
      'successes keep it closed',
      [
        { at: 0, outcome: 'success' },
        { at: 1, outcome: 'success' },
      ],
      [true, true],
      { state: 'closed', consecutiveFailures: 0 },
    ],
    [
      'failures under the threshold keep it closed',
      [
        { at: 0, outcome: 'failure' },
        { at: 1, outcome: 'failure' },
      ],
      [true, true],
      { state: 'closed', consecutiveFailures: 2 },
    ],
    [
      'a success between failures resets the count',
      [
        { at: 0, outcome: 'failure' },
        { at: 1, outcome: 'failure' },
        { at: 2, outcome: 'success' },
        { at: 3, outcome: 'failure' },
      ],
      [true, true, true, true],
      { state: 'closed', consecutiveFailures: 1 },
    ],
    [
      'the threshold opens it, and an open breaker refuses',
      [
        { at: 0, outcome: 'failure' },
        { at: 1, outcome: 'failure' },
        { at: 2, outcome: 'failure' },
        { at: 500, outcome: 'success' },
      ],
      [true, true, true, false],
      { state: 'open', consecutiveFailures: 3, openedAt: 2 },
    ],
    [
      'after the cool-down one trial goes; its success closes it',
      [
        { at: 0, outcome: 'failure' },
        { at: 1, outcome: 'failure' },
        { at: 2, outcome: 'failure' },
        { at: 1002, outcome: 'success' },
        { at: 1003, outcome: 'success' },
      ],
      [true, true, true, true, true],
      { state: 'closed', consecutiveFailures: 0, openedAt: null },
    ],
    [
      'a failed trial opens it again for another cool-down',
      [
        { at: 0, outcome: 'failure' },
        { at: 1, outcome: 'failure' },
        { at: 2, outcome: 'failure' },
        { at: 1500, outcome: 'failure' },
        { at: 2000, outcome: 'success' },
        { at: 2500, outcome: 'success' },
      ],
      [true, true, true, true, false, true],
      { state: 'closed' },
    ],
    [
      'a neutral trial (a cancel) frees the trial slot without closing',
      [
        { at: 0, outcome: 'failure' },
        { at: 1, outcome: 'failure' },
        { at: 2, outcome: 'failure' },
        { at: 1100, outcome: 'neutral' },
      ],
      [true, true, true, true],
      { state: 'half_open', trialInFlight: false, consecutiveFailures: 3 },
    ],
    ['neutral outcomes do not count as failures', [{ at: 0, outcome: 'neutral' }], [true], { state: 'closed', consecutiveFailures: 0 }],
  ])('%s', (_name, steps, admitted, expected) => {
    const result = play(steps);
    expect(result.admitted).toEqual(admitted);
    expect(result.breaker).toMatchObject(expected);
  });

  it('admits only one trial while half-open', () => {
    const open: Breaker = { state: 'open', consecutiveFailures: 3, openedAt: 0, trialInFlight: false };
    expect(breakerState(open, 999, s)).toBe('open');
    expect(breakerState(open, 1000, s)).toBe('half_open');
    const first = admit(open, 1000, s);
    expect(first.admitted).toBe(true);
    expect(admit(first.next, 1001, s).admitted).toBe(false);
  });

  it.each<[string, number | undefined, CallOutcome]>([
    ['timeout', undefined, 'failure'],
    ['process_exit', undefined, 'failure'],
    ['http_status', undefined, 'failure'],
    ['http_status', 503, 'failure'],
    ['http_status', 408, 'failure'],
    ['http_status', 400, 'success'],
    ['rate_limited', 429, 'success'],
    ['bad_response', undefined, 'success'],
    ['cancelled', undefined, 'neutral'],
    ['model_refused', undefined, 'neutral'],
    ['response_too_large', undefined, 'neutral'],
    ['circuit_open', undefined, 'neutral'],
  ])('%s (status %s) counts as %s', (kind, status, expected) => {
    expect(outcomeOfFailure(kind, status)).toBe(expected);
  });
});
