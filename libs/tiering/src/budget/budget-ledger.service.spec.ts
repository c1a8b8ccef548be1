import { configSchema, DomainError } from '@app/config';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { tokensEntities, tokensMigrations } from '@app/tokens';
import { tieringEntities, tieringMigrations } from '../index';
import { BudgetLedger } from './budget-ledger.service';
import { BudgetReservationStore } from './budget-reservation.store';
import type { Reservation } from './budget.types';
import { BudgetWindowRepository } from './budget-window.repository';

class FakeClock {
  constructor(public current: Date) {}
  now(): Date {
    return this.current;
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
}

const configWith = (budgets: Record<string, unknown>) => configSchema.parse({ budgets });

async function openDataSource(database: string): Promise<DataSource> {
  const ds = new DataSource({
    type: 'better-sqlite3',
    database,
    entities: [...tokensEntities, ...tieringEntities],
    migrations: [...tokensMigrations, ...tieringMigrations],
    migrationsRun: true,
  });
  return ds.initialize();
}

describe(BudgetLedger.name, () => {
  let dir: string;
  let file: string;
  let ds: DataSource;
  let clock: FakeClock;

  const newLedger = async (budgets: Record<string, unknown>, source = ds): Promise<BudgetLedger> => {
    const sut = new BudgetLedger(configWith(budgets), new BudgetWindowRepository(source), clock, new BudgetReservationStore(source));
    await sut.init();
    return sut;
  };
  const daily = (sut: BudgetLedger) => sut.status().find((s) => s.window === 'daily')!;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-'));
    file = join(dir, 'db.sqlite');
    ds = await openDataSource(file);
    clock = new FakeClock(new Date('2025-03-12T06:00:00Z'));
  });

  afterEach(async () => {
    if (ds.isInitialized) await ds.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('reserve / settle / release', () => {
    it('should refuse a reservation that does not fit the hard cap and say why', async () => {
      const sut = await newLedger({ daily: { tokens: 1000 } });
      const first = await sut.reserve({ tokens: 600, usd: 0 });
      expect(first.ok).toBe(true);
      const second = await sut.reserve({ tokens: 500, usd: 0 });
      expect(second).toEqual({ ok: false, window: 'daily', unit: 'tokens', limit: 1000, used: 0, reserved: 600, needed: 500 });
      expect(daily(sut).reserved.tokens).toBe(600);
    });

    it('should replace the reservation with the actual usage on settle', async () => {
      const sut = await newLedger({ daily: { tokens: 1000, usd: 1 } });
      const r = await sut.reserve({ tokens: 600, usd: 0.5 });
      if (!r.ok) throw new Error('refused');
      await sut.release(r.reservation);
      await sut.record({ tokens: 250, usd: 0.125 });
      const s = daily(sut);
      expect(s.used).toEqual({ tokens: 250, usd: 0.125 });
      expect(s.reserved).toEqual({ tokens: 0, usd: 0 });
      expect(s.remaining).toEqual({ tokens: 750, usd: 0.875 });
      expect(s.fractionUsed).toBe(0.25);
      // Release after settle is a no-op, never a double release.
      await sut.release(r.reservation);
      expect(daily(sut).reserved.tokens).toBe(0);
    });

    it('should count usage reported beyond the reservation and show how far it passed the cap', async () => {
      const sut = await newLedger({ daily: { tokens: 1000, usd: 1 } });
      const r = await sut.reserve({ tokens: 900, usd: 0.5 });
      if (!r.ok) throw new Error('refused');
      expect(daily(sut).overshoot).toEqual({ tokens: 0, usd: 0 });

      await sut.release(r.reservation);
      await sut.record({ tokens: 1300, usd: 1.25 });

      expect(daily(sut)).toMatchObject({ used: { tokens: 1300, usd: 1.25 }, overshoot: { tokens: 300, usd: 0.25 }, remaining: { tokens: 0, usd: 0 } });
      expect(sut.status().find((w) => w.window === 'weekly')!.overshoot).toEqual({ tokens: 0, usd: 0 });
    });

    it('should refuse on USD as well as tokens', async () => {
      const sut = await newLedger({ monthly: { usd: 2 } });
      expect((await sut.reserve({ tokens: 1, usd: 1.5 })).ok).toBe(true);
      expect(await sut.reserve({ tokens: 1, usd: 0.6 })).toMatchObject({ ok: false, window: 'monthly', unit: 'usd', limit: 2, reserved: 1.5, needed: 0.6 });
    });

    it('should free the reservation of a call never made', async () => {
      const sut = await newLedger({ daily: { tokens: 1000 } });
      const r = (await sut.reserve({ tokens: 900, usd: 0 })) as { ok: true; reservation: Reservation };
      await sut.release(r.reservation);
      expect((await sut.reserve({ tokens: 900, usd: 0 })).ok).toBe(true);
      expect(daily(sut).used.tokens).toBe(0);
    });

    it("should enforce a deliberation's own limit", async () => {
      const sut = await newLedger({});
      const scope = { deliberationId: 'd1', maxTokens: 1000, usedTokens: 700, usedUsd: 0 };
      expect((await sut.reserve({ tokens: 200, usd: 0 }, scope)).ok).toBe(true);
      expect(await sut.reserve({ tokens: 200, usd: 0 }, scope)).toEqual({
        ok: false,
        window: 'deliberation',
        unit: 'tokens',
        limit: 1000,
        used: 700,
        reserved: 200,
        needed: 200,
      });
      expect((await sut.reserve({ tokens: 200, usd: 0 }, { ...scope, deliberationId: 'd2' })).ok).toBe(true);
    });
  });

  describe('caps and thresholds', () => {
    it.each<[number, string, number | null, string]>([
      [0, 'T3', 1, 'ok'],
      [700, 'T3', 0.3, 'warn'],
      [800, 'T2', 0.2, 'warn'],
      [860, 'T2', 0.14, 'force_fast'],
      [960, 'T2', 0.04, 'pause'],
      [1000, 'T1', 0, 'pause'],
    ])('after %i of 1000 tokens: max tier %s, fraction left %p, threshold %s', async (used, tier, left, level) => {
      const sut = await newLedger({ daily: { tokens: 1000, softCap: 0.8 } });
      await sut.record({ tokens: used, usd: 0 });
      expect(sut.maxAllowedTier()).toBe(tier);
      expect(sut.fractionLeft()).toBeCloseTo(left!);
      expect(sut.thresholdState()).toMatchObject({ level, window: 'daily', unit: 'tokens', limit: 1000, used });
    });

    it('should report nothing limited without limits', async () => {
      const sut = await newLedger({});
      expect(sut.fractionLeft()).toBeNull();
      expect(sut.maxAllowedTier()).toBe('T3');
      expect(sut.thresholdState().level).toBe('ok');
      expect(daily(sut)).toMatchObject({ zone: 'GREEN', fractionUsed: null, remaining: { tokens: null, usd: null } });
    });
  });

  describe('status', () => {
    it('should describe each window with zone, burn rate, forecast and next reset', async () => {
      const sut = await newLedger({ daily: { tokens: 10_000 } });
      await sut.record({ tokens: 7_500, usd: 0.3 });
      const s = daily(sut);
      expect(s).toMatchObject({
        window: 'daily',
        limits: { tokens: 10_000, usd: null },
        softCap: 0.8,
        zone: 'YELLOW',
        burnRate: { tokensPerHour: 1250, usdPerHour: 0.05 },
        periodStart: '2025-03-12T00:00:00.000Z',
        nextReset: '2025-03-13T00:00:00.000Z',
      });
      expect(s.forecast.exhaustionAt).toBe('2025-03-12T08:00:00.000Z');
      expect(sut.status().map((w) => w.window)).toEqual(['daily', 'weekly', 'monthly']);
    });
  });

  describe('rollover', () => {
    it('should write nothing when the status is only read, not even the mid-window forecast', async () => {
      const sut = await newLedger({ daily: { tokens: 1000 } });
      await sut.record({ tokens: 400, usd: 0 });
      clock.set('2025-03-12T18:00:00Z');

      sut.status();
      sut.status();

      clock.set('2025-03-13T00:00:01Z');
      await sut.rollover();
      expect((await sut.history())[0].midForecast).toBeNull();
    });

    it('should roll over lazily on first use after a boundary and keep the closed window in history', async () => {
      const sut = await newLedger({ daily: { tokens: 1000 } });
      await sut.record({ tokens: 400, usd: 0.1 });
      clock.set('2025-03-12T18:00:00Z'); // after the midpoint: the minute job records the mid-window forecast
      expect(daily(sut).used.tokens).toBe(400);
      await sut.rollover();
      await sut.record({ tokens: 100, usd: 0 });

      clock.set('2025-03-13T00:00:01Z');
      const r = await sut.reserve({ tokens: 1000, usd: 0 });
      expect(r.ok).toBe(true);
      expect(daily(sut)).toMatchObject({ used: { tokens: 0 }, periodStart: '2025-03-13T00:00:00.000Z' });
      // The weekly window (Mon 10th → Mon 17th) kept its usage.
      expect(sut.status().find((s) => s.window === 'weekly')!.used.tokens).toBe(500);

      const history = await sut.history();
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({
        window: 'daily',
        periodStart: '2025-03-12T00:00:00.000Z',
        actual: { tokens: 500, usd: 0.1 },
        limits: { tokens: 1000 },
      });
      expect(history[0].midForecast).toMatchObject({ recordedAt: '2025-03-12T18:00:00.000Z', projectedTokens: 533 });
      expect(history[0].forecastError!.tokens).toBe(33);
      // 533 tokens projected against 500 spent: 6.6 % high; $0.133 against $0.10 (the last call was free): 33.3 % high.
      expect(history[0].forecastErrorPct).toEqual({ tokens: 6.6, usd: 33.3 });
    });

    it('should roll over from the scheduled job without any use', async () => {
      const sut = await newLedger({});
      clock.set('2025-04-01T00:00:00Z');
      await sut.rollover();
      const closed = (await sut.history()).map((h) => h.window).sort();
      expect(closed).toEqual(['daily', 'monthly', 'weekly']);
      expect(sut.status().find((s) => s.window === 'monthly')!.periodStart).toBe('2025-04-01T00:00:00.000Z');
    });

    it('should honour the configured time zone', async () => {
      const sut = await newLedger({ timezone: 'Asia/Kolkata' });
      expect(daily(sut)).toMatchObject({ periodStart: '2025-03-11T18:30:00.000Z', nextReset: '2025-03-12T18:30:00.000Z' });
    });
  });

  describe('persistence', () => {
    it('should survive a restart: usage, settings and the open window', async () => {
      const first = await newLedger({ daily: { tokens: 1000 } });
      await first.record({ tokens: 300, usd: 0.25 });
      await first.updateWindow('weekly', { tokens: 5000, usd: 3 });
      await first.updateWindow('daily', { tokens: null, softCap: 0.5 });
      await first.flush();
      await ds.destroy();

      ds = await openDataSource(file);
      const second = await newLedger({ daily: { tokens: 1000 } });
      const byKind = Object.fromEntries(second.status().map((s) => [s.window, s]));
      expect(byKind.daily).toMatchObject({ used: { tokens: 300, usd: 0.25 }, limits: { tokens: null, usd: null }, softCap: 0.5 });
      expect(byKind.weekly).toMatchObject({ used: { tokens: 300 }, limits: { tokens: 5000, usd: 3 } });
      expect(await second.history()).toEqual([]);
    });

    it('should close windows that ended while the service was down', async () => {
      const first = await newLedger({});
      await first.record({ tokens: 10, usd: 0 });
      await first.flush();
      clock.set('2025-03-20T10:00:00Z');
      const second = await newLedger({});
      expect(daily(second)).toMatchObject({ used: { tokens: 0 }, periodStart: '2025-03-20T00:00:00.000Z' });
      expect((await second.history()).map((h) => [h.window, h.actual.tokens])).toEqual(
        expect.arrayContaining([
          ['daily', 10],
          ['weekly', 10],
        ]),
      );
      expect(second.status().find((s) => s.window === 'monthly')!.used.tokens).toBe(10);
    });

    it('should persist usage with atomic increments in the database', async () => {
      const sut = await newLedger({});
      await Promise.all([sut.record({ tokens: 5, usd: 0.000001 }), sut.record({ tokens: 7, usd: 0 })]);
      const rows = await ds.query('SELECT kind, used_tokens, used_micros FROM budget_windows WHERE closed = 0 ORDER BY kind');
      expect(rows).toEqual([
        { kind: 'daily', used_tokens: 12, used_micros: 1 },
        { kind: 'monthly', used_tokens: 12, used_micros: 1 },
        { kind: 'weekly', used_tokens: 12, used_micros: 1 },
      ]);
    });
  });

  describe('updateWindow', () => {
    it('should reject a non-positive limit with a domain error', async () => {
      const sut = await newLedger({});
      await expect(sut.updateWindow('daily', { tokens: 0 })).rejects.toBeInstanceOf(DomainError);
      await expect(sut.updateWindow('daily', { softCap: 2 })).rejects.toMatchObject({ code: 'BUDGET_SOFT_CAP_INVALID' });
    });

    it('should apply a new limit to the open window at once', async () => {
      const sut = await newLedger({});
      const s = await sut.updateWindow('daily', { tokens: 100 });
      expect(s.limits.tokens).toBe(100);
      expect((await sut.reserve({ tokens: 101, usd: 0 })).ok).toBe(false);
    });
  });

  describe('concurrency', () => {
    it('should never exceed the hard cap with 20 deliberations reserving at once', async () => {
      const cap = 50_000;
      const sut = await newLedger({ daily: { tokens: cap } });
      let refusals = 0;
      let calls = 0;
      let peak = 0;
      const delay = () => new Promise<void>((resolve) => setTimeout(resolve, Math.floor(Math.random() * 5)));
      const deliberation = async (): Promise<void> => {
        for (let round = 0; round < 15; round++) {
          const estimate = 500 + Math.floor(Math.random() * 1000);
          const r = await sut.reserve({ tokens: estimate, usd: 0 });
          if (!r.ok) {
            refusals++;
            await delay();
            continue;
          }
          await delay();
          calls++;
          // Real usage never exceeds the estimate (input counted + max output), sometimes far less.
          await sut.release(r.reservation);
          await sut.record({ tokens: Math.floor(estimate * (0.5 + Math.random() / 2)), usd: 0 });
          const s = daily(sut);
          peak = Math.max(peak, s.used.tokens + s.reserved.tokens);
        }
      };
      await Promise.all(Array.from({ length: 20 }, deliberation));
      await sut.flush();
      const s = daily(sut);
      expect(refusals).toBeGreaterThan(0);
      expect(calls).toBeGreaterThan(0);
      expect(peak).toBeLessThanOrEqual(cap);
      expect(s.used.tokens).toBeLessThanOrEqual(cap);
      expect(s.reserved.tokens).toBe(0);
      const [row] = await ds.query("SELECT used_tokens FROM budget_windows WHERE kind = 'daily' AND closed = 0");
      expect(row.used_tokens).toBe(s.used.tokens);
    });
  });

  describe('forecast confidence (issue 15.8)', () => {
    /** Spends `perHour[i]` in hour i of the day (from 00:30), then stands at `now`. */
    async function burn(sut: BudgetLedger, perHour: number[]): Promise<void> {
      for (const [i, tokens] of perHour.entries()) {
        clock.set(`2025-03-12T${String(i).padStart(2, '0')}:30:00Z`);
        if (tokens > 0) await sut.record({ tokens, usd: 0 });
      }
    }

    it('should trust a steady burn, and say so in the window status', async () => {
      const steady = await newLedger({ daily: { tokens: 100_000 } });
      await burn(steady, [1000, 1100, 900, 1000, 1000, 1000]);
      clock.set('2025-03-12T06:00:00Z');
      expect(daily(steady).forecast).toMatchObject({ confidence: 'high', burnVariation: 0.058 });
    });

    it('should read a low-confidence forecast 20 % worse, and a high-confidence one as it is', async () => {
      const sut = await newLedger({ daily: { tokens: 24_000 } });
      // 6,000 tokens in six hours at 1,000 an hour projects 24,000 at midnight: exactly the limit.
      await burn(sut, [1000, 1000, 1000, 1000, 1000, 1000]);
      clock.set('2025-03-12T06:00:00Z');
      expect(daily(sut).forecast).toMatchObject({ projectedTokens: 24_000, projectedFraction: 1, confidence: 'high' });
      expect(sut.forecastFraction()).toBeCloseTo(1, 9);

      // The same 6,000 tokens in one burst: the same projection, low confidence, read as 120 %.
      const fresh = await openDataSource(join(dir, 'other.sqlite'));
      try {
        const bursty = await newLedger({ daily: { tokens: 24_000 } }, fresh);
        await burn(bursty, [0, 0, 0, 0, 0, 6000]);
        clock.set('2025-03-12T06:00:00Z');
        expect(daily(bursty).forecast).toMatchObject({ projectedTokens: 24_000, confidence: 'low' });
        expect(bursty.forecastFraction()).toBeCloseTo(1.2, 9);
        await bursty.setEnforcement(false, 'test');
        expect(bursty.forecastFraction()).toBeNull();
      } finally {
        await fresh.destroy();
      }
    });

    it('should read the hourly burn back from the token ledger after a restart', async () => {
      const insert = (at: string, tokens: number) =>
        ds.query(
          `INSERT INTO token_usage (deliberation_id, round, participant_index, adapter, provider, model, tier, input_tokens, output_tokens, reasoning_tokens,
            cached_input_tokens, total_tokens, accuracy, cost_micros, priced, latency_ms, after_convergence, created_at)
           VALUES ('d', 1, 0, 'a', 'p', 'm', 'fast', ?, 0, 0, 0, ?, 'exact', 0, 1, 1, 0, ?)`,
          [tokens, tokens, at],
        );
      for (const hour of ['00', '01', '02', '03']) await insert(`2025-03-12T${hour}:10:00.000Z`, 500);
      await insert('2025-03-12T03:50:00.000Z', 100);
      clock.set('2025-03-12T04:00:00Z');

      const sut = await newLedger({ daily: { tokens: 100_000 } });

      // Hours of 500, 500, 500 and 600: a steady burn, read from rows this ledger never saw.
      expect(daily(sut).forecast).toMatchObject({ confidence: 'high', burnVariation: 0.082 });
    });
  });
});
