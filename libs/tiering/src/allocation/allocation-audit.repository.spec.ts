import { DataSource } from 'typeorm';
import { tokensEntities, tokensMigrations } from '@app/tokens';
import { tieringEntities, tieringMigrations } from '../index';
import { AllocationAudit, NewAllocation } from './allocation-audit.repository';

const row = (over: Partial<NewAllocation>): NewAllocation => ({
  deliberationId: 'd1',
  round: 1,
  participantIndex: 0,
  zone: 'GREEN',
  signals: { round: 1, score: null, trend: null, voteSpread: 0, budgetLeft: 0.9 },
  recommendedModel: 'm-reasoning',
  actualModel: 'm-reasoning',
  adapter: 'cloud',
  adapterTier: 'T2',
  tier: 'reasoning',
  reason: 'first round',
  override: false,
  createdAt: new Date('2025-03-12T10:00:00Z'),
  ...over,
});

describe(AllocationAudit.name, () => {
  let ds: DataSource;
  let sut: AllocationAudit;

  beforeEach(async () => {
    ds = await new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [...tokensEntities, ...tieringEntities],
      migrations: [...tokensMigrations, ...tieringMigrations],
      migrationsRun: true,
    }).initialize();
    sut = new AllocationAudit(ds);
    await sut.record(undefined, [
      row({}),
      row({ participantIndex: 1, adapter: 'local', adapterTier: 'T0' }),
      row({ round: 2, tier: 'fast', actualModel: 'm-fast', recommendedModel: 'm-fast', createdAt: new Date('2025-03-12T11:00:00Z') }),
      row({
        round: 2,
        participantIndex: 1,
        override: true,
        overrideReason: 'security review',
        actualModel: 'big',
        createdAt: new Date('2025-03-12T11:00:00Z'),
      }),
      row({ deliberationId: 'd2', createdAt: new Date('2025-03-13T10:00:00Z'), adapterTier: 'T3' }),
    ]);
  });

  afterEach(() => ds.destroy());

  describe('list', () => {
    it('should list one deliberation in order with every field', async () => {
      const list = await sut.list({ deliberationId: 'd1' });
      expect(list.map((a) => [a.round, a.participantIndex])).toEqual([
        [1, 0],
        [1, 1],
        [2, 0],
        [2, 1],
      ]);
      expect(list[3]).toMatchObject({
        override: true,
        overrideReason: 'security review',
        actualModel: 'big',
        signals: { round: 1, budgetLeft: 0.9 },
        createdAt: '2025-03-12T11:00:00.000Z',
      });
      expect(list[0].overrideReason).toBeNull();
      expect(list[0].override).toBe(false);
    });

    it('should carry role, complexity and forced, and what the call used from the token ledger (its vote retry included)', async () => {
      await sut.record(undefined, [
        row({ deliberationId: 'd4', role: 'security', complexity: 5, forced: true }),
        row({ deliberationId: 'd4', participantIndex: 1 }),
      ]);
      const usage = (participantIndex: number, tokens: number, costMicros: number | null) =>
        ds.query(
          `INSERT INTO token_usage (deliberation_id, round, participant_index, adapter, provider, model, tier, input_tokens, output_tokens, reasoning_tokens,
            cached_input_tokens, total_tokens, accuracy, cost_micros, priced, latency_ms, after_convergence, created_at)
           VALUES ('d4', 1, ?, 'cloud', 'openai', 'm', 'T2', ?, 0, 0, 0, ?, 'exact', ?, ?, 10, 0, '2025-03-12T10:00:01Z')`,
          [participantIndex, tokens, tokens, costMicros, costMicros === null ? 0 : 1],
        );
      await usage(0, 900, 1500);
      await usage(0, 60, 100); // the vote-only retry
      await usage(1, 500, null); // unpriced: no honest cost
      await usage(-2, 300, 700); // the chair's call is nobody's allocation

      const [first, second] = await sut.list({ deliberationId: 'd4' });

      expect(first).toMatchObject({ role: 'security', complexity: 5, forced: true, used: { tokens: 960, costUsd: 0.0016 } });
      expect(second).toMatchObject({ role: null, complexity: null, forced: false, used: { tokens: 500, costUsd: null } });
      expect((await sut.list({ deliberationId: 'd1' }))[0].used).toBeNull();
    });

    it('should filter by time, inclusive', async () => {
      expect(await sut.list({ from: '2025-03-12T11:00:00Z', to: '2025-03-12T23:59:59Z' })).toHaveLength(2);
      expect((await sut.list({ from: '2025-03-13T00:00:00Z' })).map((a) => a.deliberationId)).toEqual(['d2']);
    });

    it('should write inside a caller transaction and roll back with it', async () => {
      await expect(
        ds.transaction(async (manager) => {
          await sut.record(manager, [row({ deliberationId: 'd3' })]);
          throw new Error('round failed');
        }),
      ).rejects.toThrow('round failed');
      expect(await sut.list({ deliberationId: 'd3' })).toEqual([]);
    });
  });

  describe('stats', () => {
    it('should give the override rate and the share of calls per tier', async () => {
      expect(await sut.stats({})).toEqual({
        total: 5,
        overrideRate: 0.2,
        byTier: [
          { tier: 'fast', calls: 1, share: 0.2 },
          { tier: 'reasoning', calls: 4, share: 0.8 },
        ],
        byAdapterTier: [
          { tier: 'T0', calls: 1, share: 0.2 },
          { tier: 'T2', calls: 3, share: 0.6 },
          { tier: 'T3', calls: 1, share: 0.2 },
        ],
      });
    });

    it('should be empty, not divide by zero, in an empty range', async () => {
      expect(await sut.stats({ from: '2030-01-01T00:00:00Z' })).toEqual({ total: 0, overrideRate: 0, byTier: [], byAdapterTier: [] });
    });
  });
});
