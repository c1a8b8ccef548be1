import { isDateQuery } from './date-range';

describe(isDateQuery.name, () => {
  it.each([
    '2025',
    '2025-11',
    '2025-11-01',
    '2024-02-29',
    '2025-11-01T00:00Z',
    '2025-11-01T00:00:00Z',
    '2025-11-01T00:00:00.123Z',
    '2025-11-01T10:00:00+05:30',
    '2025-11-01T10:00:00-0800',
  ])('should accept %s', (value) => {
    expect(isDateQuery(value)).toBe(true);
  });

  it.each([
    ['a week date', '2025-W01'],
    ['a week date with a day', '2025-W01-1'],
    ['an ordinal date', '2025-001'],
    ['an ordinal date Date misreads', '2025-032'],
    ['the basic format', '20251101'],
    ['the basic date-time format', '20251101T000000Z'],
    ['an hour alone', '2025-11-01T00'],
    ['an offset of hours alone', '2025-11-01T00:00:00+05'],
    ['a decimal comma', '2025-11-01T00:00:00,5Z'],
    ['a day that does not exist', '2025-02-29'],
    ['a month that does not exist', '2025-13-01'],
    ['a space separator', '2025-11-01 00:00:00'],
    ['an extended year', '+002025-11-01'],
    ['a leap second', '2025-12-31T23:59:60Z'],
    ['words', 'yesterday'],
    ['nothing', ''],
    ['a number', 20251101],
  ])('should refuse %s (%s)', (_what, value) => {
    expect(isDateQuery(value)).toBe(false);
  });
});
