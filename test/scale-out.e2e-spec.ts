import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startService } from './support/child-service';
import { startTestApp, type TestApp } from './support/test-app';
import { startCluster, startCountingProvider, type Cluster, type CountingProvider } from './support/cluster';
import { readEvents, type SseEvent } from './support/round-script';

/**
 * Scale-out on real services: API and worker processes of the built service (CONCLAVE_ROLE) on one
 * PostgreSQL database and Redis (CONCLAVE_REDIS), rounds as BullMQ jobs. Needs PostgreSQL 15 on
 * 127.0.0.1:5432 and Redis 7 on 127.0.0.1:6379 (.ci/run starts them); a missing one fails the suite naming it.
 */
jest.setTimeout(240_000);

const STANCES = ['for', 'against', 'neutral'] as const;
const MODELS = { fast: 'gpt-4o-mini', reasoning: 'gpt-4o' };

/**
 * Three debate shapes, chosen by the question's number: unanimous and done in round 2; split in round 1
 * then agreeing from round 2 and done in round 3; agreeing but never done, to max rounds (4).
 */
function plan(question: string, round: number, stance: (typeof STANCES)[number]): { option: string; continueDebate: boolean } {
  const shape = Number(/^Q(\d+)/.exec(question)?.[1] ?? 0) % 3;
  if (shape === 0) return { option: 'Adopt webhooks', continueDebate: round < 2 };
  if (shape === 1) return { option: round === 1 && stance === 'against' ? 'Keep polling' : 'Adopt webhooks', continueDebate: round < 3 };
  return { option: 'Keep polling', continueDebate: true };
}

function config(provider: CountingProvider, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    adapters: [
      {
        name: 'cloud',
        kind: 'http',
        provider: 'openai',
        baseUrl: provider.baseUrl,
        tier: 'T2',
        models: MODELS,
        timeoutMs: 20_000,
        maxRetries: 0,
        concurrency: 64,
      },
    ],
    deliberation: { maxRunning: 8, maxOutputTokens: 300, minRounds: 1 },
    rateLimit: { limit: 10_000 },
    ...extra,
  };
}

const body = (i: number) => ({
  question: `Q${i}: should order events move from polling to signed webhooks next quarter?`,
  participants: STANCES.map((stance) => ({ adapter: 'cloud', stance })),
  maxRounds: 4,
});

async function post(url: string, i: number): Promise<string> {
  const res = await fetch(`${url}/v1/deliberations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body(i)) });
  if (res.status !== 202) throw new Error(`POST /v1/deliberations: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

async function view(url: string, id: string): Promise<any> {
  return (await fetch(`${url}/v1/deliberations/${id}`)).json();
}

/** Waits (reading the database, not hammering the API) until none of `ids` is queued or running. */
async function settled(cluster: Cluster, ids: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await cluster.sql<{ n: number }>("SELECT COUNT(*)::int AS n FROM deliberations WHERE id = ANY($1) AND status IN ('queued', 'running')", [
      ids,
    ]);
    if (row.n === 0) return;
    if (Date.now() > deadline) throw new Error(`${row.n} of ${ids.length} deliberations still queued or running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** What must not depend on where a deliberation ran. */
function outcomeOf(v: any) {
  return {
    status: v.status,
    rounds: v.rounds.map((r: any) => ({ number: r.number, answers: r.responses.length, completed: Boolean(r.completedAt) })),
    outcome: v.result?.outcome,
    winningOption: v.result?.winningOption,
    stopReason: v.result?.stopReason,
    tally: v.result?.tally.map((t: any) => [t.option, t.count]),
    tokens: v.result?.tokens.totalTokens,
  };
}

describe('scale-out: 1 API and 3 workers on PostgreSQL and Redis (e2e)', () => {
  let provider: CountingProvider | undefined;
  let cluster: Cluster | undefined;
  let single: TestApp | undefined;

  afterEach(async () => {
    await cluster?.close();
    await single?.close();
    await provider?.close();
    cluster = single = provider = undefined;
  });

  it('should complete 50 deliberations with the results one process gives', async () => {
    provider = await startCountingProvider(plan);
    cluster = await startCluster({ apis: 1, workers: 3, config: config(provider) });
    const api = cluster.apis[0].url;
    const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => post(api, i)));
    await settled(cluster, ids, 120_000);
    const clustered = await Promise.all(ids.map((id) => view(api, id)));

    single = await startTestApp(config(provider));
    const alone = await Promise.all(Array.from({ length: 50 }, (_, i) => post(single!.url, i)));
    const deadline = Date.now() + 120_000;
    let views: any[] = [];
    do {
      await new Promise((r) => setTimeout(r, 250));
      views = await Promise.all(alone.map((id) => view(single!.url, id)));
    } while (views.some((v) => v.status === 'queued' || v.status === 'running') && Date.now() < deadline);

    expect(clustered.filter((v) => v.status !== 'completed').map((v) => [v.id, v.status, v.failure])).toEqual([]);
    expect(clustered.map(outcomeOf)).toEqual(views.map(outcomeOf));
    // The three shapes all ran: 2, 3 and 4 rounds.
    expect(new Set(clustered.map((v) => v.rounds.length))).toEqual(new Set([2, 3, 4]));
    // Rounds moved between workers: every round was a job, and three workers took them.
    const [spread] = await cluster.sql<{ n: number }>('SELECT COUNT(DISTINCT deliberation_id)::int AS n FROM deliberation_rounds');
    expect(spread.n).toBe(50);
  });

  it('should lose no finished round and count every served token once when a worker is killed mid-round, ten times', async () => {
    provider = await startCountingProvider(plan, 150);
    cluster = await startCluster({ apis: 1, workers: 3, config: config(provider) });
    const api = cluster.apis[0].url;
    const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => post(api, i)));

    for (let kill = 0; kill < 10; kill++) {
      // Work keeps arriving, so every kill finds rounds going on.
      ids.push(...(await Promise.all([post(api, 10 + 2 * kill), post(api, 11 + 2 * kill)])));
      // Mid-round: some round has started and not completed.
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const [open] = await cluster.sql<{ n: number }>('SELECT COUNT(*)::int AS n FROM deliberation_rounds WHERE completed_at IS NULL');
        if (open.n > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, Math.random() * 150));
      await cluster.killWorker();
      // A kill about every 1.5 s, while replacements start.
      await new Promise((r) => setTimeout(r, 1000));
    }
    await cluster.replacements();
    await settled(cluster, ids, 120_000);

    const views = await Promise.all(ids.map((id) => view(api, id)));
    expect(views.filter((v) => v.status !== 'completed').map((v) => [v.id, v.status, v.failure])).toEqual([]);
    for (const v of views) {
      expect(v.rounds.map((r: any) => r.number)).toEqual(Array.from({ length: v.rounds.length }, (_, i) => i + 1));
      expect(v.rounds.every((r: any) => r.completedAt && r.responses.length === 3 && r.responses.every((a: any) => !a.error))).toBe(true);
    }
    const [ledger] = await cluster.sql<{ tokens: number; calls: number }>('SELECT SUM(total_tokens)::int AS tokens, COUNT(*)::int AS calls FROM token_usage');
    expect(ledger).toEqual({ tokens: provider.served.tokens, calls: provider.served.calls });
    // No answer counted twice: one ledger row per (deliberation, round, participant).
    const [dupes] = await cluster.sql<{ n: number }>(
      'SELECT COUNT(*)::int AS n FROM (SELECT deliberation_id, round, participant_index FROM token_usage GROUP BY 1, 2, 3 HAVING COUNT(*) > 1) d',
    );
    expect(dupes.n).toBe(0);
    // The kills cut calls in flight: some were asked again.
    expect(provider.received).toBeGreaterThan(provider.served.calls);
  });

  it('should keep 20 deliberations across two API processes under one hard cap', async () => {
    provider = await startCountingProvider(plan);
    const cap = 12_000;
    cluster = await startCluster({ apis: 2, workers: 3, config: config(provider, { budgets: { daily: { tokens: cap } } }) });
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => post(cluster!.apis[i % 2].url, i)));
    await settled(cluster, ids, 120_000);

    const views = await Promise.all(ids.map((id) => view(cluster!.apis[0].url, id)));
    const status = await (await fetch(`${cluster.apis[1].url}/v1/budgets/status`)).json();
    const daily = status.find((w: any) => w.window === 'daily');
    const [ledger] = await cluster.sql<{ tokens: number }>('SELECT COALESCE(SUM(total_tokens), 0)::int AS tokens FROM token_usage');
    expect(ledger.tokens).toBeLessThanOrEqual(cap);
    expect(daily.used.tokens).toBe(ledger.tokens);
    expect(daily.reserved.tokens).toBe(0);
    expect(views.filter((v) => v.status === 'paused' && v.pause.reason === 'budget').length).toBeGreaterThan(0);
    expect(views.filter((v) => v.status === 'failed')).toEqual([]);
  });

  it('should pause, resume and cancel from an API process a deliberation a worker runs', async () => {
    provider = await startCountingProvider(plan, 300);
    cluster = await startCluster({ apis: 1, workers: 2, config: config(provider) });
    const api = cluster.apis[0].url;
    // Shape 2: never done before max rounds (4).
    const [paused, cancelled] = await Promise.all([post(api, 2), post(api, 5)]);
    const story = readEvents(api, paused, 60_000);
    for (const id of [paused, cancelled]) {
      while ((await cluster.sql<{ n: number }>('SELECT COUNT(*)::int AS n FROM deliberation_rounds WHERE deliberation_id = $1', [id]))[0].n === 0) {
        await new Promise((r) => setTimeout(r, 20));
      }
    }

    const pause = await fetch(`${api}/v1/deliberations/${paused}/pause?wait=true`, { method: 'POST' });
    const cancel = await fetch(`${api}/v1/deliberations/${cancelled}/cancel`, { method: 'POST' });
    const pausedView = await pause.json();
    expect([pause.status, pausedView.status, pausedView.pause.reason]).toEqual([200, 'paused', 'person']);
    expect([cancel.status, (await cancel.json()).status]).toEqual([200, 'cancelled']);
    expect((await story).at(-1)).toMatchObject({ type: 'paused', data: { latestCheckpointId: pausedView.latestCheckpointId } });

    const resume = await fetch(`${api}/v1/checkpoints/${pausedView.latestCheckpointId}/resume`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(resume.status).toBe(202);
    await settled(cluster, [paused], 60_000);
    const done = await view(api, paused);
    expect([done.status, done.result.stopReason, done.rounds.length]).toEqual(['completed', 'max_rounds', 4]);
    expect((await view(api, cancelled)).status).toBe('cancelled');
    const [ledger] = await cluster.sql<{ tokens: number }>('SELECT SUM(total_tokens)::int AS tokens FROM token_usage');
    expect(ledger.tokens).toBe(provider.served.tokens);
  });

  it("should stop a start-up in one line when Redis does not answer, and keep a single process off a cluster's database", async () => {
    provider = await startCountingProvider(plan);
    cluster = await startCluster({ apis: 1, workers: 0, config: config(provider) });
    const dir = mkdtempSync(join(tmpdir(), 'conclave-cluster-start-'));
    const configPath = join(dir, 'conclave.yaml');
    writeFileSync(configPath, stringify(config(provider)));
    try {
      const noRedis = startService({
        configPath,
        dbPath: cluster.database.url,
        env: { CONCLAVE_ROLE: 'worker', CONCLAVE_REDIS: 'redis://:pw-hidden@127.0.0.1:1' },
      });
      await expect(noRedis).rejects.toThrow(/Redis is not answering at redis:\/\/:\*\*\*@127\.0\.0\.1:1 .*redis-server --daemonize yes/);
      await expect(noRedis).rejects.not.toThrow(/pw-hidden/);
      const single = startService({ configPath, dbPath: cluster.database.url });
      await expect(single).rejects.toThrow(/in use by conclave pid \d+ .*unless every process runs with CONCLAVE_REDIS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('should tell an SSE subscriber on an API process the whole story of a deliberation the workers run', async () => {
    provider = await startCountingProvider(plan);
    cluster = await startCluster({ apis: 1, workers: 3, config: config(provider) });
    const api = cluster.apis[0].url;
    const id = await post(api, 1); // split, then agreeing: three rounds
    const events: SseEvent[] = await readEvents(api, id, 60_000);

    const seqs = events.map((e: any) => e.seq as number);
    expect(seqs).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
    expect(events[0].type).toBe('deliberation_started');
    expect(events.at(-1)!.type).toBe('completed');
    const story = events.filter((e) => ['round_started', 'response_received', 'round_completed'].includes(e.type));
    expect(story.map((e) => `${e.type}:${e.data.round}`)).toEqual(
      [1, 2, 3].flatMap((round) => [`round_started:${round}`, ...STANCES.map(() => `response_received:${round}`), `round_completed:${round}`]),
    );
    const answers = story.filter((e) => e.type === 'response_received').map((e) => `${e.data.round}:${e.data.participantIndex}`);
    expect(new Set(answers).size).toBe(9);
    // A late subscriber on the same process is told the same story from the stored view.
    const replay = await readEvents(api, id, 10_000);
    expect(replay.map((e) => e.type)).toEqual(
      events.filter((e) => !['budget_warning', 'tier_escalated', 'participant_moved'].includes(e.type)).map((e) => e.type),
    );
  });
});
