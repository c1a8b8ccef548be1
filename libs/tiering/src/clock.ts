/** The time seam: services ask this instead of `new Date()` so tests can move time. */
export interface Clock {
  now(): Date;
}

export const TIERING_CLOCK = Symbol('TIERING_CLOCK');

export const systemClock: Clock = { now: () => new Date() };
