import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { answer, httpAdapter, prose, startScriptedProvider, waitForStatus, type ScriptedProvider } from './support/round-script';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Issue 15.3 and 15.7 through REST: `complexity` steering the tier selector, allocations that say whose
 * decision it was (role), how hard the request said it is, whether `force` kept a model past a soft cap,
 * and what the allocated call used; `force` refused at a hard cap.
 */

const reply = (c: { stance: string; round: number }) => ({
  text: answer(prose(c.stance as 'for', c.round), 'Adopt webhooks'),
  usage: { input: 900, output: 40 },
});

describe('governance a user can steer (e2e)', () => {
  const providers: ScriptedProvider[] = [];
  let t: TestApp | undefined;

  afterEach(async () => {
    await t?.close();
    await Promise.all(providers.map((p) => p.close()));
    providers.length = 0;
    t = undefined;
  });

  async function provider(): Promise<ScriptedProvider> {
    const p = await startScriptedProvider(reply);
    providers.push(p);
    return p;
  }

  async function run(body: Record<string, unknown>): Promise<any> {
    const created = await request(t!.url)
      .post('/v1/deliberations')
      .send({ question: 'Webhooks or polling for billing events?', maxRounds: 2, ...body })
      .expect(202);
    return waitForStatus(t!.url, created.body.id, ['completed', 'paused', 'failed']);
  }

  /** The app with one T2 cloud adapter on a scripted provider (gpt-5-mini fast, gpt-5 reasoning). */
  async function cloudApp(config: Record<string, unknown> = {}): Promise<TestApp> {
    const cloud = await provider();
    t = await startTestApp({ adapters: [httpAdapter(cloud, 'cloud', 'T2', { fast: 'gpt-5-mini', reasoning: 'gpt-5' })], ...config });
    return t;
  }

  const allocations = async (id: string): Promise<any[]> => (await request(t!.url).get(`/v1/allocations?deliberationId=${id}`).expect(200)).body;

  it('should give a participant of complexity 5 reasoning models in a settled round, record role and complexity, and what each call used', async () => {
    t = await cloudApp({ deliberation: { minRounds: 2 } });

    const done = await run({
      participants: [
        { adapter: 'cloud', stance: 'for', role: 'security', complexity: 5 },
        { adapter: 'cloud', stance: 'against' },
      ],
    });

    expect(done.status).toBe('completed');
    // Round 2 follows a unanimous round 1: fast models, except for the participant the request called hard.
    expect(done.rounds[1].decisions.map((d: any) => [d.participantIndex, d.tier, d.model])).toEqual([
      [0, 'reasoning', 'gpt-5'],
      [1, 'fast', 'gpt-5-mini'],
    ]);
    const rows = await allocations(done.id);
    expect(rows.map((a: any) => [a.round, a.participantIndex, a.role, a.complexity, a.forced, a.used?.tokens])).toEqual([
      [1, 0, 'security', 5, false, 940],
      [1, 1, null, null, false, 940],
      [2, 0, 'security', 5, false, 940],
      [2, 1, null, null, false, 940],
    ]);
    expect(rows[2].reason).toContain('complexity 5 (>= 4)');
    // The allocations' costs are the ledger's, call by call.
    const usage = (await request(t.url).get('/v1/usage').expect(200)).body;
    const allocated = rows.reduce((sum: number, a: any) => sum + a.used.costUsd, 0);
    expect(allocated).toBeGreaterThan(0);
    expect(allocated).toBeCloseTo(usage.totals.costUsd, 9);
  });

  it("should apply the request's complexity to every participant without one of its own", async () => {
    t = await cloudApp({ deliberation: { minRounds: 2 } });

    const done = await run({
      complexity: 4,
      participants: [
        { adapter: 'cloud', stance: 'for', complexity: 1 },
        { adapter: 'cloud', stance: 'against' },
      ],
    });

    expect(done.rounds[1].decisions.map((d: any) => d.tier)).toEqual(['fast', 'reasoning']);
    expect((await allocations(done.id)).filter((a: any) => a.round === 2).map((a: any) => a.complexity)).toEqual([1, 4]);
  });

  it('should keep a forced participant on its adapter past a soft cap, audited with its reason, and move the others', async () => {
    const big = await provider();
    const mid = await provider();
    t = await startTestApp({
      adapters: [
        httpAdapter(big, 'big', 'T3', { fast: 'gpt-5', reasoning: 'gpt-5' }),
        httpAdapter(mid, 'mid', 'T2', { fast: 'gpt-5-mini', reasoning: 'gpt-5-mini' }),
      ],
      // Round 1 spends 2 × 940 tokens: 18.8 % of the day, past its 5 % soft cap (adapters above T2 then move down).
      budgets: { daily: { tokens: 10_000, softCap: 0.05 } },
      deliberation: { minRounds: 2 },
    });

    const done = await run({
      participants: [
        { adapter: 'big', stance: 'for', force: true, overrideReason: 'the security review needs the strongest model' },
        { adapter: 'big', stance: 'against' },
      ],
    });

    expect(done.status).toBe('completed');
    expect(done.rounds[1].decisions.map((d: any) => d.adapter)).toEqual(['big', 'mid']);
    const round2 = (await allocations(done.id)).filter((a: any) => a.round === 2);
    expect(round2.map((a: any) => [a.adapter, a.forced, a.override])).toEqual([
      ['big', true, true],
      ['mid', false, false],
    ]);
    expect(round2[0].reason).toContain('forced above budget cap T2: the security review needs the strongest model');
    expect(round2[0].overrideReason).toBe('the security review needs the strongest model');
  });

  it('should refuse force at a hard cap: the forced participant moves to the local adapter, and the audit says why', async () => {
    const cloud = await provider();
    const local = await provider();
    t = await startTestApp({
      adapters: [
        httpAdapter(cloud, 'cloud', 'T2', { fast: 'gpt-5', reasoning: 'gpt-5' }),
        httpAdapter(local, 'local', 'T0', { fast: 'llama3.2', reasoning: 'llama3.2' }),
      ],
    });
    const participants = [
      { adapter: 'cloud', stance: 'for', force: true, overrideReason: 'the security review needs the strongest model' },
      { adapter: 'cloud', stance: 'against' },
    ];
    expect((await run({ mode: 'quick', participants })).rounds[0].decisions.map((d: any) => d.adapter)).toEqual(['cloud', 'cloud']);
    // Below what the day has already spent: its money hard cap is reached.
    await request(t.url).put('/v1/budgets/daily').send({ usd: 0.001, reason: 'spend freeze' }).expect(200);

    const done = await run({ mode: 'quick', participants });

    expect(done.rounds[0].decisions.map((d: any) => d.adapter)).toEqual(['local', 'local']);
    const forced = (await allocations(done.id)).find((a: any) => a.participantIndex === 0);
    expect(forced).toMatchObject({ forced: false, adapter: 'local' });
    expect(forced.reason).toContain('force refused: a hard cap is reached');
  });

  it('should hold budgets.reservePct of a window for critical participants: others pause short of it, a critical deliberation runs', async () => {
    // 40 % of the day's 4,500 tokens is held back: 2,700 for everyone, the rest for critical participants.
    t = await cloudApp({ budgets: { reservePct: 40, daily: { tokens: 4500 } }, deliberation: { maxOutputTokens: 100 } });
    const participants = [
      { adapter: 'cloud', stance: 'for' },
      { adapter: 'cloud', stance: 'against' },
    ];
    expect((await run({ mode: 'quick', participants })).status).toBe('completed'); // 1,880 tokens spent

    const ordinary = await run({ mode: 'quick', participants });
    const critical = await run({ mode: 'quick', participants, critical: true });

    expect(ordinary).toMatchObject({ status: 'paused', pause: { reason: 'budget', limit: 'daily.tokens' } });
    expect(ordinary.pause.detail).toContain('1800 held for critical participants by budgets.reservePct');
    expect(critical.status).toBe('completed');
    const daily = (await request(t.url).get('/v1/budgets/status').expect(200)).body.find((w: any) => w.window === 'daily');
    expect(daily).toMatchObject({ heldForCritical: { tokens: 1800, usd: null }, used: { tokens: 2 * 1880 } });
  });

  it("should put the governance picture in each checkpoint: the zone, each window's burn and forecast, and the next round's plan or why it pauses", async () => {
    // Round 1 spends 1,880 tokens: 96 % of the day's 1,960, past the 95 % pause threshold.
    t = await cloudApp({ budgets: { daily: { tokens: 1960 } }, deliberation: { maxOutputTokens: 100, minRounds: 2 } });

    const paused = await run({
      participants: [
        { adapter: 'cloud', stance: 'for' },
        { adapter: 'cloud', stance: 'against' },
      ],
    });

    expect(paused).toMatchObject({ status: 'paused', pause: { reason: 'budget', limit: 'daily.tokens' } });
    const checkpoint = (await request(t.url).get(`/v1/checkpoints/${paused.latestCheckpointId}`).expect(200)).body;
    expect(checkpoint.round).toBe(1);
    const g = checkpoint.governance;
    expect(g).toMatchObject({ zone: 'RED', enforcement: true, forceFast: true, pause: { reason: 'budget', limit: 'daily.tokens', used: 1880 } });
    expect(g.nextRound).toMatchObject({ round: 2, decisions: null, pause: { limit: 'daily.tokens' } });
    const daily = g.windows.find((w: any) => w.window === 'daily');
    expect(daily).toMatchObject({ zone: 'RED', fractionUsed: 1880 / 1960 });
    expect(daily.burnRate.tokensPerHour).toBeGreaterThan(0);
    expect(daily.forecast.recommendation).toContain('RED');
    // The whole state (with ?include=state) carries the same picture.
    const whole = (await request(t.url).get(`/v1/checkpoints/${paused.latestCheckpointId}?include=state`).expect(200)).body;
    expect(whole.state.governance).toEqual(g);
  });

  it('should plan the next round in the checkpoint when nothing stops it, and plan nothing after the last round', async () => {
    t = await cloudApp({ deliberation: { minRounds: 2 } });

    const done = await run({
      participants: [
        { adapter: 'cloud', stance: 'for' },
        { adapter: 'cloud', stance: 'against', complexity: 5 },
      ],
    });

    const checkpoints = (await request(t.url).get(`/v1/deliberations/${done.id}/checkpoints`).expect(200)).body;
    const [first, second] = await Promise.all(
      [1, 2].map(
        async (round) =>
          (
            await request(t!.url)
              .get(`/v1/checkpoints/${checkpoints.find((c: any) => c.round === round).id}`)
              .expect(200)
          ).body,
      ),
    );
    expect(first.governance).toMatchObject({ zone: 'GREEN', pause: null, nextRound: { round: 2, pause: null } });
    // What the checkpoint planned is what round 2 ran.
    expect(first.governance.nextRound.decisions).toEqual(done.rounds[1].decisions);
    expect(second.governance.nextRound).toBeNull();
  });

  it("should give each past window's mid-window forecast error in percent, and each open window's forecast a confidence", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-forecast-'));
    try {
      const budgets = { daily: { tokens: 100_000, usd: 10 } };
      await (await startTestApp({ budgets }, { dir })).close();
      // A closed day whose mid-window forecast projected 53,300 tokens and $1.20 against 50,000 and $1.60 spent.
      const db = new Database(join(dir, 'conclave.sqlite'));
      db.prepare(
        `INSERT INTO budget_windows (id, kind, period_start, period_end, limit_tokens, limit_usd_micros, soft_cap, used_tokens, used_micros, mid_forecast, closed)
         VALUES ('past-day', 'daily', '2026-01-05T00:00:00.000Z', '2026-01-06T00:00:00.000Z', 100000, 10000000, 0.8, 50000, 1600000, ?, 1)`,
      ).run(
        JSON.stringify({
          tokensPerHour: 2200,
          usdPerHour: 0.05,
          hoursToExhaustion: null,
          exhaustionAt: null,
          projectedTokens: 53_300,
          projectedUsd: 1.2,
          zone: 'GREEN',
          recommendation: 'GREEN',
          recordedAt: '2026-01-05T12:00:00.000Z',
        }),
      );
      db.close();
      t = await startTestApp({ budgets }, { dir });

      const history = (await request(t.url).get('/v1/budgets/history').expect(200)).body;

      expect(history.find((h: any) => h.periodStart === '2026-01-05T00:00:00.000Z')).toMatchObject({
        forecastError: { tokens: 3_300, usd: -0.4 },
        forecastErrorPct: { tokens: 6.6, usd: -25 },
      });
      const daily = (await request(t.url).get('/v1/budgets/status').expect(200)).body.find((w: any) => w.window === 'daily');
      expect(daily.forecast).toMatchObject({ confidence: expect.stringMatching(/^(high|medium|low)$/), projectedFraction: 0 });
    } finally {
      await t?.close();
      t = undefined;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [{ complexity: 0 }, 'complexity', 'complexity must not be less than 1'],
    [{ complexity: 6 }, 'complexity', 'complexity must not be greater than 5'],
    [{ complexity: 2.5 }, 'complexity', 'complexity must be an integer number'],
    [{ participants: [{ adapter: 'cloud', complexity: '5' }, { adapter: 'cloud' }] }, 'participants.0.complexity', 'complexity must be an integer number'],
  ])('should refuse %j with a 400 naming the field', async (body, field, message) => {
    t = await cloudApp();
    const res = await request(t.url)
      .post('/v1/deliberations')
      .send({ question: 'Webhooks?', participants: [{ adapter: 'cloud' }, { adapter: 'cloud' }], ...body })
      .expect(400);
    expect(res.body.details).toEqual([expect.objectContaining({ field, problems: expect.arrayContaining([message]) })]);
    expect((await request(t.url).get('/v1/deliberations').expect(200)).body.items).toHaveLength(0);
  });
});
