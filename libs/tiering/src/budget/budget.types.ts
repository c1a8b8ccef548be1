import type { BudgetZone, ThresholdLevel } from '../rules/budget-zone';
import type { Forecast } from '../rules/forecast';
import type { WindowKind } from '../rules/window-bounds';

export type BudgetUnit = 'tokens' | 'usd';

export interface BudgetAmount {
  tokens: number;
  usd: number;
  /** A call on a local (T0) adapter: it does not count in `scope: paid` windows. */
  local?: boolean;
  /** A critical participant's call: it may use the slice of each window held back by budgets.reservePct. */
  critical?: boolean;
}

/** A deliberation's own limit, checked together with the windows. `used*` are its totals so far. */
export interface ReservationScope {
  deliberationId: string;
  maxTokens?: number;
  maxCostUsd?: number;
  usedTokens: number;
  usedUsd: number;
}

export interface Reservation {
  id: string;
  tokens: number;
  usd: number;
  /** The window rows it was counted against, by kind (a `scope: paid` window holds no local call's). */
  windowIds: Partial<Record<WindowKind, string>>;
  local?: boolean;
  deliberationId?: string;
}

export interface ReservationRefusal {
  ok: false;
  window: WindowKind | 'deliberation';
  unit: BudgetUnit;
  limit: number;
  used: number;
  reserved: number;
  needed: number;
  /** Set when the call fitted the limit but not outside the slice held for critical participants. */
  heldForCritical?: number;
}

export type ReserveResult = { ok: true; reservation: Reservation } | ReservationRefusal;

export interface WindowStatus {
  window: WindowKind;
  limits: { tokens: number | null; usd: number | null };
  softCap: number;
  used: BudgetAmount;
  reserved: BudgetAmount;
  remaining: { tokens: number | null; usd: number | null };
  /** The slice of the limits held for critical participants (budgets.reservePct); other calls stop short of it. */
  heldForCritical: { tokens: number | null; usd: number | null };
  /** How far used has passed the hard cap (a provider reported more than was reserved); 0 when not. */
  overshoot: BudgetAmount;
  fractionUsed: number | null;
  zone: BudgetZone;
  burnRate: { tokensPerHour: number; usdPerHour: number };
  forecast: Forecast;
  periodStart: string;
  nextReset: string;
}

export interface ThresholdState {
  level: ThresholdLevel;
  /** The window with the largest used fraction, or null when no window has a limit. */
  window: WindowKind | null;
  unit: BudgetUnit | null;
  fractionUsed: number | null;
  limit: number | null;
  used: number | null;
}

export interface WindowHistoryEntry {
  window: WindowKind;
  periodStart: string;
  periodEnd: string;
  limits: { tokens: number | null; usd: number | null };
  softCap: number;
  actual: BudgetAmount;
  fractionUsed: number | null;
  zone: BudgetZone;
  /** The forecast recorded at mid-window, or null when the window was not touched after its midpoint. */
  midForecast: (Forecast & { recordedAt: string }) | null;
  /** Projected minus actual, when a mid-window forecast exists. */
  forecastError: BudgetAmount | null;
  /** The same error in percent of the actual (positive: the forecast ran high); a unit is null when nothing was spent in it. */
  forecastErrorPct: { tokens: number | null; usd: number | null } | null;
}

export interface WindowLimitsUpdate {
  /** A positive integer, null to remove the limit, absent to keep it. */
  tokens?: number | null;
  usd?: number | null;
  softCap?: number;
  /** Why, for the audit. */
  reason?: string;
}

/** A window open now, as the ledger holds it in memory: money in integer micro-dollars. */
export interface OpenWindow {
  id: string;
  kind: WindowKind;
  start: Date;
  end: Date;
  limitTokens: number | null;
  limitMicros: number | null;
  softCap: number;
  usedTokens: number;
  usedMicros: number;
  reservedTokens: number;
  reservedMicros: number;
  midForecast: (Forecast & { recordedAt: string }) | null;
}

export interface WindowLimits {
  limitTokens: number | null;
  limitMicros: number | null;
  softCap: number;
}

/** Whether the windows' limits are enforced (a global switch; when off, usage still counts). */
export interface Enforcement {
  enabled: boolean;
  reason: string | null;
  since: string | null;
}

export interface BudgetAuditView {
  id: string;
  action: 'limits' | 'reset' | 'enforcement';
  window: WindowKind | null;
  reason: string;
  detail: Record<string, unknown>;
  at: string;
}
