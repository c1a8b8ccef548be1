import Database from 'better-sqlite3';
import request from 'supertest';
import { startProviderServer, type ProviderCall, type ProviderReply, type ProviderServer } from './fixtures/provider-server';
import { readEvents, waitForStatus } from './support/round-script';
import { startPanel, turn, vote, voteLine, type ScriptedPanel } from './support/scripted-providers';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Issue 11, the engine's part, through the REST API on real SQLite files and loopback providers:
 * unpriced models under USD caps, a hard cap passed by over-reporting, failed deliberations resumed,
 * the vote-only retry's text, checkpoints holding answers by reference, and the stop-rule settings.
 */

const QUESTION = 'Should our billing service move from REST polling to webhooks?';
const UNPRICED = { fast: 'house-model-x', reasoning: 'house-model-x' };

/** Distinct words per participant and round, so answers neither converge nor repeat by accident. */
const words = (who: string, round: number, n = 40) => Array.from({ length: n }, (_, i) => `${who}${round}w${i}`).join(' ');

async function post(t: TestApp, body: Record<string, unknown>) {
  return request(t.url)
    .post('/v1/deliberations')
    .send({ question: QUESTION, ...body });
}

async function started(t: TestApp, body: Record<string, unknown>): Promise<string> {
  const res = await post(t, body);
  if (res.status !== 202) throw new Error(`POST answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

describe('engine safety (e2e)', () => {
  let panel: ScriptedPanel | undefined;
  let servers: ProviderServer[] = [];
  let t: TestApp | undefined;

  afterEach(async () => {
    await t?.close();
    await panel?.close();
    await Promise.all(servers.map((s) => s.close()));
    t = undefined;
    panel = undefined;
    servers = [];
  });

  describe('unpriced models under a USD limit', () => {
    const answering = [turn(words('a', 1), vote('Webhooks', { continueDebate: false }))];

    it('should refuse at create (400, no provider call) a model without a price while a daily USD cap applies', async () => {
      panel = await startPanel([
        { name: 'alpha', script: answering, models: UNPRICED },
        { name: 'beta', script: answering },
      ]);
      t = await startTestApp({ adapters: panel.adapters, budgets: { daily: { usd: 0.5 } } });

      const res = await post(t, { participants: panel.participants(), mode: 'quick' });

      expect(res.status).toBe(400);
      expect(res.body.message).toContain('house-model-x');
      expect(res.body.message).toContain('daily.usd');
      expect(panel.totalCalls()).toBe(0);
      expect((await request(t.url).get('/v1/deliberations').expect(200)).body.items).toEqual([]);
    });

    it('should refuse it under the deliberation own maxCostUsd too, and accept it with no USD limit at all', async () => {
      panel = await startPanel([
        { name: 'alpha', script: answering, models: UNPRICED },
        { name: 'beta', script: answering },
      ]);
      t = await startTestApp({ adapters: panel.adapters });

      const refused = await post(t, { participants: panel.participants(), mode: 'quick', budget: { maxCostUsd: 1 } });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toContain('deliberation.usd');

      const id = await started(t, { participants: panel.participants(), mode: 'quick' });
      await waitForStatus(t.url, id, ['completed']);
    });

    it('should run a model priced at 0 in the config under the same cap', async () => {
      panel = await startPanel([
        { name: 'alpha', script: answering, models: UNPRICED },
        { name: 'beta', script: answering },
      ]);
      t = await startTestApp({ adapters: panel.adapters, budgets: { daily: { usd: 0.5 } }, prices: { 'house-model-x': { input: 0, output: 0 } } });

      const id = await started(t, { participants: panel.participants(), mode: 'quick' });
      const done = await waitForStatus(t.url, id, ['completed']);

      expect(done.rounds[0].responses.map((r: any) => r.costUsd)).toEqual([0, expect.any(Number)]);
      expect(panel.calls('alpha')).toHaveLength(1);
    });

    it('should count a T0 (local) adapter free: allowed under the cap, its cost 0 and not missing', async () => {
      panel = await startPanel([
        { name: 'alpha', script: answering, models: UNPRICED, tier: 'T0' },
        { name: 'beta', script: answering },
      ]);
      t = await startTestApp({ adapters: panel.adapters, budgets: { daily: { usd: 0.5 } } });

      const id = await started(t, { participants: panel.participants(), mode: 'quick' });
      await waitForStatus(t.url, id, ['completed']);

      const tokens = (await request(t.url).get(`/v1/deliberations/${id}/tokens`).expect(200)).body;
      expect(tokens.byParticipant.find((p: any) => p.adapter === 'alpha')).toMatchObject({ costUsd: 0, unpricedCalls: 0 });
      expect(tokens.totals.unpricedCalls).toBe(0);
    });

    it('should pause with unpriced_model, before any call, when the tier chosen at run time has no price', async () => {
      // An "auto" participant: known at create only as "one of two models"; round 1 picks the reasoning one.
      panel = await startPanel([
        { name: 'alpha', script: answering, models: { fast: 'gpt-5-mini', reasoning: 'house-model-x' } },
        { name: 'beta', script: answering },
      ]);
      t = await startTestApp({ adapters: panel.adapters, budgets: { daily: { usd: 0.5 } } });

      const id = await started(t, { participants: panel.participants(), maxRounds: 2 });
      const paused = await waitForStatus(t.url, id, ['paused', 'completed', 'failed']);

      expect(paused.status).toBe('paused');
      expect(paused.pause).toMatchObject({ reason: 'unpriced_model', limit: 'daily.usd' });
      expect(paused.pause.detail).toContain('house-model-x');
      expect(panel.totalCalls()).toBe(0);
      expect(paused.latestCheckpointId).toEqual(expect.any(String));
    });
  });

  describe('a hard cap passed by over-reporting', () => {
    it('should count the overshoot, stop the round at once and report it in /v1/budgets/status', async () => {
      // Each call reserves its prompt + 2,048 output tokens (about 2,500) and reports 1,500 + 3,000.
      // Three reservations fit under 8,000; the second report passes it: the third, slow call is cut off.
      const heavy = { usage: { input: 1500, output: 3000 } };
      panel = await startPanel([
        { name: 'alpha', script: [turn(words('a', 1), vote('Webhooks'), heavy)] },
        { name: 'beta', script: [turn(words('b', 1), vote('Webhooks'), heavy)] },
        { name: 'gamma', script: [turn(words('c', 1), vote('Webhooks'), { ...heavy, delayMs: 4000 })] },
      ]);
      t = await startTestApp({ adapters: panel.adapters, budgets: { daily: { tokens: 8000 } } });

      const startedAt = Date.now();
      const id = await started(t, { participants: panel.participants(), maxRounds: 2 });
      const paused = await waitForStatus(t.url, id, ['paused', 'completed', 'failed']);

      expect(paused.status).toBe('paused');
      expect(paused.pause).toMatchObject({ reason: 'budget', limit: 'daily.tokens' });
      expect(Date.now() - startedAt).toBeLessThan(3500);
      expect(paused.rounds[0].completedAt).toBeNull();
      const gamma = paused.rounds[0].responses.find((r: any) => r.adapter === 'gamma');
      expect(gamma.error).toMatchObject({ kind: 'cancelled' });
      const daily = (await request(t.url).get('/v1/budgets/status').expect(200)).body.find((w: any) => w.window === 'daily');
      expect(daily.used.tokens).toBe(9000);
      expect(daily.overshoot).toEqual({ tokens: 1000, usd: 0 });
    });

    it('should report no overshoot while under the cap', async () => {
      panel = await startPanel([
        { name: 'alpha', script: [turn(words('a', 1), vote('Webhooks'))] },
        { name: 'beta', script: [turn(words('b', 1), vote('Webhooks'))] },
      ]);
      t = await startTestApp({ adapters: panel.adapters, budgets: { daily: { tokens: 100_000, usd: 10 } } });
      const id = await started(t, { participants: panel.participants(), mode: 'quick' });
      await waitForStatus(t.url, id, ['completed']);

      const status = (await request(t.url).get('/v1/budgets/status').expect(200)).body;
      expect(status.find((w: any) => w.window === 'daily').overshoot).toEqual({ tokens: 0, usd: 0 });
    });
  });

  describe('a failed deliberation', () => {
    async function failingPanel(failInRound: number) {
      const state = { broken: true };
      const script = (name: string) => (round: number) =>
        round === failInRound && state.broken ? { status: 500, text: 'provider down' } : turn(words(name, round), vote('Webhooks'));
      panel = await startPanel([
        { name: 'alpha', script: script('a') },
        { name: 'beta', script: script('b') },
      ]);
      t = await startTestApp({ adapters: panel.adapters });
      return state;
    }

    it.each([1, 2])('should keep a checkpoint when every participant fails in round %i, and complete on resume counting nothing twice', async (round) => {
      const provider = await failingPanel(round);
      const id = await started(t!, { participants: panel!.participants(), maxRounds: 2 });
      const failed = await waitForStatus(t!.url, id, ['failed', 'completed', 'paused']);

      expect(failed.status).toBe('failed');
      expect(failed.latestCheckpointId).toEqual(expect.any(String));
      const checkpoints = (await request(t!.url).get(`/v1/deliberations/${id}/checkpoints`).expect(200)).body;
      expect(checkpoints[checkpoints.length - 1]).toMatchObject({ id: failed.latestCheckpointId, reason: 'failure', round: round - 1 });

      provider.broken = false;
      await request(t!.url).post(`/v1/checkpoints/${failed.latestCheckpointId}/resume`).send({}).expect(202);
      const done = await waitForStatus(t!.url, id, ['completed', 'failed', 'paused']);

      expect(done.status).toBe('completed');
      expect(done.rounds.map((r: any) => r.responses.map((x: any) => x.error))).toEqual([
        [null, null],
        [null, null],
      ]);
      // Four answers of 120 tokens each; the failed calls counted nothing, and round 1 was not asked again.
      expect(panel!.calls('alpha')).toHaveLength(3);
      const tokens = (await request(t!.url).get(`/v1/deliberations/${id}/tokens`).expect(200)).body;
      expect(tokens.totals.totalTokens).toBe(4 * 120);
    });
  });

  describe('the vote-only retry', () => {
    it('should send the question and the own answer only, and store and show what the model replied', async () => {
      const retryReply = `Sticking with my answer. ${voteLine(vote('Webhooks', { continueDebate: false }))}`;
      const respond =
        (who: string, voteless: boolean) =>
        (call: ProviderCall): ProviderReply => {
          if (call.prompt.includes('did not end with a valid vote line')) return { text: retryReply, usage: { input: 40, output: 10 } };
          const round = Number(/This is round (\d+)/.exec(call.prompt)?.[1]);
          const text = words(who, round);
          return { text: voteless && round === 2 ? text : `${text}\n\n${voteLine(vote('Webhooks'))}`, usage: { input: 100, output: 20 } };
        };
      servers = [
        await startProviderServer({ wire: 'openai', respond: respond('a', true) }),
        await startProviderServer({ wire: 'openai', respond: respond('b', false) }),
      ];
      const adapters = servers.map((s, i) => ({
        name: i ? 'beta' : 'alpha',
        kind: 'http',
        provider: 'openai',
        baseUrl: s.baseUrl,
        tier: 'T2',
        models: { fast: 'gpt-5-mini', reasoning: 'gpt-5' },
        timeoutMs: 5000,
        maxRetries: 0,
      }));
      t = await startTestApp({ adapters, deliberation: { retryMissingVote: true } });

      const id = await started(t, { participants: [{ adapter: 'alpha' }, { adapter: 'beta' }], maxRounds: 2 });
      const events = await readEvents(t.url, id);
      const done = await waitForStatus(t.url, id, ['completed']);

      const calls = servers[0].calls;
      expect(calls).toHaveLength(3);
      const [, original, retry] = calls;
      expect(retry.prompt).toContain(QUESTION);
      expect(retry.prompt).toContain(words('a', 2));
      // Not the round's prompt: nobody's round-1 answer, and a fraction of its size.
      expect(retry.prompt).not.toContain(words('b', 1));
      expect(retry.prompt).not.toContain(words('a', 1));
      expect(JSON.stringify(retry.body).length).toBeLessThan(JSON.stringify(original.body).length / 2);

      const answer = done.rounds[1].responses[0];
      expect(answer.vote).toMatchObject({ option: 'Webhooks', continueDebate: false });
      expect(answer.voteRetry).toEqual({ text: retryReply, errorKind: null, tokens: 50, costUsd: expect.any(Number) });
      expect(done.rounds[0].responses[0].voteRetry).toBeNull();
      const transcript = (await request(t.url).get(`/v1/deliberations/${id}/transcript`).expect(200)).text;
      expect(transcript).toContain('Vote-only retry');
      expect(transcript).toContain('Sticking with my answer.');
      const received = events.filter((e) => e.type === 'response_received' && e.data.round === 2 && e.data.participantIndex === 0);
      expect(received[0].data.voteRetry).toEqual({ text: retryReply, errorKind: null, tokens: 50 });
      expect(received[0].data.truncated).toBe(false);
    });
  });

  describe('checkpoints hold answers by reference', () => {
    it('should store a large answer once, not again in every later checkpoint, and still resume and fork from them', async () => {
      const large = `${'lorem ipsum dolor sit amet '.repeat(8000)}`; // about 216 kB
      panel = await startPanel([
        { name: 'alpha', script: (round) => turn(round === 1 ? large : words('a', round), vote('Webhooks')) },
        { name: 'beta', script: (round) => turn(words('b', round), vote('Polling')) },
      ]);
      t = await startTestApp({ adapters: panel.adapters });

      const id = await started(t, { participants: panel.participants(), maxRounds: 3 });
      await waitForStatus(t.url, id, ['completed']);

      const checkpoints = (await request(t.url).get(`/v1/deliberations/${id}/checkpoints`).expect(200)).body;
      expect(checkpoints.map((c: any) => [c.round, c.schemaVersion])).toEqual([
        [1, 3],
        [2, 3],
        [3, 3],
      ]);
      const total = checkpoints.reduce((sum: number, c: any) => sum + c.sizeBytes, 0);
      expect(total).toBeLessThan(large.length / 4);
      const db = new Database(t.dbPath, { readonly: true });
      try {
        const stored = db.prepare('SELECT SUM(LENGTH(state)) AS n FROM checkpoints').get() as { n: number };
        expect(stored.n).toBeLessThan(large.length / 4);
      } finally {
        db.close();
      }

      // The state shown still holds the texts, and a fork from round 1 sees exactly round 1's answers.
      const shown = (await request(t.url).get(`/v1/checkpoints/${checkpoints[0].id}`).query({ include: 'state' }).expect(200)).body.state;
      expect(shown.rounds[0].responses[0].text).toContain(large.slice(0, 1000));
      const fork = await request(t.url).post(`/v1/checkpoints/${checkpoints[0].id}/resume`).send({}).expect(202);
      const forked = await waitForStatus(t.url, fork.body.id, ['completed', 'failed']);
      expect(forked.status).toBe('completed');
      expect(forked.rounds[0].responses[0].text.length).toBeGreaterThanOrEqual(large.trim().length);
      // Round 2 of the fork was asked with round 1's large answer in its prompt (trimmed to the context).
      const forkRound2 = panel.calls('beta').filter((c) => /This is round 2/.test(c.prompt));
      expect(forkRound2).toHaveLength(2);
      expect(forkRound2[1].prompt).toContain('lorem ipsum dolor sit amet');
    });
  });

  describe('stop-rule settings and the view', () => {
    it('should show each participant similarity per round in the view', async () => {
      panel = await startPanel([
        { name: 'alpha', script: (round) => turn(words('a', round), vote('Webhooks')) },
        { name: 'beta', script: (round) => turn(words('b', round), vote('Webhooks')) },
      ]);
      t = await startTestApp({ adapters: panel.adapters });
      const id = await started(t, { participants: panel.participants(), maxRounds: 2 });
      const done = await waitForStatus(t.url, id, ['completed']);

      expect(done.rounds[0].convergence).toBeNull();
      expect(done.rounds[1].convergence).toEqual({
        score: expect.any(Number),
        status: expect.any(String),
        perParticipant: [
          { participantIndex: 0, similarity: expect.any(Number) },
          { participantIndex: 1, similarity: expect.any(Number) },
        ],
      });
    });

    it('should go on past model consensus when modelConsensus is off, and hold every stop until minRounds', async () => {
      panel = await startPanel([
        { name: 'alpha', script: [turn(words('a', 1), vote('Webhooks', { continueDebate: false }))] },
        { name: 'beta', script: [turn(words('b', 1), vote('Webhooks', { continueDebate: false }))] },
      ]);
      t = await startTestApp({ adapters: panel.adapters, deliberation: { minRounds: 3, convergence: { modelConsensus: false } } });

      expect((await post(t, { participants: panel.participants(), maxRounds: 2 })).status).toBe(400);
      const id = await started(t, { participants: panel.participants(), maxRounds: 4 });
      const done = await waitForStatus(t.url, id, ['completed']);

      // The same answers each round: converged once the comparisons allow it, never before round 3.
      expect(done.result.stopReason).not.toBe('model_consensus');
      expect(done.result.roundsUsed).toBeGreaterThanOrEqual(3);
    });
  });
});
