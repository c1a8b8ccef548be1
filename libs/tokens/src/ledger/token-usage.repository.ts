import { Injectable } from '@nestjs/common';
import { runSql } from '@app/config';
import { DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import type { Accuracy } from '../token-usage';
import { UsageSums } from '../figures/token-figures';
import type { AdapterCallSums } from '../figures/adapter-figures';
import { SolutionTotalsEntity } from './solution-totals.entity';
import { TokenUsageEntity } from './token-usage.entity';

/** One call as stored. */
export type UsageRecord = Omit<TokenUsageEntity, 'id'>;

/** What one call adds to its adapter's lifetime totals. */
export interface SolutionIncrement {
  adapter: string;
  /** This is the adapter's first call in its deliberation (see markDeliberation). */
  firstInDeliberation: boolean;
  totalTokens: number;
  exactTokens: number;
  estimatedTokens: number;
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  cachedInputTokens: number;
  unavailable: boolean;
  unpriced: boolean;
  costMicros: number;
  costLowerMicros: number;
  costUpperMicros: number;
  /** ISO-8601. */
  at: string;
}

/** A half-open time window [from, to) of ISO-8601 strings. */
export interface TimeWindow {
  from: string;
  to: string;
}

export type TimeGroup = 'adapter' | 'model' | 'day' | 'deliberation' | 'role';

export interface VoteTrailRow {
  deliberationId: string;
  participantIndex: number;
  adapter: string;
  model: string;
  round: number;
  voteOption: string;
  /** What the answer carrying the vote used; cost null when its model has no price. */
  tokens: number;
  costMicros: number | null;
}

/** Tokens and cost of a set of calls; cost null when any of them is unpriced (a partial sum would mislead). */
export interface CallSpend {
  calls: number;
  tokens: number;
  costMicros: number | null;
}

const spendOf = (raw: Raw | undefined): CallSpend => ({
  calls: num(raw?.calls),
  tokens: num(raw?.tokens),
  costMicros: num(raw?.unpriced) > 0 ? null : num(raw?.cost_micros),
});

const TIME_GROUP_EXPRESSION: Record<TimeGroup, string> = {
  adapter: 'u.adapter',
  model: 'u.model',
  // created_at is a toISOString() value, so its first 10 characters are the UTC day.
  day: 'SUBSTR(u.createdAt, 1, 10)',
  deliberation: 'u.deliberationId',
  // Calls made before roles were recorded, or by a participant without one, group as "(none)".
  role: "COALESCE(u.role, '(none)')",
};

type Raw = Record<string, string | number | null>;

/** The error kind of a call its circuit breaker refused: never sent, so no latency and no transport outcome. */
const BREAKER_REFUSAL = 'circuit_open';

function num(value: string | number | null | undefined): number {
  return value === null || value === undefined ? 0 : Number(value);
}

function sumsOf(raw: Raw): UsageSums {
  return {
    calls: num(raw.calls),
    inputTokens: num(raw.input_tokens),
    outputTokens: num(raw.output_tokens),
    reasoningTokens: num(raw.reasoning_tokens),
    cachedInputTokens: num(raw.cached_input_tokens),
    totalTokens: num(raw.total_tokens),
    exactTokens: num(raw.exact_tokens),
    estimatedTokens: num(raw.estimated_tokens),
    unavailableCalls: num(raw.unavailable_calls),
    pricedCalls: num(raw.priced_calls),
    costMicros: num(raw.cost_micros),
    estimatedCostMicros: num(raw.estimated_cost_micros),
  };
}

/**
 * The token ledger's tables. Writes take the caller's EntityManager so they join its transaction; reads use
 * the DataSource. Sums are computed in SQL (a time range may hold many calls) with portable SQL only.
 */
@Injectable()
export class TokenUsageRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Plain SQL, not `manager.insert`: this runs for every call (see runSql). */
  async insertUsage(manager: EntityManager, record: UsageRecord): Promise<void> {
    await runSql(
      manager,
      `INSERT INTO token_usage (deliberation_id, round, participant_index, adapter, provider, model, tier, input_tokens,
        output_tokens, reasoning_tokens, cached_input_tokens, total_tokens, accuracy, cost_micros, priced, latency_ms,
        error_kind, vote_option, after_convergence, created_at, role)
      VALUES (:deliberationId, :round, :participantIndex, :adapter, :provider, :model, :tier, :inputTokens, :outputTokens,
        :reasoningTokens, :cachedInputTokens, :totalTokens, :accuracy, :costMicros, :priced, :latencyMs, :errorKind,
        :voteOption, :afterConvergence, :createdAt, :role)`,
      record,
    );
  }

  /**
   * Marks the adapter as having taken part in the deliberation. True when this call made the mark, i.e. it is
   * the adapter's first call there: one INSERT ... ON CONFLICT DO NOTHING on the (adapter, deliberation) key, so
   * two first calls at once count once (on PostgreSQL the second waits on the key, then inserts nothing).
   */
  async markDeliberation(manager: EntityManager, adapter: string, deliberationId: string): Promise<boolean> {
    const affected = await runSql(
      manager,
      `INSERT INTO solution_deliberations (adapter, deliberation_id) VALUES (:adapter, :deliberationId)
        ON CONFLICT (adapter, deliberation_id) DO NOTHING`,
      { adapter, deliberationId },
    );
    return affected === 1;
  }

  /**
   * One INSERT ... ON CONFLICT DO UPDATE with increments: concurrent writers never lose one, because the
   * database applies each increment to the row's current value (never read, then written back).
   */
  async incrementSolutionTotals(manager: EntityManager, inc: SolutionIncrement): Promise<void> {
    await runSql(
      manager,
      `INSERT INTO solution_totals (adapter, total_tokens, exact_tokens, estimated_tokens, input_tokens,
        output_tokens, reasoning_tokens, cached_input_tokens, calls, unavailable_calls, unpriced_calls, cost_micros,
        cost_lower_micros, cost_upper_micros, deliberations, updated_at)
      VALUES (:adapter, :totalTokens, :exactTokens, :estimatedTokens, :inputTokens, :outputTokens, :reasoningTokens,
        :cachedInputTokens, 1, :unavailableCalls, :unpricedCalls, :costMicros, :costLowerMicros, :costUpperMicros,
        :deliberations, :at)
      ON CONFLICT (adapter) DO UPDATE SET
        total_tokens = solution_totals.total_tokens + excluded.total_tokens,
        exact_tokens = solution_totals.exact_tokens + excluded.exact_tokens,
        estimated_tokens = solution_totals.estimated_tokens + excluded.estimated_tokens,
        input_tokens = solution_totals.input_tokens + excluded.input_tokens,
        output_tokens = solution_totals.output_tokens + excluded.output_tokens,
        reasoning_tokens = solution_totals.reasoning_tokens + excluded.reasoning_tokens,
        cached_input_tokens = solution_totals.cached_input_tokens + excluded.cached_input_tokens,
        calls = solution_totals.calls + excluded.calls,
        unavailable_calls = solution_totals.unavailable_calls + excluded.unavailable_calls,
        unpriced_calls = solution_totals.unpriced_calls + excluded.unpriced_calls,
        cost_micros = solution_totals.cost_micros + excluded.cost_micros,
        cost_lower_micros = solution_totals.cost_lower_micros + excluded.cost_lower_micros,
        cost_upper_micros = solution_totals.cost_upper_micros + excluded.cost_upper_micros,
        deliberations = solution_totals.deliberations + excluded.deliberations,
        updated_at = CASE WHEN excluded.updated_at > solution_totals.updated_at
          THEN excluded.updated_at ELSE solution_totals.updated_at END`,
      {
        adapter: inc.adapter,
        totalTokens: inc.totalTokens,
        exactTokens: inc.exactTokens,
        estimatedTokens: inc.estimatedTokens,
        inputTokens: inc.inputTokens,
        outputTokens: inc.outputTokens,
        reasoningTokens: inc.reasoningTokens,
        cachedInputTokens: inc.cachedInputTokens,
        unavailableCalls: inc.unavailable ? 1 : 0,
        unpricedCalls: inc.unpriced ? 1 : 0,
        costMicros: inc.costMicros,
        costLowerMicros: inc.costLowerMicros,
        costUpperMicros: inc.costUpperMicros,
        deliberations: inc.firstInDeliberation ? 1 : 0,
        at: inc.at,
      },
    );
  }

  /**
   * A deliberation's sums per participant (adapter, model) and round, in one query: its totals, its
   * participants' and its rounds' figures are all sums of these groups.
   */
  async sumsByParticipantAndRound(
    deliberationId: string,
  ): Promise<Array<{ participantIndex: number; adapter: string; model: string; round: number; sums: UsageSums }>> {
    const rows = await this.sums()
      .addSelect('u.participantIndex', 'participant_index')
      .addSelect('u.adapter', 'adapter')
      .addSelect('u.model', 'model')
      .addSelect('u.round', 'round')
      .where('u.deliberationId = :deliberationId', { deliberationId })
      .groupBy('u.participantIndex')
      .addGroupBy('u.adapter')
      .addGroupBy('u.model')
      .addGroupBy('u.round')
      .orderBy('u.participantIndex', 'ASC')
      .addOrderBy('u.model', 'ASC')
      .addOrderBy('u.adapter', 'ASC')
      .addOrderBy('u.round', 'ASC')
      .getRawMany<Raw>();
    return rows.map((raw) => ({
      participantIndex: num(raw.participant_index),
      adapter: String(raw.adapter),
      model: String(raw.model),
      round: num(raw.round),
      sums: sumsOf(raw),
    }));
  }

  async roundCalls(deliberationId: string, round: number): Promise<UsageRecord[]> {
    return this.dataSource.getRepository(TokenUsageEntity).find({
      where: { deliberationId, round },
      order: { participantIndex: 'ASC', id: 'ASC' },
    });
  }

  async windowSums(window: TimeWindow): Promise<UsageSums> {
    const raw = await this.inWindow(this.sums(), window).getRawOne<Raw>();
    return sumsOf(raw ?? {});
  }

  async sumsOverTime(window: TimeWindow, groupBy: TimeGroup): Promise<Array<{ key: string; sums: UsageSums }>> {
    const expression = TIME_GROUP_EXPRESSION[groupBy];
    const rows = await this.inWindow(this.sums(), window).addSelect(expression, 'group_key').groupBy(expression).orderBy(expression, 'ASC').getRawMany<Raw>();
    return rows.map((raw) => ({ key: String(raw.group_key), sums: sumsOf(raw) }));
  }

  async sumsByAdapterModel(window: TimeWindow): Promise<Array<{ adapter: string; model: string; sums: UsageSums }>> {
    const rows = await this.inWindow(this.sums(), window)
      .addSelect('u.adapter', 'adapter')
      .addSelect('u.model', 'model')
      .groupBy('u.adapter')
      .addGroupBy('u.model')
      .getRawMany<Raw>();
    return rows.map((raw) => ({ adapter: String(raw.adapter), model: String(raw.model), sums: sumsOf(raw) }));
  }

  async tokensInWindow(window: TimeWindow): Promise<{ totalTokens: number; afterConvergenceTokens: number }> {
    const raw = await this.inWindow(
      this.dataSource
        .createQueryBuilder()
        .from(TokenUsageEntity, 'u')
        .select('COALESCE(SUM(u.totalTokens), 0)', 'total_tokens')
        .addSelect('COALESCE(SUM(CASE WHEN u.afterConvergence THEN u.totalTokens ELSE 0 END), 0)', 'after_tokens'),
      window,
    ).getRawOne<Raw>();
    return { totalTokens: num(raw?.total_tokens), afterConvergenceTokens: num(raw?.after_tokens) };
  }

  /** The largest number of tokens finished within one calendar minute (UTC) of the window. */
  async peakTokensPerMinute(window: TimeWindow): Promise<number> {
    const minute = 'SUBSTR(u.createdAt, 1, 16)';
    const rows = await this.inWindow(this.dataSource.createQueryBuilder().from(TokenUsageEntity, 'u').select('SUM(u.totalTokens)', 'tokens'), window)
      .groupBy(minute)
      .getRawMany<Raw>();
    return rows.reduce((peak, raw) => Math.max(peak, num(raw.tokens)), 0);
  }

  /**
   * Per adapter (or for one), its calls in the window summed for the figures: sent, succeeded, latency,
   * refused by the breaker; and its participants' answers with those whose first reply had no vote. An
   * answer is a participant's rows of one round with at least one call without an error; its first reply
   * had no vote when a vote-only retry was asked (two rows without an error) or no row carries a vote.
   * A failed call re-asked on resume adds an error row only, so it does not read as a retry.
   */
  async adapterCallSums(window: TimeWindow, adapter?: string): Promise<Map<string, AdapterCallSums>> {
    const calls = this.inWindow(
      this.dataSource
        .createQueryBuilder()
        .from(TokenUsageEntity, 'u')
        .select('u.adapter', 'adapter')
        .addSelect(`SUM(CASE WHEN u.errorKind = '${BREAKER_REFUSAL}' THEN 0 ELSE 1 END)`, 'sent')
        .addSelect('SUM(CASE WHEN u.errorKind IS NULL THEN 1 ELSE 0 END)', 'succeeded')
        .addSelect(`SUM(CASE WHEN u.errorKind = '${BREAKER_REFUSAL}' THEN 0 ELSE u.latencyMs END)`, 'latency_ms')
        .addSelect(`SUM(CASE WHEN u.errorKind = '${BREAKER_REFUSAL}' THEN 1 ELSE 0 END)`, 'refused'),
      window,
    );
    if (adapter !== undefined) calls.andWhere('u.adapter = :adapter', { adapter });
    const answers = this.dataSource
      .createQueryBuilder()
      .from((sub) => {
        const perAnswer = this.inWindow(
          sub
            .from(TokenUsageEntity, 'u')
            .select('u.adapter', 'adapter')
            .addSelect('SUM(CASE WHEN u.errorKind IS NULL THEN 1 ELSE 0 END)', 'ok_rows')
            .addSelect('COUNT(u.voteOption)', 'votes'),
          window,
        ).andWhere('u.participantIndex >= 0');
        if (adapter !== undefined) perAnswer.andWhere('u.adapter = :adapter', { adapter });
        return perAnswer.groupBy('u.adapter').addGroupBy('u.deliberationId').addGroupBy('u.round').addGroupBy('u.participantIndex');
      }, 'a')
      .select('a.adapter', 'adapter')
      .addSelect('COUNT(*)', 'answers')
      .addSelect('SUM(CASE WHEN a.ok_rows >= 2 OR a.votes = 0 THEN 1 ELSE 0 END)', 'vote_failures')
      .where('a.ok_rows > 0')
      .groupBy('a.adapter');
    const [callRows, answerRows] = await Promise.all([calls.groupBy('u.adapter').getRawMany<Raw>(), answers.getRawMany<Raw>()]);
    const sums = new Map<string, AdapterCallSums>();
    for (const raw of callRows) {
      sums.set(String(raw.adapter), {
        sent: num(raw.sent),
        succeeded: num(raw.succeeded),
        latencyMs: num(raw.latency_ms),
        refused: num(raw.refused),
        answers: 0,
        voteParseFailures: 0,
      });
    }
    for (const raw of answerRows) {
      const found = sums.get(String(raw.adapter));
      if (found) Object.assign(found, { answers: num(raw.answers), voteParseFailures: num(raw.vote_failures) });
    }
    return sums;
  }

  /** The latency at a 0-based position of the adapter's sent calls in the window, in ascending order (a percentile's rank). */
  async latencyAt(window: TimeWindow, adapter: string, offset: number): Promise<number | null> {
    const raw = await this.inWindow(this.dataSource.createQueryBuilder().from(TokenUsageEntity, 'u').select('u.latencyMs', 'latency_ms'), window)
      .andWhere('u.adapter = :adapter', { adapter })
      .andWhere(`(u.errorKind IS NULL OR u.errorKind <> '${BREAKER_REFUSAL}')`)
      .orderBy('u.latencyMs', 'ASC')
      .offset(offset)
      .limit(1)
      .getRawOne<Raw>();
    return raw ? num(raw.latency_ms) : null;
  }

  /** The calendar minute (UTC, "YYYY-MM-DDTHH:MM") in which most of the adapter's tokens finished, the earliest on a tie. */
  async peakMinuteOf(window: TimeWindow, adapter: string): Promise<{ tokens: number; minute: string } | null> {
    const minute = 'SUBSTR(u.createdAt, 1, 16)';
    const raw = await this.inWindow(
      this.dataSource.createQueryBuilder().from(TokenUsageEntity, 'u').select(minute, 'minute').addSelect('SUM(u.totalTokens)', 'tokens'),
      window,
    )
      .andWhere('u.adapter = :adapter', { adapter })
      .groupBy(minute)
      .orderBy('tokens', 'DESC')
      .addOrderBy('minute', 'ASC')
      .limit(1)
      .getRawOne<Raw>();
    return raw ? { tokens: num(raw.tokens), minute: String(raw.minute) } : null;
  }

  /** Every vote cast in the window, ordered per participant by round (for "its votes never changed"). */
  async voteTrails(window: TimeWindow): Promise<VoteTrailRow[]> {
    const rows = await this.inWindow(
      this.dataSource
        .createQueryBuilder()
        .from(TokenUsageEntity, 'u')
        .select('u.deliberationId', 'deliberation_id')
        .addSelect('u.participantIndex', 'participant_index')
        .addSelect('u.adapter', 'adapter')
        .addSelect('u.model', 'model')
        .addSelect('u.round', 'round')
        .addSelect('u.voteOption', 'vote_option')
        .addSelect('u.totalTokens', 'total_tokens')
        .addSelect('CASE WHEN u.priced THEN u.costMicros ELSE NULL END', 'cost_micros'),
      window,
    )
      .andWhere('u.voteOption IS NOT NULL')
      .orderBy('u.deliberationId', 'ASC')
      .addOrderBy('u.participantIndex', 'ASC')
      .addOrderBy('u.round', 'ASC')
      .getRawMany<Raw>();
    return rows.map((raw) => ({
      deliberationId: String(raw.deliberation_id),
      participantIndex: num(raw.participant_index),
      adapter: String(raw.adapter),
      model: String(raw.model),
      round: num(raw.round),
      voteOption: String(raw.vote_option),
      tokens: num(raw.total_tokens),
      costMicros: raw.cost_micros === null || raw.cost_micros === undefined ? null : num(raw.cost_micros),
    }));
  }

  /**
   * The calls made after the deliberation had converged (confirming rounds), in the window: what they
   * spent, and in how many deliberations and rounds.
   */
  async afterConvergenceSpend(window: TimeWindow): Promise<CallSpend & { deliberations: number; rounds: number }> {
    const rows = await this.inWindow(this.spendQuery().addSelect('u.deliberationId', 'deliberation_id').addSelect('u.round', 'round'), window)
      .andWhere('u.afterConvergence = :after', { after: true })
      .groupBy('u.deliberationId')
      .addGroupBy('u.round')
      .getRawMany<Raw>();
    const spends = rows.map(spendOf);
    return {
      calls: spends.reduce((n, s) => n + s.calls, 0),
      tokens: spends.reduce((n, s) => n + s.tokens, 0),
      costMicros: spends.some((s) => s.costMicros === null) ? null : spends.reduce((n, s) => n + s.costMicros!, 0),
      deliberations: new Set(rows.map((r) => String(r.deliberation_id))).size,
      rounds: rows.length,
    };
  }

  /** What the failed calls spent, per adapter, in the window (a provider may bill a call that then failed). */
  async failedSpendByAdapter(window: TimeWindow): Promise<Map<string, CallSpend>> {
    const rows = await this.inWindow(this.spendQuery().addSelect('u.adapter', 'adapter'), window)
      .andWhere('u.errorKind IS NOT NULL')
      .groupBy('u.adapter')
      .getRawMany<Raw>();
    return new Map(rows.map((r) => [String(r.adapter), spendOf(r)]));
  }

  private spendQuery(): SelectQueryBuilder<TokenUsageEntity> {
    return (
      this.dataSource
        .createQueryBuilder()
        .from(TokenUsageEntity, 'u')
        .select('COUNT(*)', 'calls')
        .addSelect('COALESCE(SUM(u.totalTokens), 0)', 'tokens')
        .addSelect('COALESCE(SUM(u.costMicros), 0)', 'cost_micros')
        // A call that used no tokens costs nothing, priced or not.
        .addSelect('SUM(CASE WHEN u.priced OR u.totalTokens = 0 THEN 0 ELSE 1 END)', 'unpriced')
    );
  }

  /** Calls and failed calls per adapter in the window. */
  async errorsByAdapter(window: TimeWindow): Promise<Array<{ adapter: string; calls: number; errors: number }>> {
    const rows = await this.inWindow(
      this.dataSource
        .createQueryBuilder()
        .from(TokenUsageEntity, 'u')
        .select('u.adapter', 'adapter')
        .addSelect('COUNT(*)', 'calls')
        .addSelect('SUM(CASE WHEN u.errorKind IS NULL THEN 0 ELSE 1 END)', 'errors'),
      window,
    )
      .groupBy('u.adapter')
      .getRawMany<Raw>();
    return rows.map((raw) => ({ adapter: String(raw.adapter), calls: num(raw.calls), errors: num(raw.errors) }));
  }

  async solutionTotals(): Promise<SolutionTotalsEntity[]> {
    return this.dataSource.getRepository(SolutionTotalsEntity).find({ order: { adapter: 'ASC' } });
  }

  async solutionTotalsOf(adapter: string): Promise<SolutionTotalsEntity | null> {
    return this.dataSource.getRepository(SolutionTotalsEntity).findOneBy({ adapter });
  }

  private sums(): SelectQueryBuilder<TokenUsageEntity> {
    const when = (accuracy: Accuracy, then: string) => `SUM(CASE WHEN u.accuracy = '${accuracy}' THEN ${then} ELSE 0 END)`;
    return this.dataSource
      .createQueryBuilder()
      .from(TokenUsageEntity, 'u')
      .select('COUNT(*)', 'calls')
      .addSelect('COALESCE(SUM(u.inputTokens), 0)', 'input_tokens')
      .addSelect('COALESCE(SUM(u.outputTokens), 0)', 'output_tokens')
      .addSelect('COALESCE(SUM(u.reasoningTokens), 0)', 'reasoning_tokens')
      .addSelect('COALESCE(SUM(u.cachedInputTokens), 0)', 'cached_input_tokens')
      .addSelect('COALESCE(SUM(u.totalTokens), 0)', 'total_tokens')
      .addSelect(`COALESCE(${when('exact', 'u.totalTokens')}, 0)`, 'exact_tokens')
      .addSelect(`COALESCE(${when('estimated', 'u.totalTokens')}, 0)`, 'estimated_tokens')
      .addSelect(`COALESCE(${when('unavailable', '1')}, 0)`, 'unavailable_calls')
      .addSelect('COALESCE(SUM(CASE WHEN u.priced THEN 1 ELSE 0 END), 0)', 'priced_calls')
      .addSelect('COALESCE(SUM(u.costMicros), 0)', 'cost_micros')
      .addSelect(`COALESCE(${when('estimated', 'COALESCE(u.costMicros, 0)')}, 0)`, 'estimated_cost_micros');
  }

  private inWindow<T extends SelectQueryBuilder<TokenUsageEntity>>(qb: T, window: TimeWindow): T {
    return qb.where('u.createdAt >= :from AND u.createdAt < :to', window) as T;
  }
}
