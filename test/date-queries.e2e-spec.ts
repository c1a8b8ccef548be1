import fc from 'fast-check';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Every route that takes a date in its query, with ISO-8601 forms that look valid but that JavaScript's
 * Date cannot read (week and ordinal dates, the basic format) and generated odd strings: a 400 naming
 * the parameter, never a 5xx.
 */

const ROUTES = ['/v1/usage', '/v1/allocations', '/v1/allocations/stats'];
const LOOKS_VALID = [
  '2025-W01',
  '2025-W01-1',
  '2025-001',
  '2025-365',
  '20251101',
  '20251101T000000Z',
  '2025-11-01T00',
  '2025-11-01T00:00:00+05',
  '2025-11-01T00:00:00,5Z',
  '2025-02-29',
  '+275760-09-14',
  '275760-09-14',
  '9999-12-31T23:59:60Z',
];

describe('date query parameters (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ rateLimit: { ttlMs: 60_000, limit: 1_000_000 } });
  });
  afterAll(() => t?.close());

  async function get(route: string, params: Record<string, string>): Promise<{ status: number; body: any }> {
    const url = `${t.url}${route}?${new URLSearchParams(params).toString()}`;
    let res: Response;
    try {
      res = await fetch(url);
    } catch (e) {
      throw new Error(`${url}: ${String((e as Error).cause ?? e)}`);
    }
    return { status: res.status, body: await res.json() };
  }

  it.each(ROUTES)('should answer %s with a 400 naming the parameter for dates Date cannot read', async (route) => {
    for (const value of LOOKS_VALID) {
      for (const param of ['from', 'to']) {
        const answer = await get(route, { [param]: value });
        expect([route, param, value, answer.status]).toEqual([route, param, value, 400]);
        expect(answer.body.message).toContain(`${param} must be an ISO-8601 date`);
      }
    }
  });

  it.each(ROUTES)('should answer %s with a 200 for the plain forms', async (route) => {
    for (const value of ['2025-11', '2025-11-01', '2025-11-01T00:00:00Z', '2025-11-01T00:00:00.5+01:00']) {
      const answer = await get(route, { from: value, to: '2026-01-01T00:00:00Z' });
      expect([route, value, answer.status]).toEqual([route, value, 200]);
    }
  });

  it('should never answer a generated date with a 5xx', async () => {
    const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });
    const dateLike = fc.oneof(
      fc
        .tuple(
          digits(4),
          fc.constantFrom('-', '', '-W', '--'),
          digits(2),
          fc.constantFrom('', '-', 'T'),
          fc.string({ unit: fc.constantFrom(...'0123456789:-+TZ.,W '), maxLength: 16 }),
        )
        .map((parts) => parts.join('')),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString().replace(/[-:]/g, '')),
      fc.string({ unit: 'binary', maxLength: 30 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), dateLike, dateLike, async (route, from, to) => {
        const answer = await get(route, { from, to });
        if (answer.status >= 500) throw new Error(`${route}?from=${from}&to=${to} → ${answer.status} ${JSON.stringify(answer.body)}`);
        expect([200, 400]).toContain(answer.status);
      }),
      { numRuns: 600 },
    );
  }, 120_000);
});
