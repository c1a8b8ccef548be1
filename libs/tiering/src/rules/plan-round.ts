import type { AdapterTier, ModelClass } from '@app/config';

import {
  bestAllowedAdapter,
  CatalogAdapter,
  cheapestAdapterWithin,
  EffectiveFloor,
  effectiveFloor,
  escalate,
  fallbackAdapter,
  findAdapter,
  tierRank,
} from './tier-ladder';

import { SelectorSignals, selectTier, TierSelection, TieringConfig } from './tier-selector';

export interface RoundParticipant {
  index: number;
  adapter: string;
  model?: string;
  tier: ModelClass | 'auto';
  role?: string;
  force?: boolean;
  overrideReason?: string;
  /** The request's complexity for this participant (its own, else the deliberation's), 1–5. */
  complexity?: number;
  /** The participant's current run of failures of one kind, or null. */
  consecutiveFailures: { kind: string; count: number } | null;
}

export interface PlanRoundInput {
  round: number;
  signals: SelectorSignals;
  participants: RoundParticipant[];
  critical: boolean;
  catalog: CatalogAdapter[];
  /** The budget windows' cap (BudgetLedger.maxAllowedTier()); T1 or lower means a hard cap was reached. */
  maxAllowedTier: AdapterTier;
  tiering: TieringConfig;
}

export interface TierDecision {
  participantIndex: number;
  adapter: string;
  adapterTier: AdapterTier;
  tier: ModelClass;
  model: string;
  /** What the policy alone would have used; differs from `model` when the request overrode it. */
  recommendedModel: string;
  reason: string;
  /** The actual adapter or model differs from the policy's recommendation. */
  override: boolean;
  overrideReason?: string;
  /** Set when a participant's `force` kept it above the budget's cap (to be logged). */
  warning?: string;
  /** `force` kept the model past a soft cap or past the zone's forced fast models (audited). */
  forced: boolean;
  escalated: boolean;
  /** Moved before the call off this adapter, whose circuit breaker is open (reason `adapter_unavailable`). */
  movedFrom?: string;
  fallbackReason?: 'adapter_unavailable';
}

export type PauseReason = 'budget' | 'budget_floor';

export type RoundPlan = { decisions: TierDecision[]; selection: TierSelection } | { pause: { reason: PauseReason; detail: string; participantIndex: number } };

class Pause {
  constructor(
    readonly reason: PauseReason,
    readonly detail: string,
  ) {}
}

const describe = (a: CatalogAdapter): string => `${a.name} (${a.tier})`;

/**
 * Picks adapter, tier and model for every participant of a round, or says the round must not run.
 * Order: escalation after repeated failures, the budget's tier cap, the participant's floor, then
 * fast/reasoning and the model. A floor above what the budget allows defers the deliberation
 * (`budget_floor`) instead of downgrading it; no adapter within the cap pauses it (`budget`).
 * `force` keeps an adapter above a soft cap (with a warning) and a reasoning tier past the zone's forced
 * fast models, never anything above a hard cap: a hard cap is the promise made to whoever set it.
 */
export function planRound(input: PlanRoundInput): RoundPlan {
  const selection = selectTier({ ...input.signals, round: input.round }, input.tiering);
  const decisions: TierDecision[] = [];
  // A half-open adapter takes one trial call: once a participant lands on it, the others see it open.
  let catalog = input.catalog;
  for (const participant of input.participants) {
    try {
      const decision = decide(participant, selection, { ...input, catalog });
      decisions.push(decision);
      if (catalog.some((a) => a.name === decision.adapter && a.breaker === 'half_open')) {
        catalog = catalog.map((a) => (a.name === decision.adapter ? { ...a, breaker: 'open' as const } : a));
      }
    } catch (e) {
      if (e instanceof Pause) return { pause: { reason: e.reason, detail: e.detail, participantIndex: participant.index } };
      throw e;
    }
  }
  return { decisions, selection };
}

function decide(p: RoundParticipant, roundSelection: TierSelection, input: PlanRoundInput): TierDecision {
  const { catalog, maxAllowedTier: cap, tiering } = input;
  // A participant's own complexity can ask for reasoning where the round's selection would not.
  const selection = p.complexity === undefined ? roundSelection : selectTier({ ...input.signals, round: input.round, complexity: p.complexity }, tiering);
  const hardCap = tierRank(cap) <= tierRank('T1');
  const budgetForcesFast = selection.rule === 'budget_low' || selection.rule === 'force_fast';
  const notes: string[] = [];
  let warning: string | undefined;
  let forced = false;
  let adapter = findAdapter(catalog, p.adapter);
  let adapterChanged = false;
  let escalated = false;

  const failures = p.consecutiveFailures;
  if (failures && failures.count >= tiering.escalateAfterFailures) {
    const up = escalate(catalog, adapter.name, cap);
    if (up) {
      notes.push(`escalated from ${describe(adapter)} to ${describe(up)} after ${failures.count} consecutive ${failures.kind} failures`);
      adapter = up;
      adapterChanged = true;
      escalated = true;
    } else {
      notes.push(`no usable adapter above ${describe(adapter)} within cap ${cap} after ${failures.count} consecutive ${failures.kind} failures`);
    }
  }

  const floor = effectiveFloor(p.role, input.critical, tiering.floors);
  // The adapter the policy would use; a forced participant may run elsewhere, and the audit shows both.
  let policyAdapter = adapter;
  if (tierRank(adapter.tier) > tierRank(cap)) {
    if (p.force && !hardCap) {
      const replacement = bestAllowedAdapter(catalog, cap);
      warning = `participant ${p.index} forced to keep ${describe(adapter)} above the budget cap ${cap}`;
      notes.push(`forced above budget cap ${cap}${p.overrideReason ? `: ${p.overrideReason}` : ''}`);
      forced = true;
      if (replacement) policyAdapter = replacement;
    } else {
      if (p.force) notes.push(`force refused: a hard cap is reached, and a hard cap is the promise made to whoever set it`);
      const replacement = replacementWithin(catalog, cap, floor, p.index);
      if (!replacement) throw new Pause('budget', `no enabled, reachable adapter at or below ${cap} for participant ${p.index}`);
      notes.push(`budget caps adapters at ${cap}: ${describe(adapter)} replaced by ${describe(replacement)}`);
      adapter = replacement;
      policyAdapter = replacement;
      adapterChanged = true;
    }
  }

  if (floor && tierRank(adapter.tier) < tierRank(floor.minTier)) {
    if (tierRank(floor.minTier) > tierRank(cap)) throw floorPause(floor, cap, p.index);
    const raised = cheapestAdapterWithin(catalog, floor.minTier, cap);
    if (!raised) throw floorPause(floor, cap, p.index);
    notes.push(`raised from ${describe(adapter)} to ${describe(raised)} to meet the ${floor.source} floor ${floor.minTier}`);
    adapter = raised;
    policyAdapter = raised;
    adapterChanged = true;
  }

  // Its adapter's breaker is open: moved before the call rather than refused at it.
  let movedFrom: string | undefined;
  if (adapter.breaker === 'open') {
    const fallback = fallbackAdapter(catalog, adapter, floor?.minTier);
    if (fallback) {
      notes.push(`moved from ${describe(adapter)} to ${describe(fallback)}: its circuit breaker is open (adapter_unavailable)`);
      movedFrom = adapter.name;
      adapter = fallback;
      policyAdapter = fallback;
      adapterChanged = true;
    } else {
      notes.push(
        `${describe(adapter)} has its circuit breaker open and no other adapter of its tier or one below${floor ? ` at or above the floor ${floor.minTier}` : ''} is usable`,
      );
    }
  }

  let tier: ModelClass;
  if (p.tier === 'auto') {
    tier = selection.tier;
  } else if (p.tier === 'reasoning' && budgetForcesFast && !p.force) {
    tier = 'fast';
    notes.push('requested reasoning tier overruled: the budget forces fast');
  } else if (p.tier === 'reasoning' && budgetForcesFast) {
    tier = 'reasoning';
    forced = true;
    notes.push(`reasoning tier forced past the budget's fast models${p.overrideReason ? `: ${p.overrideReason}` : ''}`);
  } else {
    tier = p.tier;
    if (p.tier !== selection.tier) notes.push(`requested ${p.tier} tier kept`);
  }

  let model: string;
  if (p.model && !adapterChanged) {
    model = p.model;
    notes.push('requested model kept');
  } else {
    if (p.model) notes.push(`requested model ${p.model} dropped with the adapter change`);
    model = floor?.model ?? adapter.models[tier];
  }
  const recommendedModel = floor?.model ?? policyAdapter.models[selection.tier];
  const override = model !== recommendedModel || adapter.name !== policyAdapter.name;

  return {
    participantIndex: p.index,
    adapter: adapter.name,
    adapterTier: adapter.tier,
    tier,
    model,
    recommendedModel,
    reason: [selection.reason, ...notes].join('; '),
    override,
    ...(override ? { overrideReason: p.overrideReason ?? 'request chose the adapter, tier or model' } : {}),
    ...(warning ? { warning } : {}),
    forced,
    escalated,
    ...(movedFrom ? { movedFrom, fallbackReason: 'adapter_unavailable' as const } : {}),
  };
}

function replacementWithin(catalog: CatalogAdapter[], cap: AdapterTier, floor: EffectiveFloor | null, index: number): CatalogAdapter | null {
  if (floor && tierRank(floor.minTier) > tierRank(cap)) throw floorPause(floor, cap, index);
  const replacement = bestAllowedAdapter(catalog, cap);
  if (replacement && floor && tierRank(replacement.tier) < tierRank(floor.minTier)) {
    throw floorPause(floor, cap, index);
  }
  return replacement;
}

function floorPause(floor: EffectiveFloor, cap: AdapterTier, index: number): Pause {
  return new Pause(
    'budget_floor',
    `participant ${index} needs at least ${floor.minTier} (${floor.source}) but the budget allows at most ${cap} or no usable adapter meets it; deferred, not downgraded`,
  );
}
