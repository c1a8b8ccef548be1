import { AdapterTier } from '@app/config';
import { planRound, PlanRoundInput, RoundParticipant, RoundPlan, TierDecision } from './plan-round';
import { CatalogAdapter } from './tier-ladder';

const adapter = (name: string, tier: AdapterTier, over: Partial<CatalogAdapter> = {}): CatalogAdapter => ({
  name,
  tier,
  enabled: true,
  reachable: true,
  models: { fast: `${name}-fast`, reasoning: `${name}-reasoning` },
  ...over,
});
const catalog = [adapter('local', 'T0'), adapter('strong', 'T1'), adapter('cloud', 'T2'), adapter('premium', 'T3')];
const tiering = {
  lowBudgetFraction: 0.1,
  scoreDrop: 0.15,
  settledScore: 0.7,
  splitOptions: 3,
  escalateAfterFailures: 3,
  floors: { security: { minTier: 'T3' as AdapterTier }, reviewer: { minTier: 'T2' as AdapterTier, model: 'review-model' } },
};
const participant = (over: Partial<RoundParticipant> = {}): RoundParticipant => ({
  index: 0,
  adapter: 'premium',
  tier: 'auto',
  consecutiveFailures: null,
  ...over,
});
const input = (over: Partial<PlanRoundInput> = {}): PlanRoundInput => ({
  round: 1,
  signals: { round: 1, scores: [], voteOptions: [], budgetFractionLeft: 0.5 },
  participants: [participant()],
  critical: false,
  catalog,
  maxAllowedTier: 'T3',
  tiering,
  ...over,
});
const settled = { round: 3, scores: [0.75, 0.8], voteOptions: ['a', 'a'], budgetFractionLeft: 0.5 };
const lowBudget = { round: 3, scores: [0.6, 0.45], voteOptions: ['a', 'b', 'c'], budgetFractionLeft: 0.05 };

function decisions(plan: RoundPlan): TierDecision[] {
  if ('pause' in plan) throw new Error(`unexpected pause: ${plan.pause.detail}`);
  return plan.decisions;
}
const only = (plan: RoundPlan): TierDecision => decisions(plan)[0];

describe(planRound.name, () => {
  describe('tier', () => {
    it.each<[string, Partial<PlanRoundInput>, Partial<RoundParticipant>, 'fast' | 'reasoning', string]>([
      ['auto follows the selector in round 1', {}, {}, 'reasoning', 'premium-reasoning'],
      ['auto follows the selector when settled', { round: 3, signals: settled }, {}, 'fast', 'premium-fast'],
      ['explicit reasoning kept when settled', { round: 3, signals: settled }, { tier: 'reasoning' }, 'reasoning', 'premium-reasoning'],
      ['explicit reasoning forced fast by a low budget', { round: 3, signals: lowBudget }, { tier: 'reasoning' }, 'fast', 'premium-fast'],
      [
        'explicit reasoning forced fast at the forceFast threshold',
        { signals: { ...settled, forceFast: true } },
        { tier: 'reasoning' },
        'fast',
        'premium-fast',
      ],
      [
        'force keeps reasoning against a low budget',
        { round: 3, signals: lowBudget },
        { tier: 'reasoning', force: true, overrideReason: 'audit' },
        'reasoning',
        'premium-reasoning',
      ],
      ['explicit model kept when the budget allows the adapter', { round: 3, signals: lowBudget }, { model: 'my-model' }, 'fast', 'my-model'],
    ])('%s', (_name, over, p, tier, model) => {
      const d = only(planRound(input({ ...over, participants: [participant(p)] })));
      expect(d.tier).toBe(tier);
      expect(d.model).toBe(model);
      expect(d.adapter).toBe('premium');
    });

    it('should record the recommendation and mark overrides', () => {
      const [auto, explicit] = decisions(
        planRound(
          input({ round: 3, signals: settled, participants: [participant(), participant({ index: 1, tier: 'reasoning', overrideReason: 'why not' })] }),
        ),
      );
      expect(auto).toMatchObject({ model: 'premium-fast', recommendedModel: 'premium-fast', override: false });
      expect(auto.overrideReason).toBeUndefined();
      expect(explicit).toMatchObject({ model: 'premium-reasoning', recommendedModel: 'premium-fast', override: true, overrideReason: 'why not' });
      expect(auto.reason).toContain('rising');
    });
  });

  describe('budget cap', () => {
    it('should replace an adapter above a soft cap with the best allowed one, dropping its explicit model', () => {
      const d = only(planRound(input({ maxAllowedTier: 'T2', participants: [participant({ model: 'premium-x' })] })));
      expect(d).toMatchObject({ adapter: 'cloud', adapterTier: 'T2', model: 'cloud-reasoning', override: false });
      expect(d.reason).toContain('budget caps adapters at T2');
    });

    it('should keep adapters within the cap untouched', () => {
      const d = only(planRound(input({ maxAllowedTier: 'T2', participants: [participant({ adapter: 'local' })] })));
      expect(d).toMatchObject({ adapter: 'local', adapterTier: 'T0' });
    });

    it('should use local tiers only at a hard cap', () => {
      const d = only(planRound(input({ maxAllowedTier: 'T1' })));
      expect(d).toMatchObject({ adapter: 'strong', adapterTier: 'T1' });
    });

    it('should pause for budget when no local adapter exists at a hard cap', () => {
      const plan = planRound(
        input({ maxAllowedTier: 'T1', catalog: [adapter('cloud', 'T2'), adapter('premium', 'T3'), adapter('local', 'T0', { reachable: false })] }),
      );
      expect(plan).toEqual({ pause: { reason: 'budget', detail: expect.stringContaining('T1'), participantIndex: 0 } });
    });

    it('should let force keep its adapter above a soft cap, with a warning and an override', () => {
      const d = only(
        planRound(input({ maxAllowedTier: 'T2', participants: [participant({ force: true, overrideReason: 'board review', model: 'premium-x' })] })),
      );
      expect(d).toMatchObject({
        adapter: 'premium',
        model: 'premium-x',
        recommendedModel: 'cloud-reasoning',
        override: true,
        overrideReason: 'board review',
        forced: true,
      });
      expect(d.warning).toContain('above the budget cap T2');
    });

    it('should mark force that keeps reasoning past the forced fast models, and not mark force that changed nothing', () => {
      const [kept, idle] = decisions(
        planRound(
          input({
            signals: { ...settled, forceFast: true },
            participants: [
              participant({ tier: 'reasoning', force: true, overrideReason: 'audit' }),
              participant({ index: 1, force: true, overrideReason: 'x' }),
            ],
          }),
        ),
      );
      expect(kept).toMatchObject({ tier: 'reasoning', forced: true });
      expect(kept.reason).toContain("reasoning tier forced past the budget's fast models: audit");
      expect(idle).toMatchObject({ tier: 'fast', forced: false });
    });

    it('should not let force cross a hard cap', () => {
      const d = only(planRound(input({ maxAllowedTier: 'T1', participants: [participant({ force: true, overrideReason: 'x', model: 'premium-x' })] })));
      expect(d).toMatchObject({ adapter: 'strong', adapterTier: 'T1', model: 'strong-reasoning', forced: false });
      expect(d.warning).toBeUndefined();
      expect(d.reason).toContain('force refused: a hard cap is reached');
    });
  });

  describe('complexity', () => {
    it.each<[string, number | undefined, 'fast' | 'reasoning']>([
      ['no complexity follows the settled round', undefined, 'fast'],
      ['complexity 3 follows the settled round', 3, 'fast'],
      ['complexity 4 asks for reasoning', 4, 'reasoning'],
      ['complexity 5 asks for reasoning', 5, 'reasoning'],
    ])('%s', (_name, complexity, tier) => {
      const d = only(planRound(input({ round: 3, signals: settled, participants: [participant({ complexity })] })));
      expect(d.tier).toBe(tier);
    });

    it('should not let complexity beat a low budget', () => {
      expect(only(planRound(input({ round: 3, signals: lowBudget, participants: [participant({ complexity: 5 })] }))).tier).toBe('fast');
    });
  });

  describe('floors', () => {
    it('should defer, not downgrade, a role floor above the cap', () => {
      const plan = planRound(input({ maxAllowedTier: 'T2', participants: [participant({ adapter: 'cloud' }), participant({ index: 1, role: 'security' })] }));
      expect(plan).toEqual({ pause: { reason: 'budget_floor', detail: expect.stringContaining('T3'), participantIndex: 1 } });
    });

    it('should defer a critical deliberation at a hard cap', () => {
      const plan = planRound(input({ critical: true, maxAllowedTier: 'T1' }));
      expect('pause' in plan && plan.pause.reason).toBe('budget_floor');
    });

    it('should allow a critical deliberation at a soft cap on T2', () => {
      const d = only(planRound(input({ critical: true, maxAllowedTier: 'T2' })));
      expect(d.adapterTier).toBe('T2');
    });

    it('should defer when the replacement within the cap falls below the floor', () => {
      const plan = planRound(
        input({ maxAllowedTier: 'T2', catalog: [adapter('local', 'T0'), adapter('premium', 'T3')], participants: [participant({ role: 'reviewer' })] }),
      );
      expect('pause' in plan && plan.pause.reason).toBe('budget_floor');
    });

    it('should raise a participant configured below its floor and use the floor model', () => {
      const d = only(planRound(input({ participants: [participant({ adapter: 'local', role: 'reviewer' })] })));
      expect(d).toMatchObject({ adapter: 'cloud', adapterTier: 'T2', model: 'review-model', recommendedModel: 'review-model', override: false });
    });

    it('should let a floored participant run when within the cap', () => {
      const d = only(planRound(input({ participants: [participant({ role: 'security' })] })));
      expect(d).toMatchObject({ adapter: 'premium', adapterTier: 'T3' });
    });
  });

  describe('escalation', () => {
    const stayed = expect.not.stringContaining('consecutive');
    it.each<[string, { kind: string; count: number } | null, string, boolean, unknown]>([
      ['two failures stay', { kind: 'timeout', count: 2 }, 'local', false, stayed],
      [
        'three failures escalate one usable tier up',
        { kind: 'timeout', count: 3 },
        'cloud',
        true,
        expect.stringContaining('escalated from local (T0) to cloud (T2) after 3 consecutive timeout failures'),
      ],
      ['no failures stay', null, 'local', false, stayed],
    ])('%s', (_name, failures, expected, escalated, reason) => {
      const cat = [adapter('local', 'T0'), adapter('strong', 'T1', { enabled: false }), adapter('cloud', 'T2'), adapter('premium', 'T3')];
      const d = only(planRound(input({ catalog: cat, participants: [participant({ adapter: 'local', consecutiveFailures: failures })] })));
      expect(d).toMatchObject({ adapter: expected, escalated, reason });
    });

    it('should not escalate past the budget cap', () => {
      const d = only(
        planRound(input({ maxAllowedTier: 'T2', participants: [participant({ adapter: 'cloud', consecutiveFailures: { kind: 'http_status', count: 5 } })] })),
      );
      expect(d).toMatchObject({ adapter: 'cloud', escalated: false });
      expect(d.reason).toContain('no usable adapter above');
    });
  });

  it('should plan every participant in order', () => {
    const plan = planRound(input({ participants: [participant(), participant({ index: 1, adapter: 'local' }), participant({ index: 2, adapter: 'cloud' })] }));
    expect(decisions(plan).map((d) => [d.participantIndex, d.adapter])).toEqual([
      [0, 'premium'],
      [1, 'local'],
      [2, 'cloud'],
    ]);
  });

  describe('circuit breaker fallback', () => {
    const two = (b: CatalogAdapter['breaker'], others: Partial<CatalogAdapter> = {}): CatalogAdapter[] => [
      adapter('local', 'T0'),
      adapter('strong', 'T1'),
      adapter('cloud', 'T2', { breaker: b }),
      adapter('cloud2', 'T2', others),
      adapter('premium', 'T3'),
    ];
    it.each<[string, CatalogAdapter[], Partial<RoundParticipant>, string, string | undefined]>([
      ['closed: stays', two('closed'), { adapter: 'cloud' }, 'cloud', undefined],
      ['half-open: stays, for the trial', two('half_open'), { adapter: 'cloud' }, 'cloud', undefined],
      ['open: moves to the other adapter of its tier', two('open'), { adapter: 'cloud' }, 'cloud2', 'cloud'],
      ['open, the other of its tier disabled: one tier down', two('open', { enabled: false }), { adapter: 'cloud' }, 'strong', 'cloud'],
      ['open, the other of its tier open too: one tier down', two('open', { breaker: 'open' }), { adapter: 'cloud' }, 'strong', 'cloud'],
      [
        'open, one tier down is below its floor: stays (nowhere to go)',
        two('open', { enabled: false }),
        { adapter: 'cloud', role: 'reviewer' },
        'cloud',
        undefined,
      ],
      [
        'open, nothing of its tier or one below: stays',
        [adapter('local', 'T0'), adapter('cloud', 'T2', { breaker: 'open' }), adapter('premium', 'T3')],
        { adapter: 'cloud' },
        'cloud',
        undefined,
      ],
    ])('%s', (_name, cat, p, expectedAdapter, movedFrom) => {
      const d = only(planRound(input({ catalog: cat, participants: [participant(p)] })));
      expect(d.adapter).toBe(expectedAdapter);
      expect(d.movedFrom).toBe(movedFrom);
      expect(d.fallbackReason).toBe(movedFrom ? 'adapter_unavailable' : undefined);
      if (movedFrom) {
        expect(d.model).toBe(`${expectedAdapter}-reasoning`);
        expect(d.reason).toContain('circuit breaker is open');
      }
    });

    it('escalation never goes to an open adapter', () => {
      const cat = [adapter('local', 'T0'), adapter('strong', 'T1', { breaker: 'open' }), adapter('cloud', 'T2')];
      const d = only(planRound(input({ catalog: cat, participants: [participant({ adapter: 'local', consecutiveFailures: { kind: 'timeout', count: 3 } })] })));
      expect(d.adapter).toBe('cloud');
    });

    it('a half-open adapter takes one participant; the next one moves', () => {
      const plan = decisions(
        planRound(
          input({ catalog: two('half_open'), participants: [participant({ index: 0, adapter: 'cloud' }), participant({ index: 1, adapter: 'cloud' })] }),
        ),
      );
      expect(plan.map((d) => [d.adapter, d.movedFrom])).toEqual([
        ['cloud', undefined],
        ['cloud2', 'cloud'],
      ]);
    });
  });
});
