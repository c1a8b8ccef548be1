import { INestApplication } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { configSchema, ConfigModule } from '@app/config';
import { makeUsage, MetricsService, TokenLedger } from '@app/tokens';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { databaseOptions } from '../database/database-options';
import { ErrorFilter } from '../http/error.filter';
import { createValidationPipe } from '../http/validation';
import { MetricsApiModule } from '../metrics/metrics-api.module';
import { UsageApiModule } from './usage-api.module';

describe('usage and metrics HTTP contract', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const config = configSchema.parse({
      database: { path: ':memory:' },
      adapters: [
        { name: 'claude', kind: 'cli', provider: 'claude', enabled: false, tier: 'T2', models: { fast: 'claude-haiku-4-5', reasoning: 'claude-sonnet-4-6' } },
      ],
    });
    const moduleRef = await Test.createTestingModule({
      imports: [
        // Metrics label only configured adapters and models: the observed call's adapter is configured
        // (disabled, so no CLI need be on PATH).
        ConfigModule.forRoot(config),
        // The summary reads finished deliberations too: the whole schema, as the app has it.
        TypeOrmModule.forRoot(databaseOptions(config)),
        UsageApiModule,
        MetricsApiModule,
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();

    const usage = makeUsage(
      { adapter: 'claude', provider: 'anthropic', model: 'claude-haiku-4-5', timestamp: new Date() },
      { inputTokens: 1000, outputTokens: 200 },
      'exact',
    );
    const entry = { deliberationId: 'd1', round: 1, participantIndex: 0, tier: 'fast' as const, usage, latencyMs: 800 };
    const recorded = await app.get(DataSource).transaction((manager) => app.get(TokenLedger).recordUsage(manager, entry));
    app.get(MetricsService).observeCall(entry, recorded.costUsd);
  });

  afterAll(async () => {
    await app.close();
  });

  const http = () => request(app.getHttpServer());

  describe('GET /v1/usage', () => {
    it('should group the last 30 days by adapter by default', async () => {
      const res = await http().get('/v1/usage').expect(200);
      expect(res.body.groupBy).toBe('adapter');
      expect(res.body.groups).toEqual([expect.objectContaining({ key: 'claude', totalTokens: 1200, calls: 1, costUsd: 0.002, costConfidence: 1 })]);
      expect(res.body.totals).toMatchObject({ totalTokens: 1200, exactTokens: 1200, estimatedTokens: 0, unpricedCalls: 0 });
    });

    it('should accept dates and a groupBy', async () => {
      const res = await http().get('/v1/usage').query({ from: '2020-01-01', to: '2020-02-01T00:00:00Z', groupBy: 'day' }).expect(200);
      expect(res.body).toMatchObject({ from: '2020-01-01T00:00:00.000Z', to: '2020-02-01T00:00:00.000Z', groupBy: 'day', groups: [] });
    });

    it.each([
      [{ from: 'yesterday' }, 'from', /from must be an ISO-8601 date/],
      [{ to: '2025-13-45' }, 'to', /to must be an ISO-8601 date/],
      [{ from: '2025-11-02', to: '2025-11-01' }, 'to', /to must not be before from/],
      [{ groupBy: 'week' }, 'groupBy', /groupBy must be one of adapter, model, day, deliberation/],
      [{ limit: '5' }, 'limit', /should not exist/],
    ])('should answer %p with a 400 naming %s', async (query, field, message) => {
      const res = await http().get('/v1/usage').query(query).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.stringMatching(message) });
      expect(res.body.details).toEqual([expect.objectContaining({ field })]);
    });
  });

  describe('GET /v1/usage/solutions', () => {
    it('should list lifetime totals and show one', async () => {
      const list = await http().get('/v1/usage/solutions').expect(200);
      expect(list.body).toEqual([expect.objectContaining({ adapter: 'claude', calls: 1, deliberations: 1, totalTokens: 1200 })]);
      const one = await http().get('/v1/usage/solutions/claude').expect(200);
      expect(one.body).toMatchObject({ adapter: 'claude', costUsd: 0.002, costLowerUsd: 0.002, costUpperUsd: 0.002 });
    });

    it('should answer 404 in the error shape for an adapter never called', async () => {
      const res = await http().get('/v1/usage/solutions/nope').expect(404);
      expect(res.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: 'no usage has been recorded for adapter "nope"',
        details: { code: 'SOLUTION_NOT_FOUND', adapter: 'nope' },
      });
    });

    it('should answer 400 for a name no adapter can have', async () => {
      const res = await http().get('/v1/usage/solutions/-bad%20name').expect(400);
      expect(res.body.details).toEqual([expect.objectContaining({ field: 'adapter' })]);
    });
  });

  describe('GET /v1/usage/summary', () => {
    it('should report the current rate and top participants', async () => {
      const res = await http().get('/v1/usage/summary').expect(200);
      expect(res.body).toMatchObject({
        tokensPerMinuteNow: 1200,
        peakTokensPerMinute: 1200,
        topParticipants: [{ adapter: 'claude', model: 'claude-haiku-4-5', totalTokens: 1200, share: 1 }],
        tokensAfterConvergence: 0,
        suggestions: [],
      });
    });
  });

  describe('GET /metrics', () => {
    it('should serve Prometheus text with the observed call', async () => {
      const res = await http().get('/metrics').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(res.text).toContain('conclave_tokens_total{adapter="claude",model="claude-haiku-4-5",kind="input",accuracy="exact"} 1000');
      expect(res.text).toContain('conclave_cost_usd_total{adapter="claude",model="claude-haiku-4-5"} 0.002');
      expect(res.text).toContain('conclave_calls_total{adapter="claude",outcome="ok"} 1');
      expect(res.text).toContain('# TYPE conclave_call_latency_seconds histogram');
    });
  });
});
