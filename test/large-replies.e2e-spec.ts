import request from 'supertest';
import { startPanel, turn, vote, type ScriptedPanel } from './support/scripted-providers';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Huge provider replies. Before the fix a 50 MB answer was read whole, counted with tiktoken in one
 * synchronous pass (the event loop held for seconds) and stored; an endless reply grew memory until the
 * call's deadline. Now every reply is cut at maxResponseBytes (1 MiB by default) while it is read, the call
 * fails with response_too_large and nothing of it is stored, and /health answers throughout.
 */
describe('huge provider replies (e2e)', () => {
  let panel: ScriptedPanel;
  let t: TestApp;

  beforeAll(async () => {
    const ok = (name: string) => ({ name, script: () => turn('Webhooks, with a reconciliation job.', vote('Webhooks')) });
    panel = await startPanel([
      ok('alpha'),
      ok('beta'),
      // 5 MB without usage: the old code estimated it with one synchronous tiktoken pass.
      { name: 'flood', script: () => ({ text: 'lorem ipsum dolor sit amet '.repeat(200_000), usage: null }) },
      { name: 'endless', script: () => ({ endless: true }) },
    ]);
    t = await startTestApp({ adapters: panel.adapters.map((a) => ({ ...a, timeoutMs: 60_000 })) });
    // The first deliberation of a process loads tiktoken's encoders (seconds, synchronously, once); a
    // deliberation of the two normal participants takes that cost before anything is measured.
    const participants = panel.participants();
    await request(t.url)
      .post('/v1/deliberations?wait=true')
      .send({ question: 'Warm-up', mode: 'quick', participants: participants.filter((p) => ['alpha', 'beta'].includes(p.adapter as string)) })
      .expect(200);
  });

  afterAll(async () => {
    await t.close();
    await panel.close();
  });

  it('should fail both calls with response_too_large quickly, store no text, and keep /health answering', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const started = Date.now();
    const created = await request(t.url)
      .post('/v1/deliberations')
      .send({ question: 'Webhooks or polling?', mode: 'quick', participants: panel.participants() })
      .expect(202);

    // /health while the replies arrive and are cut: every answer well under a second.
    let slowest = 0;
    let status = 'queued';
    while (!['completed', 'failed'].includes(status) && Date.now() - started < 30_000) {
      const before = Date.now();
      await request(t.url).get('/health').expect(200);
      slowest = Math.max(slowest, Date.now() - before);
      status = (await request(t.url).get(`/v1/deliberations/${created.body.id}`).expect(200)).body.status;
    }

    expect(status).toBe('completed');
    // Long before the 60 s call deadline: the endless reply was cut at the cap, not at the timeout.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(slowest).toBeLessThan(1000);
    const view = (await request(t.url).get(`/v1/deliberations/${created.body.id}`).expect(200)).body;
    const byAdapter = Object.fromEntries(view.rounds[0].responses.map((r: any) => [r.adapter, r]));
    for (const name of ['flood', 'endless']) {
      expect(byAdapter[name].error).toMatchObject({ kind: 'response_too_large' });
      expect(byAdapter[name].text).toBe('');
      expect(byAdapter[name].tokens.total).toBe(0);
    }
    expect(byAdapter.alpha.text).toContain('Webhooks');
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(100 * 1024 * 1024);
  });
});
