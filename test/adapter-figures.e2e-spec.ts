import request from 'supertest';
import { waitForStatus } from './support/round-script';
import { startPanel, turn, vote, type ScriptedPanel } from './support/scripted-providers';
import { startPostgresTestApp } from './support/postgres';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Issue 15.9: GET /v1/usage/adapters gives each adapter's latency (average, p95), success rate,
 * vote-parse failure rate and peak minute over a window — the numbers the scripted providers imply.
 * On SQLite and on PostgreSQL: the queries are meant to be portable SQL.
 */

/** What the loopback round trip and the engine add to a scripted delay, at most, on a busy 2-core machine. */
const SLACK_MS = 250;

const drivers: Array<[string, (overrides: Record<string, unknown>) => Promise<TestApp>]> = [
  ['SQLite', startTestApp],
  ['PostgreSQL', startPostgresTestApp],
];

describe.each(drivers)('per-adapter figures on %s (e2e)', (_driver, start) => {
  let panel: ScriptedPanel;
  let t: TestApp;
  let startedAt: number;

  beforeAll(async () => {
    panel = await startPanel([
      // Round 1: 100 ms and a vote; round 2: 400 ms and a reply whose vote line is malformed.
      {
        name: 'slow',
        script: [turn('Webhooks it is.', vote('Webhooks'), { delayMs: 100 }), { text: 'Still webhooks.\n\nVOTE: {"option": "Webhooks", ', delayMs: 400 }],
      },
      { name: 'fast', script: (round) => turn(`Round ${round}: polling.`, vote('Polling')) },
      { name: 'down', script: [{ text: 'overloaded', status: 503 }] },
    ]);
    t = await start({ adapters: panel.adapters, deliberation: { retryMissingVote: false } });
    startedAt = Date.now();
    const created = await request(t.url)
      .post('/v1/deliberations')
      .send({ question: 'Webhooks or polling?', participants: panel.participants(), maxRounds: 2 })
      .expect(202);
    expect((await waitForStatus(t.url, created.body.id, ['completed', 'failed'], 20_000)).status).toBe('completed');
  });

  afterAll(async () => {
    await t?.close();
    await panel?.close();
  });

  it('should give the latency, success, vote-parse and peak figures the script implies', async () => {
    const res = await request(t.url).get('/v1/usage/adapters').expect(200);
    const byName = new Map<string, any>(res.body.map((a: any) => [a.adapter, a]));

    const slow = byName.get('slow').figures;
    expect(slow).toMatchObject({ calls: 2, refusedByBreaker: 0, successRate: 1, answers: 2, voteParseFailureRate: 0.5 });
    expect(slow.avgLatencyMs).toBeGreaterThanOrEqual(250);
    expect(slow.avgLatencyMs).toBeLessThan(250 + SLACK_MS);
    // Nearest rank of 2 values at p95 is the larger one: the 400 ms reply.
    expect(slow.p95LatencyMs).toBeGreaterThanOrEqual(400);
    expect(slow.p95LatencyMs).toBeLessThan(400 + SLACK_MS);
    // 120 tokens per call (100 in, 20 out), both calls in one minute unless the run crossed a minute boundary.
    expect([120, 240]).toContain(slow.peakTokensPerMinute.tokens);
    expect(slow.peakTokensPerMinute.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/);
    expect(Date.parse(slow.peakTokensPerMinute.at)).toBeGreaterThan(startedAt - 60_000);
    expect(Date.parse(slow.peakTokensPerMinute.at)).toBeLessThanOrEqual(Date.now());

    expect(byName.get('fast').figures).toMatchObject({ calls: 2, successRate: 1, answers: 2, voteParseFailureRate: 0 });
    // Every call to "down" failed: no answer, so no vote-parse rate; its failed calls still have latencies.
    expect(byName.get('down').figures).toMatchObject({ calls: 2, successRate: 0, answers: 0, voteParseFailureRate: null });

    const one = await request(t.url).get('/v1/usage/adapters/slow').expect(200);
    const { from: _from, to: _to, ...sameWindow } = slow;
    expect(one.body.figures).toMatchObject(sameWindow);
  });

  it('should count only the calls inside from/to, keep the lifetime totals, and refuse a bad window', async () => {
    const before = new Date(startedAt - 3_600_000).toISOString();
    const res = await request(t.url)
      .get('/v1/usage/adapters/slow')
      .query({ from: before, to: new Date(startedAt - 60_000).toISOString() })
      .expect(200);
    expect(res.body.calls).toBe(2);
    expect(res.body.figures).toMatchObject({ calls: 0, successRate: null, avgLatencyMs: null, p95LatencyMs: null, peakTokensPerMinute: null });

    const reversed = await request(t.url).get('/v1/usage/adapters').query({ from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }).expect(400);
    expect(JSON.stringify(reversed.body.message)).toContain('to');
    const bad = await request(t.url).get('/v1/usage/adapters/slow').query({ from: 'yesterday' }).expect(400);
    expect(JSON.stringify(bad.body.message)).toContain('from');
    await request(t.url).get('/v1/usage/adapters/nobody').expect(404);
  });
});
