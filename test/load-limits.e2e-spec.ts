import { resolve } from 'node:path';
import { startProviderServer, type ProviderServer } from './fixtures/provider-server';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The two limits on starting deliberations: the per-client rate limit on POST /v1/deliberations, and the
 * cap on deliberations running at once (a bounded queue behind it, 429 with Retry-After beyond).
 */

const CASSETTE = resolve(__dirname, '../demo/cassette.json');

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

async function post(url: string, path: string, body: unknown): Promise<Answer> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

async function get(url: string, path: string): Promise<any> {
  const res = await fetch(`${url}${path}`);
  expect(res.status).toBe(200);
  return res.json();
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function expectTooManyRequests(answer: Answer): void {
  expect(answer.status).toBe(429);
  expect(answer.body).toEqual(expect.objectContaining({ statusCode: 429, error: 'Too Many Requests', message: expect.any(String) }));
  expect(Object.keys(answer.body).every((k) => ['statusCode', 'error', 'message', 'details'].includes(k))).toBe(true);
  const retryAfter = Number(answer.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThan(0);
}

describe('load limits (e2e)', () => {
  describe('rate limit on POST /v1/deliberations', () => {
    const TTL_MS = 3_000;
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp({
        adapters: ['a0', 'a1'].map((name) => ({ name, kind: 'replay', cassette: CASSETTE, tier: 'T2', models: { fast: 'gpt-5-mini', reasoning: 'gpt-5' } })),
        rateLimit: { ttlMs: TTL_MS, limit: 3 },
      });
    });
    afterAll(() => t.close());

    const body = { question: 'Should we adopt webhooks?', participants: [{ adapter: 'a0' }, { adapter: 'a1' }], mode: 'quick' };

    it('should answer 429 in the error shape with Retry-After past the limit, store nothing, and accept again after the window', async () => {
      const started = Date.now();
      for (let i = 0; i < 3; i++) expect((await post(t.url, '/v1/deliberations', body)).status).toBe(202);
      const refused = await post(t.url, '/v1/deliberations', body);
      expect(Date.now() - started).toBeLessThan(TTL_MS); // all four inside one window, or the test proves nothing

      expectTooManyRequests(refused);
      expect(refused.body.message).toMatch(/rate limit/i);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(TTL_MS / 1000);
      const listed = await get(t.url, '/v1/deliberations');
      expect(listed.items).toHaveLength(3);

      // Only starting deliberations is limited: reads and other writes go on.
      for (let i = 0; i < 5; i++) await get(t.url, '/v1/deliberations');
      const cancel = await post(t.url, `/v1/deliberations/${listed.items[0].id}/cancel`, {});
      expect(cancel.status).not.toBe(429);

      await new Promise((r) => setTimeout(r, Number(refused.headers.get('retry-after')) * 1000 + 200));
      expect((await post(t.url, '/v1/deliberations', body)).status).toBe(202);
    }, 15_000);
  });

  describe('cap on running deliberations', () => {
    let t: TestApp;
    let provider: ProviderServer;
    let release: () => void;
    let gate: Promise<void>;

    beforeEach(async () => {
      gate = new Promise<void>((r) => {
        release = r;
      });
      // Every answer waits at the gate: a slow provider whose pace the test sets.
      provider = await startProviderServer({
        wire: 'openai',
        respond: async (call) => {
          if (!call.prompt.includes('Question Z')) await gate;
          return {
            text: `${call.prompt.includes('Question A') ? 'A' : 'B'} answer.\nVOTE: {"option": "webhooks", "confidence": 0.8, "rationale": "r", "continue_debate": true}`,
            usage: { input: 10, output: 5 },
          };
        },
      });
      t = await startTestApp({
        adapters: ['p0', 'p1'].map((name) => ({
          name,
          kind: 'http',
          provider: 'openai',
          baseUrl: provider.baseUrl,
          tier: 'T2',
          models: { fast: 'gpt-5-mini', reasoning: 'gpt-5' },
          timeoutMs: 10_000,
          maxRetries: 0,
        })),
        deliberation: { maxRunning: 1, maxQueued: 1 },
        rateLimit: { ttlMs: 60_000, limit: 1_000 },
      });
    });

    afterEach(async () => {
      release();
      await t.close();
      await provider.close();
    });

    const start = (question: string) => post(t.url, '/v1/deliberations', { question, participants: [{ adapter: 'p0' }, { adapter: 'p1' }], mode: 'quick' });
    const status = async (id: string) => (await get(t.url, `/v1/deliberations/${id}`)).status as string;

    it('should queue past maxRunning, refuse past maxQueued with 429 and Retry-After, and start the queued one when a slot frees', async () => {
      const a = await start('Question A: webhooks?');
      expect(a.status).toBe(202);
      await until(
        () => Promise.resolve(provider.calls.length),
        (n) => n === 2,
        'A to call both participants',
      );
      expect(await status(a.body.id)).toBe('running');

      const b = await start('Question B: polling?');
      expect(b.status).toBe(202);
      expect(b.body.status).toBe('queued');
      expect(await status(b.body.id)).toBe('queued');

      const c = await start('Question C: both?');
      expectTooManyRequests(c);
      expect(c.body.details).toEqual(expect.objectContaining({ code: 'QUEUE_FULL' }));
      expect(c.headers.get('retry-after')).toBe('5');
      expect((await get(t.url, '/v1/deliberations')).items).toHaveLength(2); // the refused one stored nothing
      expect(provider.calls).toHaveLength(2); // B waits: it has not called anyone

      release();
      await until(
        () => status(b.body.id),
        (s) => s === 'completed',
        'B to complete',
      );
      expect(await status(a.body.id)).toBe('completed');
      // B ran after A, never beside it: its calls all come after A's.
      const owners = provider.calls.map((call) => (call.prompt.includes('Question A') ? 'A' : 'B'));
      expect(owners).toEqual(['A', 'A', 'B', 'B']);

      // With the slot and the queue free again, starting is accepted.
      expect((await start('Question D: again?')).status).toBe(202);
    });

    it('should hold the queue to maxQueued when many requests arrive at the same moment', async () => {
      const a = await start('Question A: webhooks?');
      expect(a.status).toBe(202);
      await until(
        () => Promise.resolve(provider.calls.length),
        (n) => n === 2,
        'A to call both participants',
      );

      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => start(`Question B${i}: polling?`)));
      const statuses = answers.map((x) => x.status).sort();
      expect(statuses).toEqual([202, 429, 429, 429, 429, 429]);
      for (const refused of answers.filter((x) => x.status === 429)) expectTooManyRequests(refused);
      expect((await get(t.url, '/v1/deliberations')).items).toHaveLength(2);
    });

    it('should refuse a resume with 429 when the queue is full, and accept it once there is room', async () => {
      // Z answers at once (the gate holds the others back): a finished deliberation with a checkpoint to fork.
      const z = await post(t.url, '/v1/deliberations?wait=true', {
        question: 'Question Z: fork me?',
        participants: [{ adapter: 'p0' }, { adapter: 'p1' }],
        mode: 'quick',
      });
      expect(z.body.status).toBe('completed');
      const checkpointId = z.body.latestCheckpointId as string;
      expect((await start('Question A: webhooks?')).status).toBe(202);
      await until(
        () => Promise.resolve(provider.calls.length),
        (n) => n === 4,
        'A to call both participants',
      );
      expect((await start('Question B: polling?')).status).toBe(202);

      const refused = await post(t.url, `/v1/checkpoints/${checkpointId}/resume`, { maxRounds: 2 });
      expectTooManyRequests(refused);
      expect(refused.body.details).toEqual(expect.objectContaining({ code: 'QUEUE_FULL' }));
      expect((await get(t.url, '/v1/deliberations')).items).toHaveLength(3); // no fork was stored

      release();
      await until(
        async () => (await get(t.url, '/v1/deliberations?status=completed')).items.length,
        (n) => n === 3,
        'A and B to complete',
      );
      const accepted = await post(t.url, `/v1/checkpoints/${checkpointId}/resume`, { maxRounds: 2 });
      expect(accepted.status).toBe(202);
      expect(accepted.body.parentId).toBe(z.body.id);
    });
  });
});
