import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { ProviderReply, ProviderUsage } from './fixtures/provider-server';
import { answer, httpAdapter, prose, startScriptedProvider, waitFor, type ScriptedCall, type ScriptedProvider } from './support/round-script';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Scheduled deliberations through the REST API, on a real SQLite file and a loopback provider. Ticks
 * are real timers: the tests lower schedules.minIntervalSeconds to 1 and tick every second; catch-up
 * after a restart is shown by moving the stored last tick back, as a service that was down would find it.
 */

const CLOUD_MODELS = { fast: 'gpt-5-mini', reasoning: 'gpt-5' };
const USAGE: ProviderUsage = { input: 1000, output: 500 };

/** Every participant votes the same and asks to stop: a one-round, unanimous deliberation. */
function agree(usage: ProviderUsage = USAGE, extra: ProviderReply = {}) {
  return (c: ScriptedCall): ProviderReply => ({ text: answer(prose(c.stance, c.round), 'Adopt webhooks', false), usage, ...extra });
}

const DELIBERATION = {
  question: 'Review yesterday’s incidents summary: is any follow-up needed?',
  mode: 'quick',
  participants: [
    { adapter: 'cloud', stance: 'for' },
    { adapter: 'cloud', stance: 'against' },
  ],
};

function scheduleBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'incident review', everySeconds: 1, deliberation: DELIBERATION, budget: { perRun: { maxTokens: 5000 } }, ...extra };
}

async function runs(t: TestApp, id: string): Promise<any[]> {
  return (await request(t.url).get(`/v1/schedules/${id}/runs`).expect(200)).body;
}

/** The schedules' event stream, read in the background until stop(). */
function listen(url: string): { events: any[]; stop: () => void; ready: Promise<void> } {
  const controller = new AbortController();
  const events: any[] = [];
  let opened!: () => void;
  const ready = new Promise<void>((r) => (opened = r));
  void (async () => {
    try {
      const res = await fetch(`${url}/v1/schedules/events`, { signal: controller.signal });
      opened();
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const data = buffer
            .slice(0, cut)
            .split('\n')
            .find((l) => l.startsWith('data: '));
          buffer = buffer.slice(cut + 2);
          if (data) events.push(JSON.parse(data.slice(6)));
        }
      }
    } catch {
      // aborted by stop()
    }
  })();
  return { events, stop: () => controller.abort(), ready };
}

describe('scheduled deliberations (e2e)', () => {
  let provider: ScriptedProvider;
  let script: (c: ScriptedCall) => ProviderReply;
  let t: TestApp | undefined;
  let dir: string;

  const start = (config: Record<string, unknown> = {}) =>
    startTestApp(
      {
        adapters: [httpAdapter(provider, 'cloud', 'T2', CLOUD_MODELS)],
        deliberation: { maxOutputTokens: 200 },
        schedules: { minIntervalSeconds: 1, contextDir: join(dir, 'contexts') },
        ...config,
      },
      { dir },
    );

  beforeEach(async () => {
    script = agree();
    provider = await startScriptedProvider((c) => script(c));
    dir = mkdtempSync(join(tmpdir(), 'conclave-schedules-'));
    mkdirSync(join(dir, 'contexts'));
  });

  afterEach(async () => {
    await t?.close();
    t = undefined;
    await provider.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should run on its ticks, record each run with its figures, announce them, and stop when deleted', async () => {
    t = await start();
    const stream = listen(t.url);
    await stream.ready;
    const created = await request(t.url).post('/v1/schedules').send(scheduleBody()).expect(201);
    expect(created.body).toMatchObject({
      status: 'active',
      enabled: true,
      everySeconds: 1,
      cron: null,
      timezone: 'UTC',
      maxConsecutiveFailures: 3,
      catchUp: false,
    });
    expect(Date.parse(created.body.nextTickAt)).toBeGreaterThan(Date.now() - 1000);
    const id = created.body.id as string;

    const done = await waitFor(async () => {
      const list = await runs(t!, id);
      return list.filter((r) => r.status === 'completed').length >= 2 && list;
    }, 'two completed runs');
    const completed = done.filter((r) => r.status === 'completed');
    for (const run of completed) {
      expect(run).toMatchObject({ trigger: 'tick', skipped: null, outcome: 'unanimous', winningOption: 'Adopt webhooks', tokens: 3000 });
      expect(run.costUsd).toBeGreaterThan(0);
      expect(Date.parse(run.tickAt) % 1000).toBe(0);
      // The per-run cap is the deliberation's budget.
      const deliberation = (await request(t.url).get(`/v1/deliberations/${run.deliberationId}`).expect(200)).body;
      expect(deliberation).toMatchObject({ status: 'completed', budget: { maxTokens: 5000 }, question: DELIBERATION.question });
    }
    expect(new Set(done.map((r) => r.tickAt)).size).toBe(done.length);

    const view = (await request(t.url).get(`/v1/schedules/${id}`).expect(200)).body;
    expect(view.monthToDate.tokens).toBeGreaterThanOrEqual(6000);
    expect(view.lastTickAt).toBe(done[0].tickAt);
    expect((await request(t.url).get('/v1/schedules').expect(200)).body.map((s: any) => s.id)).toEqual([id]);
    expect(stream.events.some((e) => e.type === 'run_started' && e.scheduleId === id)).toBe(true);
    expect(stream.events.some((e) => e.type === 'run_finished' && e.run.status === 'completed')).toBe(true);
    stream.stop();

    await request(t.url).delete(`/v1/schedules/${id}`).expect(204);
    await request(t.url).get(`/v1/schedules/${id}`).expect(404);
    await new Promise((r) => setTimeout(r, 400)); // a run that started just before the delete finishes
    const calls = provider.seen.length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(provider.seen.length).toBe(calls);
  });

  it('should skip a tick while the previous run is still going (skipped: overlap)', async () => {
    script = agree(USAGE, { delayMs: 1800 });
    t = await start();
    const id = (await request(t.url).post('/v1/schedules').send(scheduleBody()).expect(201)).body.id;
    const list = await waitFor(async () => {
      const all = await runs(t!, id);
      return all.some((r) => r.skipped === 'overlap') && all.some((r) => r.status === 'completed') && all;
    }, 'an overlap skip and a completed run');
    const overlap = list.find((r) => r.skipped === 'overlap');
    expect(overlap).toMatchObject({ status: 'skipped', deliberationId: null, reason: 'the previous run was still going on', trigger: 'tick' });
    await request(t.url).patch(`/v1/schedules/${id}`).send({ enabled: false }).expect(200);
  });

  it('should skip a run that no longer fits the monthly cap (skipped: budget), and answer 409 to a second run at once', async () => {
    t = await start();
    const body = scheduleBody({ enabled: false, budget: { perRun: { maxTokens: 5000 }, monthly: { tokens: 10_000 } } });
    const created = (await request(t.url).post('/v1/schedules').send(body).expect(201)).body;
    expect(created.nextTickAt).toBeNull();
    const id = created.id;
    for (let i = 0; i < 2; i++) {
      const run = (await request(t.url).post(`/v1/schedules/${id}/run`).expect(202)).body;
      expect(run).toMatchObject({ trigger: 'manual', status: 'running', tickAt: null });
      if (i === 0) await request(t.url).post(`/v1/schedules/${id}/run`).expect(409);
      await waitFor(async () => (await runs(t!, id)).find((r) => r.id === run.id && r.status === 'completed'), 'the run to complete');
    }
    // 6000 spent: 6000 + a run's 5000 is past the month's 10 000.
    const skipped = (await request(t.url).post(`/v1/schedules/${id}/run`).expect(202)).body;
    expect(skipped).toMatchObject({ status: 'skipped', skipped: 'budget', deliberationId: null });
    expect(skipped.reason).toBe('monthly cap: 6000 of 10000 tokens spent this month, a run may take 5000');
    expect((await request(t.url).get(`/v1/schedules/${id}`).expect(200)).body).toMatchObject({ status: 'active', monthToDate: { tokens: 6000 } });
    expect(provider.seen).toHaveLength(4);
  });

  it("should quote a schedule's previous decisions in its next run's first round, whatever their similarity", async () => {
    t = await start({ memory: { minSimilarity: 0.99 } }); // nothing else is similar enough to be quoted
    const id = (
      await request(t.url)
        .post('/v1/schedules')
        .send(scheduleBody({ enabled: false }))
        .expect(201)
    ).body.id;
    const done: any[] = [];
    for (let i = 0; i < 2; i++) {
      const run = (await request(t.url).post(`/v1/schedules/${id}/run`).expect(202)).body;
      done.push(await waitFor(async () => (await runs(t!, id)).find((r) => r.id === run.id && r.status === 'completed'), 'the run to complete'));
    }

    const second = (await request(t.url).get(`/v1/deliberations/${done[1].deliberationId}`).expect(200)).body;

    expect(second.memory).toMatchObject({ mode: 'context', decisions: [{ id: done[0].deliberationId }] });
    const first = (await request(t.url).get(`/v1/deliberations/${done[0].deliberationId}`).expect(200)).body;
    expect(first.memory.decisions).toEqual([]);
    // The quote reached the providers in the second run's prompts, and not the first run's.
    const quoted = (c: ScriptedCall) => c.call.prompt.includes('Past decisions on similar questions');
    expect(provider.seen.map(quoted)).toEqual([false, false, true, true]);
  });

  it('should pause itself after maxConsecutiveFailures failed runs, announce it, and run again after a resume', async () => {
    script = () => ({ status: 500, text: 'provider down' });
    t = await start();
    const stream = listen(t.url);
    await stream.ready;
    const id = (
      await request(t.url)
        .post('/v1/schedules')
        .send(scheduleBody({ maxConsecutiveFailures: 2 }))
        .expect(201)
    ).body.id;
    const paused = await waitFor(async () => {
      const view = (await request(t!.url).get(`/v1/schedules/${id}`)).body;
      return view.status === 'paused' && view;
    }, 'the schedule to pause');
    expect(paused.pausedReason).toBe('2 runs in a row failed or were paused by a budget (maxConsecutiveFailures 2)');
    expect(paused.nextTickAt).toBeNull();
    const failed = (await runs(t, id)).filter((r) => r.status === 'failed');
    expect(failed).toHaveLength(2);
    expect(failed[0].deliberationId).toEqual(expect.any(String));
    expect(stream.events.find((e) => e.type === 'schedule_paused')).toMatchObject({ scheduleId: id, reason: paused.pausedReason });

    // Paused: no tick runs.
    const count = (await runs(t, id)).length;
    await new Promise((r) => setTimeout(r, 1500));
    expect((await runs(t, id)).length).toBe(count);

    script = agree();
    const resumed = (await request(t.url).post(`/v1/schedules/${id}/resume`).expect(200)).body;
    expect(resumed).toMatchObject({ status: 'active', pausedReason: null, enabled: true });
    await request(t.url).post(`/v1/schedules/${id}/resume`).expect(409);
    await waitFor(async () => (await runs(t!, id)).some((r) => r.status === 'completed'), 'a completed run after the resume');
    expect(stream.events.some((e) => e.type === 'schedule_resumed' && e.scheduleId === id)).toBe(true);
    stream.stop();
    await request(t.url).patch(`/v1/schedules/${id}`).send({ enabled: false }).expect(200);
  });

  it('should pause itself when a budget window turns RED, and skip runs while it is', async () => {
    // A run spends 9600 of the day's 10 000 tokens: 96%, RED.
    script = agree({ input: 4000, output: 800 });
    t = await start({ budgets: { daily: { tokens: 10_000 } } });
    const id = (
      await request(t.url)
        .post('/v1/schedules')
        .send(scheduleBody({ enabled: false, budget: { perRun: { maxTokens: 10_000 } } }))
        .expect(201)
    ).body.id;
    await request(t.url).post(`/v1/schedules/${id}/run`).expect(202);
    const paused = await waitFor(async () => {
      const view = (await request(t!.url).get(`/v1/schedules/${id}`)).body;
      return view.status === 'paused' && view;
    }, 'the schedule to pause');
    expect(paused.pausedReason).toBe('budget window daily is RED (96% used)');
    const skipped = (await request(t.url).post(`/v1/schedules/${id}/run`).expect(202)).body;
    expect(skipped).toMatchObject({ status: 'skipped', skipped: 'budget', reason: 'budget window daily is RED (96% used)' });
    expect(provider.seen).toHaveLength(2);

    // Enforcement switched off by a person: a RED window no longer stops a run.
    await request(t.url).put('/v1/budgets/enforcement').send({ enabled: false, reason: 'end-of-quarter review runs regardless' }).expect(200);
    const ran = (await request(t.url).post(`/v1/schedules/${id}/run`).expect(202)).body;
    expect(ran).toMatchObject({ status: 'running', skipped: null });
  });

  it('should fire no tick with schedules.enabled off, and still run by hand', async () => {
    t = await start({ schedules: { enabled: false, minIntervalSeconds: 1 } });
    const created = (await request(t.url).post('/v1/schedules').send(scheduleBody()).expect(201)).body;
    expect(created).toMatchObject({ enabled: true, status: 'active', nextTickAt: null });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await runs(t, created.id)).toEqual([]);
    const run = (await request(t.url).post(`/v1/schedules/${created.id}/run`).expect(202)).body;
    expect(run).toMatchObject({ trigger: 'manual', status: 'running' });
  });

  it('should refuse to start when schedules.contextDir is not a folder, naming the key', async () => {
    await expect(start({ schedules: { contextDir: join(dir, 'missing') } })).rejects.toThrow('schedules.contextDir: ');
  });

  it("should give the deliberation its context from a file in schedules.contextDir and from the service's own path", async () => {
    writeFileSync(join(dir, 'contexts', 'incidents.md'), 'INC-42: checkout latency spike at 03:10.');
    t = await start();
    const fromFile = (
      await request(t.url)
        .post('/v1/schedules')
        .send(scheduleBody({ enabled: false, contextFrom: { file: 'incidents.md' } }))
        .expect(201)
    ).body.id;
    const fromUrl = (
      await request(t.url)
        .post('/v1/schedules')
        .send(scheduleBody({ enabled: false, contextFrom: { url: '/v1/budgets/status' } }))
        .expect(201)
    ).body.id;
    for (const [id, expected] of [
      [fromFile, 'INC-42: checkout latency spike at 03:10.'],
      [fromUrl, '"window":"daily"'],
    ]) {
      const run = (await request(t.url).post(`/v1/schedules/${id}/run`).expect(202)).body;
      const deliberation = (await request(t.url).get(`/v1/deliberations/${run.deliberationId}`).expect(200)).body;
      expect(deliberation.context).toContain(expected);
    }
  });

  it('should fail a run whose context file became a link out of contextDir, or grew too large, without starting a deliberation', async () => {
    const contexts = join(dir, 'contexts');
    writeFileSync(join(contexts, 'swapped.md'), 'fine at creation');
    writeFileSync(join(contexts, 'big.md'), 'small at creation');
    writeFileSync(join(dir, 'secret.txt'), 'not for models');
    t = await start();
    const swapped = (
      await request(t.url)
        .post('/v1/schedules')
        .send(scheduleBody({ enabled: false, contextFrom: { file: 'swapped.md' } }))
        .expect(201)
    ).body.id;
    const big = (
      await request(t.url)
        .post('/v1/schedules')
        .send(scheduleBody({ enabled: false, contextFrom: { file: 'big.md' } }))
        .expect(201)
    ).body.id;
    rmSync(join(contexts, 'swapped.md'));
    symlinkSync(join(dir, 'secret.txt'), join(contexts, 'swapped.md'));
    writeFileSync(join(contexts, 'big.md'), 'x'.repeat(400_001));
    for (const [id, words] of [
      [swapped, 'outside schedules.contextDir'],
      [big, 'more than a context may hold'],
    ]) {
      const run = (await request(t.url).post(`/v1/schedules/${id}/run`).expect(202)).body;
      expect(run).toMatchObject({ status: 'failed', deliberationId: null });
      expect(run.reason).toContain(words);
    }
    expect(provider.seen).toHaveLength(0);
  });

  it('should catch up a tick missed while the service was down once, record it as missed without catchUp, and never run it twice', async () => {
    t = await start();
    const yearly = { cron: '0 0 1 1 *', everySeconds: undefined };
    const catchUp = (
      await request(t.url)
        .post('/v1/schedules')
        .send(scheduleBody({ ...yearly, catchUp: true, contextFrom: { url: '/v1/budgets/status' } }))
        .expect(201)
    ).body.id;
    const missed = (
      await request(t.url)
        .post('/v1/schedules')
        .send(scheduleBody({ ...yearly, name: 'no catch-up' }))
        .expect(201)
    ).body.id;
    await t.close();
    t = undefined;

    // Down since before New Year: the 1 January tick was missed.
    const db = new Database(join(dir, 'conclave.sqlite'));
    db.prepare('UPDATE schedules SET last_tick_at = ?').run('2025-12-31T12:00:00.000Z');
    db.close();
    const tick = `${new Date().getUTCFullYear()}-01-01T00:00:00.000Z`;

    t = await start();
    const caught = await waitFor(async () => (await runs(t!, catchUp)).find((r) => r.status === 'completed'), 'the caught-up run');
    expect(caught).toMatchObject({ trigger: 'catch_up', tickAt: tick });
    // Caught up while the service was starting: its context was read from the service once it listened.
    expect((await request(t.url).get(`/v1/deliberations/${caught.deliberationId}`).expect(200)).body.context).toContain('"window":"daily"');
    expect(await runs(t, missed)).toEqual([expect.objectContaining({ status: 'missed', trigger: 'tick', tickAt: tick, deliberationId: null })]);
    expect((await request(t.url).get(`/v1/schedules/${catchUp}`).expect(200)).body.lastTickAt).toBe(tick);
    await t.close();
    t = undefined;

    // Even with the last tick moved back again, the tick's row holds: it is claimed once.
    const again = new Database(join(dir, 'conclave.sqlite'));
    again.prepare('UPDATE schedules SET last_tick_at = ?').run('2025-12-31T12:00:00.000Z');
    again.close();
    t = await start();
    await new Promise((r) => setTimeout(r, 300));
    expect(await runs(t, catchUp)).toHaveLength(1);
    expect(await runs(t, missed)).toHaveLength(1);
    expect(provider.seen).toHaveLength(2);
  });
});

describe('scheduled deliberations: bad input (e2e)', () => {
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'conclave-schedules-input-'));
    const contexts = join(base, 'contexts');
    mkdirSync(contexts);
    writeFileSync(join(contexts, 'ok.md'), 'fine');
    writeFileSync(join(base, 'secret.txt'), 'secret');
    symlinkSync(join(base, 'secret.txt'), join(contexts, 'escape.md'));
    t = await startTestApp({
      adapters: [httpAdapter({ baseUrl: 'http://127.0.0.1:9' }, 'cloud', 'T2', CLOUD_MODELS)],
      schedules: { contextDir: contexts },
    });
  });

  afterAll(async () => {
    await t.close();
    rmSync(base, { recursive: true, force: true });
  });

  const valid = { name: 'review', cron: '0 9 * * 1-5', timezone: 'Europe/Berlin', deliberation: DELIBERATION, budget: { perRun: { maxTokens: 5000 } } };

  it.each([
    ['an invalid cron', { cron: '61 * * * *' }, 'cron', /^cron: "61 \* \* \* \*" is not a valid cron expression/],
    ['an unknown time zone', { timezone: 'Mars/Olympus' }, 'timezone', /^timezone: "Mars\/Olympus" is not an IANA time zone/],
    ['everySeconds under 60', { cron: undefined, everySeconds: 30 }, 'everySeconds', /^everySeconds: must be a whole number from 60/],
    ['both cron and everySeconds', { everySeconds: 3600 }, 'everySeconds', /exactly one of cron or everySeconds/],
    [
      'an unknown adapter in the deliberation',
      { deliberation: { ...DELIBERATION, participants: [{ adapter: 'nope' }, { adapter: 'cloud' }] } },
      'deliberation.participants.0.adapter',
      /^deliberation\.participants\.0\.adapter: no adapter named "nope"/,
    ],
    ['a deliberation budget', { deliberation: { ...DELIBERATION, budget: { maxTokens: 10 } } }, 'deliberation.budget', /budget\.perRun/],
    ['a file outside contextDir', { contextFrom: { file: '../secret.txt' } }, 'contextFrom.file', /outside schedules\.contextDir/],
    ['a symlink escaping contextDir', { contextFrom: { file: 'escape.md' } }, 'contextFrom.file', /outside schedules\.contextDir/],
    ['a foreign URL', { contextFrom: { url: 'https://example.com/v1/usage' } }, 'contextFrom.url', /not a path of this service/],
    ['a loopback URL of another port', { contextFrom: { url: 'http://127.0.0.1:9/v1/usage' } }, 'contextFrom.url', /not a path of this service/],
    ['both file and url', { contextFrom: { file: 'ok.md', url: '/v1/usage' } }, 'contextFrom', /exactly one of file or url/],
    ['an empty per-run cap', { budget: { perRun: {} } }, 'budget.perRun', /every run is capped/],
    ['a monthly USD cap without a per-run one', { budget: { perRun: { maxTokens: 10 }, monthly: { usd: 20 } } }, 'budget.perRun.maxCostUsd', /required/],
  ])('should refuse %s with a 400 naming the field', async (_name, change, field, message) => {
    const res = await request(t.url)
      .post('/v1/schedules')
      .send({ ...valid, ...change })
      .expect(400);
    expect(res.body.message).toMatch(message);
    expect(res.body.details.field).toBe(field);
  });

  it.each([
    ['a deliberation without a question', { deliberation: { participants: DELIBERATION.participants } }, 'deliberation.question'],
    ['one participant', { deliberation: { ...DELIBERATION, participants: [{ adapter: 'cloud' }] } }, 'deliberation.participants'],
    ['an unknown deliberation field', { deliberation: { ...DELIBERATION, colour: 'red' } }, 'deliberation.colour'],
    ['no budget', { budget: undefined }, 'budget'],
    ['a negative per-run cap', { budget: { perRun: { maxTokens: -1 } } }, 'budget.perRun.maxTokens'],
    ['maxConsecutiveFailures 0', { maxConsecutiveFailures: 0 }, 'maxConsecutiveFailures'],
  ])('should refuse %s with a 400 naming the field', async (_name, change, field) => {
    const res = await request(t.url)
      .post('/v1/schedules')
      .send({ ...valid, ...change })
      .expect(400);
    expect(res.body.details.map((d: any) => d.field)).toContain(field);
    if (field.includes('.')) expect(res.body.message).toContain(`${field}: `);
  });

  it('should answer 404 for an unknown schedule, 400 for a bad id, and 409 for resuming an active one', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const path of [`/v1/schedules/${unknown}`, `/v1/schedules/${unknown}/runs`]) await request(t.url).get(path).expect(404);
    await request(t.url).post(`/v1/schedules/${unknown}/run`).expect(404);
    await request(t.url).delete(`/v1/schedules/${unknown}`).expect(404);
    await request(t.url).get('/v1/schedules/not-a-uuid').expect(400);
    const id = (await request(t.url).post('/v1/schedules').send(valid).expect(201)).body.id;
    await request(t.url).post(`/v1/schedules/${id}/resume`).expect(409);
    const patched = await request(t.url).patch(`/v1/schedules/${id}`).send({ everySeconds: 30 }).expect(400);
    expect(patched.body.details.field).toBe('everySeconds');
    const switched = (await request(t.url).patch(`/v1/schedules/${id}`).send({ everySeconds: 3600 }).expect(200)).body;
    expect(switched).toMatchObject({ cron: null, everySeconds: 3600 });
    await request(t.url).delete(`/v1/schedules/${id}`).expect(204);
  });
});
