import Database from 'better-sqlite3';
import request from 'supertest';
import { get_encoding } from 'tiktoken';
import type { ProviderCall } from './fixtures/provider-server';
import { startPanel, turn, vote, type ScriptedPanel, type Turn } from './support/scripted-providers';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Issue 5 end to end: a deliberation against loopback providers that report known usage, and every
 * REST figure checked to the token and every cost to the micro-dollar.
 *
 * Participants (one adapter each):
 *   0 oa   openai wire, gpt-5            reports usage with reasoning and cached tokens
 *   1 an   anthropic wire, claude-sonnet-4-6  reports usage with cache reads
 *   2 est  openai wire, gpt-5-mini       reports no usage (null): estimated with the tokenizer
 *   3 fl   gemini wire, gemini-2.5-flash reports usage in round 1, fails with HTTP 500 in round 2
 * Deliberation A: all four, two rounds. Deliberation B: oa and est, quick (one round).
 */

/** USD per 1M tokens, from libs/tokens/src/prices/price-table.json (= micro-dollars per token). */
const PRICES: Record<string, { input: number; output: number; cachedInput: number }> = {
  'gpt-5': { input: 1.25, output: 10, cachedInput: 0.125 },
  'claude-sonnet-4-6': { input: 3, output: 15, cachedInput: 0.3 },
  'gpt-5-mini': { input: 0.25, output: 2, cachedInput: 0.025 },
  'gemini-2.5-flash': { input: 0.3, output: 2.5, cachedInput: 0.03 },
};
const ESTIMATE_ERROR_PCT = 15;

type Accuracy = 'exact' | 'estimated' | 'unavailable';

interface Row {
  deliberationId: string;
  round: number;
  participantIndex: number;
  adapter: string;
  model: string;
  input: number;
  output: number;
  reasoning: number;
  cached: number;
  accuracy: Accuracy;
  errorKind: string | null;
  /** The UTC day (YYYY-MM-DD) the provider server answered the call. */
  day: string;
}

/** The formula, in integer pico-dollars, rounded half up to micro-dollars once per call. */
function costMicros(row: Row): number {
  if (row.input + row.output + row.reasoning === 0) return 0;
  const price = PRICES[row.model];
  const pico = (usd: number) => BigInt(Math.round(usd * 1_000_000));
  const total =
    BigInt(row.input - row.cached) * pico(price.input) + BigInt(row.cached) * pico(price.cachedInput) + BigInt(row.output + row.reasoning) * pico(price.output);
  return Number((total + 500_000n) / 1_000_000n);
}

const totalOf = (r: Row) => r.input + r.output + r.reasoning;
const margin = (micros: number) => Math.round((micros * ESTIMATE_ERROR_PCT) / 100);

/** The shared figures shape, computed from the expected calls. */
function figures(rows: Row[]) {
  const sum = (f: (r: Row) => number) => rows.reduce((n, r) => n + f(r), 0);
  const exactTokens = sum((r) => (r.accuracy === 'exact' ? totalOf(r) : 0));
  const estimatedTokens = sum((r) => (r.accuracy === 'estimated' ? totalOf(r) : 0));
  const cost = sum(costMicros);
  const estimatedCost = sum((r) => (r.accuracy === 'estimated' ? costMicros(r) : 0));
  return {
    inputTokens: sum((r) => r.input),
    outputTokens: sum((r) => r.output),
    reasoningTokens: sum((r) => r.reasoning),
    cachedInputTokens: sum((r) => r.cached),
    totalTokens: sum(totalOf),
    exactTokens,
    estimatedTokens,
    unavailableCalls: rows.filter((r) => r.accuracy === 'unavailable').length,
    calls: rows.length,
    costUsd: cost / 1_000_000,
    costLowerUsd: Math.max(0, cost - margin(estimatedCost)) / 1_000_000,
    costUpperUsd: (cost + margin(estimatedCost)) / 1_000_000,
    costConfidence: exactTokens + estimatedTokens === 0 ? null : exactTokens / (exactTokens + estimatedTokens),
    unpricedCalls: 0,
  };
}

function groupBy<K>(rows: Row[], key: (r: Row) => K): Map<K, Row[]> {
  const groups = new Map<K, Row[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return groups;
}

/** Known usage per participant and round, as each wire's server reports it. */
const USAGE = {
  oa: { 1: { input: 1200, output: 300, reasoning: 500, cached: 200 }, 2: { input: 2400, output: 200, reasoning: 400, cached: 1000 } },
  an: { 1: { input: 2000, output: 400, cached: 1500 }, 2: { input: 5000, output: 600, cached: 4000 } },
  fl: { 1: { input: 800, output: 100, reasoning: 50 } },
} as const;

function prose(who: string, round: number): string {
  return Array.from({ length: 30 }, (_, i) => `${who}r${round}w${i}`).join(' ') + '.';
}

function parseMetrics(text: string, name: string): Array<{ labels: Record<string, string>; value: number }> {
  const series: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const match = /^[^{ ]+(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)) labels[pair[1]] = pair[2];
    series.push({ labels, value: Number(match[2]) });
  }
  return series;
}

describe('token tracking and cost (e2e)', () => {
  let panel: ScriptedPanel;
  let t: TestApp;
  let deliberationA: any;
  let deliberationB: any;
  let rows: Row[];
  const encoder = get_encoding('o200k_base');
  const count = (text: string | undefined) => (text ? encoder.encode_ordinary(text).length : 0);

  beforeAll(async () => {
    // When each server answered, per adapter in call order (no retries: one call per response).
    const answeredAt = new Map<string, Date[]>();
    const answered =
      (who: string, script: (round: number) => Turn) =>
      (round: number): Turn => {
        answeredAt.set(who, [...(answeredAt.get(who) ?? []), new Date()]);
        return script(round);
      };
    const script =
      (who: 'oa' | 'an' | 'fl') =>
      (round: number): Turn => {
        const usage = (USAGE[who] as Record<number, Turn['usage']>)[round];
        if (!usage) return { status: 500, text: `${who} is down` };
        return turn(prose(who, round), vote(who === 'an' ? 'Webhooks' : round === 1 ? 'Polling' : 'Webhooks'), { usage });
      };
    panel = await startPanel([
      { name: 'oa', wire: 'openai', script: answered('oa', script('oa')) },
      { name: 'an', wire: 'anthropic', script: answered('an', script('an')) },
      { name: 'est', wire: 'openai', script: answered('est', (round) => turn(prose('est', round), vote('Webhooks'), { usage: null })) },
      { name: 'fl', wire: 'gemini', script: answered('fl', script('fl')) },
    ]);
    t = await startTestApp({ adapters: panel.adapters });
    const models = ['gpt-5', 'claude-sonnet-4-6', 'gpt-5-mini', 'gemini-2.5-flash'];
    const a = await request(t.url)
      .post('/v1/deliberations?wait=true')
      .send({ question: 'Webhooks or polling for billing?', participants: panel.participants(models.map((model) => ({ model }))), maxRounds: 2 })
      .expect(200);
    deliberationA = a.body;
    const b = await request(t.url)
      .post('/v1/deliberations?wait=true')
      .send({
        question: 'Should invoices be batched nightly?',
        participants: [
          { adapter: 'oa', model: 'gpt-5' },
          { adapter: 'est', model: 'gpt-5-mini' },
        ],
        mode: 'quick',
      })
      .expect(200);
    deliberationB = b.body;

    // The expected calls: reported usage as the script sent it, the estimate as the tokenizer counts
    // what the estimating server received and answered, nothing for the failed call.
    const estCalls = [...panel.calls('est')];
    rows = [];
    for (const d of [deliberationA, deliberationB]) {
      for (const round of d.rounds) {
        for (const r of round.responses) {
          const day = answeredAt.get(r.adapter)!.shift()!.toISOString().slice(0, 10);
          const base = {
            deliberationId: d.id,
            round: round.number,
            participantIndex: r.participantIndex,
            adapter: r.adapter,
            model: r.model,
            errorKind: r.error?.kind ?? null,
            day,
          };
          if (r.error) {
            rows.push({ ...base, input: 0, output: 0, reasoning: 0, cached: 0, accuracy: 'unavailable' });
          } else if (r.adapter === 'est') {
            const call = estCalls.shift() as ProviderCall;
            rows.push({ ...base, input: count(call.prompt) + count(call.system), output: count(r.text), reasoning: 0, cached: 0, accuracy: 'estimated' });
          } else {
            const u = (USAGE as any)[r.adapter][round.number];
            rows.push({ ...base, input: u.input, output: u.output, reasoning: u.reasoning ?? 0, cached: u.cached ?? 0, accuracy: 'exact' });
          }
        }
      }
    }
  });

  afterAll(async () => {
    encoder.free();
    await t?.close();
    await panel?.close();
  });

  it('should run the scripted deliberations as planned', () => {
    expect(deliberationA).toMatchObject({ status: 'completed', result: { stopReason: 'max_rounds', roundsUsed: 2, degraded: true } });
    expect(deliberationB).toMatchObject({ status: 'completed', result: { roundsUsed: 1 } });
    expect(deliberationA.participants.map((p: any) => p.model)).toEqual(['gpt-5', 'claude-sonnet-4-6', 'gpt-5-mini', 'gemini-2.5-flash']);
    expect(rows.map((r) => `${r.round}:${r.adapter}:${r.accuracy}`)).toEqual([
      '1:oa:exact',
      '1:an:exact',
      '1:est:estimated',
      '1:fl:exact',
      '2:oa:exact',
      '2:an:exact',
      '2:est:estimated',
      '2:fl:unavailable',
      '1:oa:exact',
      '1:est:estimated',
    ]);
    expect(rows.find((r) => r.accuracy === 'estimated')!.input).toBeGreaterThan(100);
  });

  it('should price the known calls to the micro-dollar', () => {
    // Worked by hand from the shipped prices, so the oracle above is checked too.
    expect(costMicros(rows[0])).toBe(1000 * 1.25 + 200 * 0.125 + (300 + 500) * 10); // 9275
    expect(costMicros(rows[1])).toBe(500 * 3 + 1500 * 0.3 + 400 * 15); // 7950
    expect(costMicros(rows[3])).toBe(800 * 0.3 + (100 + 50) * 2.5); // 615
    expect(costMicros(rows[5])).toBe(1000 * 3 + 4000 * 0.3 + 600 * 15); // 13200
  });

  it('should keep on every response its tokens and the same cost as its token_usage row', async () => {
    for (const d of [deliberationA, deliberationB]) {
      const responses = d.rounds.flatMap((round: any) => round.responses.map((r: any) => ({ round: round.number, ...r })));
      const expected = rows.filter((r) => r.deliberationId === d.id);
      expect(responses.map((r: any) => [r.round, r.participantIndex, r.tokens])).toEqual(
        expected.map((r) => [
          r.round,
          r.participantIndex,
          { input: r.input, output: r.output, reasoning: r.reasoning, cachedInput: r.cached, total: totalOf(r), accuracy: r.accuracy },
        ]),
      );
      expect(responses.map((r: any) => r.costUsd)).toEqual(expected.map((r) => costMicros(r) / 1_000_000));
      for (const round of d.rounds) {
        const view = await request(t.url).get(`/v1/deliberations/${d.id}/rounds/${round.number}/tokens`).expect(200);
        expect(view.body.calls.map((c: any) => c.costUsd)).toEqual(round.responses.map((r: any) => r.costUsd));
        expect(view.body.calls.map((c: any) => c.latencyMs)).toEqual(round.responses.map((r: any) => r.latencyMs));
      }
    }
  });

  it('should record each call exactly once', async () => {
    const db = new Database(t.dbPath, { readonly: true });
    try {
      const stored = db.prepare('SELECT COUNT(*) AS n FROM token_usage').get() as { n: number };
      expect(stored.n).toBe(panel.totalCalls());
      expect(stored.n).toBe(rows.length);
    } finally {
      db.close();
    }
    const usage = await request(t.url).get('/v1/usage?groupBy=deliberation').expect(200);
    expect(usage.body.totals.calls).toBe(panel.totalCalls());
  });

  it('should answer GET /v1/deliberations/:id/tokens with totals, by participant and by round', async () => {
    const mine = rows.filter((r) => r.deliberationId === deliberationA.id);

    const sut = await request(t.url).get(`/v1/deliberations/${deliberationA.id}/tokens`).expect(200);

    expect(sut.body.deliberationId).toBe(deliberationA.id);
    expect(sut.body.totals).toEqual(figures(mine));
    expect(sut.body.byParticipant).toEqual(
      [...groupBy(mine, (r) => r.participantIndex).values()].map((g) => ({
        participantIndex: g[0].participantIndex,
        adapter: g[0].adapter,
        model: g[0].model,
        ...figures(g),
      })),
    );
    expect(sut.body.byRound).toEqual([...groupBy(mine, (r) => r.round).entries()].map(([round, g]) => ({ round, ...figures(g) })));
    // Spot checks of the derived figures, so a wrong oracle cannot agree with a wrong service.
    expect(sut.body.byParticipant[3]).toMatchObject({ calls: 2, unavailableCalls: 1, totalTokens: 950, costUsd: 0.000615, costConfidence: 1 });
    expect(sut.body.byParticipant[0]).toMatchObject({ inputTokens: 3600, cachedInputTokens: 1200, reasoningTokens: 900, totalTokens: 5000, costUsd: 0.01715 });
    expect(sut.body.totals.costConfidence).toBeGreaterThan(0.8);
    expect(sut.body.totals.costConfidence).toBeLessThan(1);
    expect(sut.body.totals.costLowerUsd).toBeLessThan(sut.body.totals.costUsd);
  });

  it('should answer GET /v1/deliberations/:id/rounds/:n/tokens with each call and the round totals', async () => {
    const round1 = rows.filter((r) => r.deliberationId === deliberationA.id && r.round === 1);
    const round2 = rows.filter((r) => r.deliberationId === deliberationA.id && r.round === 2);

    const sut = await request(t.url).get(`/v1/deliberations/${deliberationA.id}/rounds/1/tokens`).expect(200);
    const second = await request(t.url).get(`/v1/deliberations/${deliberationA.id}/rounds/2/tokens`).expect(200);

    expect(sut.body).toMatchObject({ deliberationId: deliberationA.id, round: 1, totals: figures(round1) });
    expect(sut.body.calls).toEqual(
      round1.map((r, i) => ({
        participantIndex: r.participantIndex,
        adapter: r.adapter,
        model: r.model,
        tier: deliberationA.rounds[0].responses[i].tier,
        accuracy: r.accuracy,
        inputTokens: r.input,
        outputTokens: r.output,
        reasoningTokens: r.reasoning,
        cachedInputTokens: r.cached,
        totalTokens: totalOf(r),
        costUsd: costMicros(r) / 1_000_000,
        latencyMs: deliberationA.rounds[0].responses[i].latencyMs,
        errorKind: null,
      })),
    );
    expect(second.body.totals).toEqual(figures(round2));
    expect(second.body.calls[3]).toMatchObject({ adapter: 'fl', accuracy: 'unavailable', totalTokens: 0, costUsd: 0, errorKind: 'http_status' });
  });

  it('should answer 404 for the tokens of an unknown deliberation', async () => {
    const unknown = '1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b';
    const sut = await request(t.url).get(`/v1/deliberations/${unknown}/tokens`).expect(404);
    expect(sut.body).toMatchObject({ statusCode: 404, details: { code: 'DELIBERATION_NOT_FOUND' } });
    await request(t.url).get(`/v1/deliberations/${unknown}/rounds/1/tokens`).expect(404);
    await request(t.url).get(`/v1/deliberations/${deliberationA.id}/rounds/0/tokens`).expect(400);
    await request(t.url).get('/v1/deliberations/not-a-uuid/rounds/1/tokens').expect(400);
  });

  it.each([
    ['adapter', (r: Row) => r.adapter],
    ['model', (r: Row) => r.model],
    ['deliberation', (r: Row) => r.deliberationId],
  ] as const)('should answer GET /v1/usage grouped by %s, largest first', async (groupByName, key) => {
    const sut = await request(t.url).get(`/v1/usage?groupBy=${groupByName}`).expect(200);

    const expected = [...groupBy(rows, key).entries()]
      .map(([k, g]) => ({ key: k, ...figures(g) }))
      .sort((a, b) => b.totalTokens - a.totalTokens || a.key.localeCompare(b.key));
    expect(sut.body.groupBy).toBe(groupByName);
    expect(sut.body.groups).toEqual(expected);
    expect(sut.body.totals).toEqual(figures(rows));
  });

  it('should answer GET /v1/usage grouped by UTC day, within the window asked', async () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    // Each call on the day its server answered it (the ledger stamps it milliseconds later); in date order.
    const expected = [...groupBy(rows, (r) => r.day).entries()].sort(([a], [b]) => a.localeCompare(b)).map(([day, g]) => ({ key: day, ...figures(g) }));

    const sut = await request(t.url).get(`/v1/usage?groupBy=day&from=${from}&to=${to}`).expect(200);

    expect(sut.body).toMatchObject({ from, to, groupBy: 'day' });
    expect(sut.body.groups).toEqual(expected);
    expect(sut.body.totals).toEqual(figures(rows));
  });

  it('should answer an empty window with zeros, and reject bad windows', async () => {
    const empty = await request(t.url).get('/v1/usage?from=2020-01-01&to=2020-01-02').expect(200);
    expect(empty.body.groups).toEqual([]);
    expect(empty.body.totals).toMatchObject({ totalTokens: 0, calls: 0, costUsd: 0, costConfidence: null });

    const reversed = await request(t.url).get('/v1/usage?from=2025-02-01&to=2025-01-01').expect(400);
    expect(reversed.body.message).toMatch(/to must not be before from/);
    await request(t.url).get('/v1/usage?from=yesterday').expect(400);
    await request(t.url).get('/v1/usage?groupBy=participant').expect(400);
  });

  it('should answer GET /v1/usage/adapters (and its alias /solutions) and /adapters/:adapter with lifetime totals', async () => {
    const expected = [...groupBy(rows, (r) => r.adapter).entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([adapter, g]) => {
        const f = figures(g);
        // Lifetime bounds add each call's own bounds.
        const lower = g.reduce((n, r) => n + (r.accuracy === 'estimated' ? costMicros(r) - margin(costMicros(r)) : costMicros(r)), 0);
        const upper = g.reduce((n, r) => n + (r.accuracy === 'estimated' ? costMicros(r) + margin(costMicros(r)) : costMicros(r)), 0);
        return {
          adapter,
          totalTokens: f.totalTokens,
          exactTokens: f.exactTokens,
          estimatedTokens: f.estimatedTokens,
          inputTokens: f.inputTokens,
          outputTokens: f.outputTokens,
          reasoningTokens: f.reasoningTokens,
          cachedInputTokens: f.cachedInputTokens,
          calls: f.calls,
          unavailableCalls: f.unavailableCalls,
          unpricedCalls: 0,
          costUsd: f.costUsd,
          costLowerUsd: lower / 1_000_000,
          costUpperUsd: upper / 1_000_000,
          costConfidence: f.costConfidence,
          deliberations: new Set(g.map((r) => r.deliberationId)).size,
          updatedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
          // Every call fell in the default window (the last 30 days); test/adapter-figures checks the figures.
          figures: expect.objectContaining({ calls: g.length }),
        };
      });
    // Each request's window ends at its own now.
    const sameWindow = (body: any): any => (Array.isArray(body) ? body.map(sameWindow) : { ...body, figures: { ...body.figures, from: 'x', to: 'x' } });

    const sut = await request(t.url).get('/v1/usage/solutions').expect(200);
    const one = await request(t.url).get('/v1/usage/solutions/oa').expect(200);

    expect(sut.body).toEqual(expected);
    expect(one.body).toEqual(expected.find((s) => s.adapter === 'oa'));
    expect(one.body.deliberations).toBe(2);
    await request(t.url).get('/v1/usage/solutions/nobody').expect(404);
    // The new name answers the same, and so does its one-adapter route.
    expect(sameWindow((await request(t.url).get('/v1/usage/adapters').expect(200)).body)).toEqual(sameWindow(sut.body));
    expect(sameWindow((await request(t.url).get('/v1/usage/adapters/oa').expect(200)).body)).toEqual(sameWindow(one.body));
    await request(t.url).get('/v1/usage/adapters/nobody').expect(404);
  });

  it('should answer GET /v1/usage/summary with rates, top participants and a suggestion about the biggest spender', async () => {
    const db = new Database(t.dbPath, { readonly: true });
    const perMinute = db.prepare('SELECT SUBSTR(created_at, 1, 16) AS minute, SUM(total_tokens) AS tokens FROM token_usage GROUP BY minute').all() as Array<{
      tokens: number;
    }>;
    db.close();
    const total = figures(rows).totalTokens;
    const byParticipant = [...groupBy(rows, (r) => `${r.adapter}/${r.model}`).values()]
      .map((g) => ({ adapter: g[0].adapter, model: g[0].model, totalTokens: g.reduce((n, r) => n + totalOf(r), 0) }))
      .sort((a, b) => b.totalTokens - a.totalTokens);
    const an = byParticipant.find((p) => p.adapter === 'an')!;
    // The script makes "an" the only participant above 40% of all tokens.
    expect(byParticipant.filter((p) => p.totalTokens / total > 0.4)).toEqual([an]);

    const sut = await request(t.url).get('/v1/usage/summary').expect(200);

    expect(sut.body).toMatchObject({
      totalTokens: total,
      tokensPerMinuteNow: total,
      peakTokensPerMinute: Math.max(...perMinute.map((m) => m.tokens)),
      tokensAfterConvergence: 0,
      shareAfterConvergence: 0,
    });
    expect(sut.body.topParticipants).toEqual(byParticipant.map((p) => ({ ...p, share: p.totalTokens / total })));
    // What leaving it out of its later rounds would have saved: its answers after round 1, from the served usage.
    const later = rows.filter((r) => r.adapter === 'an' && r.participantIndex === 1 && r.round > 1 && r.errorKind === null);
    const laterTokens = later.reduce((n, r) => n + totalOf(r), 0);
    expect(sut.body.suggestions).toEqual([
      expect.stringMatching(
        new RegExp(
          `^participant 1 \\(an/claude-sonnet-4-6\\) spent ${Math.round((an.totalTokens / total) * 100)}% of tokens; its votes never changed after round 1 \\([0-9.]+k? tokens, \\$[0-9.]+ in its later rounds\\): give it the fast tier after the first round or leave it out of later rounds$`,
        ),
      ),
    ]);
    expect(sut.body.suggestionDetails).toEqual([
      { kind: 'dominant_participant', text: sut.body.suggestions[0], savings: { tokens: laterTokens, usd: expect.any(Number) } },
    ]);
    expect(sut.body.suggestionDetails[0].savings.usd).toBeGreaterThan(0);
  });

  it('should expose the same tokens, calls and errors on GET /metrics', async () => {
    const sut = await request(t.url).get('/metrics').expect(200);

    const kinds = [
      ['input', (r: Row) => r.input],
      ['output', (r: Row) => r.output],
      ['reasoning', (r: Row) => r.reasoning],
      ['cached_input', (r: Row) => r.cached],
    ] as const;
    const expectedTokens = new Map<string, number>();
    for (const r of rows) {
      for (const [kind, of] of kinds) {
        if (of(r) === 0) continue;
        const key = `${r.adapter}|${r.model}|${kind}|${r.accuracy}`;
        expectedTokens.set(key, (expectedTokens.get(key) ?? 0) + of(r));
      }
    }
    const tokens = parseMetrics(sut.text, 'conclave_tokens_total');
    expect(new Map(tokens.map((s) => [`${s.labels.adapter}|${s.labels.model}|${s.labels.kind}|${s.labels.accuracy}`, s.value]))).toEqual(expectedTokens);
    expect(expectedTokens.get('oa|gpt-5|reasoning|exact')).toBe(500 + 400 + 500);
    expect(expectedTokens.get('an|claude-sonnet-4-6|cached_input|exact')).toBe(1500 + 4000);

    const calls = parseMetrics(sut.text, 'conclave_calls_total');
    expect(calls.find((s) => s.labels.adapter === 'fl' && s.labels.outcome === 'error')?.value).toBe(1);
    expect(calls.reduce((n, s) => n + s.value, 0)).toBe(rows.length);
    expect(parseMetrics(sut.text, 'conclave_call_errors_total')).toEqual([{ labels: { adapter: 'fl', kind: 'http_status' }, value: 1 }]);
    const cost = parseMetrics(sut.text, 'conclave_cost_usd_total');
    for (const [key, g] of groupBy(rows, (r) => `${r.adapter}|${r.model}`)) {
      const [adapter, model] = key.split('|');
      expect(cost.find((s) => s.labels.adapter === adapter && s.labels.model === model)?.value).toBeCloseTo(figures(g).costUsd, 9);
    }
    expect(parseMetrics(sut.text, 'conclave_deliberations')).toEqual([{ labels: { status: 'completed' }, value: 2 }]);
    expect(parseMetrics(sut.text, 'conclave_call_latency_seconds_count').reduce((n, s) => n + s.value, 0)).toBe(rows.length);
  });
});

describe('token tracking with the vote-only retry (e2e)', () => {
  let panel: ScriptedPanel;
  let t: TestApp;

  beforeAll(async () => {
    panel = await startPanel([
      {
        name: 'nv',
        script: (_round, call) =>
          call.prompt.includes('did not end with a valid vote line')
            ? turn('', vote('Webhooks'), { usage: { input: 1100, output: 20 } })
            : turn(prose('nv', 1), null, { usage: { input: 1000, output: 100, reasoning: 50 } }),
      },
      { name: 'ok', script: [turn(prose('ok', 1), vote('Webhooks'), { usage: { input: 900, output: 90 } })] },
    ]);
    t = await startTestApp({ adapters: panel.adapters, deliberation: { retryMissingVote: true } });
  });

  afterAll(async () => {
    await t?.close();
    await panel?.close();
  });

  it('should record the vote retry as its own call of the same participant, priced on its own', async () => {
    const d = (
      await request(t.url)
        .post('/v1/deliberations?wait=true')
        .send({
          question: 'Webhooks?',
          participants: [
            { adapter: 'nv', model: 'gpt-5' },
            { adapter: 'ok', model: 'gpt-5' },
          ],
          mode: 'quick',
        })
        .expect(200)
    ).body;

    const tokens = await request(t.url).get(`/v1/deliberations/${d.id}/tokens`).expect(200);
    const round = await request(t.url).get(`/v1/deliberations/${d.id}/rounds/1/tokens`).expect(200);

    expect(panel.calls('nv')).toHaveLength(2);
    const answer = d.rounds[0].responses[0];
    expect(answer).toMatchObject({ vote: { option: 'Webhooks' }, voteError: null });
    expect(answer.tokens).toEqual({ input: 1000, output: 100, reasoning: 50, cachedInput: 0, total: 1150, accuracy: 'exact' });
    expect(answer.costUsd).toBe((1000 * 1.25 + 150 * 10) / 1_000_000);
    // One ledger row per provider call: the answer, its vote retry, and the other participant's answer.
    expect(tokens.body.totals.calls).toBe(3);
    expect(
      round.body.calls
        .filter((c: any) => c.participantIndex === 0)
        .map((c: any) => c.totalTokens)
        .sort((a: number, b: number) => a - b),
    ).toEqual([1120, 1150]);
    const nv = tokens.body.byParticipant.find((p: any) => p.participantIndex === 0);
    expect(nv).toMatchObject({ calls: 2, totalTokens: 2270, inputTokens: 2100 });
    expect(tokens.body.totals).toMatchObject({
      totalTokens: 2270 + 990,
      exactTokens: 3260,
      inputTokens: 3000,
      costUsd: (2100 * 1.25 + 170 * 10 + 900 * 1.25 + 90 * 10) / 1_000_000,
    });
  });
});
