import request from 'supertest';
import type { ProviderUsage } from './fixtures/provider-server';
import {
  answer,
  httpAdapter,
  prose,
  readEvents,
  startScriptedProvider,
  waitForStatus,
  type ScriptedCall,
  type ScriptedProvider,
  type Stance,
  deferred,
} from './support/round-script';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * A person pauses a deliberation (POST /v1/deliberations/:id/pause): the calls in flight finish, or
 * with ?now=true are cut keeping the answers that arrived; it stands paused with reason "person" and a
 * checkpoint; a resume continues with nothing lost and nothing counted twice.
 */

const QUESTION = 'Should our billing service move from REST polling to webhooks?';
const STANCES: Stance[] = ['for', 'against', 'neutral'];
const THREE = STANCES.map((stance) => ({ adapter: 'cloud', stance }));
const USAGE: ProviderUsage = { input: 100, output: 50 };

describe('pause by a person (e2e)', () => {
  let provider: ScriptedProvider | undefined;
  let t: TestApp | undefined;
  const releases: Array<() => void> = [];

  afterEach(async () => {
    for (const release of releases.splice(0)) release();
    await t?.close();
    await provider?.close();
    t = undefined;
    provider = undefined;
  });

  /** Round `holdRound`'s "against" call waits for the gate; every other call answers at once. */
  async function boot(holdRound: number, config: Record<string, unknown> = {}) {
    const gate = deferred();
    releases.push(gate.release);
    const arrived: ScriptedCall[] = [];
    provider = await startScriptedProvider(async (c) => {
      if (c.round === holdRound && c.stance === 'against') await gate.promise;
      arrived.push(c);
      return { text: answer(prose(c.stance, c.round), 'Adopt webhooks', true), usage: USAGE };
    });
    t = await startTestApp({ adapters: [httpAdapter(provider, 'cloud', 'T2', { fast: 'gpt-5-mini', reasoning: 'gpt-5' })], ...config });
    return { app: t, gate, arrived };
  }

  async function start(app: TestApp, maxRounds = 3): Promise<string> {
    const res = await request(app.url).post('/v1/deliberations').send({ question: QUESTION, participants: THREE, maxRounds }).expect(202);
    return res.body.id as string;
  }

  async function waitUntil(check: () => boolean): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('should let the calls in flight finish, then stand paused with a checkpoint, and resume counting nothing twice', async () => {
    const { app, gate, arrived } = await boot(2);
    const id = await start(app);
    // Round 2: two answers in, the third held.
    await waitUntil(() => arrived.filter((c) => c.round === 2).length === 2);

    const accepted = await request(app.url).post(`/v1/deliberations/${id}/pause`).expect(202);
    expect(accepted.body).toMatchObject({ id, status: 'running' });
    gate.release();
    const paused = await waitForStatus(app.url, id, ['paused']);

    // The round in flight completed (its calls finished) and no round 3 call was made.
    expect(paused.rounds.map((r: any) => r.number)).toEqual([1, 2]);
    expect(paused.pause).toMatchObject({ reason: 'person', limit: 'person', used: 6 * 150 });
    expect(provider!.seen.filter((c) => c.round === 3)).toHaveLength(0);
    const checkpoints = (await request(app.url).get(`/v1/deliberations/${id}/checkpoints`).expect(200)).body;
    expect(paused.latestCheckpointId).toBe(checkpoints[checkpoints.length - 1].id);

    await request(app.url).post(`/v1/checkpoints/${paused.latestCheckpointId}/resume`).send({}).expect(202);
    const done = await waitForStatus(app.url, id, ['completed']);
    expect(done.rounds.map((r: any) => r.number)).toEqual([1, 2, 3]);
    expect(provider!.seen.map((c) => c.round).sort()).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3]);
    const tokens = (await request(app.url).get(`/v1/deliberations/${id}/tokens`).expect(200)).body;
    expect(tokens.totals).toMatchObject({ calls: 9, totalTokens: 9 * 150 });
  });

  it('should cut the calls in flight with ?now=true, keep the answers that arrived, and re-ask only the cut one on resume', async () => {
    const { app, arrived } = await boot(2);
    const id = await start(app);
    await waitUntil(() => arrived.filter((c) => c.round === 2).length === 2);
    // The two answers are stored once the engine has them: wait for their events before cutting.
    await readEventsUntil(app, id, (events) => events.filter((e) => e.type === 'response_received' && e.data.round === 2).length === 2);

    const res = await request(app.url).post(`/v1/deliberations/${id}/pause`).query({ now: 'true', wait: 'true' }).expect(200);

    expect(res.body).toMatchObject({ id, status: 'paused', pause: { reason: 'person' } });
    // Round 2 stays open: two answers kept, the cut call shown as cancelled.
    const open = res.body.rounds[1];
    expect(open).toMatchObject({ number: 2, completedAt: null });
    expect(open.responses.map((r: any) => r.error?.kind ?? 'answered')).toEqual(['answered', 'cancelled', 'answered']);
    const latest = (await request(app.url).get(`/v1/checkpoints/${res.body.latestCheckpointId}`).query({ include: 'state' }).expect(200)).body;
    expect(latest.reason).toBe('person');
    expect(latest.state.partial.map((r: any) => r.participantIndex).sort()).toEqual([0, 2]);

    releases.splice(0).forEach((release) => release());
    await request(app.url).post(`/v1/checkpoints/${res.body.latestCheckpointId}/resume`).send({}).expect(202);
    const done = await waitForStatus(app.url, id, ['completed']);
    expect(done.rounds.map((r: any) => r.number)).toEqual([1, 2, 3]);
    // Round 2: the cut call was asked twice (once cut, once on resume); the two answers that arrived once each.
    const round2 = provider!.seen
      .filter((c) => c.round === 2)
      .map((c) => c.stance)
      .sort();
    expect(round2).toEqual(['against', 'against', 'for', 'neutral']);
    const tokens = (await request(app.url).get(`/v1/deliberations/${id}/tokens`).expect(200)).body;
    // The cut call reported nothing (its usage is unavailable); every answer is counted once.
    expect(tokens.totals.totalTokens).toBe(9 * 150);
  });

  it('should pause a queued deliberation at once, with a checkpoint to resume from', async () => {
    const { app, gate } = await boot(1, { deliberation: { maxRunning: 1 } });
    const first = await start(app);
    const second = await start(app);
    expect((await request(app.url).get(`/v1/deliberations/${second}`).expect(200)).body.status).toBe('queued');

    const res = await request(app.url).post(`/v1/deliberations/${second}/pause`).expect(202);

    expect(res.body).toMatchObject({ id: second, status: 'paused', pause: { reason: 'person', used: 0 } });
    expect(res.body.latestCheckpointId).toEqual(expect.any(String));
    gate.release();
    await waitForStatus(app.url, first, ['completed']);
    expect((await request(app.url).get(`/v1/deliberations/${second}`).expect(200)).body.status).toBe('paused');
    await request(app.url).post(`/v1/checkpoints/${res.body.latestCheckpointId}/resume`).send({}).expect(202);
    expect((await waitForStatus(app.url, second, ['completed'])).rounds).toHaveLength(3);
  });

  it('should answer 409 naming the status for a finished, paused or cancelled deliberation, and 404 for an unknown one', async () => {
    const { app, gate } = await boot(99);
    gate.release();
    const id = await start(app, 1);
    await waitForStatus(app.url, id, ['completed']);

    const finished = await request(app.url).post(`/v1/deliberations/${id}/pause`).expect(409);
    expect(finished.body).toMatchObject({
      statusCode: 409,
      message: expect.stringContaining('is completed'),
      details: { code: 'DELIBERATION_NOT_RUNNING', status: 'completed' },
    });

    await request(app.url).post('/v1/deliberations/1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b/pause').expect(404);
    await request(app.url).post('/v1/deliberations/not-a-uuid/pause').expect(400);
    await request(app.url).post(`/v1/deliberations/${id}/pause`).query({ now: 'maybe' }).expect(400);
  });

  it('should answer 409 for a deliberation already paused by a person, and announce the pause on SSE', async () => {
    const { app, gate, arrived } = await boot(2);
    const id = await start(app);
    await waitUntil(() => arrived.filter((c) => c.round === 2).length === 2);
    const events = readEvents(app.url, id);
    await request(app.url).post(`/v1/deliberations/${id}/pause`).expect(202);
    gate.release();
    await waitForStatus(app.url, id, ['paused']);

    const again = await request(app.url).post(`/v1/deliberations/${id}/pause`).expect(409);

    expect(again.body.message).toContain('is paused');
    const paused = (await events).find((e) => e.type === 'paused');
    expect(paused?.data).toMatchObject({ pause: { reason: 'person' }, latestCheckpointId: expect.any(String) });
  });

  async function readEventsUntil(app: TestApp, id: string, done: (events: any[]) => boolean): Promise<void> {
    // The stream reads on until the pause's own event ends it.
    const seen: any[] = [];
    void readEvents(app.url, id, 10_000, (e) => seen.push(e)).catch(() => undefined);
    await waitUntil(() => done(seen));
  }
});
