import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answer, httpAdapter, prose, startScriptedProvider, waitFor, type ScriptedProvider } from './support/round-script';
import { startService, stopAllServices, type ChildService } from './support/child-service';

/**
 * A schedule across kill -9 of the real built service (dist/apps/api/src/main.js): the tick missed while
 * it was down is caught up once, and when the service dies in the middle of that run, the next start
 * records the run as interrupted and never runs the tick again, even when the stored last tick is moved
 * back (the tick's row, claimed before the deliberation started, holds it).
 */

const TICK = `${new Date().getUTCFullYear()}-01-01T00:00:00.000Z`;
const BEFORE_TICK = `${new Date().getUTCFullYear() - 1}-12-31T12:00:00.000Z`;

async function json(svc: ChildService, path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${svc.url}${path}`, { ...init, headers: { 'content-type': 'application/json' } });
  return { status: res.status, body: await res.json() };
}

function moveLastTickBack(dbPath: string): void {
  const db = new Database(dbPath);
  db.prepare('UPDATE schedules SET last_tick_at = ?').run(BEFORE_TICK);
  db.close();
}

describe('schedules across kill -9 (e2e, built service)', () => {
  let provider: ScriptedProvider;
  let hold = true;
  let dir: string;

  beforeAll(async () => {
    provider = await startScriptedProvider((c) =>
      hold ? { hang: true } : { text: answer(prose(c.stance, c.round), 'Adopt webhooks', false), usage: { input: 100, output: 50 } },
    );
    dir = mkdtempSync(join(tmpdir(), 'conclave-schedules-crash-'));
    writeFileSync(
      join(dir, 'conclave.yaml'),
      JSON.stringify({ adapters: [httpAdapter(provider, 'cloud', 'T2', { fast: 'gpt-5-mini', reasoning: 'gpt-5' })], deliberation: { maxOutputTokens: 200 } }),
    );
  });

  afterEach(() => stopAllServices());

  afterAll(async () => {
    await provider.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should catch a missed tick up once and never run it twice, across kill -9 in the middle of its run', async () => {
    const options = { configPath: join(dir, 'conclave.yaml'), dbPath: join(dir, 'conclave.sqlite') };
    let svc = await startService(options);
    const created = await json(svc, '/v1/schedules', {
      method: 'POST',
      body: JSON.stringify({
        name: 'new year review',
        cron: '0 0 1 1 *',
        catchUp: true,
        deliberation: {
          question: 'What should we review this year?',
          mode: 'quick',
          participants: [
            { adapter: 'cloud', stance: 'for' },
            { adapter: 'cloud', stance: 'against' },
          ],
        },
        budget: { perRun: { maxTokens: 5000 } },
      }),
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await svc.stop('SIGKILL');

    // Down since before New Year: the start catches the tick up; its calls hang, and the service dies mid-run.
    moveLastTickBack(options.dbPath);
    svc = await startService(options);
    await waitFor(async () => provider.seen.length >= 2, 'the caught-up run to call the provider');
    const [running] = (await json(svc, `/v1/schedules/${id}/runs`)).body;
    expect(running).toMatchObject({ trigger: 'catch_up', tickAt: TICK, status: 'running', deliberationId: expect.any(String) });
    await svc.stop('SIGKILL');

    hold = false;
    svc = await startService(options);
    const runs = await waitFor(async () => {
      const list = (await json(svc, `/v1/schedules/${id}/runs`)).body;
      return list[0]?.status !== 'running' && list;
    }, 'the interrupted run to be settled');
    expect(runs).toEqual([expect.objectContaining({ id: running.id, status: 'interrupted', tickAt: TICK, deliberationId: running.deliberationId })]);
    expect((await json(svc, `/v1/deliberations/${running.deliberationId}`)).body.status).toBe('interrupted');
    await svc.stop('SIGKILL');

    // The stored last tick moved back once more: the tick's row still holds it.
    moveLastTickBack(options.dbPath);
    svc = await startService(options);
    await new Promise((r) => setTimeout(r, 500));
    expect((await json(svc, `/v1/schedules/${id}/runs`)).body).toHaveLength(1);
    expect((await json(svc, '/v1/deliberations')).body.items).toHaveLength(1);
    expect(provider.seen).toHaveLength(2);
  });
});
