import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import request from 'supertest';
import { get_encoding } from 'tiktoken';
import { startPanel, turn, vote, type ScriptedPanel } from './support/scripted-providers';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The MCP server (issue 16) driven by the SDK's own client: over streamable HTTP at /mcp on the service
 * (both protocol eras), and over stdio by spawning the built bin (in-process service, and the bridge to
 * a running one). Providers are loopback servers scripted per round; nothing is stubbed.
 */

const KEY = 'mcp-e2e-key-0123456789abcdef';
const MCP_MAIN = resolve(__dirname, '../dist/apps/mcp/src/main.js');
const CASSETTE = resolve(__dirname, '../demo/cassette.json');
const QUESTION = 'Should our billing service move from REST polling to webhooks?';
const TOOLS = [
  'budget_status',
  'cancel',
  'deliberate',
  'estimate_cost',
  'get_deliberation',
  'get_transcript',
  'list_adapters',
  'pause',
  'resume',
  'token_usage',
];

const encoder = get_encoding('cl100k_base');
afterAll(() => encoder.free());

/** Distinct words per participant and round, `words` long. */
function prose(who: string, round: number, words = 40): string {
  return Array.from({ length: words }, (_, i) => `${who}r${round}w${i}`).join(' ') + '.';
}

type Era = 'legacy' | 'modern';

async function httpClient(url: string, era: Era, key: string | null = KEY): Promise<Client> {
  const client = new Client({ name: 'conclave-e2e', version: '1.0.0' }, era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {});
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', url), key ? { requestInit: { headers: { Authorization: `Bearer ${key}` } } } : undefined);
  await client.connect(transport);
  return client;
}

interface Notice {
  progress: number;
  total?: number;
  message?: string;
}

/** Calls a tool; returns its result and the progress notifications received while it ran. */
async function call(client: Client, name: string, args: Record<string, unknown>, timeout = 30_000) {
  const notices: Notice[] = [];
  const result = await client.callTool({ name, arguments: args }, { onprogress: (p: Notice) => notices.push(p), timeout });
  const text = result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  return { result, structured: result.structuredContent as any, text, notices };
}

function sortedToolNames(tools: Array<{ name: string }>): string[] {
  return tools.map((t) => t.name).sort();
}

describe('MCP over streamable HTTP (e2e)', () => {
  let panel: ScriptedPanel;
  let t: TestApp;
  const gates: Array<() => void> = [];
  let holdRound2 = false;

  beforeAll(async () => {
    const gate = new Promise<void>((r) => gates.push(r));
    const script = (who: string, words: number) => async (round: number) => {
      if (holdRound2 && round === 2) await gate;
      // Round 1 split, round 2 agreed: a deliberation converges at round 2 of 3.
      const option = round === 1 && who === 'gamma' ? 'Keep polling' : 'Adopt webhooks';
      return turn(prose(who, round, words), vote(option, { continueDebate: round < 2 }), { delayMs: 30, usage: { input: 200, output: 50 } });
    };
    panel = await startPanel([
      { name: 'alpha', script: script('alpha', 40) },
      { name: 'beta', wire: 'anthropic', script: script('beta', 40) },
      { name: 'gamma', script: script('gamma', 40) },
      // Long answers, for the transcript's pages.
      {
        name: 'verbose',
        script: (round) => turn(prose('verbose', round, 1800), vote('Adopt webhooks', { continueDebate: round < 2 }), { usage: { input: 300, output: 2500 } }),
      },
    ]);
    t = await startTestApp({ server: { apiKey: KEY }, adapters: panel.adapters, rateLimit: { ttlMs: 60_000, limit: 1_000_000 } });
  });

  afterAll(async () => {
    for (const release of gates) release();
    await t?.close();
    await panel?.close();
  });

  const three = () => [{ adapter: 'alpha' }, { adapter: 'beta', stance: 'against' }, { adapter: 'gamma', role: 'security' }];

  it('should refuse a missing or wrong key with HTTP 401 before any MCP handling, and the SDK client with it', async () => {
    const body = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} };
    for (const headers of [{}, { authorization: 'Bearer wrong-key-wrong-key-wrong-key' }, { authorization: KEY }]) {
      const res = await request(t.url)
        .post('/mcp')
        .set({ accept: 'application/json, text/event-stream', ...headers })
        .send(body);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ statusCode: 401, message: 'send the API key as "Authorization: Bearer <key>"' });
      expect(JSON.stringify(res.body)).not.toContain('tools');
    }
    for (const method of ['get', 'delete'] as const) expect((await request(t.url)[method]('/mcp')).status).toBe(401);
    // Other spellings reach no tool either: the guard refuses them or no route matches.
    for (const path of ['/MCP', '/mcp/', '/Mcp', '/mcp/..']) {
      const res = await request(t.url).post(path).set('accept', 'application/json, text/event-stream').send(body);
      expect([path, [401, 404].includes(res.status)]).toEqual([path, true]);
    }
    await expect(httpClient(t.url, 'legacy', 'wrong-key-wrong-key-wrong-key')).rejects.toThrow();
    await expect(httpClient(t.url, 'legacy', null)).rejects.toThrow();
  });

  it('should not put /mcp in the OpenAPI document (it describes the REST API)', async () => {
    const doc = await request(t.url).get('/docs-json').expect(200);
    expect(Object.keys(doc.body.paths).filter((p) => p.includes('mcp'))).toEqual([]);
  });

  it.each<Era>(['legacy', 'modern'])('should list the ten tools with described input schemas (%s protocol era)', async (era) => {
    const client = await httpClient(t.url, era);
    try {
      expect(client.getNegotiatedProtocolVersion()).toEqual(era === 'modern' ? '2026-07-28' : expect.stringMatching(/^2025-/));
      const { tools } = await client.listTools();
      expect(sortedToolNames(tools)).toEqual(TOOLS);
      const deliberate = tools.find((x) => x.name === 'deliberate')!;
      expect(deliberate.description).toMatch(/get_deliberation/);
      const props = deliberate.inputSchema.properties as Record<string, { description?: string }>;
      expect(Object.keys(props)).toEqual(
        expect.arrayContaining(['question', 'participants', 'mode', 'maxRounds', 'context', 'budget', 'history', 'chair', 'waitSeconds']),
      );
      expect(props.waitSeconds.description).toMatch(/default 50/);
      expect(deliberate.inputSchema.required).toEqual(expect.arrayContaining(['question', 'participants']));
      expect(tools.every((x) => x.outputSchema?.type === 'object')).toBe(true);
    } finally {
      await client.close();
    }
  });

  it.each<Era>(['legacy', 'modern'])('should deliberate to completion with progress notifications (%s protocol era)', async (era) => {
    const client = await httpClient(t.url, era);
    try {
      const { result, structured, text, notices } = await call(client, 'deliberate', {
        question: QUESTION,
        participants: three(),
        maxRounds: 3,
        waitSeconds: 30,
      });
      expect(result.isError).toBeFalsy();
      expect(structured).toMatchObject({ status: 'completed', finished: true, roundsCompleted: 2, maxRounds: 3 });
      expect(structured.result).toMatchObject({ outcome: 'unanimous', winningOption: 'Adopt webhooks' });
      expect(structured.rounds[0].votes.map((v: any) => v.option)).toEqual(['Adopt webhooks', 'Adopt webhooks', 'Keep polling']);
      expect(text).toMatch(/completed, 2 of 3 rounds/);
      expect(text).toMatch(/get_transcript/);

      // The figures are the ledger's, the same as REST's.
      const rest = await request(t.url).get(`/v1/deliberations/${structured.id}/tokens`).set('authorization', `Bearer ${KEY}`).expect(200);
      expect(structured.tokens.totalTokens).toBe(rest.body.totals.totalTokens);
      expect(structured.tokens.costUsd).toBeCloseTo(rest.body.totals.costUsd, 10);
      expect(structured.tokens.totalTokens).toBe(6 * 250);

      // Progress: round k of n, votes so far, tokens and cost; growing with every notification.
      expect(notices.length).toBeGreaterThanOrEqual(3);
      expect(notices.every((n) => n.total === 3)).toBe(true);
      for (let i = 1; i < notices.length; i++) expect(notices[i].progress).toBeGreaterThan(notices[i - 1].progress);
      expect(notices.map((n) => n.message).join('\n')).toMatch(/round 2 of 3: \d of 3 answers; votes so far: Adopt webhooks \d.*; [\d,]+ tokens, \$\d+\.\d{4}/);
      expect(notices[notices.length - 1].progress).toBe(2);
    } finally {
      await client.close();
    }
  });

  it('should return the id and how to follow when the deliberation outlasts waitSeconds', async () => {
    const client = await httpClient(t.url, 'legacy');
    try {
      const started = await call(client, 'deliberate', { question: QUESTION, participants: three(), waitSeconds: 0 });
      expect(started.structured).toMatchObject({ finished: false });
      expect(['queued', 'running']).toContain(started.structured.status);
      expect(started.structured.next).toContain(`get_deliberation {"id":"${started.structured.id}"}`);
      let view = started.structured;
      const deadline = Date.now() + 10_000;
      while (!view.finished && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        view = (await call(client, 'get_deliberation', { id: started.structured.id })).structured;
      }
      expect(view).toMatchObject({ id: started.structured.id, status: 'completed', roundsCompleted: 2 });
    } finally {
      await client.close();
    }
  });

  it('should page a long transcript under the token ceiling, whole and by round', async () => {
    const client = await httpClient(t.url, 'legacy');
    try {
      const done = await call(client, 'deliberate', {
        question: QUESTION,
        participants: [{ adapter: 'alpha' }, { adapter: 'verbose' }],
        maxRounds: 3,
        waitSeconds: 30,
      });
      expect(done.structured.status).toBe('completed');
      const id = done.structured.id as string;
      const markdown = (await request(t.url).get(`/v1/deliberations/${id}/transcript`).set('authorization', `Bearer ${KEY}`).expect(200)).text;
      expect(encoder.encode(markdown).length).toBeGreaterThan(20_000);

      // The whole transcript, following `next` from page 1.
      const pages: string[] = [];
      let args: Record<string, unknown> | null = { id };
      while (args) {
        const page = await call(client, 'get_transcript', args);
        expect(page.result.isError).toBeFalsy();
        expect(encoder.encode(page.structured.markdown).length).toBeLessThanOrEqual(8100);
        // Structured content and text rendering together stay under ~20k tokens.
        expect(encoder.encode(page.text + JSON.stringify(page.structured)).length).toBeLessThan(20_000);
        expect(page.structured.page).toBe(pages.length + 1);
        pages.push(page.structured.markdown);
        args = page.structured.next ? { id, ...page.structured.next } : null;
      }
      expect(pages.length).toBeGreaterThanOrEqual(3);
      const joined = pages.join('\n');
      // Nothing lost: every word of every answer is on some page, in order.
      for (const round of [1, 2]) {
        const words = prose('verbose', round, 1800).slice(0, -1).split(' ');
        const positions = [words[0], words[900], words[1799]].map((w) => joined.indexOf(w));
        expect(positions.every((p) => p >= 0)).toBe(true);
        expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      }
      expect(pages[0]).toMatch(/^# Deliberation /);
      expect(pages[pages.length - 1]).toContain('## Result');
      // Every page is balanced Markdown: fences open and close on the same page.
      for (const page of pages) expect((page.match(/^`{3,}text$/gm) ?? []).length).toBe((page.match(/^`{3,}$/gm) ?? []).length);

      // One round only.
      const round2 = await call(client, 'get_transcript', { id, round: 2 });
      expect(round2.structured).toMatchObject({ round: 2, page: 1, rounds: [1, 2] });
      expect(round2.structured.markdown).toMatch(/^## Round 2/);
      expect(round2.structured.markdown).not.toContain('verboser1w0 ');
      expect(round2.structured.markdown).toContain('verboser2w0 ');
      expect(round2.text).toMatch(/Page 1 of \d+ of round 2/);

      const missing = await call(client, 'get_transcript', { id, round: 7 });
      expect(missing.result.isError).toBe(true);
      expect(missing.text).toBe(`round: deliberation ${id} has no round 7 (rounds: 1, 2)`);
      const past = await call(client, 'get_transcript', { id, page: 99 });
      expect(past.result.isError).toBe(true);
      expect(past.text).toMatch(/^page: 99 is past the last page \(\d+\)$/);
    } finally {
      await client.close();
    }
  });

  it('should read token usage per deliberation, round, participant and over a time range, as REST does', async () => {
    const client = await httpClient(t.url, 'modern');
    const auth = { authorization: `Bearer ${KEY}` };
    try {
      const { structured: d } = await call(client, 'deliberate', { question: QUESTION, participants: three(), waitSeconds: 30 });
      expect(d.status).toBe('completed');
      const whole = await call(client, 'token_usage', { deliberationId: d.id });
      const rest = (await request(t.url).get(`/v1/deliberations/${d.id}/tokens`).set(auth).expect(200)).body;
      expect(whole.structured).toMatchObject({ scope: 'deliberation', totals: rest.totals, byRound: rest.byRound, byParticipant: rest.byParticipant });
      expect(whole.text).toMatch(/round 2: 750 tokens/);

      const one = await call(client, 'token_usage', { deliberationId: d.id, round: 1, participantIndex: 1 });
      expect(one.structured.scope).toBe('round');
      expect(one.structured.calls).toHaveLength(1);
      expect(one.structured.calls[0]).toMatchObject({ participantIndex: 1, adapter: 'beta', totalTokens: 250 });

      const range = await call(client, 'token_usage', { groupBy: 'adapter' });
      const restRange = (await request(t.url).get('/v1/usage?groupBy=adapter').set(auth).expect(200)).body;
      expect(range.structured.scope).toBe('range');
      expect(range.structured.groups.map((g: any) => g.key).sort()).toEqual(restRange.groups.map((g: any) => g.key).sort());
      expect(range.structured.totals.totalTokens).toBe(restRange.totals.totalTokens);

      const wrong = await call(client, 'token_usage', { round: 1 });
      expect(wrong.result.isError).toBe(true);
      expect(wrong.text).toBe('round: only with deliberationId');
      const badDate = await call(client, 'token_usage', { from: 'yesterday' });
      const restBad = (await request(t.url).get('/v1/usage?from=yesterday').set(auth).expect(400)).body;
      expect(badDate.result.isError).toBe(true);
      expect(badDate.text).toBe(restBad.message);
    } finally {
      await client.close();
    }
  });

  it('should show budget windows, adapters and an estimate as the REST routes do', async () => {
    const client = await httpClient(t.url, 'legacy');
    const auth = { authorization: `Bearer ${KEY}` };
    try {
      const budgets = await call(client, 'budget_status', {});
      const restBudgets = (await request(t.url).get('/v1/budgets/status').set(auth).expect(200)).body;
      expect(budgets.structured.windows.map((w: any) => [w.window, w.zone])).toEqual(restBudgets.map((w: any) => [w.window, w.zone]));
      expect(budgets.structured.windows[0].forecast).toHaveProperty('recommendation');
      expect(budgets.text).toMatch(/- daily: no limit, zone GREEN; .*; resets \d{4}-/);

      const adapters = await call(client, 'list_adapters', {});
      expect(adapters.structured.adapters.map((a: any) => a.name)).toEqual(['alpha', 'beta', 'gamma', 'verbose']);
      expect(adapters.structured.adapters.every((a: any) => a.reachable === true && a.tier === 'T2')).toBe(true);
      expect(adapters.text).toMatch(/- beta \(http anthropic, T2\): fast claude-haiku-4-5/);

      const body = { question: QUESTION, participants: three(), maxRounds: 2, budget: { maxTokens: 100 } };
      const estimate = await call(client, 'estimate_cost', body);
      const restEstimate = (await request(t.url).post('/v1/deliberations/estimate').set(auth).send(body).expect(200)).body;
      expect(estimate.structured).toEqual(restEstimate);
      expect(estimate.structured.budget.fits).toBe(false);
      expect(estimate.text).toMatch(/Fits the budgets: no/);
    } finally {
      await client.close();
    }
  });

  it('should refuse bad arguments naming the field, and answer domain errors with the REST message', async () => {
    const client = await httpClient(t.url, 'legacy');
    const auth = { authorization: `Bearer ${KEY}` };
    try {
      // The schema: the field is named.
      const one = await call(client, 'deliberate', { question: QUESTION, participants: [{ adapter: 'alpha' }] });
      expect(one.result.isError).toBe(true);
      expect(one.text).toMatch(/participants/);
      const typo = await call(client, 'deliberate', { question: QUESTION, participants: three(), maxRound: 2 });
      expect(typo.result.isError).toBe(true);
      expect(typo.text).toMatch(/maxRound/);
      const badId = await call(client, 'get_deliberation', { id: 'not-a-uuid' });
      expect(badId.result.isError).toBe(true);
      expect(badId.text).toMatch(/\bid\b/);

      // The DTO, the same as the route: a control character in the question.
      const nul = { question: 'Webhooks\u0000?', participants: three() };
      const restNul = (await request(t.url).post('/v1/deliberations').set(auth).send(nul).expect(400)).body;
      const toolNul = await call(client, 'deliberate', nul);
      expect(toolNul.result.isError).toBe(true);
      expect(toolNul.text).toBe(restNul.message);
      expect(toolNul.text).toMatch(/^question must not contain control characters/);

      // Domain errors: the message of the route, the code in _meta.
      const unknown = { question: QUESTION, participants: [{ adapter: 'alpha' }, { adapter: 'nobody' }] };
      const restUnknown = (await request(t.url).post('/v1/deliberations').set(auth).send(unknown).expect(400)).body;
      const toolUnknown = await call(client, 'deliberate', unknown);
      expect(toolUnknown.text).toBe(restUnknown.message);
      expect(toolUnknown.text).toBe('participants.1.adapter: no adapter named "nobody" is configured (see GET /v1/adapters)');
      expect(toolUnknown.result._meta?.['conclave/error']).toMatchObject({ statusCode: 400, details: { code: 'UNKNOWN_ADAPTER' } });

      const ghost = '00000000-0000-4000-8000-000000000000';
      const restGhost = (await request(t.url).get(`/v1/deliberations/${ghost}`).set(auth).expect(404)).body;
      for (const tool of ['get_deliberation', 'cancel', 'pause']) {
        const missing = await call(client, tool, { id: ghost });
        expect([tool, missing.result.isError, missing.text]).toEqual([tool, true, restGhost.message]);
      }
      const noCheckpoint = await call(client, 'resume', { checkpointId: ghost });
      const restNoCheckpoint = (await request(t.url).post(`/v1/checkpoints/${ghost}/resume`).set(auth).send({}).expect(404)).body;
      expect(noCheckpoint.text).toBe(restNoCheckpoint.message);
    } finally {
      await client.close();
    }
  });

  it('should pause a running deliberation, refuse a second pause with the REST message, and resume it to completion with progress', async () => {
    const client = await httpClient(t.url, 'legacy');
    const auth = { authorization: `Bearer ${KEY}` };
    holdRound2 = true;
    try {
      const question = `${QUESTION} (paused by a person)`;
      const mine = (round: number) => panel.callsInRound('alpha', round).filter((c) => c.prompt.includes(question));
      const started = await call(client, 'deliberate', { question, participants: three(), maxRounds: 3, waitSeconds: 0 });
      const id = started.structured.id as string;
      const deadline = Date.now() + 10_000;
      while (mine(2).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(mine(2)).toHaveLength(1);

      const paused = await call(client, 'pause', { id, now: true, wait: true });
      expect(paused.result.isError).toBeFalsy();
      expect(paused.structured).toMatchObject({ id, status: 'paused', finished: true, roundsCompleted: 1, pause: { reason: 'person' } });
      expect(paused.structured.latestCheckpointId).toEqual(expect.any(String));
      expect(paused.structured.next).toContain(`resume {"checkpointId":"${paused.structured.latestCheckpointId}"}`);

      const again = await call(client, 'pause', { id });
      const restAgain = (await request(t.url).post(`/v1/deliberations/${id}/pause`).set(auth).expect(409)).body;
      expect(again.result.isError).toBe(true);
      expect(again.text).toBe(restAgain.message);
      expect(again.text).toBe(`deliberation ${id} is paused; only a queued or running deliberation can be paused`);

      holdRound2 = false;
      for (const release of gates) release();
      const resumed = await call(client, 'resume', { checkpointId: paused.structured.latestCheckpointId, maxRounds: 3, waitSeconds: 30 });
      expect(resumed.result.isError).toBeFalsy();
      expect(resumed.structured).toMatchObject({ id, status: 'completed', roundsCompleted: 2, result: { outcome: 'unanimous' } });
      expect(resumed.notices.length).toBeGreaterThanOrEqual(1);
      expect(resumed.notices.some((n) => /round 2 of 3/.test(n.message ?? ''))).toBe(true);
      // Round 1 was not asked again; round 2 once before the pause (cut) and once after.
      expect(mine(1)).toHaveLength(1);
      expect(mine(2)).toHaveLength(2);
    } finally {
      holdRound2 = false;
      await client.close();
    }
  });

  it('should cancel a deliberation and say so, refusing a second cancel with the REST message', async () => {
    const client = await httpClient(t.url, 'modern');
    const auth = { authorization: `Bearer ${KEY}` };
    try {
      const { structured } = await call(client, 'deliberate', { question: QUESTION, participants: three(), waitSeconds: 30 });
      const again = await call(client, 'cancel', { id: structured.id });
      const rest = (await request(t.url).post(`/v1/deliberations/${structured.id}/cancel`).set(auth).expect(409)).body;
      expect(again.result.isError).toBe(true);
      expect(again.text).toBe(rest.message);
    } finally {
      await client.close();
    }
  });
});

/** The built bin over stdio, as an MCP client launches it. */
describe('MCP over stdio: conclave-mcp (e2e)', () => {
  let dir: string;
  let configPath: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'conclave-mcp-'));
    configPath = join(dir, 'conclave.yaml');
    // JSON is YAML: two replayed participants from the demo cassette.
    const adapters = ['a0', 'a1', 'a2'].map((name) => ({
      name,
      kind: 'replay',
      cassette: CASSETTE,
      tier: 'T2',
      models: { fast: 'gpt-5-mini', reasoning: 'gpt-5' },
    }));
    writeFileSync(configPath, JSON.stringify({ server: { logLevel: 'info' }, adapters }));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function stdioClient(env: Record<string, string>): Promise<{ client: Client; stderr: () => string; errors: Error[] }> {
    const transport = new StdioClientTransport({ command: process.execPath, args: [MCP_MAIN], env: { PATH: process.env.PATH ?? '', ...env }, stderr: 'pipe' });
    let stderr = '';
    (transport.stderr as Readable | null)?.on('data', (b: Buffer) => (stderr += b.toString()));
    const client = new Client({ name: 'conclave-e2e-stdio', version: '1.0.0' });
    const errors: Error[] = [];
    // The client SDK dispatches notifications on a microtask but responses at once, so progress notifications
    // read in the same chunk as the result reach it after the call has ended, and it reports them as
    // "unknown token" (docs/mcp.md). Any other error counts.
    client.onerror = (e) => {
      if (!/progress notification for an unknown token/.test(e.message)) errors.push(e);
    };
    await client.connect(transport, { timeout: 30_000 });
    return { client, stderr: () => stderr, errors };
  }

  it('should start the service in-process and deliberate to completion with progress, stdout carrying protocol messages only', async () => {
    const dbPath = join(dir, 'in-process.sqlite');
    const { client, stderr, errors } = await stdioClient({ CONCLAVE_CONFIG: configPath, CONCLAVE_DB: dbPath });
    try {
      expect(sortedToolNames((await client.listTools()).tools)).toEqual(TOOLS);
      const participants = [{ adapter: 'a0' }, { adapter: 'a1' }, { adapter: 'a2' }];
      const { structured, notices } = await call(client, 'deliberate', { question: QUESTION, participants, maxRounds: 2, waitSeconds: 40 }, 60_000);
      expect(structured).toMatchObject({ status: 'completed', finished: true });
      expect(structured.tokens.totalTokens).toBeGreaterThan(0);
      expect(notices.length).toBeGreaterThanOrEqual(2);
      expect(notices.some((n) => /round 1 of 2: \d of 3 answers; votes so far/.test(n.message ?? ''))).toBe(true);

      const page = await call(client, 'get_transcript', { id: structured.id, round: 1 });
      expect(page.structured.markdown).toMatch(/^## Round 1/);
      const usage = await call(client, 'token_usage', { deliberationId: structured.id });
      expect(usage.structured.totals.totalTokens).toBe(structured.tokens.totalTokens);

      // The service's JSON logs (logLevel info) went to stderr; stdout held nothing the client could not parse.
      expect(stderr()).toMatch(/conclave-mcp: serving the tools in-process; database .*in-process\.sqlite; REST API on http:\/\/127\.0\.0\.1:\d+/);
      expect(stderr()).toMatch(/"level":30/);
      expect(errors).toEqual([]);
    } finally {
      await client.close();
    }
  }, 90_000);

  describe('with CONCLAVE_URL (bridge to a running service)', () => {
    let panel: ScriptedPanel;
    let t: TestApp;

    beforeAll(async () => {
      panel = await startPanel(
        ['p0', 'p1'].map((name) => ({ name, script: (round: number) => turn(prose(name, round), vote('Adopt webhooks', { continueDebate: false })) })),
      );
      t = await startTestApp({ server: { apiKey: KEY }, adapters: panel.adapters });
    });

    afterAll(async () => {
      await t?.close();
      await panel?.close();
    });

    it("should forward to the service's /mcp with the key: the same tools, progress included", async () => {
      const { client, stderr, errors } = await stdioClient({ CONCLAVE_URL: t.url, CONCLAVE_API_KEY: KEY });
      try {
        expect(sortedToolNames((await client.listTools()).tools)).toEqual(TOOLS);
        const { structured, notices } = await call(client, 'deliberate', {
          question: QUESTION,
          participants: panel.participants(),
          maxRounds: 2,
          waitSeconds: 30,
        });
        expect(structured).toMatchObject({ status: 'completed' });
        expect(notices.length).toBeGreaterThanOrEqual(1);
        // It ran in the service: REST sees it.
        await request(t.url).get(`/v1/deliberations/${structured.id}`).set('authorization', `Bearer ${KEY}`).expect(200);
        expect(stderr()).toContain(`conclave-mcp: forwarding to ${t.url}/mcp`);
        expect(errors).toEqual([]);
      } finally {
        await client.close();
      }
    }, 60_000);

    it('should answer with an error naming the refusal when the key is wrong', async () => {
      await expect(stdioClient({ CONCLAVE_URL: t.url, CONCLAVE_API_KEY: 'wrong-key-wrong-key-wrong-key' })).rejects.toThrow(/refused or did not answer/);
    }, 60_000);
  });
});
