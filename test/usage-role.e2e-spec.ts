import request from 'supertest';
import { startProviderServer, type ProviderServer } from './fixtures/provider-server';
import { answer, httpAdapter, prose, startScriptedProvider, waitForStatus, type ScriptedProvider } from './support/round-script';
import { startTestApp, type TestApp } from './support/test-app';

/** Issue 15.7: every ledger row carries the role it was made in, and /v1/usage groups by it. */

describe('usage by role (e2e)', () => {
  let provider: ScriptedProvider | undefined;
  let chair: ProviderServer | undefined;
  let t: TestApp | undefined;

  afterEach(async () => {
    await t?.close();
    await provider?.close();
    await chair?.close();
    t = provider = chair = undefined;
  });

  it("should group tokens and cost by the participants' roles, the chair's call as chair, and calls without one as (none)", async () => {
    provider = await startScriptedProvider((c) => ({ text: answer(prose(c.stance, c.round), 'Adopt webhooks'), usage: { input: 100, output: 50 } }));
    chair = await startProviderServer({
      wire: 'openai',
      respond: () => ({ text: 'CHAIR: {"recommendation": "Adopt webhooks"}', usage: { input: 300, output: 20 } }),
    });
    t = await startTestApp({
      adapters: [
        httpAdapter(provider, 'cloud', 'T2', { fast: 'gpt-5-mini', reasoning: 'gpt-5' }),
        httpAdapter(chair, 'chairman', 'T3', { fast: 'gpt-5', reasoning: 'gpt-5' }),
      ],
    });
    const created = await request(t.url)
      .post('/v1/deliberations')
      .send({
        question: 'Webhooks or polling?',
        mode: 'quick',
        participants: [
          { adapter: 'cloud', stance: 'for', role: 'security' },
          { adapter: 'cloud', stance: 'against', role: 'security' },
          { adapter: 'cloud', stance: 'neutral' },
        ],
        chair: { adapter: 'chairman' },
      })
      .expect(202);
    await waitForStatus(t.url, created.body.id, ['completed']);

    const usage = (await request(t.url).get('/v1/usage').query({ groupBy: 'role' }).expect(200)).body;

    expect(usage.groupBy).toBe('role');
    expect(usage.groups.map((g: any) => [g.key, g.calls, g.totalTokens])).toEqual([
      ['chair', 1, 320],
      ['security', 2, 300],
      ['(none)', 1, 150],
    ]);
    expect(usage.groups.reduce((n: number, g: any) => n + g.totalTokens, 0)).toBe(usage.totals.totalTokens);
  });
});
