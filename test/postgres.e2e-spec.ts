import { Client } from 'pg';
import request from 'supertest';
import { Clock } from '@app/config';
import { openDatabase } from '../apps/api/src/database/open-database';
import type { ProviderUsage } from './fixtures/provider-server';
import {
  answer,
  httpAdapter,
  prose,
  startScriptedProvider,
  waitForStatus,
  type ScriptedCall,
  type ScriptedProvider,
  type Stance,
} from './support/round-script';
import { createTestDatabase, startPostgresTestApp, type TestDatabase } from './support/postgres';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The whole service on PostgreSQL (CONCLAVE_DB=postgres://…), through REST, against loopback providers:
 * a deliberation and its ledger exactly as on SQLite, budgets that pause at a hard cap, checkpoints and
 * resume, usage views and window history, twenty deliberations at once on the connection pool, a
 * restart on the same database, and the start-up messages. Each test has a database of its own, dropped
 * after. PostgreSQL not answering fails the suite, naming the command that starts it.
 */

const QUESTION = 'Should our billing service move from REST polling to webhooks?';
const CLOUD_MODELS = { fast: 'gpt-5-mini', reasoning: 'gpt-5' };
const THREE = (['for', 'against', 'neutral'] as Stance[]).map((stance) => ({ adapter: 'cloud', stance }));

/** Round 1: "against" votes to keep polling, the others for webhooks; later rounds all vote webhooks. */
function splitThenUnanimous(usage: ProviderUsage, delayMs = 0) {
  return (c: ScriptedCall) => ({
    text: answer(prose(c.stance, c.round), c.round === 1 && c.stance === 'against' ? 'Keep polling' : 'Adopt webhooks'),
    usage,
    delayMs,
  });
}

async function startDeliberation(t: TestApp, body: Record<string, unknown>): Promise<string> {
  const res = await request(t.url)
    .post('/v1/deliberations')
    .send({ question: QUESTION, participants: THREE, ...body });
  if (res.status !== 202) throw new Error(`POST /v1/deliberations answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

async function get(t: TestApp, path: string): Promise<any> {
  return (await request(t.url).get(path).expect(200)).body;
}

async function dailyWindow(t: TestApp): Promise<any> {
  return (await get(t, '/v1/budgets/status')).find((w: any) => w.window === 'daily');
}

/** One query on the app's PostgreSQL database, from outside the app. */
async function sql<T = any>(db: TestDatabase, text: string): Promise<T[]> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

/** What a run's REST views say, without what differs between any two runs (ids, times, latencies, per-minute rates, which depend on where minutes fall). */
function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !/(^id$|Id$|At$|^at$|latency|Ms$|^links$|^from$|^to$|PerMinute)/.test(key))
      .map(([key, v]) => [key, comparable(v)]),
  );
}

describe('PostgreSQL (e2e)', () => {
  let provider: ScriptedProvider | undefined;
  let t: (TestApp & { database?: TestDatabase }) | undefined;

  afterEach(async () => {
    await t?.close();
    await provider?.close();
    t = undefined;
    provider = undefined;
  });

  it('should run a deliberation exactly as on SQLite: the same result, tokens and usage views', async () => {
    const usage = { input: 120, output: 40 };
    provider = await startScriptedProvider(splitThenUnanimous(usage));
    const config = { adapters: [httpAdapter(provider, 'cloud', 'T2', CLOUD_MODELS)], budgets: { daily: { tokens: 1_000_000 } } };

    const runOn = async (app: TestApp) => {
      const id = await startDeliberation(app, { maxRounds: 3 });
      const view = await waitForStatus(app.url, id, ['completed']);
      return {
        id,
        view,
        tokens: await get(app, `/v1/deliberations/${id}/tokens`),
        round2: await get(app, `/v1/deliberations/${id}/rounds/2/tokens`),
        byAdapter: await get(app, '/v1/usage?groupBy=adapter'),
        byModel: await get(app, '/v1/usage?groupBy=model'),
        byDay: await get(app, '/v1/usage?groupBy=day'),
        byRole: await get(app, '/v1/usage?groupBy=role'),
        adapters: await get(app, '/v1/usage/adapters'),
        summary: await get(app, '/v1/usage/summary'),
        // Its burn rate and forecast move with the clock; what it counts does not.
        daily: (({ used, reserved, limits }) => ({ used, reserved, limits }))(await dailyWindow(app)),
        checkpoints: await get(app, `/v1/deliberations/${id}/checkpoints`),
        allocations: await get(app, `/v1/allocations?deliberationId=${id}`),
      };
    };
    const sqlite = await startTestApp(config);
    let onSqlite;
    try {
      onSqlite = await runOn(sqlite);
    } finally {
      await sqlite.close();
    }
    const servedOnSqlite = provider.seen.length;
    t = await startPostgresTestApp(config);

    const sut = await runOn(t);

    // The ledger is exact: every token the provider served, once.
    const served = provider.seen.length - servedOnSqlite;
    expect(sut.view.rounds).toHaveLength(3);
    expect(sut.tokens.totals.totalTokens).toBe(served * 160);
    expect(sut.tokens.totals.calls).toBe(served);
    const rows = await sql(t.database!, `SELECT SUM(total_tokens)::int AS tokens, COUNT(*)::int AS calls FROM token_usage WHERE deliberation_id = '${sut.id}'`);
    expect(rows[0]).toEqual({ tokens: served * 160, calls: served });
    expect(sut.daily.used.tokens).toBe(served * 160);
    expect(sut.daily.reserved.tokens).toBe(0);
    // bigint columns come back from pg as strings: every figure must still be a number.
    expect(typeof sut.adapters[0].totalTokens).toBe('number');
    expect(typeof sut.adapters[0].costUsd).toBe('number');
    expect(sut.checkpoints.map((c: any) => [c.round, c.reason])).toEqual([
      [1, 'round'],
      [2, 'round'],
      [3, 'round'],
    ]);
    // And everything reads exactly as on SQLite (checkpoints differ by the digits of their active time).
    expect(served).toBe(servedOnSqlite);
    for (const view of ['view', 'tokens', 'round2', 'byAdapter', 'byModel', 'byDay', 'byRole', 'adapters', 'summary', 'daily', 'allocations'] as const) {
      expect([view, comparable(sut[view])]).toEqual([view, comparable(onSqlite[view])]);
    }
  });

  it('should pause at a hard cap with a checkpoint, and resume from it once the limit is raised', async () => {
    // maxOutputTokens 1000 and 1,300 tokens a call: a 6,000-token day pays for round 1 and not round 2.
    provider = await startScriptedProvider(splitThenUnanimous({ input: 300, output: 1000 }));
    t = await startPostgresTestApp({
      adapters: [httpAdapter(provider, 'cloud', 'T2', CLOUD_MODELS)],
      deliberation: { maxOutputTokens: 1000 },
      budgets: { daily: { tokens: 6000 } },
    });
    const id = await startDeliberation(t, { maxRounds: 3 });

    const paused = await waitForStatus(t.url, id);

    expect(paused.status).toBe('paused');
    expect(paused.pause).toMatchObject({ reason: 'budget', limit: 'daily.tokens', used: 3900 });
    const checkpoints = await get(t, `/v1/deliberations/${id}/checkpoints`);
    expect(checkpoints.map((c: any) => c.round)).toEqual([1]);
    expect(paused.latestCheckpointId).toBe(checkpoints[0].id);
    expect(provider.seen.filter((c) => c.round > 1)).toHaveLength(0);

    await request(t.url).put('/v1/budgets/daily').send({ tokens: 100_000 }).expect(200);
    const resumed = await request(t.url).post(`/v1/checkpoints/${checkpoints[0].id}/resume`).send({}).expect(202);
    expect(resumed.body).toMatchObject({ id, status: 'queued', resumedFromCheckpointId: checkpoints[0].id });
    const done = await waitForStatus(t.url, id, ['completed', 'failed', 'paused']);

    expect(done.status).toBe('completed');
    expect(done.rounds.map((r: any) => r.number)).toEqual([1, 2, 3]);
    // Round 1 was not asked again, and every call is in the ledger once.
    expect(provider.seen.filter((c) => c.round === 1)).toHaveLength(3);
    const tokens = await get(t, `/v1/deliberations/${id}/tokens`);
    expect(tokens.totals.totalTokens).toBe(provider.seen.length * 1300);
    expect((await dailyWindow(t)).used.tokens).toBe(provider.seen.length * 1300);
    // Round 1's checkpoint is no longer the latest: resuming it again forks a new deliberation from it.
    const fork = await request(t.url).post(`/v1/checkpoints/${checkpoints[0].id}/resume`).send({}).expect(202);
    expect(fork.body).toMatchObject({ status: 'queued', parentId: id, forkedFromCheckpointId: checkpoints[0].id });
    expect((await waitForStatus(t.url, fork.body.id, ['completed'])).rounds).toHaveLength(3);
  });

  it('should keep twenty concurrent deliberations on the connection pool under one hard cap, counting every token once', async () => {
    const CAP = 20_000;
    provider = await startScriptedProvider(splitThenUnanimous({ input: 200, output: 100 }, 5));
    t = await startPostgresTestApp({
      adapters: [httpAdapter(provider, 'cloud', 'T2', CLOUD_MODELS)],
      deliberation: { maxRunning: 20, maxOutputTokens: 1000 },
      budgets: { daily: { tokens: CAP } },
      database: { poolSize: 4 },
    });

    const ids = await Promise.all(Array.from({ length: 20 }, () => startDeliberation(t!, { maxRounds: 3, participants: THREE.slice(0, 2) })));
    const finals = await Promise.all(ids.map((id) => waitForStatus(t!.url, id, ['completed', 'paused', 'failed'], 20_000)));

    const daily = await dailyWindow(t);
    expect(finals.filter((d) => d.status === 'failed')).toEqual([]);
    expect(finals.filter((d) => d.status === 'paused').length).toBeGreaterThan(0);
    expect(daily.used.tokens).toBeLessThanOrEqual(CAP);
    expect(daily.reserved.tokens).toBe(0);
    expect(daily.used.tokens).toBe(provider.seen.length * 300);
    const [row] = await sql(t.database!, 'SELECT SUM(total_tokens)::int AS tokens, COUNT(DISTINCT deliberation_id)::int AS deliberations FROM token_usage');
    expect(row.tokens).toBe(daily.used.tokens);
    const [totals] = await sql(t.database!, "SELECT calls, total_tokens::int AS tokens, deliberations FROM solution_totals WHERE adapter = 'cloud'");
    expect(totals).toEqual({ calls: provider.seen.length, tokens: daily.used.tokens, deliberations: row.deliberations });
  });

  it('should close a day into the window history when the clock passes midnight', async () => {
    provider = await startScriptedProvider(splitThenUnanimous({ input: 100, output: 50 }));
    t = await startPostgresTestApp({ adapters: [httpAdapter(provider, 'cloud', 'T2', CLOUD_MODELS)], budgets: { daily: { tokens: 50_000 } } });
    const id = await startDeliberation(t, { maxRounds: 2 });
    await waitForStatus(t.url, id, ['completed']);
    const used = (await dailyWindow(t)).used.tokens;
    expect(await get(t, '/v1/budgets/history')).toEqual([]);

    // The one time seam every lib reads: the next day.
    const clock = t.app.get(Clock);
    const tomorrow = new Date(Date.now() + 24 * 3600_000);
    clock.now = () => tomorrow;
    expect((await dailyWindow(t)).used.tokens).toBe(0);

    const deadline = Date.now() + 5000;
    let history: any[] = [];
    while (history.length === 0 && Date.now() < deadline) {
      history = await get(t, '/v1/budgets/history');
      if (history.length === 0) await new Promise((r) => setTimeout(r, 25));
    }
    expect(history).toHaveLength(1);
    // No midForecast assertion: the minute job records one once the real day is past noon, so it depends on when CI runs.
    expect(history[0]).toMatchObject({ window: 'daily', actual: { tokens: used }, limits: { tokens: 50_000 } });
    expect(typeof history[0].actual.usd).toBe('number');
  });

  it('should keep everything across a restart on the same database, and refuse a second process on it meanwhile', async () => {
    provider = await startScriptedProvider(splitThenUnanimous({ input: 100, output: 50 }));
    const database = await createTestDatabase();
    const config = { adapters: [httpAdapter(provider, 'cloud', 'T2', CLOUD_MODELS)], database: { path: database.url } };
    try {
      const first = await startTestApp(config);
      let id: string;
      let tokens: any;
      try {
        id = await startDeliberation(first, { maxRounds: 2 });
        await waitForStatus(first.url, id, ['completed']);
        tokens = await get(first, `/v1/deliberations/${id}/tokens`);
        // A second service process would interrupt this one's running deliberations at its start-up.
        await expect(openDatabase(database.url)).rejects.toThrow(
          /^database postgres:\/\/postgres@127\.0\.0\.1:5432\/conclave_test_\w+: in use by conclave pid \d+ on /,
        );
      } finally {
        await first.close();
      }

      const second = await startTestApp(config);
      try {
        expect((await request(second.url).get('/health').expect(200)).body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
        expect((await get(second, `/v1/deliberations/${id}`)).status).toBe('completed');
        expect(await get(second, `/v1/deliberations/${id}/tokens`)).toEqual(tokens);
        expect((await get(second, '/v1/usage/adapters'))[0].totalTokens).toBe(tokens.totals.totalTokens);
      } finally {
        await second.close();
      }
    } finally {
      await database.drop();
    }
  });

  describe('at start-up', () => {
    it('should stop in one line naming the server and the command that starts it when PostgreSQL is not answering', async () => {
      await expect(openDatabase('postgres://postgres:hunter2-secret@127.0.0.1:1/conclave')).rejects.toThrow(
        /^database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/conclave: PostgreSQL is not answering at 127\.0\.0\.1:1 \(ECONNREFUSED\); start it \(on this project's machines: pg_ctlcluster --skip-systemctl-redirect 15 main start\)$/,
      );
    });

    it('should stop in one line saying how to create a database that does not exist', async () => {
      await expect(openDatabase('postgres://postgres@127.0.0.1:5432/conclave_missing_db')).rejects.toThrow(
        /database "conclave_missing_db" does not exist; create it \(createdb -h 127\.0\.0\.1 -U postgres conclave_missing_db\)$/,
      );
    });
  });
});
