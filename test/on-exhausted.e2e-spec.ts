import request from 'supertest';
import { answer, httpAdapter, prose, startScriptedProvider, waitForStatus, type ScriptedProvider } from './support/round-script';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Issue 15.2: "switch to the local model when the cloud tokens are spent" — a token window counting paid
 * (T1+) calls only, and budgets.onExhausted: local moving the next round to a local (T0) adapter.
 */

const BODY = {
  question: 'Webhooks or polling?',
  participants: [
    { adapter: 'cloud', stance: 'for' },
    { adapter: 'cloud', stance: 'against' },
  ],
};

describe('token limits that fall back to local models (e2e)', () => {
  let cloud: ScriptedProvider | undefined;
  let local: ScriptedProvider | undefined;
  let t: TestApp | undefined;

  afterEach(async () => {
    await t?.close();
    await cloud?.close();
    await local?.close();
    t = cloud = local = undefined;
  });

  async function boot(onExhausted: 'pause' | 'local', scope: 'all' | 'paid'): Promise<TestApp> {
    const reply = (c: { stance: string; round: number }) => ({
      text: answer(prose(c.stance as 'for', c.round), 'Adopt webhooks'),
      usage: { input: 900, output: 40 },
    });
    cloud = await startScriptedProvider(reply);
    local = await startScriptedProvider(reply);
    t = await startTestApp({
      adapters: [
        httpAdapter(cloud, 'cloud', 'T2', { fast: 'gpt-5-mini', reasoning: 'gpt-5' }),
        httpAdapter(local, 'local', 'T0', { fast: 'llama3.2', reasoning: 'qwen2.5:14b' }),
      ],
      // One quick deliberation on the cloud spends 2 × 940 = 1,880 tokens: 96 % of the day's 1,960.
      budgets: { onExhausted, daily: { tokens: 1960, scope } },
      deliberation: { maxOutputTokens: 100 },
    });
    return t;
  }

  async function run(app: TestApp, body: Record<string, unknown>): Promise<any> {
    const created = await request(app.url)
      .post('/v1/deliberations')
      .send({ ...BODY, ...body })
      .expect(202);
    return waitForStatus(app.url, created.body.id, ['completed', 'paused', 'failed']);
  }

  it('should move the next deliberation to the local adapter once the paid tokens are spent, and not count its tokens there', async () => {
    const app = await boot('local', 'paid');
    const first = await run(app, { mode: 'quick' });
    expect(first.status).toBe('completed');
    expect(first.rounds[0].decisions.map((d: any) => d.adapter)).toEqual(['cloud', 'cloud']);

    const second = await run(app, { maxRounds: 2 });

    // On local models from its first round; in the RED zone its unanimous round stops it (budget_consensus).
    expect(second).toMatchObject({ status: 'completed', result: { stopReason: 'budget_consensus' } });
    expect(second.rounds.flatMap((r: any) => r.decisions.map((d: any) => d.adapter))).toEqual(['local', 'local']);
    expect(local!.seen).toHaveLength(2);
    const daily = (await request(app.url).get('/v1/budgets/status').expect(200)).body.find((w: any) => w.window === 'daily');
    // The window counts the cloud's 1,880 only; the day's usage over every adapter is in /v1/usage.
    expect(daily.used.tokens).toBe(1880);
    expect((await request(app.url).get('/v1/usage').expect(200)).body.totals.totalTokens).toBe(1880 + 2 * 940);
    const allocations = (await request(app.url).get(`/v1/allocations?deliberationId=${second.id}`).expect(200)).body;
    expect(allocations.every((a: any) => a.adapter === 'local')).toBe(true);
  });

  it('should pause as before with onExhausted: pause', async () => {
    const app = await boot('pause', 'paid');
    await run(app, { mode: 'quick' });

    const second = await run(app, { maxRounds: 2 });

    expect(second).toMatchObject({ status: 'paused', pause: { reason: 'budget', limit: 'daily.tokens' } });
    expect(local!.seen).toHaveLength(0);
  });

  it('should count local calls too in a scope: all window, so the local fallback pauses once that is spent', async () => {
    const app = await boot('local', 'all');
    await run(app, { mode: 'quick' });

    const second = await run(app, { maxRounds: 2 });

    expect(second.status).toBe('paused');
    expect(second.pause.limit).toBe('daily.tokens');
  });
});
