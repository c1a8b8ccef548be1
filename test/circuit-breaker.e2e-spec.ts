import request from 'supertest';
import { startProviderServer, type ProviderServer } from './fixtures/provider-server';
import { readEvents, waitForStatus, type SseEvent } from './support/round-script';
import { startPanel, turn, vote, voteLine, type ScriptedPanel } from './support/scripted-providers';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Issue 15.5: a provider that is killed opens its adapter's circuit breaker after
 * circuitBreaker.failureThreshold transport failures; the next round's participant moves, before the
 * call, to the other adapter of the same tier (allocation audit and SSE say so); after the cool-down one
 * trial call goes, and the provider being back closes the breaker.
 */

const THRESHOLD = 2;
const COOL_DOWN_MS = 3000;

describe('circuit breaker per adapter (e2e)', () => {
  let panel: ScriptedPanel | undefined;
  let revived: ProviderServer | undefined;
  let t: TestApp | undefined;

  afterAll(async () => {
    await t?.close();
    await panel?.close().catch(() => undefined);
    await revived?.close();
  });

  async function start(body: Record<string, unknown>): Promise<{ id: string; events: Promise<SseEvent[]> }> {
    const created = await request(t!.url)
      .post('/v1/deliberations')
      .send({ question: 'Webhooks or polling?', participants: panel!.participants(), ...body })
      .expect(202);
    return { id: created.body.id, events: readEvents(t!.url, created.body.id, 20_000) };
  }

  const breakerOf = async (name: string): Promise<any> => {
    const res = await request(t!.url).get('/v1/adapters').expect(200);
    return res.body.find((a: any) => a.name === name).breaker;
  };

  it('should open after the threshold, move the participant to the same tier, and close after a successful trial', async () => {
    panel = await startPanel([
      { name: 'alpha', script: [turn('Alpha: webhooks.', vote('Webhooks'))] },
      { name: 'beta', script: (round) => turn(`Beta round ${round}: webhooks.`, vote('Webhooks')) },
      { name: 'gamma', script: (round) => turn(`Gamma round ${round}: polling.`, vote('Polling')) },
    ]);
    t = await startTestApp({ adapters: panel.adapters, circuitBreaker: { failureThreshold: THRESHOLD, coolDownMs: COOL_DOWN_MS } });
    expect(await breakerOf('alpha')).toEqual({ state: 'closed', consecutiveFailures: 0, openedAt: null, reopensAt: null });

    // Killed: every call to alpha is refused at the socket (a transport failure).
    const alphaPort = Number(new URL(panel.server('alpha').baseUrl).port);
    await panel.server('alpha').close();
    const first = await start({ maxRounds: 3 });
    const done = await waitForStatus(t.url, first.id, ['completed', 'failed', 'paused'], 20_000);
    expect(done.status).toBe('completed');
    const events = await first.events;

    // Rounds 1 and 2 failed on alpha (2 failures: open); round 3 planned it on beta before any call.
    const breaker = await breakerOf('alpha');
    expect(breaker).toMatchObject({ state: 'open', consecutiveFailures: THRESHOLD });
    expect(Date.parse(breaker.reopensAt) - Date.parse(breaker.openedAt)).toBe(COOL_DOWN_MS);
    expect((await breakerOf('beta')).state).toBe('closed');

    const moved = events.filter((e) => e.type === 'participant_moved');
    expect(moved.map((e) => e.data)).toEqual([
      { round: 3, participantIndex: 0, from: 'alpha', adapter: 'beta', adapterTier: 'T2', model: 'gpt-5-mini', reason: 'adapter_unavailable' },
    ]);
    const responses = events.filter((e) => e.type === 'response_received' && e.data.participantIndex === 0).map((e) => e.data);
    expect(responses.map((r) => [r.round, r.adapter, r.error?.kind ?? null])).toEqual([
      [1, 'alpha', 'http_status'],
      [2, 'alpha', 'http_status'],
      [3, 'beta', null],
    ]);
    expect(panel.callsInRound('beta', 3)).toHaveLength(2);

    const audit = (await request(t.url).get('/v1/allocations').query({ deliberationId: first.id }).expect(200)).body;
    const p0 = audit.filter((a: any) => a.participantIndex === 0).map((a: any) => [a.round, a.adapter, a.movedFrom, a.fallbackReason]);
    expect(p0).toEqual([
      [1, 'alpha', null, null],
      [2, 'alpha', null, null],
      [3, 'beta', 'alpha', 'adapter_unavailable'],
    ]);
    expect(audit.find((a: any) => a.round === 3 && a.participantIndex === 0).reason).toContain('circuit breaker is open');

    // Back where it was; after the cool-down the breaker is half-open and the next call is the trial.
    revived = await startProviderServer({
      wire: 'openai',
      port: alphaPort,
      respond: () => ({ text: `Alpha is back: webhooks.\n\n${voteLine(vote('Webhooks'))}`, usage: { input: 100, output: 20 } }),
    });
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(breaker.reopensAt) - Date.now()) + 50));
    expect((await breakerOf('alpha')).state).toBe('half_open');

    const second = await start({ maxRounds: 1 });
    expect((await waitForStatus(t.url, second.id, ['completed', 'failed', 'paused'], 20_000)).status).toBe('completed');
    expect((await second.events).some((e) => e.type === 'participant_moved')).toBe(false);
    expect(revived.calls).toHaveLength(1);
    expect(await breakerOf('alpha')).toEqual({ state: 'closed', consecutiveFailures: 0, openedAt: null, reopensAt: null });
    const trial = (await request(t.url).get('/v1/allocations').query({ deliberationId: second.id }).expect(200)).body.find(
      (a: any) => a.participantIndex === 0,
    );
    expect([trial.adapter, trial.movedFrom]).toEqual(['alpha', null]);
  });
});
