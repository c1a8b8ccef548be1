import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import request from 'supertest';
import { startTestApp, TestApp } from './support/test-app';

const API_KEY = 'test-key-0123456789abcdef';

describe('service foundation (e2e)', () => {
  describe('without an API key', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ server: { bodyLimitBytes: 4096 } });
    });
    afterAll(() => t.close());

    it('should report health with the database and uptime', async () => {
      const res = await request(t.url).get('/health').expect(200);
      expect(res.body.status).toBe('ok');
      expect(res.body.info.database.status).toBe('up');
      expect(typeof res.body.info.uptime.seconds).toBe('number');
    });

    it('should apply every migration to the empty database', () => {
      const db = new Database(t.dbPath, { readonly: true });
      try {
        const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name);
        expect(tables).toEqual(
          expect.arrayContaining([
            'migrations',
            'deliberations',
            'deliberation_rounds',
            'deliberation_responses',
            'checkpoints',
            'token_usage',
            'solution_totals',
            'schedules',
            'schedule_runs',
          ]),
        );
        expect((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode).toBe('wal');
      } finally {
        db.close();
      }
    });

    it('should serve the OpenAPI document and UI', async () => {
      const doc = await request(t.url).get('/docs-json').expect(200);
      expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/deliberations', '/v1/deliberations/{id}', '/health']));
      await request(t.url).get('/docs').expect(200);
    });

    it('should answer malformed JSON with a 400 in the error shape', async () => {
      const res = await request(t.url).post('/v1/deliberations').set('content-type', 'application/json').send('{"question": ').expect(400);
      expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'request body is not valid JSON' });
    });

    it('should answer an oversized body with a 413', async () => {
      const res = await request(t.url)
        .post('/v1/deliberations')
        .send({ question: 'x'.repeat(5000) })
        .expect(413);
      expect(res.body.statusCode).toBe(413);
      expect(res.body.message).toMatch(/too large/);
    });

    it('should name each bad field and reject unknown ones', async () => {
      const res = await request(t.url).post('/v1/deliberations').send({ question: '', participants: 'nope', surprise: 1 }).expect(400);
      expect(res.body.error).toBe('Bad Request');
      const fields = (res.body.details as Array<{ field: string }>).map((d) => d.field);
      expect(fields).toEqual(expect.arrayContaining(['question', 'participants', 'surprise']));
      expect(res.body.message).toMatch(/surprise should not exist/);
    });

    it('should answer an unknown id with a 404 and a malformed id with a 400', async () => {
      const missing = await request(t.url).get('/v1/deliberations/1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b').expect(404);
      expect(missing.body).toMatchObject({ statusCode: 404, error: 'Not Found', details: { code: 'DELIBERATION_NOT_FOUND' } });
      const bad = await request(t.url).get('/v1/deliberations/not-a-uuid').expect(400);
      expect(bad.body.statusCode).toBe(400);
    });

    it('should answer an unknown route with a 404 in the error shape', async () => {
      const res = await request(t.url).get('/v1/nothing-here').expect(404);
      expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    });
  });

  describe('with an API key', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ server: { apiKey: API_KEY } });
    });
    afterAll(() => t.close());

    it('should require the bearer key on /v1 routes', async () => {
      const res = await request(t.url).get('/v1/deliberations').expect(401);
      expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      await request(t.url).get('/v1/deliberations').set('authorization', 'Bearer wrong-key').expect(401);
      await request(t.url).get('/v1/deliberations').set('authorization', `Bearer ${API_KEY}`).expect(200);
    });

    it('should leave /health open and never echo the key', async () => {
      const res = await request(t.url).get('/health').expect(200);
      expect(JSON.stringify(res.body)).not.toContain(API_KEY);
    });
  });

  describe('start-up', () => {
    // The built service (npm test builds it first): a real process, started the way users start it.
    const main = resolve(__dirname, '../dist/apps/api/src/main.js');
    const run = (env: Record<string, string>) =>
      new Promise<{ code: number | null; stderr: string }>((done) => {
        execFile(process.execPath, [main], { env: { ...process.env, ...env }, timeout: 60_000 }, (error, _stdout, stderr) =>
          done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
        );
      });

    it('should exit non-zero naming the bad key, its value and what is allowed', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'conclave-cfg-'));
      const file = join(dir, 'bad.yaml');
      writeFileSync(file, 'server:\n  port: 99999\ndeliberation:\n  maxRuning: 3\n');
      const { code, stderr } = await run({ CONCLAVE_CONFIG: file, CONCLAVE_DB: ':memory:' });
      expect(code).not.toBe(0);
      expect(stderr).toMatch(/server\.port: got 99999; .*65535/);
      expect(stderr).toMatch(/deliberation\.maxRuning: unknown key/);
    }, 60_000);
  });
});
