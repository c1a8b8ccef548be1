import { Inject, Injectable, Logger } from '@nestjs/common';
import { AdapterRegistry } from '@app/adapters';
import { CONCLAVE_CONFIG, ConclaveConfig } from '@app/config';
import { BudgetLedger, budgetZone, Reservation as LedgerReservation } from '@app/tiering';
import { TokenLedger, makeUsage } from '@app/tokens';
import type { LimitCheck, PauseInfo, PlannedCall, Reservation } from '../engine/engine.ports';
import type { EngineState } from '../state/engine-state';
import { PriceGuard } from './price-guard';
import { nextRoundEstimate, spentSoFar } from '../state/spend';

interface Limit {
  name: string;
  fraction: number;
  used: number;
}

/**
 * Holds a deliberation to its own limits and to the budget windows: warns, forces fast models and
 * pauses at the configured fractions, and reserves every call's estimate before it is made so that
 * concurrent deliberations can never together cross a hard cap.
 */
@Injectable()
export class BudgetGate {
  private readonly logger = new Logger(BudgetGate.name);

  constructor(
    @Inject(CONCLAVE_CONFIG) private readonly config: ConclaveConfig,
    private readonly ledger: BudgetLedger,
    private readonly tokens: TokenLedger,
    private readonly prices: PriceGuard,
    private readonly registry: AdapterRegistry,
  ) {}

  /** Every limit the deliberation is held to (its own, and each window's tokens and USD), with how much is used. */
  limits(state: EngineState): Limit[] {
    const limits = this.ownLimits(state);
    // With enforcement switched off the windows only count; the deliberation's own budget still holds.
    if (!this.ledger.enforcing().enabled) return limits;
    for (const w of this.ledger.status()) {
      if (w.limits.tokens) limits.push({ name: `${w.window}.tokens`, fraction: w.used.tokens / w.limits.tokens, used: w.used.tokens });
      if (w.limits.usd) limits.push({ name: `${w.window}.usd`, fraction: w.used.usd / w.limits.usd, used: w.used.usd });
    }
    return limits;
  }

  /** The deliberation's own limits: from its state alone, no window status needed. */
  private ownLimits(state: EngineState): Limit[] {
    const spent = spentSoFar(state);
    const own = state.request.budget ?? {};
    const limits: Limit[] = [];
    if (own.maxTokens) limits.push({ name: 'deliberation.tokens', fraction: spent.tokens / own.maxTokens, used: spent.tokens });
    if (own.maxCostUsd) limits.push({ name: 'deliberation.usd', fraction: spent.usd / own.maxCostUsd, used: spent.usd });
    return limits;
  }

  /** The budget as it stands, for a checkpoint: the deliberation's own limits and spend, and every limit's use. */
  snapshot(state: EngineState): { maxTokens: number | null; maxCostUsd: number | null; usedTokens: number; usedUsd: number; limits: Limit[] } {
    const spent = spentSoFar(state);
    const own = state.request.budget ?? {};
    return { maxTokens: own.maxTokens ?? null, maxCostUsd: own.maxCostUsd ?? null, usedTokens: spent.tokens, usedUsd: spent.usd, limits: this.limits(state) };
  }

  /** The tightest share of budget left, over the deliberation's own limits and the windows; null when unlimited. */
  fractionLeft(state: EngineState): number | null {
    const own = this.ownLimits(state).map((l) => 1 - l.fraction);
    const windows = this.ledger.fractionLeft();
    const all = [...own, ...(windows === null ? [] : [windows])];
    return all.length ? Math.max(0, Math.min(...all)) : null;
  }

  /**
   * At the pause threshold a token limit pauses the deliberation; a money limit instead leaves only
   * local adapters (they cost nothing), and the deliberation pauses only if it has none.
   */
  check(state: EngineState): LimitCheck {
    const check = this.assess(state);
    for (const w of check.warnings) {
      if (!state.runtime.warned.includes(w.limit))
        this.logger.warn({ deliberationId: state.id, ...w }, `budget warning: ${w.limit} at ${Math.round(w.fraction * 100)}%`);
    }
    return check;
  }

  /** What `check` decides, without its log lines: for the governance picture a checkpoint carries. */
  assess(state: EngineState): LimitCheck {
    const { warn, forceFast, pause } = this.config.budgets.thresholds;
    const limits = this.limits(state);
    const warnings = limits.filter((l) => l.fraction >= warn).map((l) => ({ limit: l.name, fraction: l.fraction }));
    const exhausted = limits.filter((l) => l.fraction >= pause);
    // A money limit always leaves the local adapters; a window's token limit does with budgets.onExhausted: local.
    const goesLocal = (l: Limit) => l.name.endsWith('.usd') || (this.config.budgets.onExhausted === 'local' && !l.name.startsWith('deliberation.'));
    const over = exhausted.filter((l) => !goesLocal(l)).sort((a, b) => b.fraction - a.fraction)[0];
    const mostUsed = limits.reduce<number | null>((max, l) => (max === null || l.fraction > max ? l.fraction : max), null);
    return {
      warnings,
      zone: budgetZone(mostUsed, this.config.budgets.zones),
      forceFast: limits.some((l) => l.fraction >= forceFast),
      localOnly: exhausted.some(goesLocal),
      pause: over
        ? { reason: 'budget', limit: over.name, used: over.used, nextRoundEstimateTokens: nextRoundEstimate(state, this.config.deliberation.maxOutputTokens) }
        : null,
    };
  }

  /** All of a round's calls are reserved, or none is. */
  async reserve(state: EngineState, calls: PlannedCall[]): Promise<{ ok: true; reservation: Reservation } | { ok: false; pause: PauseInfo }> {
    const roundTokens = calls.reduce((sum, c) => sum + c.estimateTokens, 0);
    const unpriced = this.prices.unpricedPause(state.request, calls, roundTokens);
    if (unpriced) return { ok: false, pause: unpriced };
    const { maxRoundTokens } = this.config.deliberation;
    if (maxRoundTokens !== undefined && roundTokens > maxRoundTokens) {
      return {
        ok: false,
        pause: {
          reason: 'budget',
          limit: 'deliberation.maxRoundTokens',
          used: spentSoFar(state).tokens,
          nextRoundEstimateTokens: roundTokens,
          detail: `the next calls need about ${roundTokens} tokens (prompts plus output limits), above deliberation.maxRoundTokens (${maxRoundTokens}); resume with fewer participants or raise the cap`,
        },
      };
    }
    const spent = spentSoFar(state);
    const own = state.request.budget ?? {};
    const held = new Map<number, LedgerReservation>();
    for (const call of calls) {
      const usd = this.estimateUsd(call);
      const result = await this.ledger.reserve(
        { tokens: call.estimateTokens, usd, local: this.registry.get(call.adapter).tier === 'T0', critical: this.isCritical(state, call.participantIndex) },
        { deliberationId: state.id, maxTokens: own.maxTokens, maxCostUsd: own.maxCostUsd, usedTokens: spent.tokens, usedUsd: spent.usd },
      );
      if (!result.ok) {
        await Promise.all([...held.values()].map((r) => this.ledger.release(r)));
        return {
          ok: false,
          pause: {
            reason: 'budget',
            limit: `${result.window}.${result.unit}`,
            used: result.used,
            nextRoundEstimateTokens: calls.reduce((sum, c) => sum + c.estimateTokens, 0),
            detail:
              `the next round needs about ${result.needed} ${result.unit === 'usd' ? 'USD' : 'tokens'} more than ${result.window} allows (limit ${result.limit}, used ${result.used}, reserved ${result.reserved}` +
              (result.heldForCritical ? `, ${result.heldForCritical} held for critical participants by budgets.reservePct)` : ')'),
          },
        };
      }
      held.set(call.participantIndex, result.reservation);
    }
    return {
      ok: true,
      reservation: {
        settle: async (participantIndex, tokens, costUsd) => {
          const reservation = held.get(participantIndex);
          if (!reservation) return null;
          held.delete(participantIndex);
          // The usage itself is already in the windows (CallRecorder, in the answer's transaction).
          await this.ledger.release(reservation);
          // Only a call that spent more than it reserved can be what pushed a window past its cap; a local
          // call ($0) after the money ran out must not stop the deliberation.
          const overTokens = tokens > reservation.tokens;
          const overUsd = (costUsd ?? 0) > reservation.usd;
          if (!overTokens && !overUsd) return null;
          const passed = this.ledger.status().find((w) => (overTokens && w.overshoot.tokens > 0) || (overUsd && w.overshoot.usd > 0));
          if (!passed) return null;
          const unit = overTokens && passed.overshoot.tokens > 0 ? 'tokens' : 'usd';
          this.logger.warn(
            { deliberationId: state.id, participantIndex, window: passed.window, overshoot: passed.overshoot },
            `hard cap passed: ${passed.window}.${unit}`,
          );
          return {
            reason: 'budget',
            limit: `${passed.window}.${unit}`,
            used: passed.used[unit],
            nextRoundEstimateTokens: nextRoundEstimate(state, this.config.deliberation.maxOutputTokens),
            detail: `participant ${participantIndex} used more than its estimate (${tokens} tokens against ${reservation.tokens} reserved): ${passed.window} is ${passed.overshoot[unit]} ${unit === 'usd' ? 'USD' : 'tokens'} over its limit`,
          };
        },
        release: async () => {
          const left = [...held.values()];
          held.clear();
          await Promise.all(left.map((r) => this.ledger.release(r)));
        },
      },
    };
  }

  /**
   * Whether a call may use the slice of the windows held for critical participants: those of a critical
   * deliberation, and those in a role the configuration gives a tier floor (the same ones floors protect).
   */
  private isCritical(state: EngineState, participantIndex: number): boolean {
    if (state.request.critical) return true;
    const role = state.request.participants.find((p) => p.index === participantIndex)?.role;
    return role !== undefined && this.config.tiering.floors[role] !== undefined;
  }

  /** An unpriced model reserves no money: its cost is unknown, never guessed (its tokens still count). */
  private estimateUsd(call: PlannedCall): number {
    const usage = makeUsage(
      { adapter: call.adapter, provider: '', model: call.model },
      { inputTokens: call.estimateTokens - this.config.deliberation.maxOutputTokens, outputTokens: this.config.deliberation.maxOutputTokens },
      'estimated',
    );
    return this.tokens.priceOf(usage) ?? 0;
  }
}
