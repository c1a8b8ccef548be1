export const WINDOW_KINDS = ['daily', 'weekly', 'monthly'] as const;
export type WindowKind = (typeof WINDOW_KINDS)[number];

export interface WindowBounds {
  start: Date;
  end: Date;
}

interface WallClock {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

// Formatters are costly to build and the ledger asks on every reservation.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function wallClock(instant: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour % 24, minute: parts.minute, second: parts.second };
}

/** Milliseconds the zone's wall clock is ahead of UTC at an instant. */
function offsetAt(instant: number, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The first instant of a local date. The offset is taken at the boundary itself, not at "now", so a
 * window spanning a DST change still ends at local midnight. Both offsets around the date are tried:
 * the earliest candidate whose wall clock falls on that date wins, which also covers a DST jump at
 * 00:00 (midnight does not exist; the day starts at the transition).
 */
function localMidnight(year: number, month: number, day: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, day);
  const dayMs = 86_400_000;
  const candidates = [guess - offsetAt(guess - dayMs, timeZone), guess - offsetAt(guess + dayMs, timeZone)].sort((a, b) => a - b);
  const onDate = candidates.filter((c) => {
    const w = wallClock(c, timeZone);
    return w.year === year && w.month === month && w.day === day;
  });
  return new Date(onDate.length > 0 ? onDate[0] : candidates[0]);
}

/** Throws a RangeError for an unknown IANA zone; call at start-up to fail early. */
export function assertTimeZone(timeZone: string): void {
  formatter(timeZone);
}

/** The window of the given kind containing `now`, with boundaries at local midnight; weeks start on Monday. */
export function windowBounds(kind: WindowKind, now: Date, timeZone: string): WindowBounds {
  const w = wallClock(now.getTime(), timeZone);
  // Date arithmetic on a UTC calendar date avoids month-length and leap-year bookkeeping.
  const date = new Date(Date.UTC(w.year, w.month - 1, w.day));
  let startDate: Date;
  let endDate: Date;
  switch (kind) {
    case 'daily':
      startDate = date;
      endDate = new Date(Date.UTC(w.year, w.month - 1, w.day + 1));
      break;
    case 'weekly': {
      const sinceMonday = (date.getUTCDay() + 6) % 7;
      startDate = new Date(Date.UTC(w.year, w.month - 1, w.day - sinceMonday));
      endDate = new Date(Date.UTC(w.year, w.month - 1, w.day - sinceMonday + 7));
      break;
    }
    case 'monthly':
      startDate = new Date(Date.UTC(w.year, w.month - 1, 1));
      endDate = new Date(Date.UTC(w.year, w.month, 1));
      break;
  }
  const at = (d: Date): Date => localMidnight(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), timeZone);
  return { start: at(startDate), end: at(endDate) };
}
