import type { ConclaveConfig } from '@app/config';

export type BudgetZone = 'GREEN' | 'YELLOW' | 'ORANGE' | 'RED';
export type ZoneThresholds = ConclaveConfig['budgets']['zones'];
export type ThresholdConfig = ConclaveConfig['budgets']['thresholds'];
export type ThresholdLevel = 'ok' | 'warn' | 'force_fast' | 'pause';

/** GREEN below yellow, YELLOW from yellow, ORANGE from orange, RED from red. A missing fraction (no limit) is GREEN. */
export function budgetZone(fractionUsed: number | null, zones: ZoneThresholds): BudgetZone {
  if (fractionUsed === null) return 'GREEN';
  if (fractionUsed >= zones.red) return 'RED';
  if (fractionUsed >= zones.orange) return 'ORANGE';
  if (fractionUsed >= zones.yellow) return 'YELLOW';
  return 'GREEN';
}

/** Which token-limit threshold a used fraction has crossed (warn 70%, force fast 85%, pause 95% by default). */
export function thresholdLevel(fractionUsed: number | null, thresholds: ThresholdConfig): ThresholdLevel {
  if (fractionUsed === null) return 'ok';
  if (fractionUsed >= thresholds.pause) return 'pause';
  if (fractionUsed >= thresholds.forceFast) return 'force_fast';
  if (fractionUsed >= thresholds.warn) return 'warn';
  return 'ok';
}
