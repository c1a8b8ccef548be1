import { DomainError, AdapterTier } from '@app/config';
import { applyFloor, bestAllowedAdapter, capTierForBudget, CatalogAdapter, escalate, WindowCapState } from './tier-ladder';

const adapter = (name: string, tier: AdapterTier, over: Partial<CatalogAdapter> = {}): CatalogAdapter => ({
  name,
  tier,
  enabled: true,
  reachable: true,
  models: { fast: `${name}-fast`, reasoning: `${name}-reasoning` },
  ...over,
});

describe(capTierForBudget.name, () => {
  const ok: WindowCapState = { softCapReached: false, hardCapReached: false };
  const soft: WindowCapState = { softCapReached: true, hardCapReached: false };
  const hard: WindowCapState = { softCapReached: true, hardCapReached: true };
  it.each<[string, WindowCapState[], AdapterTier]>([
    ['no windows', [], 'T3'],
    ['all under', [ok, ok, ok], 'T3'],
    ['one soft cap', [ok, soft, ok], 'T2'],
    ['one hard cap', [ok, soft, hard], 'T1'],
  ])('%s → %s', (_name, windows, tier) => {
    expect(capTierForBudget(windows)).toBe(tier);
  });
});

describe(escalate.name, () => {
  const catalog = [
    adapter('local', 'T0'),
    adapter('strong-off', 'T1', { enabled: false }),
    adapter('strong-down', 'T1', { reachable: false }),
    adapter('cloud', 'T2'),
    adapter('cloud-b', 'T2'),
    adapter('premium', 'T3'),
  ];
  it.each<[string, AdapterTier | undefined, string | null]>([
    ['local', undefined, 'cloud'], // disabled and unreachable T1 skipped upward
    ['cloud', undefined, 'premium'],
    ['cloud-b', undefined, 'premium'],
    ['premium', undefined, null],
    ['local', 'T1', null], // never past the ceiling
    ['local', 'T2', 'cloud'],
  ])('from %s (ceiling %s) → %s', (from, ceiling, expected) => {
    expect(escalate(catalog, from, ceiling)?.name ?? null).toBe(expected);
  });

  it('should reject an unknown adapter with a domain error', () => {
    expect(() => escalate(catalog, 'nope')).toThrow(DomainError);
  });
});

describe(bestAllowedAdapter.name, () => {
  const catalog = [adapter('local', 'T0'), adapter('strong', 'T1', { reachable: false }), adapter('cloud', 'T2'), adapter('premium', 'T3')];
  it.each<[AdapterTier, string | null]>([
    ['T3', 'premium'],
    ['T2', 'cloud'],
    ['T1', 'local'],
    ['T0', 'local'],
  ])('at most %s → %s', (cap, expected) => {
    expect(bestAllowedAdapter(catalog, cap)?.name ?? null).toBe(expected);
  });
  it('should find nothing without a usable adapter under the cap', () => {
    expect(bestAllowedAdapter([adapter('cloud', 'T2')], 'T1')).toBeNull();
  });
});

describe(applyFloor.name, () => {
  const floors = { security: { minTier: 'T2' as AdapterTier, model: 'sec-model' }, intern: { minTier: 'T0' as AdapterTier } };
  it.each<[string | undefined, boolean, AdapterTier, boolean, AdapterTier | null]>([
    [undefined, false, 'T0', true, null],
    ['unknown-role', false, 'T0', true, null],
    ['security', false, 'T2', true, 'T2'],
    ['security', false, 'T1', false, 'T2'],
    ['intern', false, 'T0', true, 'T0'],
    [undefined, true, 'T1', false, 'T2'], // critical defaults to T2
    [undefined, true, 'T3', true, 'T2'],
    ['intern', true, 'T1', false, 'T2'], // the higher floor wins
  ])('role %s critical %s at %s → ok %s (floor %s)', (role, critical, candidate, ok, floorTier) => {
    const result = applyFloor(role, critical, floors, candidate);
    expect(result.ok).toBe(ok);
    expect(result.floor?.minTier ?? null).toBe(floorTier);
  });

  it('should let tiering.floors.critical configure the critical floor', () => {
    expect(applyFloor(undefined, true, { critical: { minTier: 'T3' } }, 'T2').ok).toBe(false);
    expect(applyFloor(undefined, true, { critical: { minTier: 'T0' } }, 'T0').ok).toBe(true);
  });
});
