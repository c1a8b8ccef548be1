export * from './adapter.types';
export * from './adapter-view';
export { AdapterRegistry, REACHABILITY_TTL_MS } from './adapter-registry.service';
export { AdaptersModule } from './adapters.module';
export { CircuitBreakers, type BreakerView } from './breaker/circuit-breakers.service';
export {
  admit,
  breakerState,
  outcomeOfFailure,
  recordOutcome,
  type Breaker,
  type BreakerSettings,
  type BreakerState,
  type CallOutcome,
} from './rules/circuit-breaker';
export { AdapterConfigError, createAdapter, type AdapterFactoryDeps } from './adapter.factory';
export {
  DEFAULT_BASE_URLS,
  DEFAULT_CLI_COMMANDS,
  LONG_PROMPT_BYTES,
  MODEL_NAMES_WITH_SLASH,
  cliInvocation,
  type CliCall,
  type CliInvocation,
  type CliProvider,
  type HttpProvider,
} from './provider-defaults';
export { DEFAULT_RETRY_POLICY, isRetryableStatus, parseRetryAfter, retryDelayMs, type RetryPolicy } from './rules/retry-policy';
export { MAX_EXCERPT_CHARS, safeExcerpt } from './rules/excerpt';
export { ANY_SAFE_MODEL, MAX_MODEL_NAME_LENGTH, checkModelName, isSafeModelName, modelPolicyFor, type ModelCheck, type ModelPolicy } from './rules/model-name';
export { cappedFetch, ResponseTooLargeError } from './http/capped-fetch';
export { cleanCliOutput, stripAnsi } from './rules/clean-cli-output';
export { cassetteSchema, loadCassette, type Cassette, type RecordedResponse } from './replay/cassette';
export { CliAdapter } from './cli/cli.adapter';
export { findExecutable } from './cli/find-executable';
export { HttpAdapter, PROBE_TIMEOUT_MS } from './http/http-adapter.base';
export { OpenAiCompatibleAdapter } from './http/openai-compatible.adapter';
export { AnthropicAdapter, ANTHROPIC_DEFAULT_MAX_TOKENS } from './http/anthropic.adapter';
export { OllamaAdapter } from './http/ollama.adapter';
export { GeminiAdapter } from './http/gemini.adapter';
export { ReplayAdapter } from './replay/replay.adapter';
