import { dueTicks, nextTick, parseCadence, shortestGapSeconds, type Cadence } from './cadence';

const at = (iso: string) => new Date(iso);
const weekdaysAtNineBerlin: Cadence = { kind: 'cron', expression: '0 9 * * 1-5', timezone: 'Europe/Berlin' };
const hourly: Cadence = { kind: 'every', seconds: 3600 };

describe('parseCadence', () => {
  it.each([
    ['a cron in a zone', { cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' }, { kind: 'cron', expression: '0 9 * * 1-5', timezone: 'Europe/Berlin' }],
    ['a cron, UTC by default', { cron: ' */5 * * * * ' }, { kind: 'cron', expression: '*/5 * * * *', timezone: 'UTC' }],
    ['everySeconds at the minimum', { everySeconds: 60 }, { kind: 'every', seconds: 60 }],
    ['a yearly cron', { cron: '0 0 1 1 *' }, { kind: 'cron', expression: '0 0 1 1 *', timezone: 'UTC' }],
  ])('should accept %s', (_name, input, cadence) => {
    expect(parseCadence(input, 60)).toEqual({ cadence });
  });

  it.each([
    ['neither', {}, 'cron', 'exactly one'],
    ['both', { cron: '* * * * *', everySeconds: 60 }, 'everySeconds', 'exactly one'],
    ['an invalid cron', { cron: '61 * * * *' }, 'cron', 'not a valid cron expression'],
    ['a cron of words', { cron: 'every day' }, 'cron', 'not a valid cron expression'],
    ['an unknown time zone', { cron: '0 9 * * *', timezone: 'Mars/Olympus' }, 'timezone', 'not an IANA time zone'],
    ['everySeconds under the minimum', { everySeconds: 59 }, 'everySeconds', 'from 60'],
    ['a fractional everySeconds', { everySeconds: 90.5 }, 'everySeconds', 'whole number'],
    ['a cron with seconds ticking too often', { cron: '*/10 * * * * *' }, 'cron', 'ticks 10 s apart'],
    ['a cron that never ticks', { cron: '0 0 30 2 *' }, 'cron', 'never ticks'],
  ])('should refuse %s, naming the field', (_name, input, field, words) => {
    const result = parseCadence(input, 60);
    expect(result).toEqual({ problem: { field, message: expect.stringContaining(words) } });
  });

  it('should hold a cron with seconds to a lower configured minimum', () => {
    expect(parseCadence({ cron: '*/2 * * * * *' }, 1)).toEqual({ cadence: { kind: 'cron', expression: '*/2 * * * * *', timezone: 'UTC' } });
  });
});

describe('shortestGapSeconds', () => {
  it.each([
    ['every minute', '* * * * *', 60],
    ['twice an hour', '0,30 * * * *', 1800],
    ['minutes 0 and 1', '0,1 * * * *', 60],
    ['weekdays at nine', '0 9 * * 1-5', 86_400],
    ['once a year', '0 0 1 1 *', 365 * 86_400],
  ])('should find %s', (_name, expression, gap) => {
    expect(shortestGapSeconds({ kind: 'cron', expression, timezone: 'UTC' }, at('2026-01-05T00:00:00Z'))).toBe(gap);
  });
});

describe('nextTick', () => {
  it.each([
    ['the next grid point of everySeconds', hourly, '2026-03-10T10:20:00Z', '2026-03-10T11:00:00.000Z'],
    ['strictly after a grid point', hourly, '2026-03-10T11:00:00Z', '2026-03-10T12:00:00.000Z'],
    ['09:00 Berlin (winter, UTC+1) the same morning', weekdaysAtNineBerlin, '2026-03-10T07:00:00Z', '2026-03-10T08:00:00.000Z'],
    ['09:00 Berlin (summer, UTC+2)', weekdaysAtNineBerlin, '2026-07-07T06:00:00Z', '2026-07-07T07:00:00.000Z'],
    ['Monday after a Friday tick', weekdaysAtNineBerlin, '2026-03-13T08:00:00Z', '2026-03-16T08:00:00.000Z'],
  ])('should give %s', (_name, cadence, after, next) => {
    expect(nextTick(cadence, at(after)).toISOString()).toBe(next);
  });
});

describe('dueTicks', () => {
  it.each([
    ['nothing before the first tick', hourly, '2026-03-10T10:20:00Z', '2026-03-10T10:59:59Z', null, 0, false],
    ['one hourly tick', hourly, '2026-03-10T10:20:00Z', '2026-03-10T11:00:00Z', '2026-03-10T11:00:00.000Z', 1, false],
    ['three hours down', hourly, '2026-03-10T10:20:00Z', '2026-03-10T13:30:00Z', '2026-03-10T13:00:00.000Z', 3, false],
    ['a weekend down (cron)', weekdaysAtNineBerlin, '2026-03-13T08:00:00Z', '2026-03-16T08:00:00Z', '2026-03-16T08:00:00.000Z', 1, false],
    ['a week down (cron)', weekdaysAtNineBerlin, '2026-03-09T09:00:00Z', '2026-03-16T09:00:00Z', '2026-03-16T08:00:00.000Z', 5, false],
    ['now before the last tick (a clock set back)', hourly, '2026-03-10T11:00:00Z', '2026-03-10T10:00:00Z', null, 0, false],
  ])('should find %s', (_name, cadence, since, now, latest, count, atLeast) => {
    const due = dueTicks(cadence, at(since), at(now));
    expect({ latest: due.latest?.toISOString() ?? null, count: due.count, atLeast: due.atLeast }).toEqual({ latest, count, atLeast });
  });

  it('should find the latest tick of a long outage without walking every tick', () => {
    const everyMinute: Cadence = { kind: 'cron', expression: '* * * * *', timezone: 'UTC' };
    const started = Date.now();
    const due = dueTicks(everyMinute, at('2026-01-01T00:00:00Z'), at('2026-03-10T10:20:30Z'));
    expect(due.latest?.toISOString()).toBe('2026-03-10T10:20:00.000Z');
    expect(due).toMatchObject({ count: 100, atLeast: true });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
