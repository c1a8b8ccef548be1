import { makeUsage } from '../token-usage';
import { PriceTable } from './price-lookup';
import { priceUsage, microsToUsd } from './price-usage';

const table = PriceTable.shipped();
const usage = (input: number, output: number, cached = 0, reasoning = 0) =>
  makeUsage(
    { adapter: 'a', provider: 'p', model: 'm' },
    { inputTokens: input, outputTokens: output, cachedInputTokens: cached, reasoningTokens: reasoning },
    'exact',
  );

describe(priceUsage.name, () => {
  it.each([
    // model, input, output, cached, reasoning, micro-dollars
    ['claude-sonnet-4-5', 1_000_000, 1_000_000, 0, 0, 18_000_000],
    ['claude-haiku-4-5', 1_000, 500, 0, 0, 3_500],
    ['claude-opus-4-5', 2_000, 1_000, 0, 0, 35_000],
    ['claude-sonnet-4-5', 10_000, 1_000, 8_000, 0, 23_400], // 2000×3 + 8000×0.3 + 1000×15
    ['gpt-4o-mini', 1_234_567, 89, 0, 0, 185_238], // 185238.45 rounds down
    ['gpt-4o-mini', 7, 0, 0, 0, 1], // 1.05
    ['gpt-4o-mini', 1, 0, 0, 0, 0], // 0.15
    ['gpt-5-nano', 100, 0, 100, 0, 1], // 100 cached × 0.005 = 0.5 rounds half up
    ['o3', 1_000, 200, 0, 800, 10_000], // reasoning at the output price: 2000 + 1600 + 6400
    ['gpt-5', 1_000, 0, 1_000, 0, 125],
  ])('should price %s with %d in, %d out, %d cached, %d reasoning at %d µ$', (model, input, output, cached, reasoning, micros) => {
    expect(priceUsage(usage(input, output, cached, reasoning), table.lookup(model, 'x'))).toBe(micros);
  });

  it('should use the reasoning price where one is set', () => {
    expect(priceUsage(usage(100, 10, 0, 10), { input: 1, output: 2, reasoning: 4 })).toBe(100 + 20 + 40);
  });

  it('should price cached input at the input price when no cache price is set', () => {
    expect(priceUsage(usage(100, 0, 60), { input: 1, output: 2 })).toBe(100);
  });

  it('should be null for an unknown model, never a guess', () => {
    expect(priceUsage(usage(100, 100), table.lookup('mystery-model', 'openai'))).toBeNull();
  });

  it('should be 0 on a local provider', () => {
    expect(priceUsage(usage(100_000, 100_000), table.lookup('llama3.2', 'ollama'))).toBe(0);
  });

  it('should stay exact beyond 2^53 pico-dollars', () => {
    // 10^9 tokens at $75/1M = $75,000 = 7.5e10 µ$; the pico product is 7.5e16 > 2^53.
    expect(priceUsage(usage(0, 1_000_000_000), { input: 15, output: 75 })).toBe(75_000_000_000);
  });

  it('should give exact cents when summed', () => {
    const calls = Array.from({ length: 1_000 }, () => priceUsage(usage(1_000, 100), table.lookup('gpt-4o-mini', 'openai'))!);
    expect(microsToUsd(calls.reduce((a, b) => a + b, 0))).toBe(0.21); // 1000 × (150 + 60) µ$
  });
});
