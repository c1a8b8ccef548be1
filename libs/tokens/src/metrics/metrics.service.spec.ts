import { configSchema } from '@app/config';
import { makeUsage, unavailableUsage } from '../token-usage';
import { MetricsService } from './metrics.service';

describe(MetricsService.name, () => {
  it('should expose tokens, cost, calls, errors and latency of observed calls', async () => {
    const sut = new MetricsService();
    const usage = makeUsage(
      { adapter: 'claude', provider: 'anthropic', model: 'claude-haiku-4-5' },
      { inputTokens: 1000, outputTokens: 200, cachedInputTokens: 300 },
      'exact',
    );
    sut.observeCall({ usage, latencyMs: 1500 }, 0.002);
    sut.observeCall(
      { usage: unavailableUsage({ adapter: 'claude', provider: 'anthropic', model: 'claude-haiku-4-5' }), latencyMs: 40, errorKind: 'timeout' },
      0,
    );

    const text = await sut.metrics();
    expect(text).toContain('conclave_tokens_total{adapter="claude",model="claude-haiku-4-5",kind="input",accuracy="exact"} 1000');
    expect(text).toContain('conclave_tokens_total{adapter="claude",model="claude-haiku-4-5",kind="output",accuracy="exact"} 200');
    expect(text).toContain('conclave_tokens_total{adapter="claude",model="claude-haiku-4-5",kind="cached_input",accuracy="exact"} 300');
    expect(text).not.toContain('kind="reasoning"');
    expect(text).toContain('conclave_cost_usd_total{adapter="claude",model="claude-haiku-4-5"} 0.002');
    expect(text).toContain('conclave_calls_total{adapter="claude",outcome="ok"} 1');
    expect(text).toContain('conclave_calls_total{adapter="claude",outcome="error"} 1');
    expect(text).toContain('conclave_call_errors_total{adapter="claude",kind="timeout"} 1');
    expect(text).toContain('conclave_call_latency_seconds_bucket{le="2.5",adapter="claude"} 2');
    expect(text).toContain('conclave_call_latency_seconds_bucket{le="1",adapter="claude"} 1');
    expect(sut.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('should read deliberations by status from the registered source on every scrape', async () => {
    const sut = new MetricsService();
    expect(await sut.metrics()).not.toMatch(/conclave_deliberations\{/);
    let running = 2;
    sut.setDeliberationStatusSource(() => Promise.resolve({ running, completed: 5 }));
    expect(await sut.metrics()).toContain('conclave_deliberations{status="running"} 2');
    running = 0;
    const text = await sut.metrics();
    expect(text).toContain('conclave_deliberations{status="running"} 0');
    expect(text).toContain('conclave_deliberations{status="completed"} 5');
  });

  it('should keep each instance on its own registry', async () => {
    const a = new MetricsService();
    const b = new MetricsService();
    a.observeCall({ usage: makeUsage({ adapter: 'x', provider: 'p', model: 'm' }, { inputTokens: 5 }, 'estimated'), latencyMs: 1 }, null);
    expect(await a.metrics()).toContain('conclave_calls_total{adapter="x",outcome="ok"} 1');
    expect(await b.metrics()).not.toContain('adapter="x"');
  });

  it('should label only adapters and models config lists, and count the rest under "other"', async () => {
    const config = configSchema.parse({
      adapters: [{ name: 'cloud', kind: 'http', provider: 'openai', tier: 'T2', models: { fast: 'gpt-5-mini', reasoning: 'gpt-5' } }],
      tiering: { floors: { security: { minTier: 'T2', model: 'gpt-5-pro' } } },
    });
    const sut = new MetricsService(config);
    const observe = (adapter: string, model: string) =>
      sut.observeCall({ usage: makeUsage({ adapter, provider: 'openai', model }, { inputTokens: 10 }, 'exact'), latencyMs: 1 }, 0.001);

    observe('cloud', 'gpt-5');
    observe('cloud', 'gpt-5-pro');
    observe('cloud', 'chosen-by-a-request');
    observe('cloud', 'another-one');
    observe('not-configured', 'gpt-5');

    const text = await sut.metrics();
    expect(text).toContain('conclave_tokens_total{adapter="cloud",model="gpt-5",kind="input",accuracy="exact"} 10');
    expect(text).toContain('conclave_tokens_total{adapter="cloud",model="gpt-5-pro",kind="input",accuracy="exact"} 10');
    expect(text).toContain('conclave_tokens_total{adapter="cloud",model="other",kind="input",accuracy="exact"} 20');
    expect(text).toContain('conclave_tokens_total{adapter="other",model="other",kind="input",accuracy="exact"} 10');
    expect(text).not.toContain('chosen-by-a-request');
    expect(text).not.toContain('another-one');
    expect(text).not.toContain('not-configured');
  });
});
