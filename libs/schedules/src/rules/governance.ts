/** The rules that let a schedule run unattended: what a run may spend, and when the schedule stops itself. */

export type RunStatus = 'running' | 'completed' | 'failed' | 'paused' | 'cancelled' | 'interrupted' | 'skipped' | 'missed';
export type SkipReason = 'budget' | 'overlap';

/** Pause reasons of a deliberation that mean money stopped it (see the engine's PauseInfo). */
const BUDGET_PAUSES = ['budget', 'budget_floor', 'unpriced_model'];

export interface SettledRun {
  status: RunStatus;
  /** For a paused run: the deliberation's pause reason. */
  pauseReason: string | null;
}

/** A run counts against the schedule when its deliberation failed (or could not start) or a budget paused it. */
export function isFailure(run: SettledRun): boolean {
  return run.status === 'failed' || (run.status === 'paused' && run.pauseReason !== null && BUDGET_PAUSES.includes(run.pauseReason));
}

/**
 * Failures in a row, newest first. A completed run ends the streak; rows that ran nothing (skipped,
 * missed), runs a person paused or cancelled, and runs the service's stop interrupted neither add nor end it.
 */
export function consecutiveFailures(newestFirst: SettledRun[]): number {
  let streak = 0;
  for (const run of newestFirst) {
    if (run.status === 'completed') break;
    if (isFailure(run)) streak++;
  }
  return streak;
}

export interface WindowZone {
  window: string;
  zone: 'GREEN' | 'YELLOW' | 'ORANGE' | 'RED';
  fractionUsed: number | null;
}

/** Why the schedule must pause itself now, or null: a failure streak at its limit, or any budget window in the RED zone. */
export function pauseReason(input: { consecutiveFailures: number; maxConsecutiveFailures: number; windows: WindowZone[] }): string | null {
  const red = input.windows.find((w) => w.zone === 'RED');
  if (red) {
    const used = red.fractionUsed === null ? '' : ` (${Math.round(red.fractionUsed * 100)}% used)`;
    return `budget window ${red.window} is RED${used}`;
  }
  if (input.consecutiveFailures >= input.maxConsecutiveFailures) {
    return `${input.consecutiveFailures} runs in a row failed or were paused by a budget (maxConsecutiveFailures ${input.maxConsecutiveFailures})`;
  }
  return null;
}

export interface PerRunCap {
  maxTokens?: number;
  maxCostUsd?: number;
}

export interface MonthlyCap {
  tokens?: number;
  usd?: number;
}

/**
 * Whether one more run fits the monthly cap: the run's whole per-run cap is reserved against what the
 * month has left, so a month's runs can never spend past it. A refusal says which unit and by how much.
 */
export function monthlyRoom(
  cap: MonthlyCap | undefined,
  spent: { tokens: number; usd: number },
  perRun: PerRunCap,
): { fits: true } | { fits: false; reason: string } {
  if (cap?.tokens !== undefined && perRun.maxTokens !== undefined && spent.tokens + perRun.maxTokens > cap.tokens) {
    return { fits: false, reason: `monthly cap: ${spent.tokens} of ${cap.tokens} tokens spent this month, a run may take ${perRun.maxTokens}` };
  }
  if (cap?.usd !== undefined && perRun.maxCostUsd !== undefined && spent.usd + perRun.maxCostUsd > cap.usd + 1e-9) {
    return { fits: false, reason: `monthly cap: $${round(spent.usd)} of $${cap.usd} spent this month, a run may take $${perRun.maxCostUsd}` };
  }
  return { fits: true };
}

/**
 * A budget the create validation must refuse: a monthly cap in a unit the per-run cap does not limit
 * (a run could not be reserved against it), or a per-run cap larger than the month's.
 */
export function budgetProblem(perRun: PerRunCap, monthly: MonthlyCap | undefined): { field: string; message: string } | null {
  if (perRun.maxTokens === undefined && perRun.maxCostUsd === undefined) {
    return { field: 'budget.perRun', message: 'give maxTokens, maxCostUsd or both: every run is capped' };
  }
  if (monthly?.tokens !== undefined) {
    if (perRun.maxTokens === undefined) return { field: 'budget.perRun.maxTokens', message: 'required with budget.monthly.tokens' };
    if (perRun.maxTokens > monthly.tokens)
      return { field: 'budget.perRun.maxTokens', message: `${perRun.maxTokens} is more than budget.monthly.tokens (${monthly.tokens})` };
  }
  if (monthly?.usd !== undefined) {
    if (perRun.maxCostUsd === undefined) return { field: 'budget.perRun.maxCostUsd', message: 'required with budget.monthly.usd' };
    if (perRun.maxCostUsd > monthly.usd)
      return { field: 'budget.perRun.maxCostUsd', message: `${perRun.maxCostUsd} is more than budget.monthly.usd (${monthly.usd})` };
  }
  return null;
}

function round(usd: number): number {
  return Math.round(usd * 10_000) / 10_000;
}
