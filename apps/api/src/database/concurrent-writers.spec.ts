import { Test, TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { configSchema, ConfigModule, detached } from '@app/config';
import { makeUsage, SolutionTotalsEntity, TokenLedger, tokensEntities, tokensMigrations, TokensModule, TokenUsageEntity, type UsageEntry } from '@app/tokens';
import { DataSource } from 'typeorm';
import { guardTransactions } from './guard-transactions';

/**
 * Participants answer in parallel, and each answer is recorded in a transaction of its own. The
 * DataSource is made as AppModule makes it (initialized, then guardTransactions; only the token
 * tables, to keep this fast), so the writers below overlap as concurrent answers do and only the
 * app's real queue keeps them apart.
 */
describe(guardTransactions.name, () => {
  let moduleRef: TestingModule;
  let dataSource: DataSource;
  let ledger: TokenLedger;

  beforeEach(async () => {
    const config = configSchema.parse({});
    moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(config),
        TypeOrmModule.forRootAsync({
          useFactory: () => ({ type: 'better-sqlite3', database: ':memory:', entities: tokensEntities, migrations: tokensMigrations, migrationsRun: true }),
          dataSourceFactory: async (options) => guardTransactions(await new DataSource(options!).initialize()),
        }),
        TokensModule,
      ],
    }).compile();
    dataSource = moduleRef.get(DataSource);
    ledger = moduleRef.get(TokenLedger);
  });

  afterEach(async () => {
    await moduleRef.close();
  });

  describe('with 50 writers, one ledger transaction each, all opened at once', () => {
    const at = new Date('2025-11-20T10:00:00.000Z');
    const calls: UsageEntry[] = Array.from({ length: 50 }, (_, i) => ({
      deliberationId: `d${i % 5}`,
      round: 1,
      participantIndex: i % 3,
      tier: 'fast',
      usage: makeUsage(
        { adapter: 'claude', provider: 'anthropic', model: 'claude-haiku-4-5', timestamp: at },
        { inputTokens: 100 + i, outputTokens: 10, cachedInputTokens: i },
        i % 2 ? 'estimated' : 'exact',
      ),
      latencyMs: 1234,
    }));

    it('should lose no increment', async () => {
      // No queue of our own: every transaction() is called before the first one has finished.
      await Promise.all(calls.map((call) => dataSource.transaction((manager) => ledger.recordUsage(manager, call))));

      const written = await dataSource.getRepository(TokenUsageEntity).find();
      const expectedInput = calls.reduce((n, c) => n + c.usage.inputTokens, 0);
      expect(written).toHaveLength(50);
      expect(await dataSource.getRepository(SolutionTotalsEntity).findOneBy({ adapter: 'claude' })).toMatchObject({
        calls: 50,
        inputTokens: expectedInput,
        outputTokens: 500,
        cachedInputTokens: (49 * 50) / 2,
        totalTokens: expectedInput + 500,
        exactTokens: calls.filter((c) => c.usage.accuracy === 'exact').reduce((n, c) => n + c.usage.totalTokens, 0),
        estimatedTokens: calls.filter((c) => c.usage.accuracy === 'estimated').reduce((n, c) => n + c.usage.totalTokens, 0),
        costMicros: written.reduce((n, r) => n + r.costMicros!, 0),
        deliberations: 5,
      });
    });

    it('should run them one at a time, each committed whole', async () => {
      let open = 0;
      let mostOpen = 0;
      await Promise.all(
        calls.map((call) =>
          dataSource.transaction(async (manager) => {
            mostOpen = Math.max(mostOpen, ++open);
            await ledger.recordUsage(manager, call);
            await new Promise((resolve) => setImmediate(resolve)); // give another writer the chance to start
            open--;
          }),
        ),
      );

      expect(mostOpen).toBe(1);
      expect(await dataSource.getRepository(TokenUsageEntity).count()).toBe(50);
    });

    it('should keep a rolled-back writer from taking the others with it', async () => {
      const results = await Promise.allSettled(
        calls.map((call, i) =>
          dataSource.transaction(async (manager) => {
            await ledger.recordUsage(manager, call);
            if (i % 10 === 3) throw new Error(`writer ${i} failed`);
          }),
        ),
      );

      expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.message)).toEqual(
        [3, 13, 23, 33, 43].map((i) => `writer ${i} failed`),
      );
      expect(await dataSource.getRepository(TokenUsageEntity).count()).toBe(45);
      expect(await dataSource.getRepository(SolutionTotalsEntity).findOneBy({ adapter: 'claude' })).toMatchObject({ calls: 45 });
    });
  });

  describe('a transaction inside another', () => {
    it('should be refused at once with a message naming the mistake, and the outer one rolled back', async () => {
      const at = new Date('2025-11-20T10:00:00.000Z');
      const call: UsageEntry = {
        deliberationId: 'd1',
        round: 1,
        participantIndex: 0,
        tier: 'fast',
        usage: makeUsage({ adapter: 'claude', provider: 'anthropic', model: 'claude-haiku-4-5', timestamp: at }, { inputTokens: 1, outputTokens: 1 }, 'exact'),
        latencyMs: 1,
      };

      const outer = dataSource.transaction(async (manager) => {
        await ledger.recordUsage(manager, call);
        await dataSource.transaction((inner) => ledger.recordUsage(inner, call));
      });

      await expect(outer).rejects.toThrow(/nested transaction.*pass its EntityManager down/);
      expect(await dataSource.getRepository(TokenUsageEntity).count()).toBe(0);
    });

    it('should queue, not refuse, a transaction from work detached from the open one', async () => {
      let later: Promise<unknown> = Promise.resolve();
      await dataSource.transaction(async () => {
        later = detached(() => dataSource.transaction(async () => 'ran after the first committed'));
      });

      await expect(later).resolves.toBe('ran after the first committed');
    });

    it('should allow a new transaction once the previous one has ended, from code it started', async () => {
      let afterwards: (() => Promise<unknown>) | undefined;
      await dataSource.transaction(async () => {
        afterwards = () => dataSource.transaction(async () => 'ok');
      });

      await expect(afterwards!()).resolves.toBe('ok');
    });
  });
});
