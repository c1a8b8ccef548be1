import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { CheckpointPruner } from '@app/checkpoint';
import type { ProviderUsage } from './fixtures/provider-server';
import {
  answer,
  httpAdapter,
  prose,
  startScriptedProvider,
  waitForStatus,
  type ScriptedCall,
  type ScriptedProvider,
  type Stance,
  deferred,
} from './support/round-script';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Checkpoints after every round, and resuming from them: the same deliberation from its latest
 * checkpoint, a fork from any other, the conflicts, and a resumed run that ends exactly like an
 * uninterrupted one.
 */

const QUESTION = 'Should our billing service move from REST polling to webhooks?';
const CLOUD_MODELS = { fast: 'gpt-5-mini', reasoning: 'gpt-5' };
const STANCES: Stance[] = ['for', 'against', 'neutral'];
const THREE = STANCES.map((stance) => ({ adapter: 'cloud', stance }));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function voting(usage: ProviderUsage, hold?: (c: ScriptedCall) => Promise<void> | undefined) {
  return async (c: ScriptedCall) => {
    await hold?.(c);
    return { text: answer(prose(c.stance, c.round), c.round === 1 && c.stance === 'against' ? 'Keep polling' : 'Adopt webhooks'), usage };
  };
}

async function start(t: TestApp, body: Record<string, unknown>): Promise<string> {
  const res = await request(t.url)
    .post('/v1/deliberations')
    .send({ question: QUESTION, participants: THREE, ...body });
  if (res.status !== 202) throw new Error(`POST answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

async function checkpointsOf(t: TestApp, id: string): Promise<any[]> {
  return (await request(t.url).get(`/v1/deliberations/${id}/checkpoints`).expect(200)).body;
}

/** Polls until the deliberation has a checkpoint of at least `round`. */
async function waitForCheckpoint(t: TestApp, id: string, round: number): Promise<any> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const list = await checkpointsOf(t, id);
    const found = list.find((c) => c.round >= round);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no checkpoint of round ${round} for ${id}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// maxOutputTokens 1000 and 1,300 tokens a call: a 6,000-token budget pays for round 1 and not round 2.
const SMALL_OUTPUT = { deliberation: { maxOutputTokens: 1000 } };
const HEAVY: ProviderUsage = { input: 300, output: 1000 };
const LIGHT: ProviderUsage = { input: 100, output: 50 };

describe('checkpoints and resume (e2e)', () => {
  let provider: ScriptedProvider | undefined;
  let t: TestApp | undefined;
  const releases: Array<() => void> = [];
  const dirs: string[] = [];

  afterEach(async () => {
    for (const release of releases.splice(0)) release();
    await t?.close();
    await provider?.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    t = undefined;
    provider = undefined;
  });

  async function boot(script: (c: ScriptedCall) => Promise<any> | any, config: Record<string, unknown> = {}): Promise<TestApp> {
    provider = await startScriptedProvider(script);
    t = await startTestApp({ adapters: [httpAdapter(provider, 'cloud', 'T2', CLOUD_MODELS)], ...SMALL_OUTPUT, ...config });
    return t;
  }

  describe('after every round', () => {
    it('should store a checkpoint per round, listed with round, reason, size and time', async () => {
      const app = await boot(voting(LIGHT));
      const id = await start(app, { maxRounds: 3 });
      await waitForStatus(app.url, id, ['completed']);

      const list = await checkpointsOf(app, id);

      expect(list.map((c) => [c.round, c.reason, c.deliberationId, c.schemaVersion])).toEqual([
        [1, 'round', id, 3],
        [2, 'round', id, 3],
        [3, 'round', id, 3],
      ]);
      expect(list.every((c) => UUID.test(c.id) && c.state === undefined)).toBe(true);
      // Each holds what its round added (the completed rounds are read back from their tables), so the
      // third costs about what the first did; the state shown (?include=state) still has every round.
      expect(list[0].sizeBytes).toBeGreaterThan(500);
      expect(Math.abs(list[2].sizeBytes - list[0].sizeBytes)).toBeLessThan(list[0].sizeBytes / 4);
      const times = list.map((c) => Date.parse(c.createdAt));
      expect(times.every((x, i) => !Number.isNaN(x) && (i === 0 || x >= times[i - 1]))).toBe(true);
      const view = (await request(app.url).get(`/v1/deliberations/${id}`).expect(200)).body;
      expect(view.latestCheckpointId).toBe(list[2].id);
      const one = (await request(app.url).get(`/v1/checkpoints/${list[1].id}`).expect(200)).body;
      // One checkpoint adds the governance picture stored beside its state (issue 15.11) to the list's summary.
      expect(one).toEqual({ ...list[1], governance: expect.objectContaining({ zone: 'GREEN', nextRound: expect.objectContaining({ round: 3 }) }) });
    });

    it('should hold in its state everything needed to continue', async () => {
      const app = await boot(voting(LIGHT));
      const id = await start(app, { maxRounds: 3, context: 'We process 40,000 payments a day.', budget: { maxTokens: 500_000 } });
      await waitForStatus(app.url, id, ['completed']);
      const second = (await checkpointsOf(app, id))[1];

      const res = await request(app.url).get(`/v1/checkpoints/${second.id}`).query({ include: 'state' }).expect(200);

      expect(res.body).toMatchObject({ id: second.id, round: 2, reason: 'round', sizeBytes: second.sizeBytes });
      const state = res.body.state;
      expect(state.id).toBe(id);
      expect(state.request).toMatchObject({
        question: QUESTION,
        context: 'We process 40,000 payments a day.',
        mode: 'conference',
        maxRounds: 3,
        budget: { maxTokens: 500_000 },
        participants: STANCES.map((stance, index) => ({ index, adapter: 'cloud', stance, tier: 'auto' })),
      });
      // Every round so far, with answers, votes, convergence and the tier decisions.
      expect(state.rounds.map((r: any) => r.number)).toEqual([1, 2]);
      expect(state.rounds[0].responses.map((r: any) => r.vote.option)).toEqual(['Adopt webhooks', 'Keep polling', 'Adopt webhooks']);
      expect(state.rounds[1].responses[0].text).toContain('Round 2 adds');
      expect(state.rounds[0].responses[0].usage).toMatchObject({ inputTokens: 100, outputTokens: 50, totalTokens: 150 });
      expect(state.rounds[0].convergence).toBeNull();
      expect(state.rounds[1].convergence).toMatchObject({ score: expect.any(Number), status: 'refining' });
      expect(state.rounds[1].decisions).toEqual(
        STANCES.map((_, i) => expect.objectContaining({ participantIndex: i, tier: 'reasoning', model: 'gpt-5', adapter: 'cloud' })),
      );
      expect(state.runtime).toMatchObject({ warned: [], failureStreaks: {}, activeMs: expect.any(Number) });
      // The token totals, the budget as it stood, and where to go on.
      expect(state.nextRound).toBe(3);
      expect(state.tokens).toMatchObject({ totalTokens: 900, inputTokens: 600, outputTokens: 300 });
      expect(state.budget).toEqual({
        maxTokens: 500_000,
        maxCostUsd: null,
        usedTokens: 900,
        usedUsd: expect.any(Number),
        limits: [{ name: 'deliberation.tokens', fraction: 900 / 500_000, used: 900 }],
      });
    });
  });

  describe('resume from the latest checkpoint', () => {
    it('should continue a budget-paused deliberation with a bigger budget, without re-running a finished round', async () => {
      const app = await boot(voting(HEAVY));
      const id = await start(app, { maxRounds: 3, budget: { maxTokens: 6000 } });
      const paused = await waitForStatus(app.url, id);
      expect(paused.status).toBe('paused');
      expect(paused.pause.reason).toBe('budget');

      const res = await request(app.url)
        .post(`/v1/checkpoints/${paused.latestCheckpointId}/resume`)
        .send({ budget: { maxTokens: 100_000 } })
        .expect(202);

      expect(res.body).toEqual({ id, status: 'queued', resumedFromCheckpointId: paused.latestCheckpointId });
      const done = await waitForStatus(app.url, id);
      expect(done.status).toBe('completed');
      expect(done.pause).toBeNull();
      expect(done.rounds.map((r: any) => r.number)).toEqual([1, 2, 3]);
      expect(done.resumes).toEqual([{ checkpointId: paused.latestCheckpointId, at: expect.any(String), changes: { budget: { maxTokens: 100_000 } } }]);
      // Round 1 was asked once; rounds 2 and 3 once each.
      expect(provider!.seen.map((c) => c.round).sort()).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3]);
      const tokens = (await request(app.url).get(`/v1/deliberations/${id}/tokens`).expect(200)).body;
      expect(tokens.totals).toMatchObject({ calls: 9, totalTokens: 9 * 1300 });
      expect((await checkpointsOf(app, id)).map((c) => c.round)).toEqual([1, 2, 3]);
    });

    it('should let exactly one of two simultaneous resumes of one checkpoint through', async () => {
      const app = await boot(voting(HEAVY));
      const id = await start(app, { maxRounds: 2, budget: { maxTokens: 6000 } });
      const paused = await waitForStatus(app.url, id, ['paused']);
      const url = `/v1/checkpoints/${paused.latestCheckpointId}/resume`;

      const answers = await Promise.all([
        request(app.url)
          .post(url)
          .send({ budget: { maxTokens: 100_000 } }),
        request(app.url)
          .post(url)
          .send({ budget: { maxTokens: 100_000 } }),
      ]);

      expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
      const conflict = answers.find((a) => a.status === 409)!;
      expect(conflict.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
      const done = await waitForStatus(app.url, id);
      expect(done.status).toBe('completed');
      expect(done.resumes).toHaveLength(1);
      expect(provider!.seen.filter((c) => c.round === 2)).toHaveLength(3);
    });

    it('should answer 404 for an unknown checkpoint and 409 while the deliberation is running', async () => {
      const gate = deferred();
      releases.push(gate.release);
      const app = await boot(voting(LIGHT, (c) => (c.round === 2 ? gate.promise : undefined)));
      const missing = await request(app.url).post('/v1/checkpoints/1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b/resume').send({}).expect(404);
      expect(missing.body).toMatchObject({ statusCode: 404, details: { code: 'CHECKPOINT_NOT_FOUND' } });
      await request(app.url).get('/v1/checkpoints/1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b').expect(404);
      const id = await start(app, { maxRounds: 2 });
      const first = await waitForCheckpoint(app, id, 1);

      const running = await request(app.url).post(`/v1/checkpoints/${first.id}/resume`).send({});

      expect(running.status).toBe(409);
      expect(running.body.details).toMatchObject({ code: 'DELIBERATION_RUNNING' });
      expect((await request(app.url).get(`/v1/deliberations/${id}`).expect(200)).body.status).toBe('running');
      gate.release();
      expect((await waitForStatus(app.url, id)).status).toBe('completed');
    });
  });

  describe('before the first round', () => {
    it('should checkpoint a deliberation paused before its first round, so it can be resumed', async () => {
      // 1,000 tokens a day cannot pay for round 1 (3 × ~1,450 reserved).
      const app = await boot(voting(LIGHT), { budgets: { daily: { tokens: 1000 } } });
      const id = await start(app, { maxRounds: 2 });
      const paused = await waitForStatus(app.url, id);
      expect(paused).toMatchObject({ status: 'paused', pause: { reason: 'budget', limit: 'daily.tokens' }, rounds: [] });
      const list = await checkpointsOf(app, id);
      expect(list.map((c) => [c.round, c.reason])).toEqual([[0, 'pause']]);
      expect(paused.latestCheckpointId).toBe(list[0].id);
      await request(app.url).put('/v1/budgets/daily').send({ tokens: 1_000_000 }).expect(200);

      await request(app.url).post(`/v1/checkpoints/${list[0].id}/resume`).send({}).expect(202);

      const done = await waitForStatus(app.url, id);
      expect(done.status).toBe('completed');
      expect(done.rounds.map((r: any) => r.number)).toEqual([1, 2]);
      expect(provider!.seen).toHaveLength(6);
    });

    it('should checkpoint a deliberation stopped gracefully in its first round, and resume it from round 1', async () => {
      const gate = deferred();
      releases.push(gate.release);
      provider = await startScriptedProvider(voting(LIGHT, (c) => (c.round === 1 && c.stance !== 'for' ? gate.promise : undefined)));
      const dir = mkdtempSync(join(tmpdir(), 'conclave-stop-'));
      dirs.push(dir);
      const config = { adapters: [httpAdapter(provider, 'cloud', 'T2', CLOUD_MODELS)], ...SMALL_OUTPUT };
      const before = await startTestApp(config, { dir });
      const id = await start(before, { maxRounds: 2 });
      const deadline = Date.now() + 5000;
      while ((await request(before.url).get(`/v1/deliberations/${id}`)).body.rounds[0]?.responses.length !== 1) {
        if (Date.now() > deadline) throw new Error('round 1 never got half-way');
        await new Promise((r) => setTimeout(r, 20));
      }

      await before.close();
      gate.release();
      t = await startTestApp(config, { dir });

      const stopped = (await request(t.url).get(`/v1/deliberations/${id}`).expect(200)).body;
      const list = await checkpointsOf(t, id);
      expect(list.map((c) => [c.round, c.reason])).toEqual([[0, 'shutdown']]);
      expect(stopped).toMatchObject({ status: 'interrupted', latestCheckpointId: list[0].id });
      await request(t.url).post(`/v1/checkpoints/${list[0].id}/resume`).send({}).expect(202);
      const done = await waitForStatus(t.url, id);
      expect(done.status).toBe('completed');
      expect(done.rounds.map((r: any) => r.responses.length)).toEqual([3, 3]);
      // "for" had answered round 1 before the stop: it is not asked again.
      expect(
        provider.seen
          .filter((c) => c.round === 1)
          .map((c) => c.stance)
          .sort(),
      ).toEqual(['against', 'against', 'for', 'neutral', 'neutral']);
    });
  });

  describe('after a graceful stop', () => {
    it('should resume an interrupted deliberation without asking again for the answers that had arrived', async () => {
      const gate = deferred();
      releases.push(gate.release);
      provider = await startScriptedProvider(voting(LIGHT, (c) => (c.round === 2 && c.stance !== 'for' ? gate.promise : undefined)));
      const dir = mkdtempSync(join(tmpdir(), 'conclave-stop-'));
      dirs.push(dir);
      const config = { adapters: [httpAdapter(provider, 'cloud', 'T2', CLOUD_MODELS)], ...SMALL_OUTPUT };
      const before = await startTestApp(config, { dir });
      const id = await start(before, { maxRounds: 3 });
      const deadline = Date.now() + 5000;
      while ((await request(before.url).get(`/v1/deliberations/${id}`)).body.rounds[1]?.responses.length !== 1) {
        if (Date.now() > deadline) throw new Error('round 2 never got half-way');
        await new Promise((r) => setTimeout(r, 20));
      }

      await before.close();
      gate.release();
      t = await startTestApp(config, { dir });

      const stopped = (await request(t.url).get(`/v1/deliberations/${id}`).expect(200)).body;
      const [round1] = await checkpointsOf(t, id);
      expect(stopped).toMatchObject({ status: 'interrupted', latestCheckpointId: round1.id });
      expect(stopped.rounds[1].responses.map((r: any) => [r.participantIndex, r.error?.kind ?? null])).toEqual([
        [0, null],
        [1, 'cancelled'],
        [2, 'cancelled'],
      ]);
      await request(t.url).post(`/v1/checkpoints/${round1.id}/resume`).send({}).expect(202);
      const done = await waitForStatus(t.url, id);
      expect(done.status).toBe('completed');
      expect(done.result.degraded).toBe(false);
      const asked = provider.seen
        .filter((c) => c.round === 2)
        .map((c) => c.stance)
        .sort();
      expect(asked).toEqual(['against', 'against', 'for', 'neutral', 'neutral']);
      // The two calls cut short stay on record, with no usage; every answer's tokens count once.
      const tokens = (await request(t.url).get(`/v1/deliberations/${id}/tokens`).expect(200)).body;
      expect(tokens.totals).toMatchObject({ calls: 11, unavailableCalls: 2, totalTokens: 9 * 150 });
    });
  });

  describe('fork', () => {
    it('should fork a completed deliberation from an older checkpoint with other models', async () => {
      const app = await boot(voting(LIGHT));
      const parentId = await start(app, { maxRounds: 3 });
      const parent = await waitForStatus(app.url, parentId, ['completed']);
      const [round1] = await checkpointsOf(app, parentId);

      const res = await request(app.url)
        .post(`/v1/checkpoints/${round1.id}/resume`)
        .send({ participants: STANCES.map((stance) => ({ adapter: 'cloud', stance, model: 'gpt-5-nano' })) })
        .expect(202);

      expect(res.body).toEqual({ id: expect.stringMatching(UUID), status: 'queued', parentId, forkedFromCheckpointId: round1.id });
      expect(res.body.id).not.toBe(parentId);
      const fork = await waitForStatus(app.url, res.body.id);
      expect(fork.status).toBe('completed');
      expect(fork).toMatchObject({ parentId, forkedFromCheckpointId: round1.id });
      // Round 1 is the parent's, copied; rounds 2 and 3 were asked again with the new model.
      expect(fork.rounds.map((r: any) => r.number)).toEqual([1, 2, 3]);
      expect(fork.rounds[0].responses.map((r: any) => [r.model, r.text])).toEqual(parent.rounds[0].responses.map((r: any) => [r.model, r.text]));
      expect(fork.rounds.slice(1).flatMap((r: any) => r.responses.map((x: any) => x.model))).toEqual(Array(6).fill('gpt-5-nano'));
      expect(provider!.seen.filter((c) => c.round === 1)).toHaveLength(3);
      expect(
        provider!.seen
          .filter((c) => c.model === 'gpt-5-nano')
          .map((c) => c.round)
          .sort(),
      ).toEqual([2, 2, 2, 3, 3, 3]);
      // The parent is untouched.
      const after = (await request(app.url).get(`/v1/deliberations/${parentId}`).expect(200)).body;
      expect(after).toMatchObject({ status: 'completed', resumes: [], latestCheckpointId: parent.latestCheckpointId });
      expect(after.rounds).toHaveLength(3);
      expect((await checkpointsOf(app, res.body.id)).map((c) => c.round)).toEqual([2, 3]);
    });

    it('should fork from the latest checkpoint of a completed deliberation', async () => {
      const app = await boot(voting(LIGHT));
      const parentId = await start(app, { maxRounds: 2 });
      const parent = await waitForStatus(app.url, parentId, ['completed']);

      const res = await request(app.url).post(`/v1/checkpoints/${parent.latestCheckpointId}/resume`).send({ maxRounds: 3 }).expect(202);

      expect(res.body).toMatchObject({ parentId, forkedFromCheckpointId: parent.latestCheckpointId });
      const fork = await waitForStatus(app.url, res.body.id);
      expect(fork.status).toBe('completed');
      expect(fork.rounds.map((r: any) => r.number)).toEqual([1, 2, 3]);
      expect(provider!.seen.map((c) => c.round).sort()).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3]);
    });

    it('should refuse another participant count unless changeParticipantCount is set', async () => {
      const app = await boot(voting(LIGHT));
      const parentId = await start(app, { maxRounds: 2 });
      const parent = await waitForStatus(app.url, parentId, ['completed']);
      const url = `/v1/checkpoints/${parent.latestCheckpointId}/resume`;
      const two = THREE.slice(0, 2);

      const refused = await request(app.url).post(url).send({ participants: two }).expect(400);

      expect(refused.body.message).toMatch(/3 participants and the resume names 2; set changeParticipantCount: true/);
      expect((await request(app.url).get('/v1/deliberations').expect(200)).body.items).toHaveLength(1);
      const accepted = await request(app.url).post(url).send({ participants: two, changeParticipantCount: true, maxRounds: 3 }).expect(202);
      const fork = await waitForStatus(app.url, accepted.body.id);
      expect(fork.status).toBe('completed');
      expect(fork.rounds[2].responses).toHaveLength(2);
    });
  });

  describe('replayed deliberation', () => {
    const cassette = resolve(__dirname, '../demo/cassette.json');
    const replay = (name: string) => ({ name, kind: 'replay', cassette, tier: 'T2', models: { fast: `${name}-fast`, reasoning: `${name}-deep` } });

    it('should end a paused and resumed deliberation exactly as an uninterrupted one', async () => {
      t = await startTestApp({ adapters: [replay('architect'), replay('sre'), replay('security')] });
      const participants = [
        { adapter: 'architect', stance: 'for' },
        { adapter: 'sre', stance: 'neutral' },
        { adapter: 'security', stance: 'against', role: 'security' },
      ];
      const whole = await start(t, { participants, maxRounds: 3 });
      const uninterrupted = await waitForStatus(t.url, whole, ['completed']);
      // Round 1 reserves about 3 × (450 + 2,048) tokens and uses ~2,600; round 2 needs ~10,000 more.
      const cut = await start(t, { participants, maxRounds: 3, budget: { maxTokens: 9000 } });
      const paused = await waitForStatus(t.url, cut);
      expect(paused.status).toBe('paused');
      expect(paused.rounds).toHaveLength(1);

      await request(t.url)
        .post(`/v1/checkpoints/${paused.latestCheckpointId}/resume`)
        .send({ budget: { maxTokens: 1_000_000 } })
        .expect(202);
      const resumed = await waitForStatus(t.url, cut);

      expect(resumed.status).toBe('completed');
      expect(uninterrupted.result.roundsUsed).toBeGreaterThan(1);
      const pick = (d: any) => {
        const { outcome, winningOption, tally, stopReason, roundsUsed, roundScores, abstained } = d.result;
        return { outcome, winningOption, tally, stopReason, roundsUsed, roundScores, abstained };
      };
      expect(pick(resumed)).toEqual(pick(uninterrupted));
      expect(resumed.rounds.map((r: any) => r.responses.map((x: any) => x.text))).toEqual(
        uninterrupted.rounds.map((r: any) => r.responses.map((x: any) => x.text)),
      );
      const tokens = async (id: string) => (await request(t!.url).get(`/v1/deliberations/${id}/tokens`).expect(200)).body.totals.totalTokens;
      expect(await tokens(cut)).toBe(await tokens(whole));
    });
  });

  describe('pruning', () => {
    it('should remove old checkpoints of finished deliberations and keep the latest of each', async () => {
      const app = await boot(voting(HEAVY), { checkpoints: { retentionDays: 7 } });
      const old = await start(app, { maxRounds: 3 });
      const recent = await start(app, { maxRounds: 3 });
      // Pays for two rounds, not three: paused, never finished.
      const unfinished = await start(app, { maxRounds: 3, budget: { maxTokens: 11_000 } });
      await waitForStatus(app.url, old, ['completed']);
      await waitForStatus(app.url, recent, ['completed']);
      const paused = await waitForStatus(app.url, unfinished, ['paused']);
      expect(paused.rounds).toHaveLength(2);
      const db = new Database(app.dbPath);
      try {
        db.prepare("UPDATE checkpoints SET created_at = '2020-01-01T00:00:00.000Z' WHERE deliberation_id IN (?, ?)").run(old, unfinished);
      } finally {
        db.close();
      }

      const removed = await app.app.get(CheckpointPruner).prune();

      expect(removed).toBe(2);
      expect((await checkpointsOf(app, old)).map((c) => c.round)).toEqual([3]);
      expect((await checkpointsOf(app, recent)).map((c) => c.round)).toEqual([1, 2, 3]);
      expect((await checkpointsOf(app, unfinished)).map((c) => c.round)).toEqual([1, 2]);
      const kept = (await request(app.url).get(`/v1/deliberations/${old}`).expect(200)).body.latestCheckpointId;
      await request(app.url).get(`/v1/checkpoints/${kept}`).expect(200);
      expect(await app.app.get(CheckpointPruner).prune()).toBe(0);
    });
  });
});
