import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answer, httpAdapter, prose, startScriptedProvider, waitForStatus, type ScriptedCall, type ScriptedProvider } from './support/round-script';
import { startService, stopAllServices, type ChildService } from './support/child-service';

/**
 * Crashes and shutdowns of the real built service (dist/apps/api/src/main.js) in a child process, on a
 * SQLite file that outlives it: kill -9 in the middle of a round, SIGTERM during a round, and the
 * automatic resume of interrupted deliberations on start-up.
 */

const USAGE = { input: 100, output: 50 };
const PER_CALL = 150;
const STANCES = ['for', 'against', 'neutral'] as const;

interface Rig {
  provider: ScriptedProvider;
  dir: string;
  dbPath: string;
  configPath: string;
  /**
   * While true, "against" and "neutral" never answer round 2 (round 1 of a question marked STUCK);
   * "for" always answers at once.
   */
  hold: boolean;
}

async function rig(config: Record<string, unknown> = {}): Promise<Rig> {
  const r = { hold: true } as Rig;
  r.provider = await startScriptedProvider((c: ScriptedCall) => {
    const heldRound = c.call.prompt.includes('STUCK') ? 1 : 2;
    if (c.round === heldRound && c.stance !== 'for' && r.hold) return { hang: true };
    return { text: answer(prose(c.stance, c.round), 'Adopt webhooks'), usage: USAGE };
  });
  r.dir = mkdtempSync(join(tmpdir(), 'conclave-crash-'));
  r.dbPath = join(r.dir, 'conclave.sqlite');
  r.configPath = join(r.dir, 'conclave.yaml');
  // JSON is YAML.
  writeFileSync(
    r.configPath,
    JSON.stringify({
      adapters: [httpAdapter(r.provider, 'cloud', 'T2', { fast: 'gpt-5-mini', reasoning: 'gpt-5' })],
      deliberation: { maxOutputTokens: 1000 },
      budgets: { daily: { tokens: 1_000_000 } },
      ...config,
    }),
  );
  return r;
}

async function post(svc: ChildService, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${svc.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

async function get(svc: ChildService, path: string): Promise<any> {
  const res = await fetch(`${svc.url}${path}`);
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
  return res.json();
}

async function startDeliberation(svc: ChildService, question = 'Should our billing service move from REST polling to webhooks?'): Promise<string> {
  const res = await post(svc, '/v1/deliberations', {
    question,
    maxRounds: 3,
    participants: STANCES.map((stance) => ({ adapter: 'cloud', stance })),
  });
  if (res.status !== 202) throw new Error(`POST /v1/deliberations: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

async function waitFor(check: () => Promise<boolean>, what = 'condition'): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

/** Waits until round 2 is under way: "for" has answered and is stored, the two others are in flight. */
async function waitForHalfRound2(svc: ChildService, r: Rig, id: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const d = await get(svc, `/v1/deliberations/${id}`);
    const inFlight = r.provider.seen.filter((c) => c.round === 2 && c.stance !== 'for' && !c.call.prompt.includes('STUCK')).length;
    if (d.rounds.length === 2 && d.rounds[1].responses.length === 1 && inFlight === 2) return;
    if (Date.now() > deadline) throw new Error(`round 2 never got half-way: ${JSON.stringify(d).slice(0, 500)}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

function callsPerRound(r: Rig, stuck = false): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of r.provider.seen.filter((x) => x.call.prompt.includes('STUCK') === stuck))
    counts[`${c.round}:${c.stance}`] = (counts[`${c.round}:${c.stance}`] ?? 0) + 1;
  return counts;
}

function withDb<T>(path: string, read: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

describe('crashes and shutdown of the real service (e2e)', () => {
  let r: Rig | undefined;

  afterEach(async () => {
    await stopAllServices();
    await r?.provider.close();
    if (r) rmSync(r.dir, { recursive: true, force: true });
    r = undefined;
  });

  it('should lose only the in-flight calls of a kill -9, resume from the round-1 checkpoint and count every token once', async () => {
    r = await rig();
    const first = await startService({ configPath: r.configPath, dbPath: r.dbPath });
    const id = await startDeliberation(first);
    // A second one is killed in its first round, before any checkpoint.
    const stuck = await startDeliberation(first, 'STUCK: should we adopt webhooks?');
    await waitForHalfRound2(first, r, id);
    await waitFor(async () => (await get(first, `/v1/deliberations/${stuck}`)).rounds[0]?.responses.length === 1);

    const killed = await first.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    r.hold = false;
    const second = await startService({ configPath: r.configPath, dbPath: r.dbPath });

    const after = await get(second, `/v1/deliberations/${id}`);
    const checkpoints = await get(second, `/v1/deliberations/${id}/checkpoints`);
    expect(after.status).toBe('interrupted');
    expect(checkpoints.map((c: any) => c.round)).toEqual([1]);
    expect(after.latestCheckpointId).toBe(checkpoints[0].id);
    // The answer that arrived before the kill is kept.
    expect(after.rounds[1].responses.map((x: any) => x.participantIndex)).toEqual([0]);

    const resumed = await post(second, `/v1/checkpoints/${checkpoints[0].id}/resume`, {});
    expect(resumed).toEqual({ status: 202, body: { id, status: 'queued', resumedFromCheckpointId: checkpoints[0].id } });
    const done = await waitForStatus(second.url, id);

    expect(done.status).toBe('completed');
    expect(done.rounds.map((x: any) => x.responses.length)).toEqual([3, 3, 3]);
    // Round 1 was asked once per participant; in round 2 only the two lost calls were asked again.
    expect(callsPerRound(r)).toEqual({
      '1:for': 1,
      '1:against': 1,
      '1:neutral': 1,
      '2:for': 1,
      '2:against': 2,
      '2:neutral': 2,
      '3:for': 1,
      '3:against': 1,
      '3:neutral': 1,
    });
    // One token_usage row per answer: round 1's calls counted exactly once.
    const rows = withDb(r.dbPath, (db) =>
      db
        .prepare(
          'SELECT round, participant_index AS p, COUNT(*) AS n, SUM(total_tokens) AS tokens FROM token_usage WHERE deliberation_id = ? GROUP BY round, participant_index ORDER BY round, p',
        )
        .all(id),
    );
    expect(rows).toEqual([1, 2, 3].flatMap((round) => [0, 1, 2].map((p) => ({ round, p, n: 1, tokens: PER_CALL }))));
    const tokens = await get(second, `/v1/deliberations/${id}/tokens`);
    expect(tokens.totals).toMatchObject({ calls: 9, totalTokens: 9 * PER_CALL });

    // The one killed in round 1 was given a checkpoint at start-up: it resumes from round 1, keeping the answer it had.
    const recovery = await get(second, `/v1/deliberations/${stuck}/checkpoints`);
    expect(recovery.map((c: any) => [c.round, c.reason])).toEqual([[0, 'recovery']]);
    expect(await get(second, `/v1/deliberations/${stuck}`)).toMatchObject({ status: 'interrupted', latestCheckpointId: recovery[0].id });
    expect((await post(second, `/v1/checkpoints/${recovery[0].id}/resume`, {})).status).toBe(202);
    expect((await waitForStatus(second.url, stuck)).status).toBe('completed');
    expect(callsPerRound(r, true)).toMatchObject({ '1:for': 1, '1:against': 2, '1:neutral': 2 });
    const daily = (await get(second, '/v1/budgets/status')).find((w: any) => w.window === 'daily');
    const stuckTokens = (await get(second, `/v1/deliberations/${stuck}/tokens`)).totals.totalTokens;
    expect(daily.used.tokens).toBe(9 * PER_CALL + stuckTokens);
  }, 30_000);

  it('should stop promptly on SIGTERM, exit 0 and leave the deliberation interrupted with what had arrived', async () => {
    r = await rig();
    const svc = await startService({ configPath: r.configPath, dbPath: r.dbPath });
    const id = await startDeliberation(svc);
    await waitForHalfRound2(svc, r, id);
    const roundOne = (await get(svc, `/v1/deliberations/${id}/checkpoints`))[0].id;

    const started = Date.now();
    const exit = await svc.stop('SIGTERM');

    expect(Date.now() - started).toBeLessThan(5000);
    expect(exit).toEqual({ code: 0, signal: null });
    const stored = withDb(r.dbPath, (db) => ({
      row: db.prepare('SELECT status, latest_checkpoint_id AS checkpoint FROM deliberations WHERE id = ?').get(id),
      round2: db
        .prepare(
          "SELECT participant_index AS p, json_extract(error, '$.kind') AS failed FROM deliberation_responses WHERE deliberation_id = ? AND round = 2 ORDER BY p",
        )
        .all(id),
    }));
    expect(stored.row).toEqual({ status: 'interrupted', checkpoint: roundOne });
    // The answer that had arrived is stored; the two calls cut short are on record as cancelled.
    expect(stored.round2).toEqual([
      { p: 0, failed: null },
      { p: 1, failed: 'cancelled' },
      { p: 2, failed: 'cancelled' },
    ]);
    // Resuming after a graceful stop is covered in-process in checkpoints.e2e-spec.ts.
  }, 30_000);

  it('should resume interrupted deliberations by itself on start-up when configured', async () => {
    r = await rig({ checkpoints: { resumeInterruptedOnStart: true } });
    const first = await startService({ configPath: r.configPath, dbPath: r.dbPath });
    const id = await startDeliberation(first);
    await waitForHalfRound2(first, r, id);
    await first.stop('SIGKILL');
    r.hold = false;

    const second = await startService({ configPath: r.configPath, dbPath: r.dbPath });
    const done = await waitForStatus(second.url, id);

    expect(done.status).toBe('completed');
    expect(done.rounds.map((x: any) => x.responses.length)).toEqual([3, 3, 3]);
    expect(callsPerRound(r)).toMatchObject({ '1:for': 1, '1:against': 1, '1:neutral': 1, '2:for': 1 });
    const tokens = await get(second, `/v1/deliberations/${id}/tokens`);
    expect(tokens.totals).toMatchObject({ calls: 9, totalTokens: 9 * PER_CALL });
  }, 30_000);
});
