import { randomBytes } from 'node:crypto';
import { answer, httpAdapter, prose, startScriptedProvider, type ScriptedProvider } from './support/round-script';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * /metrics labels come from config, not from requests: deliberations naming 50 made-up models (whether
 * the service runs them or refuses them) add no label values, so the number of series stays bounded.
 */

describe('metrics labels (e2e)', () => {
  let provider: ScriptedProvider;
  let t: TestApp;

  beforeAll(async () => {
    provider = await startScriptedProvider((c) => ({ text: answer(prose(c.stance, c.round), 'Adopt webhooks'), usage: { input: 100, output: 50 } }));
    t = await startTestApp({
      adapters: [httpAdapter(provider, 'cloud', 'T2', { fast: 'gpt-5-mini', reasoning: 'gpt-5' })],
      rateLimit: { ttlMs: 60_000, limit: 1_000_000 },
    });
  });
  afterAll(async () => {
    await t?.close();
    await provider?.close();
  });

  function labelValues(text: string, label: string): Set<string> {
    return new Set([...text.matchAll(new RegExp(`${label}="([^"]*)"`, 'g'))].map((m) => m[1]));
  }

  it('should label only configured adapters and models, however many models requests name', async () => {
    const names = Array.from({ length: 50 }, (_, i) => `made-up-${i}-${randomBytes(6).toString('hex')}`);
    let ran = 0;
    for (const name of names) {
      const res = await fetch(`${t.url}/v1/deliberations?wait=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          question: 'Should we adopt webhooks?',
          maxRounds: 1,
          participants: [
            { adapter: 'cloud', model: name },
            { adapter: 'cloud', stance: 'against' },
          ],
        }),
      });
      expect([200, 400]).toContain(res.status);
      if (res.status === 200) ran += 1;
    }
    // The made-up models reached the provider (or were all refused): either way no label may name them.
    if (ran > 0) expect(provider.seen.some((c) => c.model.startsWith('made-up-'))).toBe(true);

    const text = await (await fetch(`${t.url}/metrics`)).text();
    for (const name of names) expect(text).not.toContain(name);
    expect([...labelValues(text, 'adapter')].sort()).toEqual(['cloud']);
    for (const model of labelValues(text, 'model')) expect(['gpt-5-mini', 'gpt-5', 'other']).toContain(model);
    expect(text).toMatch(/conclave_tokens_total\{adapter="cloud",model="gpt-5(-mini)?",kind="input",accuracy="exact"\} \d+/);
    if (ran > 0) expect(text).toMatch(/conclave_tokens_total\{adapter="cloud",model="other",kind="input",accuracy="exact"\} \d+/);
    // Bounded: a handful of series per metric, not one per request.
    expect(text.split('\n').filter((l) => l.startsWith('conclave_tokens_total{')).length).toBeLessThanOrEqual(3 * 2 * 4);
  }, 120_000);
});
