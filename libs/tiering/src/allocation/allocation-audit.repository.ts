import { Injectable } from '@nestjs/common';
import { runSql, type SqlValue } from '@app/config';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { BudgetZone } from '../rules/budget-zone';
import type { AllocationSignals } from '../rules/tier-selector';
import { AllocationEntity } from './allocation.entity';

export interface NewAllocation {
  deliberationId: string;
  round: number;
  participantIndex: number;
  zone: BudgetZone;
  signals: AllocationSignals;
  recommendedModel: string;
  actualModel: string;
  adapter: string;
  adapterTier: string;
  tier: string;
  reason: string;
  override: boolean;
  overrideReason?: string | null;
  role?: string | null;
  complexity?: number | null;
  forced?: boolean;
  /** Moved before the call off this adapter (its circuit breaker was open). */
  movedFrom?: string | null;
  fallbackReason?: 'adapter_unavailable' | null;
  createdAt: Date;
}

export interface Allocation extends Omit<NewAllocation, 'createdAt' | 'overrideReason' | 'role' | 'complexity' | 'forced' | 'movedFrom' | 'fallbackReason'> {
  id: string;
  overrideReason: string | null;
  role: string | null;
  complexity: number | null;
  forced: boolean;
  movedFrom: string | null;
  fallbackReason: string | null;
  /** What the allocated call used (its vote-only retry included), from the token ledger; null before it answered. */
  used: { tokens: number; costUsd: number | null } | null;
  createdAt: string;
}

export interface AllocationQuery {
  deliberationId?: string;
  /** ISO-8601 instants, inclusive. */
  from?: string;
  to?: string;
  limit?: number;
}

export interface AllocationStats {
  total: number;
  overrideRate: number;
  /** Share of calls per model tier (fast / reasoning). */
  byTier: Array<{ tier: string; calls: number; share: number }>;
  /** Share of calls per adapter tier (T0..T3). */
  byAdapterTier: Array<{ tier: string; calls: number; share: number }>;
}

const MAX_LIST = 1000;
const share = (n: number, total: number): number => (total === 0 ? 0 : Math.round((n / total) * 10_000) / 10_000);

type CallUse = Allocation['used'];
const callKey = (deliberationId: string, round: number, participantIndex: number): string => `${deliberationId}/${round}/${participantIndex}`;

function toAllocation(row: AllocationEntity, used: CallUse): Allocation {
  return { ...row, zone: row.zone as BudgetZone, override: Boolean(row.override), forced: Boolean(row.forced), used };
}

/** Every tier decision, in the order made: the audit behind GET /v1/allocations. */
@Injectable()
export class AllocationAudit {
  constructor(private readonly dataSource: DataSource) {}

  /** Pass the round's transaction manager to write the decisions with the round, atomically. */
  async record(manager: EntityManager | undefined, rows: NewAllocation[]): Promise<void> {
    if (rows.length === 0) return;
    // Plain SQL, one statement for the round's rows (see runSql): `m.insert` built it through the query
    // builder and then re-read every row for its default column.
    const values: string[] = [];
    const parameters: Record<string, SqlValue> = {};
    rows.forEach((r, i) => {
      values.push(
        `(:id${i}, :deliberationId${i}, :round${i}, :participantIndex${i}, :zone${i}, :signals${i}, :recommendedModel${i}, ` +
          `:actualModel${i}, :adapter${i}, :adapterTier${i}, :tier${i}, :reason${i}, :override${i}, :overrideReason${i}, :role${i}, :complexity${i}, :forced${i}, :movedFrom${i}, :fallbackReason${i}, :createdAt${i})`,
      );
      Object.assign(parameters, {
        [`id${i}`]: randomUUID(),
        [`deliberationId${i}`]: r.deliberationId,
        [`round${i}`]: r.round,
        [`participantIndex${i}`]: r.participantIndex,
        [`zone${i}`]: r.zone,
        [`signals${i}`]: JSON.stringify(r.signals),
        [`recommendedModel${i}`]: r.recommendedModel,
        [`actualModel${i}`]: r.actualModel,
        [`adapter${i}`]: r.adapter,
        [`adapterTier${i}`]: r.adapterTier,
        [`tier${i}`]: r.tier,
        [`reason${i}`]: r.reason,
        [`override${i}`]: r.override,
        [`overrideReason${i}`]: r.overrideReason ?? null,
        [`role${i}`]: r.role ?? null,
        [`complexity${i}`]: r.complexity ?? null,
        [`forced${i}`]: r.forced ?? false,
        [`movedFrom${i}`]: r.movedFrom ?? null,
        [`fallbackReason${i}`]: r.fallbackReason ?? null,
        [`createdAt${i}`]: r.createdAt.toISOString(),
      });
    });
    await runSql(
      manager ?? this.dataSource.manager,
      `INSERT INTO allocations (id, deliberation_id, round, participant_index, zone, signals, recommended_model, actual_model,
        adapter, adapter_tier, tier, reason, override, override_reason, role, complexity, forced, moved_from, fallback_reason, created_at)
      VALUES ${values.join(', ')}`,
      parameters,
    );
  }

  async list(query: AllocationQuery): Promise<Allocation[]> {
    const qb = this.dataSource.getRepository(AllocationEntity).createQueryBuilder('a');
    this.filter(qb, query);
    qb.orderBy('a.created_at', 'ASC').addOrderBy('a.round', 'ASC').addOrderBy('a.participant_index', 'ASC');
    qb.take(Math.min(query.limit ?? MAX_LIST, MAX_LIST));
    const rows = await qb.getMany();
    const used = await this.callUse([...new Set(rows.map((r) => r.deliberationId))]);
    return rows.map((r) => toAllocation(r, used.get(callKey(r.deliberationId, r.round, r.participantIndex)) ?? null));
  }

  /**
   * What each allocated call used, read from the token ledger (the one record of tokens) rather than
   * copied into the allocation: per deliberation, round and participant, the answer and its vote retry.
   */
  private async callUse(deliberationIds: string[]): Promise<Map<string, CallUse>> {
    const used = new Map<string, CallUse>();
    if (deliberationIds.length === 0) return used;
    const raw = await this.dataSource
      .createQueryBuilder()
      .select('u.deliberation_id', 'deliberationId')
      .addSelect('u.round', 'round')
      .addSelect('u.participant_index', 'participantIndex')
      .addSelect('SUM(u.total_tokens)', 'tokens')
      .addSelect('SUM(u.cost_micros)', 'costMicros')
      .addSelect('SUM(CASE WHEN u.priced THEN 0 ELSE 1 END)', 'unpriced')
      .from('token_usage', 'u')
      .where('u.deliberation_id IN (:...ids)', { ids: deliberationIds })
      .andWhere('u.participant_index >= 0')
      .groupBy('u.deliberation_id')
      .addGroupBy('u.round')
      .addGroupBy('u.participant_index')
      .getRawMany<{
        deliberationId: string;
        round: number | string;
        participantIndex: number | string;
        tokens: number | string;
        costMicros: number | string | null;
        unpriced: number | string;
      }>();
    for (const r of raw) {
      // A call with any unpriced part has no honest total cost.
      const costUsd = Number(r.unpriced) > 0 || r.costMicros === null ? null : Number(r.costMicros) / 1_000_000;
      used.set(callKey(r.deliberationId, Number(r.round), Number(r.participantIndex)), { tokens: Number(r.tokens), costUsd });
    }
    return used;
  }

  async stats(query: Omit<AllocationQuery, 'limit'>): Promise<AllocationStats> {
    const group = async (column: string): Promise<Array<{ key: string; calls: number; overrides: number }>> => {
      const qb = this.dataSource.getRepository(AllocationEntity).createQueryBuilder('a');
      this.filter(qb, query);
      const raw = await qb
        .select(`a.${column}`, 'key')
        .addSelect('COUNT(*)', 'calls')
        .addSelect('SUM(CASE WHEN a.override THEN 1 ELSE 0 END)', 'overrides')
        .groupBy(`a.${column}`)
        .orderBy(`a.${column}`, 'ASC')
        .getRawMany<{ key: string; calls: string | number; overrides: string | number | null }>();
      return raw.map((r) => ({ key: r.key, calls: Number(r.calls), overrides: Number(r.overrides ?? 0) }));
    };
    const byTier = await group('tier');
    const byAdapterTier = await group('adapter_tier');
    const total = byTier.reduce((n, r) => n + r.calls, 0);
    const overrides = byTier.reduce((n, r) => n + r.overrides, 0);
    return {
      total,
      overrideRate: share(overrides, total),
      byTier: byTier.map((r) => ({ tier: r.key, calls: r.calls, share: share(r.calls, total) })),
      byAdapterTier: byAdapterTier.map((r) => ({ tier: r.key, calls: r.calls, share: share(r.calls, total) })),
    };
  }

  private filter(qb: ReturnType<ReturnType<DataSource['getRepository']>['createQueryBuilder']>, query: AllocationQuery): void {
    if (query.deliberationId !== undefined) qb.andWhere('a.deliberation_id = :deliberationId', { deliberationId: query.deliberationId });
    // Stored as toISOString() (UTC, fixed width), so string comparison orders like time.
    if (query.from !== undefined) qb.andWhere('a.created_at >= :from', { from: new Date(query.from).toISOString() });
    if (query.to !== undefined) qb.andWhere('a.created_at <= :to', { to: new Date(query.to).toISOString() });
  }
}
