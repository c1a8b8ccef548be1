import { WindowKind, windowBounds } from './window-bounds';

describe(windowBounds.name, () => {
  it.each<[string, WindowKind, string, string, string]>([
    // UTC
    ['UTC', 'daily', '2025-03-12T15:30:00Z', '2025-03-12T00:00:00.000Z', '2025-03-13T00:00:00.000Z'],
    ['UTC', 'daily', '2025-03-12T00:00:00Z', '2025-03-12T00:00:00.000Z', '2025-03-13T00:00:00.000Z'],
    ['UTC', 'weekly', '2025-03-12T15:30:00Z', '2025-03-10T00:00:00.000Z', '2025-03-17T00:00:00.000Z'], // Wednesday → Monday
    ['UTC', 'weekly', '2025-03-16T23:59:59Z', '2025-03-10T00:00:00.000Z', '2025-03-17T00:00:00.000Z'], // Sunday stays in the week
    ['UTC', 'weekly', '2025-03-17T00:00:00Z', '2025-03-17T00:00:00.000Z', '2025-03-24T00:00:00.000Z'], // Monday starts one
    ['UTC', 'monthly', '2024-02-29T12:00:00Z', '2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ['UTC', 'monthly', '2024-12-31T23:00:00Z', '2024-12-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z'],
    // New York, standard time (UTC-5)
    ['America/New_York', 'daily', '2025-01-15T03:00:00Z', '2025-01-14T05:00:00.000Z', '2025-01-15T05:00:00.000Z'],
    // New York, the day DST starts (2025-03-09, 23 hours long)
    ['America/New_York', 'daily', '2025-03-09T12:00:00Z', '2025-03-09T05:00:00.000Z', '2025-03-10T04:00:00.000Z'],
    // New York, the day DST ends (2025-11-02, 25 hours long)
    ['America/New_York', 'daily', '2025-11-02T12:00:00Z', '2025-11-02T04:00:00.000Z', '2025-11-03T05:00:00.000Z'],
    // A week spanning the DST start ends at local midnight
    ['America/New_York', 'weekly', '2025-03-08T12:00:00Z', '2025-03-03T05:00:00.000Z', '2025-03-10T04:00:00.000Z'],
    ['America/New_York', 'monthly', '2025-03-31T12:00:00Z', '2025-03-01T05:00:00.000Z', '2025-04-01T04:00:00.000Z'],
    // Kolkata, UTC+5:30, no DST: 20:00 UTC is already the next local day
    ['Asia/Kolkata', 'daily', '2025-06-10T20:00:00Z', '2025-06-10T18:30:00.000Z', '2025-06-11T18:30:00.000Z'],
    ['Asia/Kolkata', 'daily', '2025-06-10T18:00:00Z', '2025-06-09T18:30:00.000Z', '2025-06-10T18:30:00.000Z'],
    ['Asia/Kolkata', 'monthly', '2025-06-30T19:00:00Z', '2025-06-30T18:30:00.000Z', '2025-07-31T18:30:00.000Z'],
    // Santiago moved clocks at midnight (2024-09-08 00:00 → 01:00): the day starts at the jump
    ['America/Santiago', 'daily', '2024-09-08T15:00:00Z', '2024-09-08T04:00:00.000Z', '2024-09-09T03:00:00.000Z'],
  ])('%s %s at %s → [%s, %s)', (zone, kind, now, start, end) => {
    const bounds = windowBounds(kind, new Date(now), zone);
    expect(bounds.start.toISOString()).toBe(start);
    expect(bounds.end.toISOString()).toBe(end);
  });

  it('should always contain now', () => {
    for (let t = Date.UTC(2025, 0, 1); t < Date.UTC(2026, 0, 1); t += 7.3 * 3_600_000) {
      for (const kind of ['daily', 'weekly', 'monthly'] as const) {
        const b = windowBounds(kind, new Date(t), 'America/New_York');
        expect(b.start.getTime()).toBeLessThanOrEqual(t);
        expect(b.end.getTime()).toBeGreaterThan(t);
      }
    }
  });

  it('should reject an unknown zone', () => {
    expect(() => windowBounds('daily', new Date(), 'Mars/Olympus')).toThrow(RangeError);
  });
});
