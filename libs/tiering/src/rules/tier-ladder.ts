import { ConclaveConfig, DomainError, AdapterTier, TIERS } from '@app/config';

/** What the ladder knows of an adapter: plain data, so tiering never depends on the adapters lib. */
export interface CatalogAdapter {
  name: string;
  tier: AdapterTier;
  enabled: boolean;
  reachable: boolean;
  models: { fast: string; reasoning: string };
  /** Its circuit breaker (absent: closed). An open one takes no calls; a half-open one takes one trial. */
  breaker?: 'closed' | 'open' | 'half_open';
}

export type FloorConfig = ConclaveConfig['tiering']['floors'][string];

export interface WindowCapState {
  softCapReached: boolean;
  hardCapReached: boolean;
}

/** The reserved floor name that `critical: true` maps to; configurable under tiering.floors.critical. */
export const CRITICAL_FLOOR_ROLE = 'critical';
/** A critical deliberation stays on cloud-grade models unless configured otherwise. */
export const DEFAULT_CRITICAL_FLOOR: FloorConfig = { minTier: 'T2' };

export const tierRank = (tier: AdapterTier): number => TIERS.indexOf(tier);
export const maxTier = (a: AdapterTier, b: AdapterTier): AdapterTier => (tierRank(a) >= tierRank(b) ? a : b);
export const minTier = (a: AdapterTier, b: AdapterTier): AdapterTier => (tierRank(a) <= tierRank(b) ? a : b);

/** Soft cap reached in any window → nothing above T2; hard cap reached → local tiers only (T0/T1). */
export function capTierForBudget(windows: WindowCapState[]): AdapterTier {
  if (windows.some((w) => w.hardCapReached)) return 'T1';
  if (windows.some((w) => w.softCapReached)) return 'T2';
  return 'T3';
}

const usable = (a: CatalogAdapter): boolean => a.enabled && a.reachable && a.breaker !== 'open';

/**
 * Where a participant goes when its adapter's breaker is open: another usable adapter of the same tier
 * (catalog order), else one tier down, never below `atLeast` (its floor). Null when there is none.
 */
export function fallbackAdapter(catalog: CatalogAdapter[], from: CatalogAdapter, atLeast: AdapterTier = 'T0'): CatalogAdapter | null {
  const rank = tierRank(from.tier);
  const candidates = catalog.filter((a) => usable(a) && a.name !== from.name && tierRank(a.tier) >= tierRank(atLeast));
  return candidates.find((a) => tierRank(a.tier) === rank) ?? candidates.find((a) => tierRank(a.tier) === rank - 1) ?? null;
}

export function findAdapter(catalog: CatalogAdapter[], name: string): CatalogAdapter {
  const found = catalog.find((a) => a.name === name);
  if (!found) {
    throw new DomainError('invalid', 'UNKNOWN_ADAPTER', `No adapter named "${name}" is configured`, {
      adapter: name,
      known: catalog.map((a) => a.name),
    });
  }
  return found;
}

/**
 * The next usable adapter above the current one: the lowest tier higher than the current, skipping
 * disabled or unreachable tiers upward, never above `ceiling`. Catalog order breaks ties. Null when
 * there is nowhere to go.
 */
export function escalate(catalog: CatalogAdapter[], currentAdapterName: string, ceiling: AdapterTier = 'T3'): CatalogAdapter | null {
  const current = findAdapter(catalog, currentAdapterName);
  const above = catalog
    .filter((a) => usable(a) && tierRank(a.tier) > tierRank(current.tier) && tierRank(a.tier) <= tierRank(ceiling))
    .sort((a, b) => tierRank(a.tier) - tierRank(b.tier));
  return above[0] ?? null;
}

/** The strongest usable adapter at or below `ceiling` (and at or above `atLeast`); null when none exists. */
export function bestAllowedAdapter(catalog: CatalogAdapter[], ceiling: AdapterTier, atLeast: AdapterTier = 'T0'): CatalogAdapter | null {
  const allowed = catalog
    .filter((a) => usable(a) && tierRank(a.tier) <= tierRank(ceiling) && tierRank(a.tier) >= tierRank(atLeast))
    .sort((a, b) => tierRank(b.tier) - tierRank(a.tier));
  return allowed[0] ?? null;
}

/** The cheapest usable adapter within [atLeast, ceiling]; null when none exists. */
export function cheapestAdapterWithin(catalog: CatalogAdapter[], atLeast: AdapterTier, ceiling: AdapterTier): CatalogAdapter | null {
  const allowed = catalog
    .filter((a) => usable(a) && tierRank(a.tier) <= tierRank(ceiling) && tierRank(a.tier) >= tierRank(atLeast))
    .sort((a, b) => tierRank(a.tier) - tierRank(b.tier));
  return allowed[0] ?? null;
}

export interface EffectiveFloor extends FloorConfig {
  source: string;
}

/**
 * The floor a participant carries: its role's floor and, for a critical deliberation, the critical
 * floor (tiering.floors.critical, else T2); the higher one wins. Null when neither applies.
 */
export function effectiveFloor(role: string | undefined, critical: boolean, floors: Record<string, FloorConfig>): EffectiveFloor | null {
  const found: EffectiveFloor[] = [];
  if (role !== undefined && floors[role]) found.push({ ...floors[role], source: `role ${role}` });
  if (critical) found.push({ ...(floors[CRITICAL_FLOOR_ROLE] ?? DEFAULT_CRITICAL_FLOOR), source: 'critical deliberation' });
  if (found.length === 0) return null;
  return found.reduce((a, b) => (tierRank(b.minTier) > tierRank(a.minTier) ? b : a));
}

export type FloorCheck = { ok: true; floor: EffectiveFloor | null } | { ok: false; defer: true; floor: EffectiveFloor };

/** Whether a candidate tier meets the participant's floor; below it the deliberation is deferred, never downgraded. */
export function applyFloor(role: string | undefined, critical: boolean, floors: Record<string, FloorConfig>, candidateTier: AdapterTier): FloorCheck {
  const floor = effectiveFloor(role, critical, floors);
  if (floor && tierRank(candidateTier) < tierRank(floor.minTier)) return { ok: false, defer: true, floor };
  return { ok: true, floor };
}
