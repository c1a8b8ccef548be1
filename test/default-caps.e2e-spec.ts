import request from 'supertest';
import { answer, httpAdapter, prose, startScriptedProvider, waitForStatus, type ScriptedProvider } from './support/round-script';
import { startTestApp, type TestApp } from './support/test-app';

/** Issue 15.4: a configured default budget for requests without one, and a per-round token cap. */

const QUESTION = 'Should our billing service move from REST polling to webhooks?';
const BODY = {
  question: QUESTION,
  participants: [
    { adapter: 'cloud', stance: 'for' },
    { adapter: 'cloud', stance: 'against' },
  ],
  maxRounds: 2,
};

describe('default caps (e2e)', () => {
  let provider: ScriptedProvider | undefined;
  let t: TestApp | undefined;

  afterEach(async () => {
    await t?.close();
    await provider?.close();
    t = provider = undefined;
  });

  async function boot(deliberation: Record<string, unknown>): Promise<TestApp> {
    provider = await startScriptedProvider((c) => ({ text: answer(prose(c.stance, c.round), 'Adopt webhooks'), usage: { input: 100, output: 50 } }));
    t = await startTestApp({
      adapters: [httpAdapter(provider, 'cloud', 'T2', { fast: 'gpt-5-mini', reasoning: 'gpt-5' })],
      deliberation: { maxOutputTokens: 1000, ...deliberation },
    });
    return t;
  }

  it('should apply deliberation.defaultBudget to a request without a budget, show it, and hold the run to it', async () => {
    const app = await boot({ defaultBudget: { maxTokens: 3000 } });

    const created = await request(app.url).post('/v1/deliberations').send(BODY).expect(202);
    const paused = await waitForStatus(app.url, created.body.id, ['paused', 'completed']);

    expect(paused.budget).toEqual({ maxTokens: 3000 });
    // 2 × (prompt + 1,000) fits 3,000 once; round 2's reservation does not.
    expect(paused).toMatchObject({ status: 'paused', pause: { reason: 'budget', limit: 'deliberation.tokens' } });
    expect(paused.rounds).toHaveLength(1);
  });

  it("should keep a request's own budget over the default", async () => {
    const app = await boot({ defaultBudget: { maxTokens: 3000 } });

    const created = await request(app.url)
      .post('/v1/deliberations')
      .send({ ...BODY, budget: { maxTokens: 100_000 } })
      .expect(202);
    const done = await waitForStatus(app.url, created.body.id, ['paused', 'completed']);

    expect(done).toMatchObject({ status: 'completed', budget: { maxTokens: 100_000 } });
    expect((await request(app.url).get(`/v1/deliberations/${created.body.id}`).expect(200)).body.budget).toEqual({ maxTokens: 100_000 });
  });

  it('should pause before a round whose reserved tokens pass deliberation.maxRoundTokens, naming the cap, with no call made', async () => {
    const app = await boot({ maxRoundTokens: 1500 });

    const created = await request(app.url).post('/v1/deliberations').send(BODY).expect(202);
    const paused = await waitForStatus(app.url, created.body.id, ['paused', 'completed']);

    expect(paused).toMatchObject({ status: 'paused', budget: null, pause: { reason: 'budget', limit: 'deliberation.maxRoundTokens' } });
    expect(paused.pause.detail).toContain('above deliberation.maxRoundTokens (1500)');
    expect(provider!.seen).toHaveLength(0);
  });
});
