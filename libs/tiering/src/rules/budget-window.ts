import type { BudgetWindowRow } from '../budget/budget-window.repository';
import type { OpenWindow, ReservationRefusal, ThresholdState, BudgetUnit, WindowHistoryEntry, WindowStatus } from '../budget/budget.types';
import type { AdapterTier, ConclaveConfig } from '@app/config';
import { budgetZone, thresholdLevel, type ZoneThresholds } from './budget-zone';
import { forecast, fractionUsedOf, type Forecast } from './forecast';
import { capTierForBudget } from './tier-ladder';
import type { WindowKind } from './window-bounds';

/** The budget windows' rules, on plain values: the ledger keeps the state, these say what it means. */

export const toMicros = (usd: number): number => Math.round(usd * 1_000_000);
export const toUsd = (micros: number): number => micros / 1_000_000;

/** How much of a limit budgets.reservePct holds for critical participants (whole tokens or micro-dollars). */
export const heldForCritical = (limit: number | null, reservePct: number): number | null => (limit === null ? null : Math.ceil((limit * reservePct) / 100));

/**
 * Why a window cannot take an amount more (tokens first, then money), or null when it fits. A unit the
 * call does not spend (a local model's USD) always fits: reserving nothing crosses no cap, even one
 * already passed, which is what lets local models go on when the money has run out. A call that is not
 * critical must also leave the slice held for critical participants (`reservePct`, 0–50) untouched.
 */
export function windowRefusal(w: OpenWindow, tokens: number, micros: number, reservePct = 0): ReservationRefusal | null {
  const heldTokens = heldForCritical(w.limitTokens, reservePct) ?? 0;
  if (w.limitTokens !== null && tokens > 0 && w.usedTokens + w.reservedTokens + tokens > w.limitTokens - heldTokens) {
    return {
      ok: false,
      window: w.kind,
      unit: 'tokens',
      limit: w.limitTokens,
      used: w.usedTokens,
      reserved: w.reservedTokens,
      needed: tokens,
      ...(heldTokens > 0 ? { heldForCritical: heldTokens } : {}),
    };
  }
  const heldMicros = heldForCritical(w.limitMicros, reservePct) ?? 0;
  if (w.limitMicros !== null && micros > 0 && w.usedMicros + w.reservedMicros + micros > w.limitMicros - heldMicros) {
    return {
      ok: false,
      window: w.kind,
      unit: 'usd',
      limit: toUsd(w.limitMicros),
      used: toUsd(w.usedMicros),
      reserved: toUsd(w.reservedMicros),
      needed: toUsd(micros),
      ...(heldMicros > 0 ? { heldForCritical: toUsd(heldMicros) } : {}),
    };
  }
  return null;
}

/** `hourlyTokens`: the window's complete hours so far, oldest first (the forecast's confidence). */
export function windowForecast(w: OpenWindow, now: Date, zones: ZoneThresholds, hourlyTokens?: number[]): Forecast {
  return forecast({
    hourlyTokens,
    usedTokens: w.usedTokens,
    usedUsd: toUsd(w.usedMicros),
    limitTokens: w.limitTokens,
    limitUsd: w.limitMicros === null ? null : toUsd(w.limitMicros),
    start: w.start,
    end: w.end,
    now,
    zones,
  });
}

const fractionOf = (w: OpenWindow): number | null =>
  fractionUsedOf({ tokens: w.usedTokens, money: w.usedMicros }, { tokens: w.limitTokens, money: w.limitMicros });

/** A window as GET /v1/budgets/status shows it: USD, not micro-dollars. */
export function describeWindow(w: OpenWindow, now: Date, zones: ZoneThresholds, reservePct = 0, hourlyTokens?: number[]): WindowStatus {
  const f = windowForecast(w, now, zones, hourlyTokens);
  const fraction = fractionOf(w);
  return {
    window: w.kind,
    limits: { tokens: w.limitTokens, usd: w.limitMicros === null ? null : toUsd(w.limitMicros) },
    softCap: w.softCap,
    used: { tokens: w.usedTokens, usd: toUsd(w.usedMicros) },
    reserved: { tokens: w.reservedTokens, usd: toUsd(w.reservedMicros) },
    remaining: {
      tokens: w.limitTokens === null ? null : Math.max(0, w.limitTokens - w.usedTokens - w.reservedTokens),
      usd: w.limitMicros === null ? null : toUsd(Math.max(0, w.limitMicros - w.usedMicros - w.reservedMicros)),
    },
    heldForCritical: {
      tokens: heldForCritical(w.limitTokens, reservePct),
      usd: w.limitMicros === null ? null : toUsd(heldForCritical(w.limitMicros, reservePct)!),
    },
    overshoot: {
      tokens: w.limitTokens === null ? 0 : Math.max(0, w.usedTokens - w.limitTokens),
      usd: w.limitMicros === null ? 0 : toUsd(Math.max(0, w.usedMicros - w.limitMicros)),
    },
    fractionUsed: fraction,
    zone: budgetZone(fraction, zones),
    burnRate: { tokensPerHour: f.tokensPerHour, usdPerHour: f.usdPerHour },
    forecast: f,
    periodStart: w.start.toISOString(),
    nextReset: w.end.toISOString(),
  };
}

/** The tightest remaining fraction over every window and unit (reservations count as spent); null when nothing is limited. */
export function fractionLeft(windows: OpenWindow[]): number | null {
  const left: number[] = [];
  for (const w of windows) {
    if (w.limitTokens !== null) left.push((w.limitTokens - w.usedTokens - w.reservedTokens) / w.limitTokens);
    if (w.limitMicros !== null) left.push((w.limitMicros - w.usedMicros - w.reservedMicros) / w.limitMicros);
  }
  return left.length > 0 ? Math.min(1, Math.max(0, Math.min(...left))) : null;
}

/** The highest adapter tier the windows allow: T3, T2 once any soft cap is reached, T1 once any hard cap is reached. */
export function tierCap(windows: OpenWindow[]): AdapterTier {
  return capTierForBudget(
    windows.map((w) => {
      const fraction = fractionOf(w);
      return {
        softCapReached: fraction !== null && fraction >= w.softCap,
        hardCapReached: (w.limitTokens !== null && w.usedTokens >= w.limitTokens) || (w.limitMicros !== null && w.usedMicros >= w.limitMicros),
      };
    }),
  );
}

/** Which of the warn / force-fast / pause thresholds the fullest window has crossed. */
export function worstThreshold(windows: OpenWindow[], thresholds: Parameters<typeof thresholdLevel>[1]): ThresholdState {
  let worst: ThresholdState = { level: 'ok', window: null, unit: null, fractionUsed: null, limit: null, used: null };
  for (const w of windows) {
    const candidates: Array<[BudgetUnit, number, number]> = [];
    if (w.limitTokens !== null) candidates.push(['tokens', w.limitTokens, w.usedTokens]);
    if (w.limitMicros !== null) candidates.push(['usd', toUsd(w.limitMicros), toUsd(w.usedMicros)]);
    for (const [unit, limit, used] of candidates) {
      const fraction = used / limit;
      if (worst.fractionUsed === null || fraction > worst.fractionUsed) {
        worst = { level: thresholdLevel(fraction, thresholds), window: w.kind, unit, fractionUsed: fraction, limit, used };
      }
    }
  }
  return worst;
}

/** A closed window as GET /v1/budgets/history shows it: used against the limit, and the mid-window forecast against the actual. */
export function historyEntry(r: BudgetWindowRow, zones: ZoneThresholds): WindowHistoryEntry {
  const actual = { tokens: r.usedTokens, usd: toUsd(r.usedMicros) };
  const fraction = fractionUsedOf({ tokens: r.usedTokens, money: r.usedMicros }, { tokens: r.limitTokens, money: r.limitUsdMicros });
  return {
    window: r.kind as WindowKind,
    periodStart: r.periodStart,
    periodEnd: r.periodEnd,
    limits: { tokens: r.limitTokens, usd: r.limitUsdMicros === null ? null : toUsd(r.limitUsdMicros) },
    softCap: r.softCap,
    actual,
    fractionUsed: fraction,
    zone: budgetZone(fraction, zones),
    midForecast: r.midForecast,
    forecastError: r.midForecast
      ? { tokens: r.midForecast.projectedTokens - actual.tokens, usd: Math.round((r.midForecast.projectedUsd - actual.usd) * 1e6) / 1e6 }
      : null,
    forecastErrorPct: r.midForecast
      ? { tokens: errorPct(r.midForecast.projectedTokens, actual.tokens), usd: errorPct(r.midForecast.projectedUsd, actual.usd) }
      : null,
  };
}

/** (projected - actual) / actual in percent, one decimal; null when nothing was spent (no base to divide by). */
export function errorPct(projected: number, actual: number): number | null {
  return actual === 0 ? null : Math.round(((projected - actual) / actual) * 1000) / 10;
}

/**
 * How long a reservation in the shared database lives before it is presumed its holder died (and is
 * reclaimed): twice the longest a reserved call can take, a round's timeout or an adapter's (a chair or
 * digest call runs outside the round). A live holder always releases well before.
 */
export function reservationTtlMs(config: Pick<ConclaveConfig, 'deliberation' | 'adapters'>): number {
  return 2 * Math.max(config.deliberation.roundTimeoutMs, ...config.adapters.map((a) => a.timeoutMs));
}
