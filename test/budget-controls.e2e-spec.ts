import request from 'supertest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answer, httpAdapter, prose, startScriptedProvider, waitForStatus, type ScriptedProvider } from './support/round-script';
import { startTestApp, type TestApp } from './support/test-app';

/** Issue 15.6: a manual reset of a window and a global enforcement switch, both audited, both surviving a restart. */

const BODY = {
  question: 'Webhooks or polling?',
  participants: [
    { adapter: 'cloud', stance: 'for' },
    { adapter: 'cloud', stance: 'against' },
  ],
  mode: 'quick',
};

describe('budget controls (e2e)', () => {
  let provider: ScriptedProvider | undefined;
  let t: TestApp | undefined;
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'conclave-budget-controls-'));
  });

  afterEach(async () => {
    await t?.close();
    await provider?.close();
    t = provider = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function boot(dailyTokens: number): Promise<TestApp> {
    provider ??= await startScriptedProvider((c) => ({ text: answer(prose(c.stance, c.round), 'Adopt webhooks'), usage: { input: 100, output: 50 } }));
    t = await startTestApp(
      {
        adapters: [httpAdapter(provider, 'cloud', 'T2', { fast: 'gpt-5-mini', reasoning: 'gpt-5' })],
        budgets: { daily: { tokens: dailyTokens } },
        deliberation: { maxOutputTokens: 200 },
      },
      { dir },
    );
    return t;
  }

  async function run(app: TestApp): Promise<any> {
    const created = await request(app.url).post('/v1/deliberations').send(BODY).expect(202);
    return waitForStatus(app.url, created.body.id, ['completed', 'paused', 'failed']);
  }

  const daily = async (app: TestApp) => (await request(app.url).get('/v1/budgets/status').expect(200)).body.find((w: any) => w.window === 'daily');

  it('should reset a window by hand, audit it with the reason and what was used, and keep it reset after a restart', async () => {
    let app = await boot(100_000);
    await run(app);
    expect((await daily(app)).used.tokens).toBe(300);

    const res = await request(app.url).post('/v1/budgets/daily/reset').send({ reason: 'pilot month starts today' }).expect(200);

    expect(res.body).toMatchObject({ window: 'daily', used: { tokens: 0, usd: 0 } });
    const [entry] = (await request(app.url).get('/v1/budgets/audit').expect(200)).body;
    expect(entry).toMatchObject({ action: 'reset', window: 'daily', reason: 'pilot month starts today', detail: { before: { tokens: 300 } } });
    // Other windows keep their usage; the ledger of calls is untouched.
    expect((await request(app.url).get('/v1/budgets/status').expect(200)).body.find((w: any) => w.window === 'weekly').used.tokens).toBe(300);
    expect((await request(app.url).get('/v1/usage').expect(200)).body.totals.totalTokens).toBe(300);

    await t!.close();
    app = await boot(100_000);
    expect((await daily(app)).used.tokens).toBe(0);
    expect((await request(app.url).get('/v1/budgets/audit').expect(200)).body).toHaveLength(1);
  });

  it('should stop holding deliberations to the windows when enforcement is off, still count, and audit both switches', async () => {
    let app = await boot(500);
    expect((await run(app)).status).toBe('paused');

    const off = await request(app.url).put('/v1/budgets/enforcement').send({ enabled: false, reason: 'incident: answers needed now' }).expect(200);

    expect(off.body).toMatchObject({ enabled: false, reason: 'incident: answers needed now', since: expect.any(String) });
    expect((await run(app)).status).toBe('completed');
    expect((await daily(app)).used.tokens).toBe(300);
    await t!.close();
    app = await boot(500);
    expect((await request(app.url).get('/v1/budgets/enforcement').expect(200)).body.enabled).toBe(false);
    await request(app.url).put('/v1/budgets/enforcement').send({ enabled: true, reason: 'incident over' }).expect(200);
    expect((await run(app)).status).toBe('paused');
    const audit = (await request(app.url).get('/v1/budgets/audit').expect(200)).body;
    expect(audit.map((a: any) => [a.action, a.detail.enabled])).toEqual([
      ['enforcement', true],
      ['enforcement', false],
    ]);
  });

  it('should audit a change of limits with what it was before', async () => {
    const app = await boot(100_000);

    await request(app.url).put('/v1/budgets/daily').send({ tokens: 50_000, reason: 'tighter for December' }).expect(200);

    const [entry] = (await request(app.url).get('/v1/budgets/audit').expect(200)).body;
    expect(entry).toMatchObject({
      action: 'limits',
      window: 'daily',
      reason: 'tighter for December',
      detail: { before: { tokens: 100_000 }, after: { tokens: 50_000 } },
    });
  });

  it.each([
    ['post', '/v1/budgets/daily/reset', {}, 'reason'],
    ['post', '/v1/budgets/hourly/reset', { reason: 'why not' }, 'window must be one of'],
    ['post', '/v1/budgets/daily/reset', { reason: 'x' }, 'reason must be longer'],
    ['put', '/v1/budgets/enforcement', { reason: 'no flag given' }, 'enabled'],
    ['put', '/v1/budgets/enforcement', { enabled: 'no', reason: 'a string flag' }, 'enabled must be a boolean'],
  ])('should answer %s %s %p with a 400 naming the field, and change nothing', async (method, path, body, message) => {
    const app = await boot(100_000);

    const res = await (request(app.url) as any)[method](path).send(body).expect(400);

    expect(JSON.stringify(res.body)).toContain(message);
    expect((await request(app.url).get('/v1/budgets/audit').expect(200)).body).toEqual([]);
    expect((await request(app.url).get('/v1/budgets/enforcement').expect(200)).body.enabled).toBe(true);
  });
});
