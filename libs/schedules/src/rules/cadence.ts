import { CronTime, validateCronExpression } from 'cron';

/** When a schedule ticks: a cron expression in a time zone, or every N seconds on a grid counted from the epoch. */
export type Cadence = { kind: 'cron'; expression: string; timezone: string } | { kind: 'every'; seconds: number };

export interface CadenceInput {
  cron?: string | null;
  everySeconds?: number | null;
  timezone?: string | null;
}

/** A field of the request and what is wrong with it; null when the cadence is valid. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** Longest everySeconds: a year and a day. */
export const MAX_EVERY_SECONDS = 366 * 86_400;

/** Occurrences sampled to find a cron expression's shortest gap (enough for any second/minute field pattern). */
const GAP_SAMPLES = 64;

/** Cron occurrences walked forward before the latest due one is searched for from closer to now. */
const WALK_LIMIT = 100;

export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The cadence a request describes, or the 400 that refuses it: exactly one of cron and everySeconds, a
 * valid expression, an IANA time zone, and no two ticks closer than `minIntervalSeconds`.
 */
export function parseCadence(input: CadenceInput, minIntervalSeconds: number): { cadence: Cadence } | { problem: FieldProblem } {
  const hasCron = input.cron !== undefined && input.cron !== null;
  const hasEvery = input.everySeconds !== undefined && input.everySeconds !== null;
  if (hasCron === hasEvery) {
    return { problem: { field: hasCron ? 'everySeconds' : 'cron', message: 'give exactly one of cron or everySeconds' } };
  }
  const timezone = input.timezone ?? 'UTC';
  if (!isTimeZone(timezone)) return { problem: { field: 'timezone', message: `"${timezone}" is not an IANA time zone (e.g. UTC, Europe/Berlin)` } };
  if (hasEvery) {
    const seconds = input.everySeconds!;
    if (!Number.isInteger(seconds) || seconds < minIntervalSeconds || seconds > MAX_EVERY_SECONDS) {
      return {
        problem: {
          field: 'everySeconds',
          message: `must be a whole number from ${minIntervalSeconds} (schedules.minIntervalSeconds) to ${MAX_EVERY_SECONDS}; got ${seconds}`,
        },
      };
    }
    return { cadence: { kind: 'every', seconds } };
  }
  const expression = input.cron!.trim();
  const check = validateCronExpression(expression);
  if (!check.valid) return { problem: { field: 'cron', message: `"${expression}" is not a valid cron expression: ${check.error?.message ?? 'unparsable'}` } };
  const cadence: Cadence = { kind: 'cron', expression, timezone };
  let gap: number;
  try {
    const from = new Date(Date.UTC(2024, 0, 1));
    // Without a seconds field ticks are at least a minute apart; sampling costs milliseconds per tick.
    const withSeconds = expression.split(/\s+/).length === 6;
    if (withSeconds || minIntervalSeconds > 60) {
      gap = shortestGapSeconds(cadence, from);
    } else {
      nextTick(cadence, from); // throws for an expression that never ticks
      gap = 60;
    }
  } catch {
    // The cron library gives up when no date matches for years (e.g. 30 February).
    return { problem: { field: 'cron', message: `"${expression}" never ticks` } };
  }
  if (gap < minIntervalSeconds) {
    return {
      problem: {
        field: 'cron',
        message: `"${expression}" ticks ${gap} s apart; the shortest gap allowed is ${minIntervalSeconds} s (schedules.minIntervalSeconds)`,
      },
    };
  }
  return { cadence };
}

/** The shortest gap between consecutive ticks among the first occurrences after `from` (up to a year ahead). */
export function shortestGapSeconds(cadence: Cadence, from: Date): number {
  if (cadence.kind === 'every') return cadence.seconds;
  let shortest = Number.POSITIVE_INFINITY;
  let previous = nextTick(cadence, from);
  // Within a year of the first tick: the cron library refuses to search much further ahead.
  const horizon = previous.getTime() + 366 * 86_400_000;
  for (let i = 0; i < GAP_SAMPLES && previous.getTime() < horizon; i++) {
    const next = nextTick(cadence, previous);
    shortest = Math.min(shortest, (next.getTime() - previous.getTime()) / 1000);
    previous = next;
  }
  return shortest;
}

/** The first tick strictly after `after`. */
export function nextTick(cadence: Cadence, after: Date): Date {
  if (cadence.kind === 'every') {
    const ms = cadence.seconds * 1000;
    return new Date(Math.floor(after.getTime() / ms) * ms + ms);
  }
  return new CronTime(cadence.expression, cadence.timezone).getNextDateFrom(after, cadence.timezone).toJSDate();
}

export interface DueTicks {
  /** The latest tick in (since, now], or null when none is due. */
  latest: Date | null;
  /** How many ticks fell in (since, now]; with `atLeast`, more than that. */
  count: number;
  atLeast: boolean;
}

/**
 * The ticks that came due after `since` up to `now` (a restart finds the ones missed while it was down).
 * A cron expression is walked tick by tick only so far (each step costs about half a millisecond); past
 * that the latest tick is searched for from ever earlier points before now.
 */
export function dueTicks(cadence: Cadence, since: Date, now: Date): DueTicks {
  if (now.getTime() <= since.getTime()) return { latest: null, count: 0, atLeast: false };
  if (cadence.kind === 'every') {
    const ms = cadence.seconds * 1000;
    const count = Math.floor(now.getTime() / ms) - Math.floor(since.getTime() / ms);
    return count > 0 ? { latest: new Date(Math.floor(now.getTime() / ms) * ms), count, atLeast: false } : { latest: null, count: 0, atLeast: false };
  }
  let latest: Date | null = null;
  let count = 0;
  let cursor = since;
  while (count < WALK_LIMIT) {
    const next = nextTick(cadence, cursor);
    if (next.getTime() > now.getTime()) return { latest, count, atLeast: false };
    latest = next;
    count++;
    cursor = next;
  }
  // Ever wider spans before now: the first that holds a tick (and not too many to walk) gives the latest.
  const day = 86_400_000;
  for (const span of [10_000, 600_000, day, 32 * day, 367 * day]) {
    const from = new Date(Math.max(now.getTime() - span, cursor.getTime()));
    const found = latestBetween(cadence, from, now);
    if (found) return { latest: found, count, atLeast: true };
  }
  return { latest, count, atLeast: true };
}

function latestBetween(cadence: Cadence, from: Date, now: Date): Date | null {
  let latest: Date | null = null;
  let cursor = from;
  for (let i = 0; i < WALK_LIMIT; i++) {
    const next = nextTick(cadence, cursor);
    if (next.getTime() > now.getTime()) return latest;
    latest = next;
    cursor = next;
  }
  return null;
}
