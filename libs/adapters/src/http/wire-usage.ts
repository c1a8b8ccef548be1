import type { UsageCounts } from '@app/tokens';

/**
 * Each provider's usage fields turned into our counts. Pure; `undefined` means the response carried no
 * usable usage, and the adapter then estimates. Counts the provider did not send are simply absent.
 */

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * OpenAI-compatible `usage` (OpenAI, OpenRouter, LM Studio, llama.cpp server). Reasoning tokens are
 * already inside completion_tokens there, so visible output is completion - reasoning and the total is
 * not inflated; cached_tokens are a part of prompt_tokens.
 */
export function openAiUsage(usage: unknown): UsageCounts | undefined {
  const u = obj(usage);
  const prompt = num(u?.prompt_tokens);
  const completion = num(u?.completion_tokens);
  if (prompt === undefined || completion === undefined) return undefined;
  const reasoning = Math.min(num(obj(u?.completion_tokens_details)?.reasoning_tokens) ?? 0, completion);
  const cached = num(obj(u?.prompt_tokens_details)?.cached_tokens) ?? 0;
  return { inputTokens: prompt, outputTokens: completion - reasoning, reasoningTokens: reasoning, cachedInputTokens: cached };
}

/**
 * Anthropic `usage`. Its input_tokens counts only the uncached part of the prompt, so our input is
 * input + cache reads + cache writes (everything the model read), and cachedInputTokens is the cache reads
 * (the part billed at the cheap rate). Cache writes stay plain input: they are billed at least at the full
 * rate. Anthropic does not split thinking tokens out of output_tokens, so reasoning stays 0.
 */
export function anthropicUsage(usage: unknown): UsageCounts | undefined {
  const u = obj(usage);
  const input = num(u?.input_tokens);
  const output = num(u?.output_tokens);
  if (input === undefined || output === undefined) return undefined;
  const cacheRead = num(u?.cache_read_input_tokens) ?? 0;
  const cacheWrite = num(u?.cache_creation_input_tokens) ?? 0;
  return { inputTokens: input + cacheRead + cacheWrite, outputTokens: output, reasoningTokens: 0, cachedInputTokens: cacheRead };
}

/**
 * Ollama `/api/chat` counts. eval_count includes any thinking, which Ollama does not split out.
 * Ollama omits prompt_eval_count when the whole prompt came from its KV cache; the caller estimates that
 * half, so this returns what is present and `complete` says whether both were.
 */
export function ollamaUsage(body: unknown): { counts: UsageCounts; complete: boolean } | undefined {
  const b = obj(body);
  const input = num(b?.prompt_eval_count);
  const output = num(b?.eval_count);
  if (input === undefined && output === undefined) return undefined;
  return { counts: { inputTokens: input, outputTokens: output, reasoningTokens: 0 }, complete: input !== undefined && output !== undefined };
}

/**
 * Gemini `usageMetadata`. candidatesTokenCount excludes thoughts (thoughtsTokenCount is separate), and
 * cachedContentTokenCount is part of promptTokenCount.
 */
export function geminiUsage(usageMetadata: unknown): UsageCounts | undefined {
  const u = obj(usageMetadata);
  const prompt = num(u?.promptTokenCount);
  if (prompt === undefined) return undefined;
  return {
    inputTokens: prompt,
    outputTokens: num(u?.candidatesTokenCount) ?? 0,
    reasoningTokens: num(u?.thoughtsTokenCount) ?? 0,
    cachedInputTokens: num(u?.cachedContentTokenCount) ?? 0,
  };
}

/**
 * OpenAI Responses API `usage`: output_tokens include the reasoning tokens (as completion_tokens do on the
 * chat wire), so output = output − reasoning and totals never count reasoning twice; cached_tokens are a
 * part of input_tokens.
 */
export function responsesUsage(usage: unknown): UsageCounts | undefined {
  const u = obj(usage);
  const input = num(u?.input_tokens);
  const output = num(u?.output_tokens);
  if (input === undefined || output === undefined) return undefined;
  const reasoning = Math.min(num(obj(u?.output_tokens_details)?.reasoning_tokens) ?? 0, output);
  const cached = num(obj(u?.input_tokens_details)?.cached_tokens) ?? 0;
  return { inputTokens: input, outputTokens: output - reasoning, reasoningTokens: reasoning, cachedInputTokens: cached };
}
