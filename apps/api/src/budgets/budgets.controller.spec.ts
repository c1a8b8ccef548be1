import { INestApplication } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { configSchema, ConfigModule } from '@app/config';
import { AllocationAudit, tieringEntities, tieringMigrations } from '@app/tiering';
import { tokensEntities, tokensMigrations } from '@app/tokens';
import request from 'supertest';
import { AllocationsApiModule } from '../allocations/allocations-api.module';
import { ErrorFilter } from '../http/error.filter';
import { createValidationPipe } from '../http/validation';
import { BudgetsApiModule } from './budgets-api.module';

describe('BudgetsController and AllocationsController', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const config = configSchema.parse({ budgets: { daily: { tokens: 1000 } } });
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(config),
        TypeOrmModule.forRoot({
          type: 'better-sqlite3',
          database: ':memory:',
          entities: [...tokensEntities, ...tieringEntities],
          migrations: [...tokensMigrations, ...tieringMigrations],
          migrationsRun: true,
        }),
        BudgetsApiModule,
        AllocationsApiModule,
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(() => app.close());

  describe('GET /v1/budgets/status', () => {
    it('should list the three windows', async () => {
      const res = await request(app.getHttpServer()).get('/v1/budgets/status').expect(200);
      expect(res.body.map((w: { window: string }) => w.window)).toEqual(['daily', 'weekly', 'monthly']);
      expect(res.body[0]).toMatchObject({ limits: { tokens: 1000, usd: null }, used: { tokens: 0, usd: 0 }, zone: 'GREEN' });
      expect(typeof res.body[0].forecast.recommendation).toBe('string');
    });
  });

  describe('PUT /v1/budgets/:window', () => {
    it('should change the limits and report the window', async () => {
      const res = await request(app.getHttpServer()).put('/v1/budgets/weekly').send({ tokens: 5000, usd: 2.5, softCap: 0.6 }).expect(200);
      expect(res.body).toMatchObject({ window: 'weekly', limits: { tokens: 5000, usd: 2.5 }, softCap: 0.6 });
      const removed = await request(app.getHttpServer()).put('/v1/budgets/weekly').send({ usd: null }).expect(200);
      expect(removed.body.limits).toEqual({ tokens: 5000, usd: null });
    });

    it.each<[string, string, Record<string, unknown>, string]>([
      ['an unknown window', 'yearly', {}, 'window'],
      ['a zero token limit', 'daily', { tokens: 0 }, 'tokens'],
      ['a fractional token limit', 'daily', { tokens: 1.5 }, 'tokens'],
      ['a negative usd limit', 'daily', { usd: -1 }, 'usd'],
      ['a soft cap above 1', 'daily', { softCap: 1.2 }, 'softCap'],
      ['a null soft cap', 'daily', { softCap: null }, 'softCap'],
      ['an unknown field', 'daily', { hours: 3 }, 'hours'],
    ])('should answer 400 for %s', async (_name, window, body, field) => {
      const res = await request(app.getHttpServer()).put(`/v1/budgets/${window}`).send(body).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(res.body.message).toContain(field);
    });
  });

  describe('GET /v1/budgets/history', () => {
    it('should answer an empty history before any rollover', async () => {
      await request(app.getHttpServer()).get('/v1/budgets/history').expect(200, []);
    });
  });

  describe('GET /v1/allocations', () => {
    beforeAll(async () => {
      await app.get(AllocationAudit).record(undefined, [
        {
          deliberationId: 'delib-1',
          round: 1,
          participantIndex: 0,
          zone: 'GREEN',
          signals: { round: 1, score: null, trend: null, voteSpread: 0, budgetLeft: null },
          recommendedModel: 'm-r',
          actualModel: 'm-r',
          adapter: 'a',
          adapterTier: 'T2',
          tier: 'reasoning',
          reason: 'first round',
          override: false,
          createdAt: new Date('2025-03-12T10:00:00Z'),
        },
      ]);
    });

    it('should list decisions filtered by deliberation', async () => {
      const res = await request(app.getHttpServer()).get('/v1/allocations?deliberationId=delib-1').expect(200);
      expect(res.body).toHaveLength(1);
      expect(res.body[0]).toMatchObject({ deliberationId: 'delib-1', actualModel: 'm-r', override: false });
      await request(app.getHttpServer()).get('/v1/allocations?deliberationId=other').expect(200, []);
    });

    it('should give stats', async () => {
      const res = await request(app.getHttpServer()).get('/v1/allocations/stats').expect(200);
      expect(res.body).toEqual({
        total: 1,
        overrideRate: 0,
        byTier: [{ tier: 'reasoning', calls: 1, share: 1 }],
        byAdapterTier: [{ tier: 'T2', calls: 1, share: 1 }],
      });
    });

    it.each<[string, string]>([
      ['/v1/allocations?from=yesterday', 'from'],
      ['/v1/allocations?from=2025-03-12T00:00:00Z&to=2025-03-11T00:00:00Z', 'to must not be before from'],
      ['/v1/allocations?deliberationId=a%20b', 'deliberationId'],
      ['/v1/allocations/stats?to=soon', 'to'],
    ])('should answer 400 for %s', async (url, message) => {
      const res = await request(app.getHttpServer()).get(url).expect(400);
      expect(res.body.message).toContain(message);
    });
  });
});
