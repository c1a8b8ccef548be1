import { BudgetZone, budgetZone, ZoneThresholds } from './budget-zone';

export interface ForecastInput {
  usedTokens: number;
  usedUsd: number;
  limitTokens?: number | null;
  limitUsd?: number | null;
  start: Date;
  end: Date;
  now: Date;
  /** Zones for the recommendation; the configuration's defaults when omitted. */
  zones?: ZoneThresholds;
  /** Tokens spent in each complete hour of the window so far, oldest first: what the confidence is read from. */
  hourlyTokens?: number[];
}

/** How far the linear forecast can be trusted, from how steady the hourly burn has been. */
export type ForecastConfidence = 'high' | 'medium' | 'low';

export interface Forecast {
  tokensPerHour: number;
  usdPerHour: number;
  /** Hours until the first limit runs out at the current rate; null when nothing is limited or nothing is spent. */
  hoursToExhaustion: number | null;
  /** When that happens, if it happens before the window ends; null otherwise. */
  exhaustionAt: string | null;
  /** Usage at the window's end if the rate holds (compared with the actual in the history). */
  projectedTokens: number;
  projectedUsd: number;
  /** The projection against the tightest limit (1 = runs out exactly at the reset); null with no limit. */
  projectedFraction: number | null;
  confidence: ForecastConfidence;
  /** The hourly burn's coefficient of variation (standard deviation / mean); null under MIN_HOURS of history. */
  burnVariation: number | null;
  zone: BudgetZone;
  recommendation: string;
}

/** Fewer complete hours than this say nothing about how steady a burn is. */
export const MIN_HOURS = 3;
/** A burn whose hourly amounts vary less than this (coefficient of variation) is steady: high confidence. */
export const STEADY_VARIATION = 0.5;
/** Above this it is bursty: low confidence. */
export const BURSTY_VARIATION = 1;
/** A low-confidence forecast is read this much worse by the tier selector (the seed's conservative buffer). */
export const LOW_CONFIDENCE_BUFFER = 1.2;

/**
 * How steady the hourly burn has been: the coefficient of variation of the complete hours so far. No
 * spend at all is perfectly steady; too few hours, or a burn in bursts, cannot be projected with trust.
 */
export function forecastConfidence(hourlyTokens: number[]): { confidence: ForecastConfidence; burnVariation: number | null } {
  if (hourlyTokens.length < MIN_HOURS) return { confidence: 'low', burnVariation: null };
  const mean = hourlyTokens.reduce((a, b) => a + b, 0) / hourlyTokens.length;
  if (mean === 0) return { confidence: 'high', burnVariation: 0 };
  const variance = hourlyTokens.reduce((sum, x) => sum + (x - mean) ** 2, 0) / hourlyTokens.length;
  const burnVariation = Math.round((Math.sqrt(variance) / mean) * 1000) / 1000;
  const confidence = burnVariation <= STEADY_VARIATION ? 'high' : burnVariation <= BURSTY_VARIATION ? 'medium' : 'low';
  return { confidence, burnVariation };
}

/** The projected fraction as the tier selector reads it: a low-confidence forecast counts 20 % worse. */
export function bufferedProjection(f: Pick<Forecast, 'projectedFraction' | 'confidence'>): number | null {
  if (f.projectedFraction === null) return null;
  return f.confidence === 'low' ? f.projectedFraction * LOW_CONFIDENCE_BUFFER : f.projectedFraction;
}

const DEFAULT_ZONES: ZoneThresholds = { yellow: 0.7, orange: 0.85, red: 0.95 };
const HOUR_MS = 3_600_000;

function hoursToLimit(used: number, limit: number | null | undefined, perHour: number): number | null {
  if (limit === null || limit === undefined) return null;
  if (used >= limit) return 0;
  if (perHour <= 0) return null;
  return (limit - used) / perHour;
}

/**
 * The largest used fraction over the limits that exist; null when there is no limit. `money` is in one
 * unit on both sides, whichever it is (USD, or the ledger's integer micro-dollars): a fraction has none.
 */
export function fractionUsedOf(used: { tokens: number; money: number }, limits: { tokens?: number | null; money?: number | null }): number | null {
  const fractions: number[] = [];
  if (limits.tokens && limits.tokens > 0) fractions.push(used.tokens / limits.tokens);
  if (limits.money && limits.money > 0) fractions.push(used.money / limits.money);
  return fractions.length > 0 ? Math.max(...fractions) : null;
}

const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * A linear burn-rate forecast over the window so far. Linear is deliberately naive: it is explainable,
 * and the history compares the mid-window forecast with the actual so its error is visible.
 */
export function forecast(input: ForecastInput): Forecast {
  const elapsedHours = Math.max(0, (input.now.getTime() - input.start.getTime()) / HOUR_MS);
  const remainingHours = Math.max(0, (input.end.getTime() - input.now.getTime()) / HOUR_MS);
  // Under a minute of history says nothing about a rate.
  const hasRate = elapsedHours >= 1 / 60;
  const tokensPerHour = hasRate ? input.usedTokens / elapsedHours : 0;
  const usdPerHour = hasRate ? input.usedUsd / elapsedHours : 0;
  const candidates = [hoursToLimit(input.usedTokens, input.limitTokens, tokensPerHour), hoursToLimit(input.usedUsd, input.limitUsd, usdPerHour)].filter(
    (h): h is number => h !== null,
  );
  const hoursToExhaustion = candidates.length > 0 ? Math.min(...candidates) : null;
  const exhaustionAt =
    hoursToExhaustion !== null && hoursToExhaustion <= remainingHours ? new Date(input.now.getTime() + hoursToExhaustion * HOUR_MS).toISOString() : null;
  const fractionUsed = fractionUsedOf({ tokens: input.usedTokens, money: input.usedUsd }, { tokens: input.limitTokens, money: input.limitUsd });
  const zone = budgetZone(fractionUsed, input.zones ?? DEFAULT_ZONES);
  const projectedTokens = Math.round(input.usedTokens + tokensPerHour * remainingHours);
  const projectedUsd = round(input.usedUsd + usdPerHour * remainingHours, 6);
  const projectedFraction = fractionUsedOf({ tokens: projectedTokens, money: projectedUsd }, { tokens: input.limitTokens, money: input.limitUsd });
  return {
    tokensPerHour: round(tokensPerHour, 2),
    usdPerHour: round(usdPerHour, 6),
    hoursToExhaustion: hoursToExhaustion === null ? null : round(hoursToExhaustion, 2),
    exhaustionAt,
    projectedTokens,
    projectedUsd,
    projectedFraction: projectedFraction === null ? null : round(projectedFraction, 4),
    ...forecastConfidence(input.hourlyTokens ?? []),
    zone,
    recommendation: recommend(zone, fractionUsed, exhaustionAt),
  };
}

function recommend(zone: BudgetZone, fractionUsed: number | null, exhaustionAt: string | null): string {
  const used = fractionUsed === null ? 'no limit set' : `${Math.round(fractionUsed * 100)}% used`;
  const runsOut = exhaustionAt ? `; at this rate the limit is reached at ${exhaustionAt}` : '';
  switch (zone) {
    case 'GREEN':
      return `GREEN (${used}): on track, the tier selector chooses freely${runsOut}.`;
    case 'YELLOW':
      return `YELLOW (${used}): prefer fast models for settled debates and watch the burn rate${runsOut}.`;
    case 'ORANGE':
      return `ORANGE (${used}): fast models are forced; keep reasoning models for critical participants only${runsOut}.`;
    case 'RED':
      return `RED (${used}): new rounds pause; raise the limit or wait for the next reset${runsOut}.`;
  }
}
