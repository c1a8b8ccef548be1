import Database from 'better-sqlite3';
import request from 'supertest';
import type { ProviderUsage } from './fixtures/provider-server';
import {
  answer,
  httpAdapter,
  prose,
  readEvents,
  startScriptedProvider,
  waitForStatus,
  type ScriptedCall,
  type ScriptedProvider,
  type Stance,
} from './support/round-script';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Budgets and model tiers through the REST API, against loopback providers: which model each round used
 * and why, hard caps that pause, soft caps that remove T3, floors that defer, and a hard cap that twenty
 * concurrent deliberations never cross.
 */

const QUESTION = 'Should our billing service move from REST polling to webhooks?';
const CLOUD_MODELS = { fast: 'gpt-5-mini', reasoning: 'gpt-5' };
const THREE = (adapter: string, extra: Record<string, unknown> = {}) =>
  (['for', 'against', 'neutral'] as Stance[]).map((stance) => ({ adapter, stance, ...extra }));

/** Round 1: "against" votes B, the others A; later rounds all vote A. Every call reports `usage`. */
function splitThenUnanimous(usage: ProviderUsage | ((c: ScriptedCall) => ProviderUsage), delayMs = 0) {
  return (c: ScriptedCall) => ({
    text: answer(prose(c.stance, c.round), c.round === 1 && c.stance === 'against' ? 'Keep polling' : 'Adopt webhooks'),
    usage: typeof usage === 'function' ? usage(c) : usage,
    delayMs,
  });
}

async function startDeliberation(t: TestApp, body: Record<string, unknown>): Promise<string> {
  const res = await request(t.url)
    .post('/v1/deliberations')
    .send({ question: QUESTION, ...body });
  if (res.status !== 202) throw new Error(`POST /v1/deliberations answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

async function dailyWindow(t: TestApp): Promise<any> {
  const res = await request(t.url).get('/v1/budgets/status').expect(200);
  return (res.body as any[]).find((w) => w.window === 'daily');
}

describe('budgets and model tiers (e2e)', () => {
  let provider: ScriptedProvider | undefined;
  let t: TestApp | undefined;

  afterEach(async () => {
    await t?.close();
    await provider?.close();
    t = undefined;
    provider = undefined;
  });

  describe('tier auto', () => {
    it('should use the reasoning model in round 1 and the fast model after a unanimous round', async () => {
      provider = await startScriptedProvider(splitThenUnanimous({ input: 100, output: 50 }));
      t = await startTestApp({ adapters: [httpAdapter(provider, 'cloud', 'T2', CLOUD_MODELS)] });

      const id = await startDeliberation(t, { maxRounds: 3, participants: THREE('cloud') });
      const d = await waitForStatus(t.url, id);

      expect(d.status).toBe('completed');
      const models = d.rounds.map((r: any) => r.responses.map((x: any) => x.model));
      expect(models).toEqual([
        ['gpt-5', 'gpt-5', 'gpt-5'],
        ['gpt-5', 'gpt-5', 'gpt-5'],
        ['gpt-5-mini', 'gpt-5-mini', 'gpt-5-mini'],
      ]);
      const decisions = d.rounds.map((r: any) => r.decisions.map((x: any) => `${x.tier}: ${x.reason}`));
      expect(decisions[0]).toEqual(Array(3).fill('reasoning: first round: reasoning models'));
      // Round 1 split two ways: neither unanimous nor a three-way split, so the default holds.
      expect(decisions[1]).toEqual(Array(3).fill('reasoning: debate unsettled: reasoning models'));
      // Round 1's vote agreement (2 of 3) starts the score trend, so by round 3 the trajectory rule "settled and
      // rising" applies before the unanimity rule.
      expect(decisions[2]).toEqual(Array(3).fill('fast: convergence 0.70 >= 0.7 and rising'));
      // What the provider was actually asked for, round by round.
      expect(provider.seen.map((c) => `${c.round}:${c.model}`).sort()).toEqual([
        ...Array(3).fill('1:gpt-5'),
        ...Array(3).fill('2:gpt-5'),
        ...Array(3).fill('3:gpt-5-mini'),
      ]);
    });

    it('should list every decision with its signals and reason in the allocation audit', async () => {
      provider = await startScriptedProvider(splitThenUnanimous({ input: 100, output: 50 }));
      t = await startTestApp({ adapters: [httpAdapter(provider, 'cloud', 'T2', CLOUD_MODELS)], budgets: { daily: { tokens: 1_000_000 } } });
      const id = await startDeliberation(t, { maxRounds: 3, participants: THREE('cloud') });
      await waitForStatus(t.url, id, ['completed']);
      const other = await startDeliberation(t, { maxRounds: 1, participants: THREE('cloud').slice(0, 2) });
      await waitForStatus(t.url, other, ['completed']);

      const res = await request(t.url).get('/v1/allocations').query({ deliberationId: id }).expect(200);

      const rows = res.body as any[];
      expect(rows).toHaveLength(9);
      expect(rows.every((r) => r.deliberationId === id && r.adapter === 'cloud' && r.adapterTier === 'T2' && r.zone === 'GREEN')).toBe(true);
      const byRound = (n: number) => rows.filter((r) => r.round === n);
      expect(byRound(1).map((r) => [r.participantIndex, r.tier, r.actualModel, r.recommendedModel, r.override])).toEqual([
        [0, 'reasoning', 'gpt-5', 'gpt-5', false],
        [1, 'reasoning', 'gpt-5', 'gpt-5', false],
        [2, 'reasoning', 'gpt-5', 'gpt-5', false],
      ]);
      expect(byRound(1)[0].reason).toBe('first round: reasoning models');
      // Round 2's score is round 1's vote agreement: 2 of the 3 votes for one option.
      expect(byRound(2)[0].signals).toMatchObject({ round: 2, score: 2 / 3, voteSpread: 2 });
      expect(byRound(3)[0]).toMatchObject({ tier: 'fast', actualModel: 'gpt-5-mini', reason: 'convergence 0.70 >= 0.7 and rising' });
      expect(byRound(3)[0].signals).toMatchObject({ round: 3, voteSpread: 1, score: expect.any(Number) });
      expect(byRound(3)[0].signals.budgetLeft).toBeGreaterThan(0.99);

      const stats = await request(t.url).get('/v1/allocations/stats').expect(200);
      // Both deliberations: 9 + 2 decisions, 3 of them fast.
      expect(stats.body).toEqual({
        total: 11,
        overrideRate: 0,
        byTier: [
          { tier: 'fast', calls: 3, share: 0.2727 },
          { tier: 'reasoning', calls: 8, share: 0.7273 },
        ],
        byAdapterTier: [{ tier: 'T2', calls: 11, share: 1 }],
      });
    });
  });

  describe('hard caps', () => {
    // maxOutputTokens 1000: a round-1 call reserves about 1,450 tokens (prompt + output cap); each call
    // really uses 1,300. Round 1 (3 × ~1,450 reserved) fits in 6,000; round 2 (3,900 used + 3 × ~1,600) does not.
    const settings = { deliberation: { maxOutputTokens: 1000 } };
    const usage = { input: 300, output: 1000 };

    it('should pause with a checkpoint when the daily window cannot pay for the next round, and never exceed it', async () => {
      provider = await startScriptedProvider(splitThenUnanimous(usage));
      t = await startTestApp({ ...settings, adapters: [httpAdapter(provider, 'cloud', 'T2', CLOUD_MODELS)], budgets: { daily: { tokens: 6000 } } });

      const id = await startDeliberation(t, { maxRounds: 3, participants: THREE('cloud') });
      const d = await waitForStatus(t.url, id);

      expect(d.status).toBe('paused');
      expect(d.pause).toMatchObject({ reason: 'budget', limit: 'daily.tokens', used: 3900 });
      expect(d.pause.used + d.pause.nextRoundEstimateTokens).toBeGreaterThan(6000);
      expect(d.rounds).toHaveLength(1);
      const checkpoints = (await request(t.url).get(`/v1/deliberations/${id}/checkpoints`).expect(200)).body;
      expect(checkpoints.map((c: any) => c.round)).toEqual([1]);
      expect(d.latestCheckpointId).toBe(checkpoints[0].id);
      // Round 2 was never asked.
      expect(provider.seen.filter((c) => c.round > 1)).toHaveLength(0);
      const daily = await dailyWindow(t);
      expect(daily.used.tokens).toBe(3900);
      expect(daily.used.tokens).toBeLessThanOrEqual(daily.limits.tokens);
      expect(daily.reserved.tokens).toBe(0);
    });

    it("should pause at 95% of the deliberation's own token budget", async () => {
      // Each call reports 1,600 tokens (reasoning included): 4,800 of 5,000 after round 1, i.e. 96%.
      provider = await startScriptedProvider(splitThenUnanimous({ input: 400, output: 1000, reasoning: 200 }));
      t = await startTestApp({ ...settings, adapters: [httpAdapter(provider, 'cloud', 'T2', CLOUD_MODELS)] });

      const id = await startDeliberation(t, { maxRounds: 3, participants: THREE('cloud'), budget: { maxTokens: 5000 } });
      const d = await waitForStatus(t.url, id);

      expect(d.status).toBe('paused');
      expect(d.pause).toMatchObject({ reason: 'budget', limit: 'deliberation.tokens', used: 4800, nextRoundEstimateTokens: 4800 });
      expect(d.latestCheckpointId).toEqual(expect.any(String));
      expect(provider.seen).toHaveLength(3);
      const tokens = (await request(t.url).get(`/v1/deliberations/${id}/tokens`).expect(200)).body;
      expect(tokens.totals.totalTokens).toBe(4800);
    });

    it("should pause below 95% when the next round's reservation does not fit the deliberation's budget", async () => {
      provider = await startScriptedProvider(splitThenUnanimous(usage));
      t = await startTestApp({ ...settings, adapters: [httpAdapter(provider, 'cloud', 'T2', CLOUD_MODELS)] });

      const id = await startDeliberation(t, { maxRounds: 3, participants: THREE('cloud'), budget: { maxTokens: 6000 } });
      const d = await waitForStatus(t.url, id);

      expect(d.status).toBe('paused');
      expect(d.pause).toMatchObject({ reason: 'budget', limit: 'deliberation.tokens', used: 3900 });
      expect(d.pause.used / 6000).toBeLessThan(0.95);
      expect(d.pause.used + d.pause.nextRoundEstimateTokens).toBeGreaterThan(6000);
      expect(d.pause.detail).toMatch(/deliberation allows \(limit 6000, used 3900/);
      expect(provider.seen).toHaveLength(3);
    });
  });

  describe('soft cap', () => {
    it('should move a participant off its T3 adapter to the best T2 adapter once a window passes its soft cap', async () => {
      provider = await startScriptedProvider(splitThenUnanimous({ input: 300, output: 150 }));
      t = await startTestApp({
        adapters: [
          httpAdapter(provider, 'premium', 'T3', { fast: 'premium-fast', reasoning: 'premium-deep' }),
          httpAdapter(provider, 'local', 'T0', { fast: 'local-small', reasoning: 'local-large' }),
          httpAdapter(provider, 'cloud', 'T2', CLOUD_MODELS),
          httpAdapter(provider, 'cloud-b', 'T2', { fast: 'b-fast', reasoning: 'b-deep' }),
        ],
        // Soft cap at 1% of 100,000 tokens: round 1 (1,350 tokens) passes it, far from any hard limit.
        budgets: { daily: { tokens: 100_000, softCap: 0.01 } },
      });

      const id = await startDeliberation(t, {
        maxRounds: 2,
        participants: [
          { adapter: 'premium', stance: 'for' },
          { adapter: 'cloud-b', stance: 'against' },
          { adapter: 'local', stance: 'neutral' },
        ],
      });
      const d = await waitForStatus(t.url, id);

      expect(d.status).toBe('completed');
      const at = (round: number, index: number) => d.rounds[round - 1].responses[index];
      expect([at(1, 0).adapter, at(1, 0).model]).toEqual(['premium', 'premium-deep']);
      // The strongest allowed tier is T2; "cloud" comes first among the T2 adapters in the config.
      expect([at(2, 0).adapter, at(2, 0).model]).toEqual(['cloud', 'gpt-5']);
      expect(d.rounds[1].decisions[0]).toMatchObject({ adapter: 'cloud', adapterTier: 'T2' });
      expect(d.rounds[1].decisions[0].reason).toContain('budget caps adapters at T2: premium (T3) replaced by cloud (T2)');
      // The others were not touched.
      expect([at(2, 1).adapter, at(2, 2).adapter]).toEqual(['cloud-b', 'local']);
      expect(provider.seen.filter((c) => c.model.startsWith('premium')).map((c) => c.round)).toEqual([1]);

      const rows = (await request(t.url).get('/v1/allocations').query({ deliberationId: id }).expect(200)).body as any[];
      expect(rows.filter((r) => r.adapterTier === 'T3').map((r) => r.round)).toEqual([1]);
      const stats = (await request(t.url).get('/v1/allocations/stats').expect(200)).body;
      expect(stats.byAdapterTier).toEqual(
        expect.arrayContaining([
          { tier: 'T3', calls: 1, share: 0.1667 },
          { tier: 'T2', calls: 3, share: 0.5 },
        ]),
      );
    });
  });

  describe('floors', () => {
    // KNOWN BUG (reported, not fixed): a window at its hard cap is already past the 95% pause threshold, so
    // BudgetGate.check pauses with reason 'budget' before the tier policy ever sees the hard cap; the
    // "hard cap → local tiers only" and "floor above the cap → budget_floor" paths are unreachable. This
    // test states the specified behaviour and is marked failing until the engine is fixed.
    /** Spends money on the cloud adapter, then lowers the daily USD limit under what is already spent. */
    async function exhaustDailyMoney(app: TestApp): Promise<void> {
      const first = await startDeliberation(app, { maxRounds: 1, participants: THREE('cloud').slice(0, 2) });
      await waitForStatus(app.url, first, ['completed']);
      const spent = (await dailyWindow(app)).used.usd as number;
      expect(spent).toBeGreaterThan(0);
      await request(app.url)
        .put('/v1/budgets/daily')
        .send({ usd: spent / 2 })
        .expect(200);
    }

    it('should defer (pause with budget_floor) a deliberation whose security participant would fall below its T2 floor when money runs out', async () => {
      provider = await startScriptedProvider(splitThenUnanimous({ input: 300, output: 150 }));
      t = await startTestApp({
        adapters: [httpAdapter(provider, 'cloud', 'T2', CLOUD_MODELS), httpAdapter(provider, 'local', 'T0', { fast: 'local-small', reasoning: 'local-large' })],
        budgets: { daily: { usd: 100 } },
        tiering: { floors: { security: { minTier: 'T2' } } },
      });
      await exhaustDailyMoney(t);
      const callsBefore = provider.seen.length;

      const id = await startDeliberation(t, {
        maxRounds: 2,
        participants: [
          { adapter: 'cloud', stance: 'for' },
          { adapter: 'cloud', stance: 'against', role: 'security' },
          { adapter: 'local', stance: 'neutral' },
        ],
      });
      const d = await waitForStatus(t.url, id);

      expect(d.status).toBe('paused');
      expect(d.pause.reason).toBe('budget_floor');
      expect(d.pause.detail).toMatch(/participant 1 needs at least T2 \(role security\)/);
      expect(d.rounds).toHaveLength(0);
      expect(provider.seen).toHaveLength(callsBefore);
    });

    it('should go on with local models only, at no cost, when money runs out and no floor forbids it', async () => {
      provider = await startScriptedProvider(splitThenUnanimous({ input: 300, output: 150 }));
      t = await startTestApp({
        adapters: [httpAdapter(provider, 'cloud', 'T2', CLOUD_MODELS), httpAdapter(provider, 'local', 'T0', { fast: 'local-small', reasoning: 'local-large' })],
        budgets: { daily: { usd: 100 } },
      });
      await exhaustDailyMoney(t);
      const usedBefore = (await dailyWindow(t)).used.usd as number;

      const id = await startDeliberation(t, { maxRounds: 2, participants: THREE('cloud') });
      const d = await waitForStatus(t.url, id);

      expect({ status: d.status, pause: d.pause }).toEqual({ status: 'completed', pause: null });
      const adapters = d.rounds.flatMap((r: any) => r.responses.map((x: any) => `${x.adapter}/${x.model}`));
      // Past the force-fast threshold too, so the local adapter's fast model.
      expect(new Set(adapters)).toEqual(new Set(['local/local-small']));
      expect(d.rounds[0].decisions[0].reason).toMatch(/T1|cap|budget/i);
      expect((await dailyWindow(t)).used.usd).toBe(usedBefore);
    });

    it('should defer rather than downgrade when a soft cap forbids the T3 a floor requires', async () => {
      provider = await startScriptedProvider(splitThenUnanimous({ input: 300, output: 150 }));
      t = await startTestApp({
        adapters: [
          httpAdapter(provider, 'premium', 'T3', { fast: 'premium-fast', reasoning: 'premium-deep' }),
          httpAdapter(provider, 'cloud', 'T2', CLOUD_MODELS),
        ],
        budgets: { daily: { tokens: 100_000, softCap: 0.01 } },
        tiering: { floors: { security: { minTier: 'T3' } } },
      });

      const id = await startDeliberation(t, {
        maxRounds: 3,
        participants: [
          { adapter: 'cloud', stance: 'for' },
          { adapter: 'premium', stance: 'against', role: 'security' },
          { adapter: 'cloud', stance: 'neutral' },
        ],
      });
      const d = await waitForStatus(t.url, id);

      // Round 1 ran on T3; round 1's spend passed the soft cap, so round 2 is deferred, not downgraded.
      expect(d.status).toBe('paused');
      expect(d.pause).toMatchObject({ reason: 'budget_floor', limit: 'floor of participant 1' });
      expect(d.rounds).toHaveLength(1);
      expect(d.rounds[0].responses[1].adapter).toBe('premium');
      expect(d.latestCheckpointId).toEqual(expect.any(String));
      expect(provider.seen.filter((c) => c.round === 2)).toHaveLength(0);
    });
  });

  describe('twenty deliberations against one hard cap', () => {
    it('should never let the window pass its hard cap, and count every token once', async () => {
      const CAP = 20_000;
      provider = await startScriptedProvider(splitThenUnanimous({ input: 200, output: 100 }, 5));
      t = await startTestApp({
        adapters: [httpAdapter(provider, 'cloud', 'T2', CLOUD_MODELS)],
        deliberation: { maxRunning: 20, maxOutputTokens: 1000 },
        budgets: { daily: { tokens: CAP } },
      });

      const ids = await Promise.all(Array.from({ length: 20 }, () => startDeliberation(t!, { maxRounds: 3, participants: THREE('cloud').slice(0, 2) })));
      const finals = await Promise.all(ids.map((id) => waitForStatus(t!.url, id, ['completed', 'paused', 'failed'], 15_000)));

      const daily = await dailyWindow(t);
      expect(daily.used.tokens).toBeLessThanOrEqual(CAP);
      expect(daily.reserved.tokens).toBe(0);
      expect(finals.filter((d) => d.status === 'failed')).toEqual([]);
      const paused = finals.filter((d) => d.status === 'paused');
      expect(paused.length).toBeGreaterThan(0);
      expect(paused.every((d) => d.pause.reason === 'budget' && d.pause.limit === 'daily.tokens')).toBe(true);
      // Even those paused before their first round hold a checkpoint to resume from.
      expect(paused.filter((d) => !d.latestCheckpointId)).toEqual([]);
      expect(finals.some((d) => d.status === 'completed' || d.rounds.length > 0)).toBe(true);

      // Every token the window counts is a token_usage row, and the other way round.
      const totals = await Promise.all(
        ids.map(async (id) => (await request(t!.url).get(`/v1/deliberations/${id}/tokens`).expect(200)).body.totals.totalTokens as number),
      );
      const sum = totals.reduce((a, b) => a + b, 0);
      expect(sum).toBe(daily.used.tokens);
      expect(sum).toBe(provider.seen.length * 300);
      const db = new Database(t.dbPath, { readonly: true });
      try {
        expect((db.prepare('SELECT SUM(total_tokens) AS s FROM token_usage').get() as { s: number }).s).toBe(sum);
      } finally {
        db.close();
      }
    });
  });

  describe('window settings and warnings', () => {
    it('should change a window over REST and report it in the status', async () => {
      provider = await startScriptedProvider(splitThenUnanimous({ input: 100, output: 50 }));
      t = await startTestApp({ adapters: [httpAdapter(provider, 'cloud', 'T2', CLOUD_MODELS)], budgets: { daily: { tokens: 50_000 } } });

      const put = await request(t.url).put('/v1/budgets/daily').send({ tokens: 12_345, softCap: 0.5 }).expect(200);

      expect(put.body).toMatchObject({ window: 'daily', limits: { tokens: 12_345, usd: null }, softCap: 0.5 });
      const daily = await dailyWindow(t);
      expect(daily).toMatchObject({ limits: { tokens: 12_345, usd: null }, softCap: 0.5, remaining: { tokens: 12_345 }, zone: 'GREEN' });
      const bad = await request(t.url).put('/v1/budgets/daily').send({ tokens: -5 }).expect(400);
      expect(bad.body.message).toMatch(/tokens must be a positive integer/);
      expect((await dailyWindow(t)).limits.tokens).toBe(12_345);
    });

    it('should send budget_warning on the event stream once a window is 70% used', async () => {
      // The first deliberation spends 15,000 tokens; the window is then set to 20,000 (75%). The second
      // one's calls wait until the test is subscribed, so the live stream is what it reads.
      let subscribed!: () => void;
      const gate = new Promise<void>((r) => (subscribed = r));
      provider = await startScriptedProvider(async (c) => {
        const first = c.call.prompt.includes('FIRST');
        if (!first) await gate;
        return { text: answer(prose(c.stance, c.round), 'Adopt webhooks'), usage: first ? { input: 1000, output: 4000 } : { input: 100, output: 50 } };
      });
      t = await startTestApp({ adapters: [httpAdapter(provider, 'cloud', 'T2', CLOUD_MODELS)], deliberation: { maxOutputTokens: 1000 } });
      const first = await startDeliberation(t, { question: 'FIRST: should we adopt webhooks?', maxRounds: 1, participants: THREE('cloud') });
      await waitForStatus(t.url, first, ['completed']);
      const put = await request(t.url).put('/v1/budgets/daily').send({ tokens: 20_000 }).expect(200);
      expect(put.body).toMatchObject({ used: { tokens: 15_000 }, fractionUsed: 0.75, zone: 'YELLOW' });

      const id = await startDeliberation(t, { maxRounds: 1, participants: THREE('cloud') });
      const events = await readEvents(t.url, id, 10_000, () => subscribed());

      const types = events.map((e) => e.type);
      expect(types).toContain('budget_warning');
      expect(types.filter((x) => x === 'budget_warning')).toHaveLength(1);
      expect(types.indexOf('budget_warning')).toBeLessThan(types.indexOf('round_started'));
      expect(events.find((e) => e.type === 'budget_warning')!.data).toEqual({ round: 1, limit: 'daily.tokens', fraction: 0.75 });
      expect(types[types.length - 1]).toBe('completed');
    });
  });
});
