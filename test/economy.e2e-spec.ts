import { startPanel, turn, vote, type ScriptedPanel } from './support/scripted-providers';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Issue 14 end to end: the history policy reaches the prompts the providers receive, a bad policy is a
 * 400, and the estimate route validates like a create, stores nothing and compares with the budget.
 */

/** A realistic long answer: headings, a list, filler prose and a vote, about 6k characters. */
function longAnswer(who: string, round: number, option: string) {
  return [
    `## Position (${who}, round ${round})`,
    `I recommend ${option.toLowerCase()} for the billing service. Polling wastes most calls and delays status changes.`,
    '## Reasons',
    `- ${who}: webhooks must be verified with the processor signature before anything is stored.`,
    `- ${who}: an idempotent consumer keyed by event id makes retries harmless.`,
    `Background prose from ${who} that restates the history of the service at length. `.repeat(70),
  ].join('\n\n');
}

describe('token economy (e2e)', () => {
  let t: TestApp;
  let panel: ScriptedPanel;

  afterEach(async () => {
    await t?.close();
    await panel?.close();
  });

  async function start(history: string | undefined) {
    panel = await startPanel(
      [0, 1, 2].map((p) => ({
        name: `p${p}`,
        script: (round: number) => turn(longAnswer(`P${p}`, round, p === 2 ? 'Polling' : 'Webhooks'), vote(p === 2 ? 'Polling' : 'Webhooks')),
      })),
    );
    t = await startTestApp({ adapters: panel.adapters });
    const res = await fetch(`${t.url}/v1/deliberations?wait=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'Should billing move to webhooks?', participants: panel.participants(), maxRounds: 2, ...(history ? { history } : {}) }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { status: string; result: { economy: any } };
  }

  it("digest (the default): round 2 quotes the reader's own answer in full and the others' as digests", async () => {
    const view = await start(undefined);
    expect(view.status).toBe('completed');
    const prompt = panel.callsInRound('p0', 2)[0].prompt;
    expect(prompt).toContain('Background prose from P0'); // own answer, in full
    expect(prompt).not.toContain('Background prose from P1'); // the others' filler is not re-read
    expect(prompt).toContain('digest" round=1');
    expect(prompt).toContain('Vote: Webhooks');
    expect(prompt).toContain('webhooks must be verified'); // a key claim survives
    expect(prompt).toContain('Answer in at most 400 words');
    // The result says what the decision cost and what the digest saved against full history.
    const { economy } = view.result;
    expect(economy.perDecision.tokens).toBeGreaterThan(0);
    expect(economy.perDecision.costUsd).toBeGreaterThan(0);
    expect(economy.marginalRounds.map((r: any) => r.round)).toEqual([2]);
    expect(economy.historySavings.policy).toBe('digest');
    expect(economy.historySavings.savedInputTokens).toBeGreaterThan(economy.historySavings.inputTokensAsSent);
    expect(economy.historySavings.inputTokensUnderFull).toBe(economy.historySavings.inputTokensAsSent + economy.historySavings.savedInputTokens);
  });

  it('/v1/usage/summary gives tokens and cost per decision and the savings of the window', async () => {
    const view = await start(undefined);
    const summary = (await (await fetch(`${t.url}/v1/usage/summary`)).json()) as any;
    const economy = view.result.economy;
    expect(summary.decisions).toMatchObject({
      decisions: 1,
      tokensPerDecision: { median: economy.perDecision.tokens, p90: economy.perDecision.tokens },
      byMode: [{ mode: 'conference', decisions: 1 }],
      byStopReason: [{ stopReason: 'max_rounds', decisions: 1 }],
      savings: { historyInputTokens: economy.historySavings.savedInputTokens, earlyStopRounds: 0 },
    });
    expect(summary.decisions.costUsdPerDecision.median).toBeCloseTo(economy.perDecision.costUsd, 6);
    // The decision's tokens are the ledger's: what /tokens reports for it.
    expect(summary.totalTokens).toBe(economy.perDecision.tokens);
  });

  it('full: round 2 quotes every answer whole, and costs more input than digest', async () => {
    await start('full');
    const fullPrompt = panel.callsInRound('p0', 2)[0].prompt;
    expect(fullPrompt).toContain('Background prose from P1');
    expect(fullPrompt).not.toContain(', digest');
    await t.close();
    await panel.close();
    await start('digest');
    const digestPrompt = panel.callsInRound('p0', 2)[0].prompt;
    expect(digestPrompt.length).toBeLessThan(fullPrompt.length * 0.6);
  });

  it('an unknown history policy is a 400 naming the allowed values, and stores nothing', async () => {
    panel = await startPanel([0, 1].map((p) => ({ name: `p${p}`, script: [turn('x', vote('A'))] })));
    t = await startTestApp({ adapters: panel.adapters });
    for (const path of ['/v1/deliberations', '/v1/deliberations/estimate']) {
      const res = await fetch(`${t.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question: 'q?', participants: [{ adapter: 'p0' }, { adapter: 'p1' }], history: 'summaries' }),
      });
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toMatch(/history must be one of the following values: full, latest, digest/);
    }
    const list = (await (await fetch(`${t.url}/v1/deliberations`)).json()) as { items: unknown[] };
    expect(list.items).toHaveLength(0);
  });

  it('in the ORANGE zone a unanimous round stops the deliberation (budget_consensus), with the lowered threshold on the stream', async () => {
    // Round 1 spends 85% of the daily token window (ORANGE); round 2 is unanimous.
    const round1 = { usage: { input: 8225, output: 700 } };
    panel = await startPanel([
      { name: 'p0', script: [turn('Webhooks cut latency.', vote('Webhooks'), round1), turn('Still webhooks.', vote('Webhooks'))] },
      { name: 'p1', script: [turn('Polling is simpler.', vote('Polling'), round1), turn('Webhooks, after all.', vote('Webhooks'))] },
    ]);
    t = await startTestApp({ adapters: panel.adapters, budgets: { daily: { tokens: 21_000 } }, deliberation: { maxOutputTokens: 100 } });
    const res = await fetch(`${t.url}/v1/deliberations?wait=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'Should billing move to webhooks?', participants: panel.participants(), maxRounds: 3 }),
    });
    const view = (await res.json()) as any;
    expect(view.status).toBe('completed');
    expect(view.result).toMatchObject({ stopReason: 'budget_consensus', roundsUsed: 2, outcome: 'unanimous', winningOption: 'Webhooks' });
    expect(panel.totalCalls()).toBe(4);
  });

  it('in the GREEN zone the same debate runs on to maxRounds', async () => {
    panel = await startPanel([
      { name: 'p0', script: [turn('Webhooks cut latency.', vote('Webhooks')), turn('Still webhooks.', vote('Webhooks')), turn('Webhooks.', vote('Webhooks'))] },
      {
        name: 'p1',
        script: [turn('Polling is simpler.', vote('Polling')), turn('Webhooks, after all.', vote('Webhooks')), turn('Yes, webhooks.', vote('Webhooks'))],
      },
    ]);
    t = await startTestApp({ adapters: panel.adapters, budgets: { daily: { tokens: 1_000_000 } }, deliberation: { maxOutputTokens: 100 } });
    const res = await fetch(`${t.url}/v1/deliberations?wait=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'Should billing move to webhooks?', participants: panel.participants(), maxRounds: 3 }),
    });
    const view = (await res.json()) as any;
    expect(view.result.stopReason).not.toBe('budget_consensus');
  });

  describe('POST /v1/deliberations/estimate', () => {
    async function estimate(body: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
      panel = await startPanel([0, 1, 2].map((p) => ({ name: `p${p}`, script: [turn('x', vote('A'))] })));
      t = await startTestApp({ adapters: panel.adapters, ...overrides });
      const res = await fetch(`${t.url}/v1/deliberations/estimate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question: 'Should billing move to webhooks?', participants: panel.participants(), ...body }),
      });
      return { status: res.status, body: (await res.json()) as any };
    }

    it('gives tokens and cost per round and in total as a range, calls nothing and stores nothing', async () => {
      const { status, body } = await estimate({ maxRounds: 3 });
      expect(status).toBe(200);
      expect(body.rounds).toHaveLength(3);
      expect(body.historyPolicy).toBe('digest');
      for (const r of body.rounds) expect(r.tokens.low).toBeLessThanOrEqual(r.tokens.expected);
      expect(body.total.tokens.high).toBeGreaterThan(body.total.tokens.expected);
      expect(body.total.costUsd.expected).toBeGreaterThan(0);
      expect(body.participants.every((p: any) => p.priced)).toBe(true);
      expect(body.budget.fits).toBe(true);
      expect(panel.totalCalls()).toBe(0);
      const list = (await (await fetch(`${t.url}/v1/deliberations`)).json()) as { items: unknown[] };
      expect(list.items).toHaveLength(0);
    });

    it('says it does not fit a request budget or a budget window too small for it', async () => {
      const { body } = await estimate({ budget: { maxTokens: 1000 } }, { budgets: { daily: { tokens: 2000 } } });
      expect(body.budget.deliberation).toMatchObject({ maxTokens: 1000, fits: false });
      expect(body.budget.windows.find((w: any) => w.window === 'daily')).toMatchObject({ fits: false, remaining: { tokens: 2000 } });
      expect(body.budget.windows.find((w: any) => w.window === 'weekly')).toMatchObject({ fits: true, remaining: { tokens: null } });
      expect(body.budget.fits).toBe(false);
    });

    it('validates exactly like a create: an unknown adapter is a 400 naming it', async () => {
      panel = await startPanel([0, 1].map((p) => ({ name: `p${p}`, script: [turn('x', vote('A'))] })));
      t = await startTestApp({ adapters: panel.adapters });
      const res = await fetch(`${t.url}/v1/deliberations/estimate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question: 'q?', participants: [{ adapter: 'p0' }, { adapter: 'nope' }] }),
      });
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toContain('nope');
      // A model flag in argv position and an unpriced model under a USD cap: refused as a create would be.
      for (const [participant, budget, code] of [
        [{ adapter: 'p1', model: '--yolo' }, undefined, 'MODEL_NOT_ALLOWED'],
        [{ adapter: 'p1', model: 'no-such-model-anywhere' }, { maxCostUsd: 1 }, 'UNPRICED_MODEL'],
      ] as const) {
        const refused = await fetch(`${t.url}/v1/deliberations/estimate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ question: 'q?', participants: [{ adapter: 'p0' }, participant], ...(budget ? { budget } : {}) }),
        });
        expect(refused.status).toBe(400);
        expect(JSON.stringify(await refused.json())).toContain(code);
      }
    });
  });
});
