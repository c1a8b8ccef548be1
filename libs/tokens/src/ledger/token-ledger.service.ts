import { Inject, Injectable } from '@nestjs/common';

import { CONCLAVE_CONFIG, ConclaveConfig, type ModelClass } from '@app/config';

import { EntityManager } from 'typeorm';

import type { TokenUsage } from '../token-usage';

import { callCostBounds } from '../figures/token-figures';

import { PriceTable } from '../prices/price-lookup';

import { microsToUsd, priceUsage } from '../prices/price-usage';

import { TokenUsageRepository } from './token-usage.repository';

/** One adapter call to record. */
export interface UsageEntry {
  deliberationId: string;
  round: number;
  participantIndex: number;
  tier: ModelClass;
  usage: TokenUsage;
  latencyMs: number;
  /** Set when the call failed (AdapterError kind). */
  errorKind?: string | null;
  /** The option this call voted for, when it cast a valid vote. */
  voteOption?: string | null;
  /** The deliberation had already converged before this call. */
  afterConvergence?: boolean;
  /** The participant's role (e.g. "security"), or the deliberation's own call's: chair, digest, embeddings. */
  role?: string | null;
}

export interface RecordedUsage {
  /** null: the model has no price. */
  costUsd: number | null;
  costMicros: number | null;
  priced: boolean;
}

/** Records every call's usage with its price, and keeps the per-adapter lifetime totals. */
@Injectable()
export class TokenLedger {
  private readonly estimateErrorPct: number;
  /** Adapters configured at tier T0 run on the user's machine: their unpriced models cost $0, not "missing". */
  private readonly localAdapters: ReadonlySet<string>;

  constructor(
    private readonly repository: TokenUsageRepository,
    private readonly prices: PriceTable,
    @Inject(CONCLAVE_CONFIG) config: ConclaveConfig,
  ) {
    this.estimateErrorPct = config.tokens.estimateErrorPct;
    this.localAdapters = new Set(config.adapters.filter((a) => a.tier === 'T0').map((a) => a.name));
  }

  /**
   * Whether a call's cost is known: a price from the table (a `prices:` entry of 0 marks a model free),
   * a local provider, or an adapter configured at tier T0.
   */
  hasPrice(adapter: string, provider: string, model: string): boolean {
    return this.localAdapters.has(adapter) || this.prices.lookup(model, provider) !== null;
  }

  /**
   * Prices the call, marks the adapter's participation in the deliberation, increments its adapter's totals and
   * inserts its row: three single statements, all through `manager` so they commit or roll back with the caller's
   * transaction (the response and its usage are written together). None reads a value to write it back, so
   * concurrent writers lose nothing. Metrics are not touched here: this cannot know whether the transaction
   * commits, so the caller reports the call to MetricsService.observeCall after commit.
   */
  async recordUsage(manager: EntityManager, entry: UsageEntry): Promise<RecordedUsage> {
    const { usage } = entry;
    const costMicros = this.costMicrosOf(usage);
    const priced = costMicros !== null;
    const bounds = callCostBounds(costMicros, usage.accuracy, this.estimateErrorPct);
    const createdAt = new Date(usage.timestamp).toISOString();
    const firstInDeliberation = await this.repository.markDeliberation(manager, usage.adapter, entry.deliberationId);
    await this.repository.incrementSolutionTotals(manager, {
      adapter: usage.adapter,
      firstInDeliberation,
      totalTokens: usage.totalTokens,
      exactTokens: usage.accuracy === 'exact' ? usage.totalTokens : 0,
      estimatedTokens: usage.accuracy === 'estimated' ? usage.totalTokens : 0,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      reasoningTokens: usage.reasoningTokens,
      cachedInputTokens: usage.cachedInputTokens,
      unavailable: usage.accuracy === 'unavailable',
      unpriced: !priced,
      costMicros: costMicros ?? 0,
      costLowerMicros: bounds.lowerMicros,
      costUpperMicros: bounds.upperMicros,
      at: createdAt,
    });
    await this.repository.insertUsage(manager, {
      deliberationId: entry.deliberationId,
      round: entry.round,
      participantIndex: entry.participantIndex,
      adapter: usage.adapter,
      provider: usage.provider,
      model: usage.model,
      tier: entry.tier,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      reasoningTokens: usage.reasoningTokens,
      cachedInputTokens: usage.cachedInputTokens,
      totalTokens: usage.totalTokens,
      accuracy: usage.accuracy,
      costMicros,
      priced,
      latencyMs: Math.max(0, Math.round(entry.latencyMs)),
      errorKind: entry.errorKind ?? null,
      voteOption: entry.voteOption ?? null,
      afterConvergence: entry.afterConvergence ?? false,
      createdAt,
      role: entry.role ?? null,
    });
    return { costUsd: costMicros === null ? null : microsToUsd(costMicros), costMicros, priced };
  }

  /** The cost of a usage in USD, or null when its model has no price (budgets estimate with this). */
  priceOf(usage: TokenUsage): number | null {
    const micros = this.costMicrosOf(usage);
    return micros === null ? null : microsToUsd(micros);
  }

  /** A call that counted no tokens (a failed call) costs 0 whatever its model: nothing needs a price. */
  private costMicrosOf(usage: TokenUsage): number | null {
    if (usage.totalTokens === 0) return 0;
    const price = this.prices.lookup(usage.model, usage.provider);
    if (!price && this.localAdapters.has(usage.adapter)) return 0;
    return priceUsage(usage, price);
  }
}
