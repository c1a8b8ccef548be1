import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import { configSchema, ConfigModule } from '@app/config';
import { tokensEntities, tokensMigrations } from '@app/tokens';
import { startProviderServer, type ProviderServer } from '../../../../test/fixtures/provider-server';
import { AdaptersApiModule } from './adapters-api.module';

const CLOSED_BREAKER = { state: 'closed', consecutiveFailures: 0, openedAt: null, reopensAt: null };

describe('GET /v1/adapters', () => {
  const KEY = 'sk-controller-test-secret-987654321';
  let app: INestApplication;
  let server: ProviderServer;

  beforeAll(async () => {
    server = await startProviderServer({ wire: 'gemini', respond: () => ({ text: 'ok' }) });
    process.env.CONCLAVE_TEST_GEMINI_KEY = KEY;
    const config = configSchema.parse({
      adapters: [
        {
          name: 'gem',
          kind: 'http',
          provider: 'gemini',
          baseUrl: server.baseUrl,
          apiKeyEnv: 'CONCLAVE_TEST_GEMINI_KEY',
          tier: 'T2',
          models: { fast: 'gemini-flash', reasoning: 'gemini-pro' },
        },
        { name: 'demo', kind: 'replay', cassette: 'demo/cassette.json', tier: 'T0', models: { fast: 'replay', reasoning: 'replay' } },
      ],
    });
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(config),
        TypeOrmModule.forRoot({ type: 'better-sqlite3', database: ':memory:', entities: tokensEntities, migrations: tokensMigrations, migrationsRun: true }),
        AdaptersApiModule,
      ],
    }).compile();
    app = moduleRef.createNestApplication();
    await app.init();
  });
  afterAll(async () => {
    delete process.env.CONCLAVE_TEST_GEMINI_KEY;
    await app?.close();
    await server?.close();
  });

  it('should answer 200 with every configured adapter and its reachability, without keys', async () => {
    const res = await request(app.getHttpServer()).get('/v1/adapters').expect(200);

    expect(res.body).toEqual([
      {
        name: 'gem',
        kind: 'http',
        provider: 'gemini',
        tier: 'T2',
        models: { fast: 'gemini-flash', reasoning: 'gemini-pro' },
        enabled: true,
        reachable: true,
        breaker: CLOSED_BREAKER,
      },
      {
        name: 'demo',
        kind: 'replay',
        provider: 'replay',
        tier: 'T0',
        models: { fast: 'replay', reasoning: 'replay' },
        enabled: true,
        reachable: true,
        breaker: CLOSED_BREAKER,
      },
    ]);
    expect(res.text).not.toContain(KEY);
    expect(res.text).not.toContain('CONCLAVE_TEST_GEMINI_KEY');
    expect(res.text).not.toContain(server.baseUrl);
  });
});
