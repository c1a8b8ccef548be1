import { Inject, Injectable } from '@nestjs/common';
import { CONCLAVE_CONFIG, ConclaveConfig } from '@app/config';
import { BudgetLedger, type BudgetZone, type Forecast, type WindowKind } from '@app/tiering';
import type { TierDecisionRecord } from '../deliberation.types';
import type { PauseInfo } from '../engine/engine.ports';
import type { EngineState } from '../state/engine-state';
import { BudgetGate } from './budget-gate';
import { TierPolicy } from './tier-policy';

/**
 * The budget's state as a checkpoint records it (issue 15.11): so a person reading a checkpoint, and a
 * resume, see the zone, the burn, the forecast and what the next round would run on — or why it would not.
 */
export interface GovernanceSnapshot {
  /** The zone of the most used limit (the deliberation's own and the windows'). */
  zone: BudgetZone;
  enforcement: boolean;
  forceFast: boolean;
  localOnly: boolean;
  /** The limits at or past the warn threshold. */
  warnings: Array<{ limit: string; fraction: number }>;
  /** Set when the limits alone would pause the next round. */
  pause: PauseInfo | null;
  windows: Array<{
    window: WindowKind;
    zone: BudgetZone;
    fractionUsed: number | null;
    burnRate: { tokensPerHour: number; usdPerHour: number };
    forecast: Pick<Forecast, 'hoursToExhaustion' | 'exhaustionAt' | 'projectedTokens' | 'projectedUsd' | 'projectedFraction' | 'confidence' | 'recommendation'>;
  }>;
  /** What the tier policy would choose if another round runs (nothing is audited for it); null after the last round. */
  nextRound: { round: number; decisions: TierDecisionRecord[] | null; pause: PauseInfo | null } | null;
}

@Injectable()
export class GovernancePicture {
  constructor(
    @Inject(CONCLAVE_CONFIG) private readonly config: ConclaveConfig,
    private readonly ledger: BudgetLedger,
    private readonly gate: BudgetGate,
    private readonly tierPolicy: TierPolicy,
  ) {}

  /** `last`: no round follows (the deliberation stops), so there is no next round to plan. */
  async of(state: EngineState, last = false): Promise<GovernanceSnapshot> {
    const check = this.gate.assess(state);
    const round = state.rounds.length + 1;
    let nextRound: GovernanceSnapshot['nextRound'] = null;
    if (!last && round <= state.request.maxRounds) {
      const plan = check.pause ? { pause: check.pause } : await this.tierPolicy.preview(state, round, check);
      nextRound = 'pause' in plan ? { round, decisions: null, pause: plan.pause } : { round, decisions: plan.decisions, pause: null };
    }
    return {
      zone: check.zone ?? 'GREEN',
      enforcement: this.ledger.enforcing().enabled,
      forceFast: check.forceFast,
      localOnly: check.localOnly,
      warnings: check.warnings,
      pause: check.pause,
      windows: this.ledger.status().map((w) => ({
        window: w.window,
        zone: w.zone,
        fractionUsed: w.fractionUsed,
        burnRate: w.burnRate,
        forecast: {
          hoursToExhaustion: w.forecast.hoursToExhaustion,
          exhaustionAt: w.forecast.exhaustionAt,
          projectedTokens: w.forecast.projectedTokens,
          projectedUsd: w.forecast.projectedUsd,
          projectedFraction: w.forecast.projectedFraction,
          confidence: w.forecast.confidence,
          recommendation: w.forecast.recommendation,
        },
      })),
      nextRound,
    };
  }
}
