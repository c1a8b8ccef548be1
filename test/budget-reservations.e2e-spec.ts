import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Clock, ConfigModule, configSchema } from '@app/config';
import { BudgetLedger, TieringModule } from '@app/tiering';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { DataSource } from 'typeorm';
import { databaseOptions } from '../apps/api/src/database/database-options';
import { createTestDatabase, type TestDatabase } from './support/postgres';

/**
 * Budget reservations with PostgreSQL as the one authority, across real processes: each child
 * (support/reservation-child.js) runs the built BudgetLedger on the same database and window, and
 * together they must never reserve past the cap; a holder killed with its reservations in flight has
 * them reclaimed once they expire.
 */

const CHILD = resolve(__dirname, 'support/reservation-child.js');
const CAP = 2000;
const TOKENS = 300;

interface Child {
  process: ChildProcess;
  /** Sends a command and resolves with the JSON line it answers. */
  send(command: string): Promise<any>;
}

const children = new Set<ChildProcess>();

async function startChild(db: TestDatabase, env: Record<string, string>): Promise<Child> {
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, CONCLAVE_DB: db.url, CAP: String(CAP), TOKENS: String(TOKENS), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else lines.push(line);
  });
  const nextLine = () =>
    new Promise<any>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`the child did not answer within 10 s; stderr: ${stderr}`)), 10_000);
      const take = (line: string) => {
        clearTimeout(timer);
        ok(JSON.parse(line));
      };
      const queued = lines.shift();
      if (queued !== undefined) take(queued);
      else waiting.push(take);
    });
  expect(await nextLine()).toEqual({ ready: true });
  return {
    process: child,
    send: (command) => {
      child.stdin!.write(`${command}\n`);
      return nextLine();
    },
  };
}

async function stop(child: Child): Promise<void> {
  const exited = new Promise((ok) => child.process.once('exit', ok));
  child.process.stdin!.end('exit\n');
  expect(await exited).toBe(0);
  children.delete(child.process);
}

/** The app's own DataSource on the database (migrations run). */
function openDataSource(db: TestDatabase): Promise<DataSource> {
  return new DataSource(databaseOptions(configSchema.parse({ database: { path: db.url } }))).initialize();
}

async function windowCounters(dataSource: DataSource): Promise<{ reserved: number; rows: number }> {
  const [daily] = await dataSource.query("SELECT reserved_tokens::int AS reserved FROM budget_windows WHERE kind = 'daily' AND closed = false");
  const [rows] = await dataSource.query('SELECT COUNT(*)::int AS n FROM budget_reservations');
  return { reserved: daily.reserved, rows: rows.n };
}

/** A ledger as the app builds it (TieringModule on the database), loaded. */
async function ledgerModule(db: TestDatabase, deliberation: Record<string, unknown> = {}): Promise<TestingModule> {
  const config = configSchema.parse({ budgets: { daily: { tokens: CAP } }, deliberation, database: { path: db.url } });
  const app = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config), TypeOrmModule.forRoot({ ...databaseOptions(config), migrationsRun: false }), TieringModule],
  }).compile();
  await app.init();
  return app;
}

describe('budget reservations in PostgreSQL, across processes (e2e)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(() => {
    if (!existsSync(resolve(__dirname, '../dist/libs/tiering/src/budget/budget-reservation.store.js'))) {
      throw new Error('the child processes run the built ledger: run `npx nest build api` first (npm test does)');
    }
  });

  beforeEach(async () => {
    db = await createTestDatabase();
    dataSource = await openDataSource(db);
  });

  afterEach(async () => {
    for (const child of children) child.kill('SIGKILL');
    children.clear();
    if (dataSource?.isInitialized) await dataSource.destroy();
    await db?.drop();
  });

  it('should let 20 concurrent reservations from 2 processes take exactly what fits the cap, round after round', async () => {
    // Both start at once on an empty database: one opens each window's row, the other adopts it.
    const [a, b] = await Promise.all([startChild(db, { COUNT: '10' }), startChild(db, { COUNT: '10' })]);
    const [windows] = await dataSource.query('SELECT COUNT(*)::int AS n FROM budget_windows');
    expect(windows.n).toBe(3);
    const fits = Math.floor(CAP / TOKENS);

    for (let round = 1; round <= 3; round++) {
      const [fromA, fromB] = await Promise.all([a.send('reserve'), b.send('reserve')]);

      expect([round, fromA.ok + fromB.ok]).toEqual([round, fits]);
      expect(fromA.refused + fromB.refused).toBe(20 - fits);
      // Each process sees the window as the database holds it, the other's reservations included.
      expect(Math.max(fromA.daily.reserved.tokens, fromB.daily.reserved.tokens)).toBe(fits * TOKENS);
      const held = await windowCounters(dataSource);
      expect(held.reserved).toBe(fits * TOKENS);
      expect(held.reserved).toBeLessThanOrEqual(CAP);
      expect(held.rows).toBe(fits * 3); // daily, weekly and monthly: one row each

      const [releasedA, releasedB] = await Promise.all([a.send('release'), b.send('release')]);
      expect(releasedA.released + releasedB.released).toBe(fits);
      expect(await windowCounters(dataSource)).toEqual({ reserved: 0, rows: 0 });
    }
    await stop(a);
    await stop(b);
  });

  it("should have a second process adopt the day's window the first one opened at midnight, not fail on it", async () => {
    const first = await ledgerModule(db);
    const second = await ledgerModule(db);
    try {
      // Both pass midnight; the first rolls over and opens the new day's row, then the second finds it taken.
      const tomorrow = new Date(Date.now() + 24 * 3600_000);
      for (const app of [first, second]) app.get(Clock).now = () => tomorrow;
      const a = first.get(BudgetLedger);
      const b = second.get(BudgetLedger);
      await a.rollover();
      await b.rollover();

      const open = await dataSource.query("SELECT COUNT(*)::int AS n FROM budget_windows WHERE kind = 'daily' AND closed = false");
      expect(open[0].n).toBe(1);
      expect((await a.reserve({ tokens: CAP, usd: 0 })).ok).toBe(true);
      // The second reserves against the same row, so the cap is already taken.
      expect(await b.reserve({ tokens: 1, usd: 0 })).toMatchObject({ ok: false, window: 'daily', reserved: CAP });
    } finally {
      await first.close();
      await second.close();
    }
  });

  it("should reclaim a killed holder's reservations once they expire, and give each back only once", async () => {
    // A 100 ms round timeout (and no adapters): reservations expire after 200 ms.
    const holder = await startChild(db, { COUNT: '3', ROUND_TIMEOUT_MS: '100' });
    expect((await holder.send('reserve')).ok).toBe(3);
    holder.process.kill('SIGKILL');
    await new Promise((ok) => holder.process.once('exit', ok));
    expect(await windowCounters(dataSource)).toEqual({ reserved: 3 * TOKENS, rows: 9 });

    const app = await ledgerModule(db, { roundTimeoutMs: 100 }); // 0.2 s may not have passed yet: what has not expired stays
    try {
      const sut = app.get(BudgetLedger);
      await new Promise((ok) => setTimeout(ok, 250));

      await sut.rollover(); // the minute job

      expect(await windowCounters(dataSource)).toEqual({ reserved: 0, rows: 0 });
      expect(sut.status().find((w) => w.window === 'daily')!.reserved.tokens).toBe(0);
      // A live holder too slow for its reservation's expiry loses it; its late release gives back nothing twice.
      const slow = await sut.reserve({ tokens: CAP, usd: 0 });
      if (!slow.ok) throw new Error('the whole cap should be free again');
      await new Promise((ok) => setTimeout(ok, 250));
      await sut.rollover();
      const next = await sut.reserve({ tokens: TOKENS, usd: 0 });
      expect(next.ok).toBe(true);
      await sut.release(slow.reservation);
      expect(await windowCounters(dataSource)).toEqual({ reserved: TOKENS, rows: 3 });
      expect((await sut.reserve({ tokens: CAP - TOKENS + 1, usd: 0 })).ok).toBe(false);
    } finally {
      await app.close();
    }
  });
});
