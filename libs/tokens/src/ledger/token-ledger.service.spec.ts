import { DataSource } from 'typeorm';
import { makeUsage, unavailableUsage, type Accuracy, type UsageCounts } from '../token-usage';
import { openTokensTestDb } from '../testing/tokens-test-db';
import { TokenLedger, UsageEntry } from './token-ledger.service';
import { SolutionDeliberationEntity } from './solution-deliberation.entity';
import { SolutionTotalsEntity } from './solution-totals.entity';
import { TokenUsageEntity } from './token-usage.entity';

const AT = new Date('2025-11-20T10:00:00.000Z');

function entry(
  deliberationId: string,
  counts: UsageCounts,
  { adapter = 'claude', provider = 'anthropic', model = 'claude-haiku-4-5', accuracy = 'exact' as Accuracy, round = 1, participantIndex = 0 } = {},
): UsageEntry {
  return {
    deliberationId,
    round,
    participantIndex,
    tier: 'fast',
    usage: makeUsage({ adapter, provider, model, timestamp: AT }, counts, accuracy),
    latencyMs: 1234,
  };
}

describe(TokenLedger.name, () => {
  let dataSource: DataSource;
  let sut: TokenLedger;

  beforeEach(async () => {
    ({ dataSource, ledger: sut } = await openTokensTestDb({ prices: { 'house-model': { input: 1, output: 1 } } }));
  });

  afterEach(async () => {
    await dataSource.destroy();
  });

  const rows = () => dataSource.getRepository(TokenUsageEntity).find({ order: { id: 'ASC' } });
  const totals = (adapter: string) => dataSource.getRepository(SolutionTotalsEntity).findOneBy({ adapter });

  describe('recordUsage', () => {
    it('should write the priced row and the adapter totals in the caller transaction', async () => {
      const recorded = await dataSource.transaction((manager) =>
        sut.recordUsage(manager, {
          ...entry('d1', { inputTokens: 10_000, cachedInputTokens: 8_000, outputTokens: 1_000 }, { model: 'claude-sonnet-4-5' }),
          voteOption: 'Option B',
          afterConvergence: true,
          errorKind: null,
        }),
      );

      expect(recorded).toEqual({ costUsd: 0.0234, costMicros: 23_400, priced: true });
      expect(await rows()).toEqual([
        {
          id: 1,
          deliberationId: 'd1',
          round: 1,
          participantIndex: 0,
          adapter: 'claude',
          provider: 'anthropic',
          model: 'claude-sonnet-4-5',
          tier: 'fast',
          inputTokens: 10_000,
          outputTokens: 1_000,
          reasoningTokens: 0,
          cachedInputTokens: 8_000,
          totalTokens: 11_000,
          accuracy: 'exact',
          costMicros: 23_400,
          priced: true,
          latencyMs: 1234,
          errorKind: null,
          voteOption: 'Option B',
          afterConvergence: true,
          createdAt: AT.toISOString(),
          role: null,
        },
      ]);
      expect(await totals('claude')).toEqual({
        adapter: 'claude',
        totalTokens: 11_000,
        exactTokens: 11_000,
        estimatedTokens: 0,
        inputTokens: 10_000,
        outputTokens: 1_000,
        reasoningTokens: 0,
        cachedInputTokens: 8_000,
        calls: 1,
        unavailableCalls: 0,
        unpricedCalls: 0,
        costMicros: 23_400,
        costLowerMicros: 23_400,
        costUpperMicros: 23_400,
        deliberations: 1,
        updatedAt: AT.toISOString(),
      });
    });

    it('should leave nothing behind when the caller transaction rolls back', async () => {
      await expect(
        dataSource.transaction(async (manager) => {
          await sut.recordUsage(manager, entry('d1', { inputTokens: 100, outputTokens: 10 }));
          throw new Error('response write failed');
        }),
      ).rejects.toThrow('response write failed');

      expect(await rows()).toEqual([]);
      expect(await totals('claude')).toBeNull();
      expect(await dataSource.getRepository(SolutionDeliberationEntity).count()).toBe(0);
    });

    it('should flag an unknown model unpriced instead of guessing its cost', async () => {
      const recorded = await sut.recordUsage(dataSource.manager, entry('d1', { inputTokens: 100, outputTokens: 10 }, { model: 'mystery-9' }));

      expect(recorded).toEqual({ costUsd: null, costMicros: null, priced: false });
      expect(await rows()).toMatchObject([{ costMicros: null, priced: false }]);
      expect(await totals('claude')).toMatchObject({ calls: 1, unpricedCalls: 1, costMicros: 0, totalTokens: 110 });
    });

    it('should count an unpriced model of a T0 (local) adapter as free, not as missing', async () => {
      await dataSource.destroy();
      const local = {
        name: 'box',
        kind: 'http',
        provider: 'openai',
        baseUrl: 'http://127.0.0.1:1/v1',
        tier: 'T0',
        models: { fast: 'mystery-9', reasoning: 'mystery-9' },
      };
      ({ dataSource, ledger: sut } = await openTokensTestDb({ adapters: [local, { ...local, name: 'cloud', tier: 'T2' }] }));

      const onLocal = await sut.recordUsage(
        dataSource.manager,
        entry('d1', { inputTokens: 100, outputTokens: 10 }, { adapter: 'box', provider: 'openai', model: 'mystery-9' }),
      );
      const onCloud = await sut.recordUsage(
        dataSource.manager,
        entry('d1', { inputTokens: 100, outputTokens: 10 }, { adapter: 'cloud', provider: 'openai', model: 'mystery-9' }),
      );

      expect(onLocal).toEqual({ costUsd: 0, costMicros: 0, priced: true });
      expect(onCloud).toEqual({ costUsd: null, costMicros: null, priced: false });
      expect(await totals('box')).toMatchObject({ unpricedCalls: 0 });
      expect(sut.hasPrice('box', 'openai', 'mystery-9')).toBe(true);
      expect(sut.hasPrice('cloud', 'openai', 'mystery-9')).toBe(false);
      expect(sut.hasPrice('cloud', 'ollama', 'mystery-9')).toBe(true);
    });

    it('should cost a failed call nothing whatever its model', async () => {
      const failed: UsageEntry = {
        ...entry('d1', {}),
        usage: unavailableUsage({ adapter: 'claude', provider: 'anthropic', model: 'mystery-9', timestamp: AT }),
        errorKind: 'timeout',
      };
      expect(await sut.recordUsage(dataSource.manager, failed)).toEqual({ costUsd: 0, costMicros: 0, priced: true });
      expect(await totals('claude')).toMatchObject({ calls: 1, unavailableCalls: 1, unpricedCalls: 0 });
      expect(await rows()).toMatchObject([{ errorKind: 'timeout', accuracy: 'unavailable' }]);
    });

    it('should widen only estimated cost in the lifetime bounds, by estimateErrorPct', async () => {
      await sut.recordUsage(dataSource.manager, entry('d1', { inputTokens: 1_000 }, { model: 'house-model' })); // 1000 µ$ exact
      await sut.recordUsage(dataSource.manager, entry('d1', { inputTokens: 2_000 }, { model: 'house-model', accuracy: 'estimated' }));

      expect(await totals('claude')).toMatchObject({
        exactTokens: 1_000,
        estimatedTokens: 2_000,
        costMicros: 3_000,
        costLowerMicros: 2_700,
        costUpperMicros: 3_300,
      });
    });

    it('should count a deliberation once per adapter, however many calls it made there', async () => {
      for (const [deliberationId, adapter] of [
        ['d1', 'claude'],
        ['d1', 'claude'],
        ['d1', 'openai'],
        ['d2', 'claude'],
        ['d2', 'claude'],
      ]) {
        await dataSource.transaction((m) => sut.recordUsage(m, entry(deliberationId, { inputTokens: 1 }, { adapter })));
      }
      expect(await totals('claude')).toMatchObject({ calls: 4, deliberations: 2 });
      expect(await totals('openai')).toMatchObject({ calls: 1, deliberations: 1 });
    });

    describe('under 50 parallel writers to the same adapter', () => {
      const calls = Array.from({ length: 50 }, (_, i) =>
        entry(
          `d${i % 5}`,
          { inputTokens: 100 + i, outputTokens: 10, cachedInputTokens: i },
          { accuracy: i % 2 ? 'estimated' : 'exact', participantIndex: i % 3 },
        ),
      );

      const expectLostNothing = async () => {
        const written = await rows();
        const expectedInput = calls.reduce((n, c) => n + c.usage.inputTokens, 0);
        expect(written).toHaveLength(50);
        expect(await totals('claude')).toMatchObject({
          calls: 50,
          inputTokens: expectedInput,
          outputTokens: 500,
          cachedInputTokens: (49 * 50) / 2,
          totalTokens: expectedInput + 500,
          exactTokens: calls.filter((c) => c.usage.accuracy === 'exact').reduce((n, c) => n + c.usage.totalTokens, 0),
          costMicros: written.reduce((n, r) => n + r.costMicros!, 0),
          deliberations: 5,
        });
      };

      it('should lose no increment when their statements interleave', async () => {
        // Every await inside recordUsage lets another writer in: a read-modify-write would lose updates here.
        await Promise.all(calls.map((call) => sut.recordUsage(dataSource.manager, call)));
        await expectLostNothing();
      });
      // With one transaction each, the writers are kept apart by the app's transaction queue, not by
      // anything in this lib: that case is tested on the app's DataSource, in
      // apps/api/src/database/concurrent-writers.spec.ts.
    });
  });

  describe('priceOf', () => {
    it('should price a usage in USD without writing anything', async () => {
      expect(sut.priceOf(entry('d1', { inputTokens: 1_000, outputTokens: 500 }).usage)).toBe(0.0035);
      expect(sut.priceOf(entry('d1', { inputTokens: 1_000 }, { model: 'mystery-9' }).usage)).toBeNull();
      expect(sut.priceOf(entry('d1', { inputTokens: 1_000 }, { provider: 'ollama', model: 'llama3.2' }).usage)).toBe(0);
      expect(await rows()).toEqual([]);
    });
  });
});
