import { Inject, Injectable } from '@nestjs/common';
import { CONCLAVE_CONFIG, ConclaveConfig, DomainError } from '@app/config';
import { addSums, costConfidence, emptySums, figuresFromSums, summarizeFigures, TokenFigures, UsageSums } from '../figures/token-figures';
import { microsToUsd } from '../prices/price-usage';
import { adapterFigures, nearestRankOffset, type AdapterCallSums, type AdapterFigures } from '../figures/adapter-figures';
import { SolutionTotalsEntity } from '../ledger/solution-totals.entity';
import { TimeWindow, TokenUsageRepository } from '../ledger/token-usage.repository';
import { suggestUsageChanges } from './usage-suggestions';
import { DeliberationTokens, RoundTokens, AdapterTotals, UsageOverTime, UsageQuery, UsageRange, UsageSummary } from './usage.types';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** The default window of GET /v1/usage. */
export const DEFAULT_USAGE_DAYS = 30;
/** The summary looks at the last 7 days: recent enough to act on, long enough to show a peak. */
export const SUMMARY_DAYS = 7;
const TOP_PARTICIPANTS = 5;

/** The read side of the ledger: every REST token view. */
@Injectable()
export class UsageService {
  private readonly estimateErrorPct: number;

  constructor(
    private readonly repository: TokenUsageRepository,
    @Inject(CONCLAVE_CONFIG) config: ConclaveConfig,
  ) {
    this.estimateErrorPct = config.tokens.estimateErrorPct;
  }

  /**
   * Zeros and empty lists for an id with no calls (the caller checks the deliberation exists). One
   * grouped query (participant × round); totals, participants and rounds are folded from its groups.
   */
  async deliberationTokens(deliberationId: string): Promise<DeliberationTokens> {
    const groups = await this.repository.sumsByParticipantAndRound(deliberationId);
    let totals = emptySums();
    const participants = new Map<string, { participantIndex: number; adapter: string; model: string; sums: UsageSums }>();
    const rounds = new Map<number, UsageSums>();
    for (const group of groups) {
      totals = addSums(totals, group.sums);
      const key = JSON.stringify([group.participantIndex, group.adapter, group.model]);
      const participant = participants.get(key);
      if (participant) participant.sums = addSums(participant.sums, group.sums);
      else participants.set(key, { participantIndex: group.participantIndex, adapter: group.adapter, model: group.model, sums: group.sums });
      rounds.set(group.round, addSums(rounds.get(group.round) ?? emptySums(), group.sums));
    }
    return {
      deliberationId,
      totals: this.figures(totals),
      byParticipant: [...participants.values()].map(({ participantIndex, adapter, model, sums }) => ({
        participantIndex,
        adapter,
        model,
        ...this.figures(sums),
      })),
      byRound: [...rounds.entries()].sort(([a], [b]) => a - b).map(([round, sums]) => ({ round, ...this.figures(sums) })),
    };
  }

  async roundTokens(deliberationId: string, round: number): Promise<RoundTokens> {
    const rows = await this.repository.roundCalls(deliberationId, round);
    return {
      deliberationId,
      round,
      totals: summarizeFigures(rows, this.estimateErrorPct),
      calls: rows.map((row) => ({
        participantIndex: row.participantIndex,
        adapter: row.adapter,
        model: row.model,
        tier: row.tier,
        accuracy: row.accuracy,
        inputTokens: row.inputTokens,
        outputTokens: row.outputTokens,
        reasoningTokens: row.reasoningTokens,
        cachedInputTokens: row.cachedInputTokens,
        totalTokens: row.totalTokens,
        costUsd: row.costMicros === null ? null : microsToUsd(row.costMicros),
        latencyMs: row.latencyMs,
        errorKind: row.errorKind,
      })),
    };
  }

  /**
   * Usage in [from, to), grouped. `to` defaults to now and `from` to 30 days before `to`. Days are UTC.
   * Groups by day come in date order; other groups largest first.
   */
  async usageOverTime(query: UsageQuery, now: Date = new Date()): Promise<UsageOverTime> {
    const groupBy = query.groupBy ?? 'adapter';
    const window = this.usageWindow(query, now);
    const [groups, totals] = await Promise.all([this.repository.sumsOverTime(window, groupBy), this.repository.windowSums(window)]);
    if (groupBy !== 'day') groups.sort((a, b) => b.sums.totalTokens - a.sums.totalTokens || a.key.localeCompare(b.key));
    return {
      ...window,
      groupBy,
      groups: groups.map(({ key, sums }) => ({ key, ...this.figures(sums) })),
      totals: this.figures(totals),
    };
  }

  /** Every called adapter's lifetime totals, with its figures over the window (default: the last 30 days). */
  async adapterTotals(range: UsageRange = {}, now: Date = new Date()): Promise<AdapterTotals[]> {
    const window = this.usageWindow(range, now);
    const [rows, sums] = await Promise.all([this.repository.solutionTotals(), this.repository.adapterCallSums(window)]);
    return Promise.all(rows.map(async (row) => ({ ...solutionView(row), figures: await this.adapterFigures(window, row.adapter, sums.get(row.adapter)) })));
  }

  async adapterTotalsOf(adapter: string, range: UsageRange = {}, now: Date = new Date()): Promise<AdapterTotals> {
    const window = this.usageWindow(range, now);
    const totals = await this.repository.solutionTotalsOf(adapter);
    if (!totals) {
      throw new DomainError('not_found', 'SOLUTION_NOT_FOUND', `no usage has been recorded for adapter "${adapter}"`, {
        adapter,
      });
    }
    const sums = await this.repository.adapterCallSums(window, adapter);
    return { ...solutionView(totals), figures: await this.adapterFigures(window, adapter, sums.get(adapter)) };
  }

  /** p95 and the peak minute are asked per adapter (an OFFSET and a LIMIT 1), so no list of calls is loaded. */
  private async adapterFigures(window: TimeWindow, adapter: string, sums: AdapterCallSums | undefined): Promise<AdapterFigures> {
    const found = sums ?? { sent: 0, succeeded: 0, latencyMs: 0, refused: 0, answers: 0, voteParseFailures: 0 };
    const offset = nearestRankOffset(found.sent, 95);
    const [p95, peak] = await Promise.all([
      offset === null ? Promise.resolve(null) : this.repository.latencyAt(window, adapter, offset),
      this.repository.peakMinuteOf(window, adapter),
    ]);
    return adapterFigures(window, found, p95, peak);
  }

  /** [from, to) of a usage request: `to` defaults to now, `from` to 30 days before it; from after to is a 400. */
  private usageWindow(range: UsageRange, now: Date): TimeWindow {
    const to = range.to ?? now;
    const from = range.from ?? new Date(to.getTime() - DEFAULT_USAGE_DAYS * DAY_MS);
    if (from.getTime() > to.getTime()) {
      throw new DomainError('invalid', 'USAGE_RANGE_INVALID', 'from must not be after to', {
        from: from.toISOString(),
        to: to.toISOString(),
      });
    }
    return { from: from.toISOString(), to: to.toISOString() };
  }

  /** Rates, top spenders and suggestions over the last 7 days. */
  async summary(now: Date = new Date()): Promise<UsageSummary> {
    const end = new Date(now.getTime() + 1); // [from, to) must include a call that finished exactly now
    const window: TimeWindow = {
      from: new Date(now.getTime() - SUMMARY_DAYS * DAY_MS).toISOString(),
      to: end.toISOString(),
    };
    const lastMinute: TimeWindow = { from: new Date(now.getTime() - MINUTE_MS).toISOString(), to: end.toISOString() };
    const [sums, spent, recent, peak, participants, votes, adapters, after, failed] = await Promise.all([
      this.repository.windowSums(window),
      this.repository.tokensInWindow(window),
      this.repository.tokensInWindow(lastMinute),
      this.repository.peakTokensPerMinute(window),
      this.repository.sumsByAdapterModel(window),
      this.repository.voteTrails(window),
      this.repository.errorsByAdapter(window),
      this.repository.afterConvergenceSpend(window),
      this.repository.failedSpendByAdapter(window),
    ]);
    const suggestions = suggestUsageChanges({
      totalTokens: spent.totalTokens,
      exactTokens: sums.exactTokens,
      estimatedTokens: sums.estimatedTokens,
      afterConvergence: after,
      estimateErrorPct: this.estimateErrorPct,
      participants: participants.map((p) => ({
        adapter: p.adapter,
        model: p.model,
        totalTokens: p.sums.totalTokens,
        calls: p.sums.calls,
        unpricedCalls: p.sums.calls - p.sums.pricedCalls,
      })),
      votes,
      adapters: adapters.map((a) => ({ ...a, failedSpend: failed.get(a.adapter) })),
    });
    const total = spent.totalTokens;
    const ranked = participants
      .map((p) => ({ adapter: p.adapter, model: p.model, totalTokens: p.sums.totalTokens }))
      .sort((a, b) => b.totalTokens - a.totalTokens || `${a.adapter}/${a.model}`.localeCompare(`${b.adapter}/${b.model}`));
    return {
      ...window,
      tokensPerMinuteNow: recent.totalTokens,
      peakTokensPerMinute: peak,
      totalTokens: total,
      topParticipants: ranked.slice(0, TOP_PARTICIPANTS).map((p) => ({ ...p, share: total === 0 ? 0 : p.totalTokens / total })),
      tokensAfterConvergence: spent.afterConvergenceTokens,
      shareAfterConvergence: total === 0 ? 0 : spent.afterConvergenceTokens / total,
      suggestions: suggestions.map((x) => x.text),
      suggestionDetails: suggestions,
    };
  }

  private figures(sums: UsageSums): TokenFigures {
    return figuresFromSums(sums, this.estimateErrorPct);
  }
}

function solutionView(row: SolutionTotalsEntity): Omit<AdapterTotals, 'figures'> {
  const nothingPriced = row.calls > 0 && row.unpricedCalls === row.calls;
  return {
    adapter: row.adapter,
    totalTokens: row.totalTokens,
    exactTokens: row.exactTokens,
    estimatedTokens: row.estimatedTokens,
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    reasoningTokens: row.reasoningTokens,
    cachedInputTokens: row.cachedInputTokens,
    calls: row.calls,
    unavailableCalls: row.unavailableCalls,
    unpricedCalls: row.unpricedCalls,
    costUsd: nothingPriced ? null : microsToUsd(row.costMicros),
    costLowerUsd: nothingPriced ? null : microsToUsd(row.costLowerMicros),
    costUpperUsd: nothingPriced ? null : microsToUsd(row.costUpperMicros),
    costConfidence: costConfidence(row.exactTokens, row.estimatedTokens),
    deliberations: row.deliberations,
    updatedAt: row.updatedAt,
  };
}
