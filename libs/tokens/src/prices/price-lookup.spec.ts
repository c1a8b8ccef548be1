import shipped from './price-table.json';
import { PriceTable, PriceTableData } from './price-lookup';

describe(PriceTable.name, () => {
  const sut = PriceTable.shipped();

  describe('match', () => {
    it.each([
      // model, provider, expected key, rule
      ['claude-sonnet-4-5', 'anthropic', 'claude-sonnet-4-5', 'exact'],
      ['Claude-Sonnet-4-5', 'claude', 'claude-sonnet-4-5', 'exact'],
      ['anthropic/claude-sonnet-4-5', 'openrouter', 'claude-sonnet-4-5', 'unprefixed'],
      ['openai/gpt-4o-mini', 'openrouter', 'gpt-4o-mini', 'unprefixed'],
      ['models/gemini-2.5-pro', 'gemini', 'gemini-2.5-pro', 'unprefixed'],
      ['claude-sonnet-4-5-20250929', 'anthropic', 'claude-sonnet-4-5', 'unversioned'],
      ['claude-sonnet-4-5@20250929', 'anthropic', 'claude-sonnet-4-5', 'unversioned'],
      ['gpt-4o-2024-08-06', 'openai', 'gpt-4o', 'unversioned'],
      ['gpt-4o-mini-2024-07-18', 'openai', 'gpt-4o-mini', 'unversioned'],
      ['anthropic/claude-haiku-4-5-20251001', 'openrouter', 'claude-haiku-4-5', 'unversioned'],
      ['gpt-5-mini-codex', 'codex', 'gpt-5-mini', 'prefix'],
      ['gpt-5-codex', 'codex', 'gpt-5', 'prefix'],
      ['gemini-2.5-flash-lite-preview-06-17', 'gemini', 'gemini-2.5-flash-lite', 'prefix'],
      ['o3-mini', 'openai', 'o3-mini', 'exact'],
      ['claude-opus-4-5', 'replay', 'claude-opus-4-5', 'exact'],
    ])('should price %s (via %s) as %s by the %s rule', (model, provider, key, rule) => {
      expect(sut.match(model, provider)).toMatchObject({ key, rule });
    });

    it.each([
      ['llama3.2', 'ollama'],
      ['qwen2.5:7b', 'llamacpp'],
      ['claude-sonnet-4-5', 'lmstudio'],
      ['anything', 'Ollama'],
    ])('should price %s on local provider %s at $0', (model, provider) => {
      expect(sut.match(model, provider)).toEqual({
        price: { input: 0, output: 0, cachedInput: 0, reasoning: 0 },
        key: null,
        rule: 'local',
      });
    });

    it.each([
      ['llama3.2', 'openai'],
      ['gpt-4', 'openai'],
      ['o3x', 'openai'],
      ['gpt-5x', 'openai'],
      ['my-model', 'replay'],
      ['', 'anthropic'],
    ])('should not price unknown model %s (via %s)', (model, provider) => {
      expect(sut.match(model, provider)).toBeNull();
      expect(sut.lookup(model, provider)).toBeNull();
    });
  });

  describe('overrides', () => {
    it('should let the config override a shipped price', () => {
      const table = PriceTable.shipped({ 'claude-sonnet-4-5': { input: 2, output: 10 } });
      expect(table.lookup('claude-sonnet-4-5-20250929', 'anthropic')).toEqual({ input: 2, output: 10 });
      expect(sut.lookup('claude-sonnet-4-5', 'anthropic')).toEqual({ input: 3, output: 15, cachedInput: 0.3 });
    });

    it('should let the config add a model, matched by the same rules', () => {
      const table = PriceTable.shipped({ 'Mistral-Large': { input: 2, output: 6 } });
      expect(table.lookup('mistralai/mistral-large-2411', 'openrouter')).toEqual({ input: 2, output: 6 });
      expect(sut.lookup('mistral-large', 'openrouter')).toBeNull();
    });

    it('should prefer the longest prefix whatever the insertion order', () => {
      const data: PriceTableData = { localProviders: [], models: { a: { input: 1, output: 1 }, 'a-b': { input: 2, output: 2 } } };
      expect(new PriceTable(data).lookup('a-b-c', 'x')).toEqual({ input: 2, output: 2 });
      expect(new PriceTable(data).lookup('a-c', 'x')).toEqual({ input: 1, output: 1 });
    });
  });

  describe('shipped data', () => {
    const data = shipped as PriceTableData;

    it('should state its source and date', () => {
      expect(data._source).toMatch(/20\d\d/);
    });

    it.each([
      ['claude-haiku-4-5', 1, 5],
      ['claude-sonnet-4-5', 3, 15],
      ['claude-sonnet-4-6', 3, 15],
      ['claude-opus-4-5', 5, 25],
    ])('should price %s at $%d/$%d with cache reads at 10%% of input', (model, input, output) => {
      expect(data.models[model]).toEqual({ input, output, cachedInput: input / 10 });
    });

    it.each([
      'gpt-5',
      'gpt-5-mini',
      'gpt-5-nano',
      'gpt-4.1',
      'gpt-4.1-mini',
      'gpt-4o',
      'gpt-4o-mini',
      'o3',
      'o4-mini',
      'gemini-2.5-pro',
      'gemini-2.5-flash',
      'gemini-2.5-flash-lite',
    ])('should price %s', (model) => {
      expect(data.models[model]).toBeDefined();
    });

    it.each(Object.entries(data.models))('should hold a sane price for %s', (_model, price) => {
      expect(price.input).toBeGreaterThan(0);
      expect(price.output).toBeGreaterThanOrEqual(price.input);
      if (price.cachedInput !== undefined) expect(price.cachedInput).toBeLessThan(price.input);
      for (const value of Object.values(price)) expect(Math.round(value * 1e6)).toBeCloseTo(value * 1e6, 6);
    });

    it('should name the local providers', () => {
      expect([...data.localProviders].sort()).toEqual(['llamacpp', 'lmstudio', 'ollama']);
    });
  });
});
