import { request as httpRequest } from 'node:http';
import { resolve } from 'node:path';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The whole HTTP surface with an API key configured, driven by the OpenAPI document the service itself
 * serves: every documented route, with no key and a wrong key, spelled the way an attacker would spell
 * it. Only /health, /docs* and /metrics may answer without the key. Paths are sent byte for byte with
 * node:http (fetch would normalize `/v1/../v1` and `//v1` before sending).
 */

const KEY = 'auth-surface-test-key-0123456789';
const CASSETTE = resolve(__dirname, '../demo/cassette.json');
const OPEN = new Set(['/health', '/metrics']);
/** What a refused request may answer: no data, nothing done. */
const REFUSED = [400, 401, 404, 405];

interface RawAnswer {
  status: number;
  body: string;
}

function send(url: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((done, fail) => {
    const req = httpRequest(
      {
        host: hostname,
        port,
        method,
        path,
        headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}) },
      },
      (res) => {
        // A live event stream (GET /v1/schedules/events) never ends: its status line is all this test needs.
        if (String(res.headers['content-type']).startsWith('text/event-stream')) {
          done({ status: res.statusCode ?? 0, body: '' });
          res.destroy();
          return;
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => done({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', fail);
    // An SSE stream would never end: the status line is all this test needs.
    req.setTimeout(5000, () => req.destroy(new Error(`${method} ${path}: no answer within 5 s`)));
    req.end(body);
  });
}

/** The odd spellings of a path: case, doubled or encoded slashes, dot segments, trailing slashes. */
function spellings(path: string): string[] {
  const rest = path.slice('/v1'.length); // "/deliberations/…"
  const segments = path.split('/').filter(Boolean);
  const mixed = '/' + segments.map((s, i) => (i === 1 ? s[0].toUpperCase() + s.slice(1) : s)).join('/');
  return [
    path,
    `/V1${rest}`,
    path.toUpperCase(),
    mixed,
    `//v1${rest}`,
    `/v1//${rest.slice(1)}`,
    `/v1/../v1${rest}`,
    `/./v1${rest}`,
    `/v1/%2e%2e/v1${rest}`,
    `/v1/%2E%2E/v1${rest}`,
    `/%2Fv1${rest}`,
    `/v1%2F${rest.slice(1)}`,
    `/%76%31${rest}`, // "v1" percent-encoded
    `${path}/`,
    `${path}//`,
    `${path}/.`,
    `${path}?`,
    `${path}%20`,
  ];
}

describe('auth surface (e2e)', () => {
  let t: TestApp;
  let document: { paths: Record<string, Record<string, unknown>> };
  let deliberationId: string;
  let checkpointId: string;
  const auth = { authorization: `Bearer ${KEY}` };

  beforeAll(async () => {
    t = await startTestApp({
      server: { apiKey: KEY },
      adapters: ['a0', 'a1'].map((name) => ({ name, kind: 'replay', cassette: CASSETTE, tier: 'T2', models: { fast: 'gpt-5-mini', reasoning: 'gpt-5' } })),
      rateLimit: { ttlMs: 60_000, limit: 1_000_000 },
    });
    const docs = await send(t.url, 'GET', '/docs-json');
    expect(docs.status).toBe(200);
    document = JSON.parse(docs.body);
    // Real ids, so a request that got past the guard would find something and answer 2xx (or 409), not 404.
    const created = await send(t.url, 'POST', '/v1/deliberations?wait=true', auth, JSON.stringify(createBody()));
    expect(created.status).toBe(200);
    deliberationId = JSON.parse(created.body).id;
    const checkpoints = await send(t.url, 'GET', `/v1/deliberations/${deliberationId}/checkpoints`, auth);
    checkpointId = JSON.parse(checkpoints.body)[0].id;
  });

  afterAll(() => t?.close());

  function createBody() {
    return { question: 'Should we adopt webhooks?', participants: [{ adapter: 'a0' }, { adapter: 'a1' }], maxRounds: 1 };
  }

  /** A documented path with its parameters filled by values that exist. */
  function concrete(template: string): string {
    return template
      .replace(/^\/v1\/checkpoints\/\{id\}/, `/v1/checkpoints/${checkpointId}`)
      .replace('{id}', deliberationId)
      .replace('{n}', '1')
      .replace('{window}', 'daily')
      .replace('{adapter}', 'a0');
  }

  /** A body the route would accept, so only the key decides the answer. */
  function bodyFor(method: string, template: string): string | undefined {
    if (method === 'POST' && template === '/v1/deliberations') return JSON.stringify(createBody());
    if (method === 'POST' || method === 'PUT') return '{}';
    return undefined;
  }

  function protectedRoutes(): Array<[string, string]> {
    return Object.entries(document.paths)
      .filter(([path]) => !OPEN.has(path))
      .flatMap(([path, operations]) => Object.keys(operations).map((m) => [m.toUpperCase(), path] as [string, string]));
  }

  it('should document the /v1 routes and the open ones', () => {
    const paths = Object.keys(document.paths);
    expect(paths).toEqual(expect.arrayContaining(['/health', '/metrics', '/v1/deliberations', '/v1/budgets/{window}', '/v1/checkpoints/{id}/resume']));
    expect(protectedRoutes().length).toBeGreaterThan(15);
    expect(protectedRoutes().every(([, path]) => path.startsWith('/v1/'))).toBe(true);
  });

  it('should refuse every documented /v1 route, in every spelling and method, without the key or with a wrong one', async () => {
    const leaks: string[] = [];
    let requests = 0;
    for (const [method, template] of protectedRoutes()) {
      const path = concrete(template);
      for (const spelled of spellings(path)) {
        for (const verb of [method, 'HEAD', 'OPTIONS']) {
          for (const headers of [
            {} as Record<string, string>,
            { authorization: 'Bearer wrong-key-wrong-key-wrong' },
            { authorization: `Bearer ${KEY.toUpperCase()}` },
            { authorization: KEY },
          ]) {
            const answer = await send(t.url, verb, spelled, headers, verb === method ? bodyFor(method, template) : undefined);
            requests += 1;
            if (!REFUSED.includes(answer.status)) leaks.push(`${verb} ${spelled} ${JSON.stringify(headers)} → ${answer.status} ${answer.body.slice(0, 80)}`);
            // The documented spelling is refused for the key, not because the route is unknown.
            if (spelled === path && verb === method && answer.status !== 401) leaks.push(`${verb} ${spelled} → ${answer.status}, expected 401`);
          }
        }
      }
    }
    expect(leaks).toEqual([]);
    expect(requests).toBeGreaterThan(1000);
  }, 120_000);

  it('should serve every documented /v1 route with the key (so the refusals above are the key check)', async () => {
    for (const [method, template] of protectedRoutes()) {
      const answer = await send(t.url, method, concrete(template), auth, bodyFor(method, template));
      expect([method, template, answer.status]).not.toEqual([method, template, 401]);
      expect(answer.status).toBeLessThan(500);
    }
  }, 60_000);

  it('should answer /health, /metrics, /docs and /docs-json without the key', async () => {
    for (const path of ['/health', '/metrics', '/docs', '/docs/', '/docs-json']) {
      const answer = await send(t.url, 'GET', path);
      expect([path, answer.status]).toEqual([path, 200]);
      expect(answer.body).not.toContain(KEY);
    }
  });

  it('should match paths case-sensitively, also with the key', async () => {
    expect((await send(t.url, 'GET', '/v1/deliberations', auth)).status).toBe(200);
    expect((await send(t.url, 'GET', '/V1/deliberations', auth)).status).toBe(404);
    expect((await send(t.url, 'GET', '/v1/Deliberations', auth)).status).toBe(404);
  });
});

describe('auth surface with metrics.requireKey (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ server: { apiKey: KEY }, metrics: { requireKey: true } });
  });
  afterAll(() => t?.close());

  it('should put /metrics behind the key and leave /health and /docs open', async () => {
    expect((await send(t.url, 'GET', '/metrics')).status).toBe(401);
    expect((await send(t.url, 'GET', '/metrics', { authorization: 'Bearer wrong-key-wrong-key-wrong' })).status).toBe(401);
    expect((await send(t.url, 'GET', '/metrics', { authorization: `Bearer ${KEY}` })).status).toBe(200);
    expect((await send(t.url, 'GET', '/health')).status).toBe(200);
    expect((await send(t.url, 'GET', '/docs-json')).status).toBe(200);
  });
});
