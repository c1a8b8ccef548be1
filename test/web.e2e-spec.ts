import { chromium, type Browser, type Page } from 'playwright-core';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WEB_DIR } from '../apps/api/src/web/web-page';
import { prose, type Stance, deferred } from './support/round-script';
import { startPanel, turn, vote, type ScriptedPanel } from './support/scripted-providers';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Mission Control in a real browser: Debian's Chromium driven by playwright-core against the service
 * (built page in dist/web, served at /) with scripted providers on loopback. The service has an API key,
 * so the page first asks for it; then a deliberation is started from the page, its chips and sparkline
 * follow the SSE stream, it is paused and resumed from the page, the budget bar moves and the zone
 * changes through the chairman's control, the deliberation page shows its token chart, and a stopped
 * service shows the banner. Screenshots of each view go to test/artifacts/.
 */

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve(__dirname, 'artifacts');
const KEY = 'web-e2e-key-0123456789abcdef';
const NAMES = ['alpha', 'beta', 'gamma'];
const STANCES: Stance[] = ['for', 'against', 'neutral'];
const ROUNDS = 4;

const missing = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install -y chromium)`
  : !existsSync(join(WEB_DIR, 'index.html'))
    ? `${WEB_DIR} is not built (npm run build)`
    : null;

describe('Mission Control in a browser (e2e)', () => {
  let panel: ScriptedPanel;
  let t: TestApp | undefined;
  let browser: Browser;
  let page: Page;
  const gate = deferred();
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (missing) throw new Error(`web e2e cannot run: ${missing}`);
    mkdirSync(ARTIFACTS, { recursive: true });
    // gamma's round-2 answer waits for the gate, so the page can be seen mid-round and paused there.
    panel = await startPanel(
      NAMES.map((name, i) => ({
        name,
        script: async (round: number) => {
          if (name === 'gamma' && round === 2) await gate.promise;
          return turn(prose(STANCES[i], round), vote(i === 1 ? 'Keep polling' : 'Adopt webhooks'), { delayMs: 150 });
        },
      })),
    );
    t = await startTestApp({ server: { apiKey: KEY }, adapters: panel.adapters, budgets: { daily: { tokens: 1_000_000 } } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 60_000);

  afterAll(async () => {
    gate.release();
    await browser?.close();
    await t?.close();
    await panel?.close();
  });

  async function shot(name: string): Promise<void> {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  }

  async function api(path: string): Promise<any> {
    const res = await fetch(`${t!.url}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(200);
    return res.json();
  }

  const dailyCard = () => page.locator('.window[data-window="daily"]');
  const dailySpent = async () => Number(await dailyCard().locator('.bar').getAttribute('data-spent'));

  it('should serve the page at / without the key, with a policy that allows no other origin', async () => {
    const res = await fetch(`${t!.url}/`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/<script type="module"[^>]+src="\/assets\/index-[^"]+\.js"/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    // The API behind it still needs the key.
    expect((await fetch(`${t!.url}/v1/budgets/status`)).status).toBe(401);
  });

  it('should ask for the key once, keep it for the session and send it on every call', async () => {
    await page.goto(t!.url);
    await page.locator('input[name="apiKey"]').waitFor();
    // A wrong key is refused and asked for again.
    await page.fill('input[name="apiKey"]', 'not-the-key');
    await page.click('.key-prompt button[type="submit"]');
    await page.locator('.key-prompt .error', { hasText: 'refused' }).waitFor();
    await page.fill('input[name="apiKey"]', KEY);
    await page.click('.key-prompt button[type="submit"]');
    await dailyCard().waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('conclave.apiKey'))).toBe(KEY);
    await page.reload();
    // No second prompt: the stored key is sent.
    await dailyCard().waitFor();
    expect(await page.locator('input[name="apiKey"]').count()).toBe(0);
    expect(await dailySpent()).toBe(0);
    expect(await dailyCard().getAttribute('data-zone')).toBe('GREEN');
  });

  it('should start a deliberation, show its chips and sparkline live, pause and resume it from the page', async () => {
    await page.fill('input[name="question"]', 'Should the billing service move from REST polling to webhooks?');
    await page.fill('input[name="rounds"]', String(ROUNDS));
    await page.click('form.start button[type="submit"]');
    const card = page.locator('article.live').first();
    await card.waitFor();
    const id = await card.getAttribute('data-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    // Round 2: alpha and beta answered, gamma still answering (held by the gate), told by the SSE stream.
    await card.locator('[data-testid="round"]', { hasText: `round 2 of ${ROUNDS}` }).waitFor();
    await card.locator('.chip[data-state="answered"]').nth(1).waitFor();
    expect(await card.locator('.chip').evaluateAll((chips) => chips.map((c) => c.getAttribute('data-state')))).toEqual(['answered', 'answered', 'answering']);
    await shot('live-1280');

    // Pause: accepted while gamma's call is in flight; the run stops once it answers.
    const paused = page.waitForResponse((r) => r.url().endsWith(`/v1/deliberations/${id}/pause`) && r.request().method() === 'POST');
    await card.locator('button', { hasText: 'Pause' }).click();
    expect((await paused).status()).toBe(202);
    gate.release();
    await card.locator('[data-testid="state"]', { hasText: 'paused by a person' }).waitFor();
    // Round 2's convergence is the sparkline's first point.
    expect(await card.locator('svg.spark').getAttribute('data-points')).toBe('1');
    const stored = await api(`/v1/deliberations/${id}`);
    expect(stored).toMatchObject({ status: 'paused', pause: { reason: 'person' } });
    expect(stored.rounds).toHaveLength(2);
    await shot('live-paused-1280');

    // Resume from the latest checkpoint: rounds 3 and 4 run, the sparkline grows, the run completes.
    await card.locator('button', { hasText: 'Resume' }).click();
    await page.locator(`table tr[data-id="${id}"]`).waitFor({ timeout: 20_000 });
    const done = await api(`/v1/deliberations/${id}`);
    expect(done.status).toBe('completed');
    expect(done.rounds).toHaveLength(ROUNDS);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('should move the budget bar, and change the zone when the chairman lowers the limit', async () => {
    const [daily] = (await api('/v1/budgets/status')).filter((w: any) => w.window === 'daily');
    expect(daily.used.tokens).toBeGreaterThan(0);
    await page.waitForFunction(() => Number(document.querySelector('.window[data-window="daily"] .bar')?.getAttribute('data-spent')) > 0);
    expect(await dailySpent()).toBeCloseTo(daily.used.tokens / 1_000_000, 4);
    expect(await dailyCard().getAttribute('data-zone')).toBe('GREEN');

    // A limit the day has used 90% of: ORANGE (0.85 to 0.95).
    await page.goto(`${t!.url}/#/governance`);
    const form = page.locator('form.limits[data-window="daily"]');
    await form.waitFor();
    await form.locator('input[name="tokens"]').fill(String(Math.ceil(daily.used.tokens / 0.9)));
    await form.locator('button[type="submit"]').click();
    await form.locator('.ok').waitFor();
    // A refused value is shown with the service's own message, and nothing changes.
    await form.locator('input[name="softCap"]').fill('1.5');
    await form.locator('button[type="submit"]').click();
    await form.locator('.error', { hasText: 'softCap must be a number between 0 and 1' }).waitFor();
    await form.locator('input[name="softCap"]').fill('0.8');
    await page.locator('.window[data-window="daily"][data-zone="ORANGE"]').waitFor();
    expect(await dailySpent()).toBeGreaterThan(0.85);
    expect((await api('/v1/budgets/status')).find((w: any) => w.window === 'daily').zone).toBe('ORANGE');
    await page.locator('table[data-testid="allocations"] tbody tr').first().waitFor();
    // Every configured adapter with its breaker, as GET /v1/adapters has it.
    const adapters = await api('/v1/adapters');
    for (const a of adapters) await page.locator(`[data-testid="adapters"] li[data-adapter="${a.name}"][data-breaker="${a.breaker.state}"]`).waitFor();
    await shot('governance-1280');
  });

  it("should show a deliberation's rounds, tally, checkpoints and tokens-per-round chart", async () => {
    const { items } = await api('/v1/deliberations');
    const id = items[0].id;
    await page.goto(`${t!.url}/#/d/${id}`);
    await page.locator('[data-view="deliberation"][data-status="completed"]').waitFor();
    expect(await page.locator('.rounds .round').count()).toBe(ROUNDS);
    // Answers start collapsed.
    expect(await page.locator('details.answer[open]').count()).toBe(0);
    expect(await page.locator('details.answer').count()).toBe(ROUNDS * NAMES.length);
    await page
      .locator('.token-chart g.bar')
      .nth(ROUNDS - 1)
      .waitFor();
    expect(await page.locator('.token-chart g.bar').count()).toBe(ROUNDS);
    expect(await page.locator('table[data-testid="tally"] tbody tr').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('table[data-testid="checkpoints"] tbody tr').count()).toBeGreaterThanOrEqual(2);
    await shot('deliberation-1280');

    // The transcript downloads with the key.
    const download = page.waitForEvent('download');
    await page.click('button:has-text("Download transcript")');
    expect((await download).suggestedFilename()).toBe(`deliberation-${id}.md`);

    // Fork from round 2's checkpoint: a new deliberation continues from it, and the page goes there.
    await page.locator('table[data-testid="checkpoints"] tbody tr').nth(1).locator('button', { hasText: 'Fork' }).click();
    await page.waitForFunction((parent) => location.hash.startsWith('#/d/') && !location.hash.endsWith(parent), id);
    await page.locator('[data-view="deliberation"] a', { hasText: id.slice(0, 8) }).waitFor();
    const forkId = (await page.evaluate(() => location.hash)).slice('#/d/'.length);
    expect(await api(`/v1/deliberations/${forkId}`)).toMatchObject({ parentId: id });
  });

  it('should chart spend by model and list the per-model figures', async () => {
    await page.goto(`${t!.url}/#/spend`);
    await page.locator('.spend-chart canvas').waitFor();
    const rows = page.locator('table[data-testid="models"] tbody tr');
    await rows.first().waitFor();
    const models = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-model')));
    expect(models.length).toBeGreaterThan(0);
    expect(models.every((m) => m === 'gpt-5' || m === 'gpt-5-mini')).toBe(true);
    // Latency p50 comes from the stored answers (each held ≥ 150 ms by the scripted provider).
    const p50 = await rows.first().locator('td').nth(10).textContent();
    expect(Number(p50?.replace(' ms', ''))).toBeGreaterThanOrEqual(150);
    await shot('spend-1280');
  });

  it('should list the schedules with their latest runs, and run one from the page', async () => {
    const res = await fetch(`${t!.url}/v1/schedules`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'hourly review',
        everySeconds: 5400,
        enabled: false,
        deliberation: { question: 'Is the webhook rollout still on track?', mode: 'quick', participants: [{ adapter: 'alpha' }, { adapter: 'beta' }] },
        budget: { perRun: { maxTokens: 100_000 } },
      }),
    });
    expect(res.status).toBe(201);
    const { id } = await res.json();
    await page.goto(`${t!.url}/#/schedules`);
    const card = page.locator(`.schedule[data-schedule="${id}"]`);
    await card.locator('text=every 1 h 30 min').waitFor();
    await card.locator('text=No run yet.').waitFor();
    await card.locator('button', { hasText: 'Run now' }).click();
    // The page reloads the runs once the click is announced; the run links its deliberation.
    const link = card.locator('li a');
    await link.waitFor({ timeout: 10_000 });
    const runs = await api(`/v1/schedules/${id}/runs`);
    expect(await link.getAttribute('href')).toBe(`#/d/${runs[0].deliberationId}`);
    await shot('schedules-1280');
  });

  it('should fit a phone width', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${t!.url}/#/`);
    await dailyCard().waitFor();
    await page.locator('table tr[data-id]').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot('live-phone');
    // A deliberation's rounds stack one under the other; wide tables scroll inside their own box.
    const { items } = await api('/v1/deliberations');
    for (const view of [`#/d/${items[0].id}`, '#/spend', '#/governance']) {
      await page.goto(`${t!.url}/${view}`);
      await page.locator('[data-view]').waitFor();
      await page.waitForTimeout(300);
      expect([view, await page.evaluate(() => document.documentElement.scrollWidth)]).toEqual([view, 390]);
    }
    await shot('governance-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('should show a clear banner, not a blank page, when the service stops', async () => {
    await page.goto(`${t!.url}/#/`);
    await dailyCard().waitFor();
    await t!.close();
    t = undefined;
    // The live list is read again within 5 s; the read fails and the banner says why.
    const banner = page.locator('[data-testid="banner"]');
    await banner.waitFor({ timeout: 15_000 });
    expect(await banner.textContent()).toContain('cannot be reached');
    // The last state read stays on screen.
    expect(await dailyCard().count()).toBe(1);
    await shot('service-down-1280');
    expect(pageErrors).toEqual([]);
  }, 30_000);
});
