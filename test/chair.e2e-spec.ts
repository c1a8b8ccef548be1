import request from 'supertest';
import { startProviderServer, type ProviderCall, type ProviderServer } from './fixtures/provider-server';
import { answer, httpAdapter, prose, readEvents, startScriptedProvider, waitForStatus, type ScriptedProvider, type Stance } from './support/round-script';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The chair (issue 13.3) through REST: after the last round one call writes the synthesis; it is a call
 * like any other (reserved, in the ledger as participant -2, in the totals and the transcript), and its
 * mapping of paraphrased votes is advice beside the engine's tally.
 */

const QUESTION = 'Should our billing service move from REST polling to webhooks?';
const STANCES: Stance[] = ['for', 'against', 'neutral'];
// Three wordings the engine's grouping keeps apart, which the chair reads as two decisions.
const VOTES: Record<Stance, string> = { for: 'Adopt webhooks', against: 'Keep polling for this quarter', neutral: 'Switch to event push from the processor' };

const CHAIR_ANSWER = [
  'The participants agree that webhooks suit the billing events, provided consumers are idempotent.',
  'One participant still prefers polling until the processor incidents are understood.',
  '',
  `CHAIR: ${JSON.stringify({
    recommendation: 'Adopt webhooks, starting with a shadow run',
    agreements: ['idempotent consumers', 'signature verification'],
    disagreements: ['how soon to switch'],
    dissent: ['Participant 2 keeps polling this quarter'],
    mapping: {
      'Adopt webhooks': 'Adopt webhooks',
      'Switch to event push from the processor': 'Adopt webhooks',
      'Keep polling for this quarter': 'Keep polling',
    },
  })}`,
].join('\n');

describe('the chair (e2e)', () => {
  let provider: ScriptedProvider | undefined;
  let chairServer: ProviderServer | undefined;
  let t: TestApp | undefined;
  const chairCalls: ProviderCall[] = [];

  afterEach(async () => {
    await t?.close();
    await provider?.close();
    await chairServer?.close();
    t = provider = chairServer = undefined;
    chairCalls.length = 0;
  });

  async function boot(chairReply: { text: string; status?: number } = { text: CHAIR_ANSWER }, config: Record<string, unknown> = {}): Promise<TestApp> {
    provider = await startScriptedProvider((c) => ({ text: answer(prose(c.stance, c.round), VOTES[c.stance], false), usage: { input: 100, output: 50 } }));
    chairServer = await startProviderServer({
      wire: 'openai',
      respond: (call) => {
        chairCalls.push(call);
        return { ...chairReply, usage: { input: 400, output: 120 } };
      },
    });
    t = await startTestApp({
      adapters: [
        httpAdapter(provider, 'cloud', 'T2', { fast: 'gpt-5-mini', reasoning: 'gpt-5' }),
        httpAdapter(chairServer, 'chairman', 'T3', { fast: 'gpt-5-mini', reasoning: 'gpt-5' }),
      ],
      ...config,
    });
    return t;
  }

  async function deliberate(app: TestApp, body: Record<string, unknown>): Promise<any> {
    const res = await request(app.url)
      .post('/v1/deliberations')
      .send({ question: QUESTION, participants: STANCES.map((stance) => ({ adapter: 'cloud', stance })), maxRounds: 1, ...body })
      .expect(202);
    return waitForStatus(app.url, res.body.id, ['completed', 'failed', 'paused']);
  }

  it('should add the synthesis after the last round, say the chair reads the outcome differently, and keep the tally', async () => {
    const app = await boot();

    const done = await deliberate(app, { chair: { adapter: 'chairman' } });

    expect(done.status).toBe('completed');
    expect(chairCalls).toHaveLength(1);
    expect(chairCalls[0].model).toBe('gpt-5');
    expect(chairCalls[0].system).toContain('You chair a structured deliberation');
    for (const stance of STANCES) expect(chairCalls[0].prompt).toContain(VOTES[stance]);
    expect(done.result.tally).toHaveLength(3);
    expect(done.result.outcome).toBe('tie');
    expect(done.result.synthesis).toMatchObject({
      recommendation: 'Adopt webhooks, starting with a shadow run',
      agreements: ['idempotent consumers', 'signature verification'],
      dissent: ['Participant 2 keeps polling this quarter'],
      chairAdapter: 'chairman',
      chairModel: 'gpt-5',
      mappedOutcome: { outcome: 'majority', winningOption: 'Adopt webhooks' },
    });
    expect(done.result.outcomeBy).toBe('chair');
  });

  it("should count the chair's call in the ledger and the totals, and show the synthesis in the transcript and on SSE", async () => {
    const app = await boot();
    const done = await deliberate(app, { chair: { adapter: 'chairman', tier: 'fast' } });

    const tokens = (await request(app.url).get(`/v1/deliberations/${done.id}/tokens`).expect(200)).body;
    expect(tokens.totals).toMatchObject({ calls: 4, totalTokens: 3 * 150 + 520 });
    expect(tokens.byParticipant.find((p: any) => p.participantIndex === -2)).toMatchObject({ totalTokens: 520, calls: 1 });
    expect(done.result.tokens.totalTokens).toBe(3 * 150 + 520);
    expect(chairCalls[0].model).toBe('gpt-5-mini');
    const transcript = (await request(app.url).get(`/v1/deliberations/${done.id}/transcript`).expect(200)).text;
    expect(transcript).toContain('### Synthesis (chair: chairman, gpt-5-mini)');
    expect(transcript).toContain('Adopt webhooks, starting with a shadow run');
    const events = await readEvents(app.url, done.id);
    expect(events.find((e) => e.type === 'completed')?.data.result.synthesis.recommendation).toBe('Adopt webhooks, starting with a shadow run');
  });

  it('should use the configured chair when the request names none', async () => {
    const app = await boot(undefined, { deliberation: { chair: { adapter: 'chairman', tier: 'fast' } } });

    const done = await deliberate(app, {});

    expect(chairCalls).toHaveLength(1);
    expect(done.result.synthesis.chairModel).toBe('gpt-5-mini');
  });

  it('should skip the chair, say so, and spend nothing on it when its call does not fit the budget', async () => {
    const app = await boot(undefined, { prices: { 'house-free': { input: 0, output: 0 } } });

    // The participants' model is free, so their round fits any USD limit; the chair's priced call does not.
    const done = await deliberate(app, {
      participants: STANCES.map((stance) => ({ adapter: 'cloud', model: 'house-free', stance })),
      chair: { adapter: 'chairman' },
      budget: { maxCostUsd: 0.0001 },
    });

    expect(done.status).toBe('completed');
    expect(chairCalls).toHaveLength(0);
    expect(done.result.synthesis).toBeNull();
    expect(done.result.synthesisError).toMatch(/^skipped: .*does not fit the budget/);
  });

  it('should leave the result without synthesis, and say why, when the chair answers without a CHAIR line', async () => {
    const app = await boot({ text: 'Webhooks, I suppose.' });

    const done = await deliberate(app, { chair: { adapter: 'chairman' } });

    expect(done.result).toMatchObject({
      outcome: 'tie',
      tally: [{ votes: 1 }, { votes: 1 }, { votes: 1 }],
      synthesis: null,
      synthesisError: 'the chair answered without a CHAIR: line',
    });
  });

  it.each([
    [{ adapter: 'nobody' }, 'chair.adapter'],
    [{ adapter: 'chairman', model: '--help' }, 'chair.model'],
    [{ adapter: 'chairman', tier: 'huge' }, 'chair.tier'],
    [{ adapter: 'chairman', extra: 1 }, '"field":"chair.extra"'],
  ])('should refuse a bad chair %p with a 400 naming the field, and store nothing', async (chair, field) => {
    const app = await boot();

    const res = await request(app.url)
      .post('/v1/deliberations')
      .send({ question: QUESTION, participants: [{ adapter: 'cloud' }, { adapter: 'cloud' }], chair })
      .expect(400);

    expect(JSON.stringify(res.body)).toContain(field);
    expect((await request(app.url).get('/v1/deliberations').expect(200)).body.items).toHaveLength(0);
  });

  it('should refuse an unpriced chair model under a USD limit', async () => {
    const app = await boot();

    const res = await request(app.url)
      .post('/v1/deliberations')
      .send({
        question: QUESTION,
        participants: [{ adapter: 'cloud' }, { adapter: 'cloud' }],
        chair: { adapter: 'chairman', model: 'house-model-7' },
        budget: { maxCostUsd: 1 },
      })
      .expect(400);

    expect(res.body.message).toContain('chair.model: model "house-model-7"');
  });
});
