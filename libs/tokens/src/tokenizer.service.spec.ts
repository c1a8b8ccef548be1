import { get_encoding } from 'tiktoken';
import { ASYNC_COUNT_THRESHOLD_CHARS, encodingForModel, sliceEnd, TokenizerService } from './tokenizer.service';

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

  describe('count of long runs', () => {
    it('should count a long run of one letter in pieces, close to whole-run tiktoken', () => {
      const text = `start ${'ab'.repeat(3000)} end`;
      const encoder = get_encoding('cl100k_base');
      try {
        const exact = encoder.encode_ordinary(text).length;
        expect(Math.abs(sut.count(text) - exact)).toBeLessThanOrEqual(6);
      } finally {
        encoder.free();
      }
    });
  });

  describe('countAsync', () => {
    const prose = 'The committee weighed three options and, after two rounds, agreed on the second one. Ünïcödé 合意 🚀 ok.\n';

    it.each(['gpt-4o', 'claude-sonnet-4-5'])('should equal the one-pass count of a long text for %s', async (model) => {
      const text = prose.repeat(Math.ceil((ASYNC_COUNT_THRESHOLD_CHARS * 3) / prose.length));
      await expect(sut.countAsync(text, model)).resolves.toBe(sut.count(text, model));
    });

    it('should count a short text at once', async () => {
      await expect(sut.countAsync('two words', 'gpt-4o')).resolves.toBe(sut.count('two words', 'gpt-4o'));
    });

    it('should let timers run while it counts a long text', async () => {
      const text = prose.repeat(Math.ceil((4 * 1024 * 1024) / prose.length));
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      try {
        await sut.countAsync(text, 'gpt-4o');
      } finally {
        clearInterval(timer);
      }
      // A synchronous count of 4 MB would let no tick run at all.
      expect(ticks).toBeGreaterThan(5);
    });

    it('should count a megabyte without spaces quickly, close to the char estimate', async () => {
      const text = 'x'.repeat(1024 * 1024);
      const started = Date.now();
      const count = await sut.countAsync(text, 'gpt-4o');
      // Whole, tiktoken needs minutes for this (quadratic merge of one pre-token).
      expect(Date.now() - started).toBeLessThan(5000);
      expect(count).toBeGreaterThan(text.length / 16);
      expect(count).toBeLessThan(text.length);
    });
  });

  describe(sliceEnd.name, () => {
    it('should cut before a space between two words', () => {
      expect(sliceEnd('aaaa bbbb cccc', 0, 11)).toBe(9);
    });

    it('should not cut inside a surrogate pair', () => {
      const text = 'ab🚀cd';
      expect(sliceEnd(text, 0, 3)).toBe(2);
    });

    it('should end at the text end', () => {
      expect(sliceEnd('abc', 0, 10)).toBe(3);
    });
  });
});
