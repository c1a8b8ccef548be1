import { Injectable } from '@nestjs/common';
import { AdapterRegistry } from '@app/adapters';
import { DomainError } from '@app/config';
import { BudgetLedger } from '@app/tiering';
import { TokenLedger } from '@app/tokens';
import type { DeliberationRequest } from '../deliberation.types';
import type { PauseInfo, PlannedCall } from '../engine/engine.ports';

/**
 * Keeps USD limits meaningful: a model without a price costs "unknown", which a USD cap cannot hold, so
 * while any USD limit applies (a window's, or the deliberation's maxCostUsd) such a call is refused
 * before it is made. A model priced at 0 in the config, a local provider and a T0 adapter are free.
 */
@Injectable()
export class PriceGuard {
  constructor(
    private readonly registry: AdapterRegistry,
    private readonly ledger: BudgetLedger,
    private readonly tokens: TokenLedger,
  ) {}

  /** The USD limit that applies, by name, or null when none does. */
  usdLimit(request: DeliberationRequest): string | null {
    if (request.budget?.maxCostUsd) return 'deliberation.usd';
    const window = this.ledger.status().find((w) => w.limits.usd !== null);
    return window ? `${window.window}.usd` : null;
  }

  isPriced(adapter: string, model: string): boolean {
    return this.tokens.hasPrice(adapter, this.registry.get(adapter).provider, model);
  }

  /**
   * At create: a participant whose model is already known (named, or a fixed tier) and unpriced is a
   * 400. An "auto" participant is refused only when both its adapter's models are unpriced; otherwise
   * the run-time check decides once the tier is chosen.
   */
  assertPriced(request: DeliberationRequest): void {
    const limit = this.usdLimit(request);
    if (!limit) return;
    for (const p of request.participants) {
      const models = this.registry.get(p.adapter).models;
      const candidates = p.model ? [p.model] : p.tier === 'auto' ? [models.fast, models.reasoning] : [models[p.tier]];
      if (candidates.some((m) => this.isPriced(p.adapter, m))) continue;
      const field = `participants.${p.index}.${p.model ? 'model' : 'adapter'}`;
      throw new DomainError(
        'invalid',
        'UNPRICED_MODEL',
        `${field}: model "${candidates.join('" / "')}" of adapter "${p.adapter}" has no price, and a USD limit applies (${limit}); add it under prices: in the config (input: 0, output: 0 marks it free)`,
        { field },
      );
    }
    const { chair } = request;
    if (chair && !this.isPriced(chair.adapter, chair.model)) {
      throw new DomainError(
        'invalid',
        'UNPRICED_MODEL',
        `chair.model: model "${chair.model}" of adapter "${chair.adapter}" has no price, and a USD limit applies (${limit}); add it under prices: in the config (input: 0, output: 0 marks it free)`,
        { field: 'chair.model' },
      );
    }
  }

  /** At run time, before any call of the round is made: a pause naming the first unpriced call. */
  unpricedPause(request: DeliberationRequest, calls: PlannedCall[], nextRoundEstimateTokens: number): PauseInfo | null {
    const limit = this.usdLimit(request);
    if (!limit) return null;
    const unpriced = calls.find((c) => !this.isPriced(c.adapter, c.model));
    if (!unpriced) return null;
    return {
      reason: 'unpriced_model',
      limit,
      used: 0,
      nextRoundEstimateTokens,
      detail: `participant ${unpriced.participantIndex}: model "${unpriced.model}" of adapter "${unpriced.adapter}" has no price, so its cost cannot be held to ${limit}; add it under prices: in the config, or resume with another model`,
    };
  }
}
