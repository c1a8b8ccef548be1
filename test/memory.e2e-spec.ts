import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { embeddingsAdapter, startEmbeddingsServer, type EmbeddingsServer } from './fixtures/embeddings-server';
import { readEvents, waitForStatus } from './support/round-script';
import { startPanel, turn, vote, type ScriptedPanel } from './support/scripted-providers';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Decision memory (issue 19) through REST, against loopback providers: a completed deliberation's
 * decision is stored and found again; `context` quotes it in round 1's prompt (what the provider
 * received); `reuse` answers a repeated question at once with no provider call, `?force=true` runs it
 * anyway, a look-alike question is never reused; deleting the deliberation deletes its decision.
 */

const QUESTION = 'Should the billing service move from REST polling to webhooks for payment status updates?';
// The same question reworded, with one word more: similar enough to quote, not to reuse.
const PARAPHRASE = 'For payment status updates, should the billing service move from REST polling to webhooks soon?';
const LOOK_ALIKE = 'Should the payments service move from REST polling to webhooks for payment status updates?';

describe('decision memory (e2e)', () => {
  let panel: ScriptedPanel;
  let t: TestApp;

  beforeAll(async () => {
    panel = await startPanel([
      {
        name: 'alpha',
        script: [turn('Webhooks cut latency and load; keep a reconciliation poll.', vote('Adopt webhooks', { confidence: 0.9, continueDebate: false }))],
      },
      {
        name: 'beta',
        script: [turn('Agreed, with signature checks and idempotent consumers.', vote('Adopt webhooks', { confidence: 0.8, continueDebate: false }))],
      },
      // A slow participant: its deliberations stay running long enough to be refused a delete.
      { name: 'slow', script: [turn('Still thinking.', vote('Adopt webhooks'), { delayMs: 3000 })], adapter: { timeoutMs: 10_000 } },
    ]);
    // memory: {} — the configured defaults (mode context).
    t = await startTestApp({ adapters: panel.adapters, memory: {} });
  });

  afterAll(async () => {
    await t?.close();
    await panel?.close();
  });

  const body = (extra: Record<string, unknown> = {}) => ({
    question: QUESTION,
    participants: [{ adapter: 'alpha' }, { adapter: 'beta' }],
    mode: 'quick',
    ...extra,
  });

  async function deliberate(extra: Record<string, unknown> = {}, query = ''): Promise<any> {
    const res = await request(t.url).post(`/v1/deliberations${query}`).send(body(extra)).expect(202);
    return waitForStatus(t.url, res.body.id, ['completed', 'failed']);
  }

  let first: any;

  it('should store a completed deliberation as a decision and find it by a similar question', async () => {
    first = await deliberate({ memory: 'off' });
    expect(first.status).toBe('completed');
    expect(first.memory).toEqual({ mode: 'off', decisions: [] });

    const decision = (await request(t.url).get(`/v1/decisions/${first.id}`).expect(200)).body;
    expect(decision).toMatchObject({
      id: first.id,
      deliberationId: first.id,
      question: QUESTION,
      outcome: 'unanimous',
      winningOption: 'Adopt webhooks',
      stopReason: first.result.stopReason,
      rounds: 1,
      tokens: first.result.tokens.totalTokens,
      vectorKind: 'tfidf',
      participants: [
        { adapter: 'alpha', model: expect.any(String), stance: 'neutral', role: null },
        { adapter: 'beta', model: expect.any(String), stance: 'neutral', role: null },
      ],
      reuse: { hits: 0, tokensSaved: 0 },
    });
    expect(decision.confidence).toBeCloseTo(0.85, 5);
    expect(decision.tokens).toBeGreaterThan(0);

    const found = (await request(t.url).get('/v1/decisions').query({ q: PARAPHRASE }).expect(200)).body;
    expect(found.items).toHaveLength(1);
    expect(found.items[0]).toMatchObject({ id: first.id, winningOption: 'Adopt webhooks' });
    expect(found.items[0].similarity).toBeGreaterThan(0.75);
    expect(found.items[0].similarity).toBeLessThan(1);
    // Nothing in common: no hit, however low the threshold.
    expect((await request(t.url).get('/v1/decisions').query({ q: 'Cache user profiles offline on the phone?' }).expect(200)).body.items).toEqual([]);
    expect((await request(t.url).get('/v1/decisions').query({ q: LOOK_ALIKE, minSimilarity: 0.99 }).expect(200)).body.items).toEqual([]);

    const stats = (await request(t.url).get('/v1/decisions/stats').expect(200)).body;
    expect(stats).toMatchObject({ count: 1, outcomes: { unanimous: 1 }, tokens: decision.tokens, reuse: { hits: 0, tokensSaved: 0 } });
  });

  it("should quote similar past decisions in round 1's prompt under memory: context, and say so in the events and transcript", async () => {
    const before = panel.calls('alpha').length;
    const second = await deliberate({ question: PARAPHRASE, memory: 'context' });
    expect(second.status).toBe('completed');
    const prompt = panel.calls('alpha')[before].prompt;
    expect(prompt).toContain('Past decisions on similar questions');
    expect(prompt).toContain(`asked "${QUESTION}" → decided "Adopt webhooks" (unanimous), confidence 85%`);
    expect(second.memory.mode).toBe('context');
    expect(second.memory.decisions).toEqual([expect.objectContaining({ id: first.id, decision: 'Adopt webhooks', outcome: 'unanimous' })]);

    const events = await readEvents(t.url, second.id);
    const used = events.find((e) => e.type === 'memory_used');
    expect(used?.data).toMatchObject({ mode: 'context', decisions: [expect.objectContaining({ id: first.id })] });
    const transcript = (await request(t.url).get(`/v1/deliberations/${second.id}/transcript`).expect(200)).text;
    expect(transcript).toContain('## Memory');
    expect(transcript).toContain(first.id);
  });

  it('should quote them by default (config memory.mode: context)', async () => {
    const before = panel.calls('alpha').length;
    const run = await deliberate({ question: PARAPHRASE });
    expect(run.memory.mode).toBe('context');
    expect(run.memory.decisions.map((d: any) => d.id)).toContain(first.id);
    expect(panel.calls('alpha')[before].prompt).toContain('Past decisions on similar questions');
  });

  it('should quote nothing under memory: off', async () => {
    const before = panel.calls('alpha').length;
    const run = await deliberate({ question: PARAPHRASE, memory: 'off' });
    expect(panel.calls('alpha')[before].prompt).not.toContain('Past decisions');
    expect(run.memory.decisions).toEqual([]);
  });

  it('should answer a repeated question from memory under memory: reuse, with no provider call, and say what it saved', async () => {
    const calls = panel.totalCalls();
    const res = await request(t.url)
      .post('/v1/deliberations')
      .send(body({ memory: 'reuse' }))
      .expect(202);
    expect(res.body.status).toBe('completed');
    const reused = (await request(t.url).get(`/v1/deliberations/${res.body.id}`).expect(200)).body;
    expect(panel.totalCalls()).toBe(calls);
    expect(reused.rounds).toEqual([]);
    expect(reused.result).toMatchObject({
      outcome: 'unanimous',
      winningOption: 'Adopt webhooks',
      stopReason: 'reused',
      reusedFrom: first.id,
      roundsUsed: 0,
      economy: { tokensSaved: first.result.tokens.totalTokens, perDecision: { tokens: 0 } },
    });
    expect(reused.memory).toMatchObject({ mode: 'reuse', reusedFrom: first.id, decisions: [expect.objectContaining({ id: first.id, similarity: 1 })] });
    expect((await request(t.url).get(`/v1/deliberations/${reused.id}/tokens`).expect(200)).body.totals.totalTokens).toBe(0);

    const events = await readEvents(t.url, reused.id);
    expect(events.map((e) => e.type)).toEqual(['deliberation_started', 'memory_used', 'completed']);
    expect(events[1].data).toMatchObject({ mode: 'reuse', reusedFrom: first.id });
    expect((await request(t.url).get(`/v1/deliberations/${reused.id}/transcript`).expect(200)).text).toContain(`Answered from memory: decision ${first.id}`);

    // ?wait=true answers 200 with it at once.
    const waited = await request(t.url)
      .post('/v1/deliberations?wait=true')
      .send(body({ memory: 'reuse' }))
      .expect(200);
    expect(waited.body.result.reusedFrom).toBe(first.id);
    expect(panel.totalCalls()).toBe(calls);

    // A reused deliberation is no new decision: the store still holds the two that ran.
    const stats = (await request(t.url).get('/v1/decisions/stats').expect(200)).body;
    expect(stats.count).toBe(4);
    expect(stats.reuse).toMatchObject({ hits: 2, tokensSaved: 2 * first.result.tokens.totalTokens });
    expect(stats.reuse.costSavedUsd).toBeCloseTo(2 * first.result.tokens.costUsd, 9);
    expect((await request(t.url).get(`/v1/decisions/${first.id}`).expect(200)).body.reuse).toEqual({
      hits: 2,
      tokensSaved: 2 * first.result.tokens.totalTokens,
    });
  });

  it('should say through MCP deliberate when the answer came from memory', async () => {
    const client = new Client({ name: 'conclave-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', t.url)));
    try {
      const calls = panel.totalCalls();
      const reused = await client.callTool({ name: 'deliberate', arguments: { ...body({ memory: 'reuse' }), waitSeconds: 5 } });
      const summary = reused.structuredContent as any;
      expect(summary.status).toBe('completed');
      expect(summary.result.stopReason).toBe('reused');
      expect(summary.memory).toMatchObject({ mode: 'reuse', reusedFrom: first.id, decisions: [expect.objectContaining({ id: first.id })] });
      const text = reused.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
      expect(text).toContain(`Answered from memory: decision ${first.id}`);
      expect(panel.totalCalls()).toBe(calls);

      const quoted = (await client.callTool({ name: 'deliberate', arguments: { ...body({ question: PARAPHRASE, memory: 'context' }), waitSeconds: 10 } }))
        .structuredContent as any;
      expect(quoted.status).toBe('completed');
      expect(quoted.memory.mode).toBe('context');
      // The three closest (memory.contextDecisions): the paraphrase's own earlier runs by now.
      expect(quoted.memory.decisions).toHaveLength(3);
      for (const d of quoted.memory.decisions) expect(d.similarity).toBeGreaterThanOrEqual(0.75);

      const refused = await client.callTool({ name: 'deliberate', arguments: { ...body(), memory: 'always' } });
      expect(refused.isError).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('should run it anyway with ?force=true, and never reuse a look-alike question or one decided without the adapters asked', async () => {
    const calls = panel.totalCalls();
    const forced = await deliberate({ memory: 'reuse' }, '?force=true');
    expect(forced.result.stopReason).not.toBe('reused');
    expect(forced.result.reusedFrom).toBeUndefined();
    expect(panel.totalCalls()).toBeGreaterThan(calls);

    const lookAlike = await deliberate({ question: LOOK_ALIKE, memory: 'reuse' });
    expect(lookAlike.result.stopReason).not.toBe('reused');
    // Not reused, but still a related decision worth quoting when similar enough (or nothing).
    expect(lookAlike.memory.reusedFrom).toBeUndefined();

    const otherPanel = await deliberate({ memory: 'reuse', participants: [{ adapter: 'alpha' }, { adapter: 'slow' }] });
    expect(otherPanel.result.stopReason).not.toBe('reused');
  });

  it('should delete a finished deliberation with its decision, keep its ledger rows, and refuse a running one', async () => {
    const running = (
      await request(t.url)
        .post('/v1/deliberations')
        .send(body({ participants: [{ adapter: 'alpha' }, { adapter: 'slow' }] }))
        .expect(202)
    ).body;
    await waitForStatus(t.url, running.id, ['running']);
    const refused = await request(t.url).delete(`/v1/deliberations/${running.id}`).expect(409);
    expect(refused.body.message).toContain('is running');
    await request(t.url).post(`/v1/deliberations/${running.id}/cancel`).expect(200);

    const tokensBefore = (await request(t.url).get(`/v1/deliberations/${first.id}/tokens`).expect(200)).body.totals.totalTokens;
    await request(t.url).delete(`/v1/deliberations/${first.id}`).expect(204);
    await request(t.url).get(`/v1/deliberations/${first.id}`).expect(404);
    await request(t.url).get(`/v1/decisions/${first.id}`).expect(404);
    await request(t.url).get(`/v1/deliberations/${first.id}/checkpoints`).expect(404);
    const left = await t.app.get(DataSource).query('SELECT COUNT(*) AS n FROM recorded_calls WHERE deliberation_id = ?', [first.id]);
    expect(Number(left[0].n)).toBe(0);
    const found = (await request(t.url).get('/v1/decisions').query({ q: QUESTION, limit: 100 }).expect(200)).body.items;
    expect(found.map((d: any) => d.id)).not.toContain(first.id);
    // The ledger is the audit of what was spent: it keeps the deleted deliberation's calls.
    expect((await request(t.url).get(`/v1/deliberations/${first.id}/tokens`).expect(200)).body.totals.totalTokens).toBe(tokensBefore);
    await request(t.url).delete(`/v1/deliberations/${first.id}`).expect(404);

    // The reused deliberations' answers came from it; they stay, and a new reuse now finds another decision.
    const again = (
      await request(t.url)
        .post('/v1/deliberations?wait=true')
        .send(body({ memory: 'reuse' }))
        .expect(200)
    ).body;
    expect(again.result.reusedFrom).toBeDefined();
    expect(again.result.reusedFrom).not.toBe(first.id);
  });

  it('should refuse bad input: 400 naming the field, 404 for an unknown decision', async () => {
    const empty = await request(t.url).get('/v1/decisions').query({ q: '' }).expect(400);
    expect(empty.body.message).toContain('q');
    await request(t.url).get('/v1/decisions').expect(400);
    await request(t.url).get('/v1/decisions').query({ q: '   ' }).expect(400);
    const long = await request(t.url)
      .get('/v1/decisions')
      .query({ q: 'é'.repeat(20_001) })
      .expect(400);
    expect(long.body.message).toContain('q must be 1 to 20000 characters');
    await request(t.url)
      .get('/v1/decisions')
      .query({ q: 'x'.repeat(20_000) })
      .expect(200);
    await request(t.url).get('/v1/decisions').query({ q: 'webhooks', limit: 0 }).expect(400);
    await request(t.url).get('/v1/decisions').query({ q: 'webhooks', minSimilarity: 2 }).expect(400);
    await request(t.url).get('/v1/decisions').query({ q: 'webhooks', minSimilarity: 'high' }).expect(400);

    const mode = await request(t.url)
      .post('/v1/deliberations')
      .send(body({ memory: 'remember' }))
      .expect(400);
    expect(mode.body.message).toContain('memory must be one of off, context, reuse');
    await request(t.url).post('/v1/deliberations?force=maybe').send(body()).expect(400);

    const missing = await request(t.url).get('/v1/decisions/00000000-0000-4000-8000-000000000000').expect(404);
    expect(missing.body.message).toContain('does not exist');
    await request(t.url).get('/v1/decisions/not-a-uuid').expect(400);
    await request(t.url).delete('/v1/deliberations/00000000-0000-4000-8000-000000000000').expect(404);
  });
});

/**
 * memory.embeddings: each decision also gets an embedding when it completes (a call in its ledger), and
 * `context` ranks past decisions by the embeddings' cosine — so a question in other words (which TF-IDF
 * cannot relate) is still quoted. Reuse and search stay TF-IDF: they never call a model.
 */
describe('decision memory with embeddings (e2e)', () => {
  let panel: ScriptedPanel;
  let embeddings: EmbeddingsServer;
  let t: TestApp;
  // The loopback embedder's "meaning": billing-event delivery questions on one axis, anything else on another.
  const meaning = (text: string) => (/webhook|event push|notif/i.test(text) ? [1, 0.1, 0] : [0, 0.2, 1]);

  beforeAll(async () => {
    panel = await startPanel([
      { name: 'alpha', script: [turn('Webhooks, with a reconciliation poll.', vote('Adopt webhooks', { continueDebate: false }))] },
      { name: 'beta', script: [turn('Agreed.', vote('Adopt webhooks', { continueDebate: false }))] },
    ]);
    embeddings = await startEmbeddingsServer({ wire: 'openai', embed: meaning, tokensPerText: 7 });
    t = await startTestApp({
      adapters: [...panel.adapters, embeddingsAdapter(embeddings)],
      memory: { embeddings: { adapter: 'emb', model: 'text-embedding-3-small' } },
    });
  });

  afterAll(async () => {
    await t?.close();
    await panel?.close();
    await embeddings?.close();
  });

  const ask = async (question: string, memory: string) =>
    (
      await request(t.url)
        .post('/v1/deliberations?wait=true')
        .send({ question, participants: [{ adapter: 'alpha' }, { adapter: 'beta' }], mode: 'quick', memory })
        .expect(200)
    ).body;

  it('should embed each completed decision once, in its own ledger, and quote by embeddings what TF-IDF cannot relate', async () => {
    const first = await ask(QUESTION, 'context');
    // Nothing embedded yet: the lookup made no call; the completion made one.
    expect(embeddings.calls.map((c) => c.input)).toEqual([[QUESTION]]);
    expect((await request(t.url).get(`/v1/decisions/${first.id}`).expect(200)).body.vectorKind).toBe('tfidf+embeddings:text-embedding-3-small');
    const usage = (await request(t.url).get('/v1/usage').query({ groupBy: 'role' }).expect(200)).body;
    expect(JSON.stringify(usage)).toContain('embeddings');

    const reworded = 'Should the processor notify us by event push instead of being asked every minute?';
    const before = panel.calls('alpha').length;
    const second = await ask(reworded, 'context');
    expect(second.memory.decisions).toEqual([expect.objectContaining({ id: first.id, similarityBy: 'embeddings', similarity: 1 })]);
    expect(panel.calls('alpha')[before].prompt).toContain(`asked "${QUESTION}"`);
    // One call for the lookup and one for its own decision, both in its ledger (participant -1).
    expect(embeddings.calls.slice(1).map((c) => c.input)).toEqual([[reworded], [reworded]]);
    const tokens = (await request(t.url).get(`/v1/deliberations/${second.id}/tokens`).expect(200)).body;
    expect(tokens.byParticipant.find((p: any) => p.participantIndex === -1)?.totalTokens).toBe(14);
    // TF-IDF alone would not have related them.
    const lexical = (await request(t.url).get('/v1/decisions').query({ q: reworded }).expect(200)).body.items;
    expect(lexical.map((d: any) => d.id)).toEqual([second.id]);

    // Reuse never calls a model, embeddings included.
    const calls = embeddings.calls.length;
    const reused = await ask(QUESTION, 'reuse');
    expect(reused.result.reusedFrom).toBe(first.id);
    expect(embeddings.calls.length).toBe(calls);
  });
});
