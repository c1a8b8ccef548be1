import { anthropicUsage, geminiUsage, ollamaUsage, openAiUsage } from './wire-usage';

describe('wire usage', () => {
  it.each([
    [
      { prompt_tokens: 100, completion_tokens: 50, completion_tokens_details: { reasoning_tokens: 20 }, prompt_tokens_details: { cached_tokens: 30 } },
      { inputTokens: 100, outputTokens: 30, reasoningTokens: 20, cachedInputTokens: 30 },
    ],
    [
      { prompt_tokens: 10, completion_tokens: 5 },
      { inputTokens: 10, outputTokens: 5, reasoningTokens: 0, cachedInputTokens: 0 },
    ],
    // A server claiming more reasoning than completion cannot produce negative output.
    [
      { prompt_tokens: 10, completion_tokens: 5, completion_tokens_details: { reasoning_tokens: 9 } },
      { inputTokens: 10, outputTokens: 0, reasoningTokens: 5, cachedInputTokens: 0 },
    ],
  ])('should read OpenAI usage %j', (usage, expected) => {
    expect(openAiUsage(usage)).toEqual(expected);
  });

  it.each([[undefined], [null], [{}], [{ prompt_tokens: 3 }], [{ prompt_tokens: '3', completion_tokens: 1 }]])('should find no OpenAI usage in %j', (usage) => {
    expect(openAiUsage(usage)).toBeUndefined();
  });

  it('should add Anthropic cache reads and writes to input and count reads as cached', () => {
    expect(anthropicUsage({ input_tokens: 70, output_tokens: 40, cache_read_input_tokens: 40, cache_creation_input_tokens: 10 })).toEqual({
      inputTokens: 120,
      outputTokens: 40,
      reasoningTokens: 0,
      cachedInputTokens: 40,
    });
    expect(anthropicUsage({ input_tokens: 7 })).toBeUndefined();
  });

  it('should read Ollama counts and say when one is missing', () => {
    expect(ollamaUsage({ prompt_eval_count: 12, eval_count: 8 })).toEqual({ counts: { inputTokens: 12, outputTokens: 8, reasoningTokens: 0 }, complete: true });
    expect(ollamaUsage({ eval_count: 8 })).toEqual({ counts: { inputTokens: undefined, outputTokens: 8, reasoningTokens: 0 }, complete: false });
    expect(ollamaUsage({ done: true })).toBeUndefined();
  });

  it('should read Gemini usage metadata with thoughts apart from candidates', () => {
    expect(geminiUsage({ promptTokenCount: 50, candidatesTokenCount: 20, thoughtsTokenCount: 90, cachedContentTokenCount: 25, totalTokenCount: 160 })).toEqual({
      inputTokens: 50,
      outputTokens: 20,
      reasoningTokens: 90,
      cachedInputTokens: 25,
    });
    expect(geminiUsage({ totalTokenCount: 3 })).toBeUndefined();
  });
});
