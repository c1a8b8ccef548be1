import { get_encoding } from 'tiktoken';
import { encodingForModel, TokenizerService } from './tokenizer.service';

describe(TokenizerService.name, () => {
  let sut: TokenizerService;

  beforeAll(() => {
    sut = new TokenizerService();
  });

  afterAll(() => {
    sut.onModuleDestroy();
  });

  describe(encodingForModel.name, () => {
    it.each([
      ['gpt-4o', 'o200k_base'],
      ['gpt-4o-mini', 'o200k_base'],
      ['gpt-4.1', 'o200k_base'],
      ['gpt-5', 'o200k_base'],
      ['gpt-5-mini', 'o200k_base'],
      ['o3', 'o200k_base'],
      ['o4-mini', 'o200k_base'],
      ['openai/gpt-4o', 'o200k_base'],
      ['GPT-5', 'o200k_base'],
      ['gpt-4', 'cl100k_base'],
      ['claude-sonnet-4-5', 'cl100k_base'],
      ['llama3.2', 'cl100k_base'],
      ['', 'cl100k_base'],
    ])('should count %s with %s', (model, encoding) => {
      expect(encodingForModel(model)).toBe(encoding);
    });
  });

  describe('count', () => {
    it('should count an empty string as 0', () => {
      expect(sut.count('')).toBe(0);
      expect(sut.count('', 'gpt-4o')).toBe(0);
    });

    it.each(['gpt-4o', 'claude-sonnet-4-5'])('should match raw tiktoken for %s', (model) => {
      const text = 'The committee weighed three options and, after two rounds, agreed on the second.';
      const encoder = get_encoding(encodingForModel(model));
      try {
        expect(sut.count(text, model)).toBe(encoder.encode_ordinary(text).length);
      } finally {
        encoder.free();
      }
    });

    it('should count the two encodings differently where they differ', () => {
      const text = 'Deliberación multilingüe: 合意に達しました。'.repeat(5);
      expect(sut.count(text, 'gpt-4o')).not.toBe(sut.count(text, 'gpt-4'));
    });

    it.each(['<|endoftext|>', 'before <|endoftext|> after <|fim_prefix|><|im_start|>'])('should count special-token text %p as ordinary text', (text) => {
      expect(() => sut.count(text, 'gpt-4o')).not.toThrow();
      expect(sut.count(text, 'gpt-4o')).toBeGreaterThan(1);
      expect(sut.count(text, 'claude-haiku-4-5')).toBeGreaterThan(1);
    });
  });
});
