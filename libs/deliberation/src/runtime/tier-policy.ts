import { Inject, Injectable, Logger } from '@nestjs/common';
import { AdapterRegistry } from '@app/adapters';
import { CONCLAVE_CONFIG, ConclaveConfig } from '@app/config';
import { AllocationAudit, BudgetLedger, allocationSignals, budgetZone, minTier, planRound, type SelectorSignals, type TierDecision } from '@app/tiering';
import type { TierDecisionRecord } from '../deliberation.types';
import type { PauseInfo, RoundConstraints } from '../engine/engine.ports';
import type { EngineState } from '../state/engine-state';
import { groupOptions, scoreTrend, similarityFor } from '../rules';
import { BudgetGate } from './budget-gate';
import { Clock } from '@app/config';
import { nextRoundEstimate } from '../state/spend';

/**
 * Chooses every participant's adapter and model for a round through the tiering rules (selector,
 * ladder, floors, overrides) and writes each decision to the allocation audit.
 */
@Injectable()
export class TierPolicy {
  private readonly logger = new Logger(TierPolicy.name);

  constructor(
    @Inject(CONCLAVE_CONFIG) private readonly config: ConclaveConfig,
    private readonly registry: AdapterRegistry,
    private readonly ledger: BudgetLedger,
    private readonly audit: AllocationAudit,
    private readonly gate: BudgetGate,
    private readonly clock: Clock,
  ) {}

  /** The round's decisions, written to the allocation audit; or why the round must not run. */
  async plan(state: EngineState, round: number, constraints: RoundConstraints): Promise<{ decisions: TierDecisionRecord[] } | { pause: PauseInfo }> {
    const planned = await this.decide(state, round, constraints);
    if ('pause' in planned) return planned;
    const { plan, signals } = planned;
    const threshold = this.ledger.thresholdState();
    const zone = budgetZone(threshold.fractionUsed, this.config.budgets.zones);
    const now = this.clock.now();
    const byIndex = new Map(state.request.participants.map((p) => [p.index, p]));
    for (const d of plan.decisions) {
      if (d.warning) this.logger.warn({ deliberationId: state.id, round, participantIndex: d.participantIndex }, d.warning);
    }
    await this.audit.record(
      undefined,
      plan.decisions.map((d) => ({
        deliberationId: state.id,
        round,
        participantIndex: d.participantIndex,
        zone,
        signals: allocationSignals(signals),
        recommendedModel: d.recommendedModel,
        actualModel: d.model,
        adapter: d.adapter,
        adapterTier: d.adapterTier,
        tier: d.tier,
        reason: d.reason,
        override: d.override,
        overrideReason: d.overrideReason ?? null,
        role: byIndex.get(d.participantIndex)?.role ?? null,
        complexity: byIndex.get(d.participantIndex)?.complexity ?? state.request.complexity ?? null,
        forced: d.forced,
        movedFrom: d.movedFrom ?? null,
        fallbackReason: d.fallbackReason ?? null,
        createdAt: now,
      })),
    );
    return { decisions: plan.decisions.map(toRecord) };
  }

  /** What the policy would decide for a round as things stand, written nowhere (the checkpoint's tier plan). */
  async preview(state: EngineState, round: number, constraints: RoundConstraints): Promise<{ decisions: TierDecisionRecord[] } | { pause: PauseInfo }> {
    const planned = await this.decide(state, round, constraints);
    return 'pause' in planned ? planned : { decisions: planned.plan.decisions.map(toRecord) };
  }

  private async decide(
    state: EngineState,
    round: number,
    { forceFast, localOnly }: RoundConstraints,
  ): Promise<{ plan: { decisions: TierDecision[] }; signals: SelectorSignals } | { pause: PauseInfo }> {
    const views = await this.registry.describe();
    const catalog = views.map((v) => ({ name: v.name, tier: v.tier, enabled: v.enabled, reachable: v.reachable, models: v.models, breaker: v.breaker.state }));
    const previous = state.rounds[state.rounds.length - 1];
    const votes = previous ? previous.responses.flatMap((r) => (r.vote ? [r.vote.option] : [])) : [];
    const grouping = groupOptions(
      votes,
      similarityFor(this.config.deliberation.convergence.backend === 'jaccard' ? 'jaccard' : 'tfidf'),
      this.config.deliberation.convergence.optionSimilarity,
    );
    const signals = {
      round,
      scores: scoreTrend(state, (options) =>
        groupOptions(
          options,
          similarityFor(this.config.deliberation.convergence.backend === 'jaccard' ? 'jaccard' : 'tfidf'),
          this.config.deliberation.convergence.optionSimilarity,
        ),
      ),
      voteOptions: votes.map((v) => grouping.get(v) ?? v),
      budgetFractionLeft: this.gate.fractionLeft(state),
      forecastFraction: this.ledger.forecastFraction(),
      forceFast,
    };
    const plan = planRound({
      round,
      signals,
      participants: state.request.participants.map((p) => ({
        index: p.index,
        adapter: p.adapter,
        model: p.model,
        tier: p.tier,
        role: p.role,
        force: p.force,
        overrideReason: p.overrideReason,
        complexity: p.complexity ?? state.request.complexity,
        consecutiveFailures: state.runtime.failureStreaks[p.index] ?? null,
      })),
      critical: Boolean(state.request.critical),
      catalog,
      // Money running out leaves the local tiers, which cost nothing (a floor above them defers instead).
      maxAllowedTier: localOnly ? minTier(this.ledger.maxAllowedTier(), 'T1') : this.ledger.maxAllowedTier(),
      tiering: this.config.tiering,
    });
    if ('pause' in plan) {
      return {
        pause: {
          reason: plan.pause.reason,
          limit: plan.pause.reason === 'budget_floor' ? `floor of participant ${plan.pause.participantIndex}` : 'tier cap',
          used: 0,
          nextRoundEstimateTokens: nextRoundEstimate(state, this.config.deliberation.maxOutputTokens),
          detail: plan.pause.detail,
        },
      };
    }
    return { plan, signals };
  }
}

const toRecord = (d: TierDecision): TierDecisionRecord => ({
  participantIndex: d.participantIndex,
  tier: d.tier,
  adapter: d.adapter,
  adapterTier: d.adapterTier,
  model: d.model,
  reason: d.reason,
  ...(d.escalated ? { escalated: true } : {}),
  ...(d.movedFrom ? { movedFrom: d.movedFrom } : {}),
});
