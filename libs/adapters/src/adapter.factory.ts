import { isAbsolute, resolve } from 'node:path';
import { CLI_PROVIDERS, HTTP_PROVIDERS, type AdapterConfig, type CliAdapterConfig, type HttpAdapterConfig } from '@app/config';
import type { TokenizerService } from '@app/tokens';
import type { ModelAdapter } from './adapter.types';
import { CliAdapter } from './cli/cli.adapter';
import { findExecutable } from './cli/find-executable';
import { AnthropicAdapter } from './http/anthropic.adapter';
import { GeminiAdapter } from './http/gemini.adapter';
import type { HttpAdapter, HttpAdapterOptions } from './http/http-adapter.base';
import { OllamaAdapter } from './http/ollama.adapter';
import { OpenAiCompatibleAdapter } from './http/openai-compatible.adapter';
import { DEFAULT_BASE_URLS, DEFAULT_CLI_COMMANDS, MODEL_NAMES_WITH_SLASH, type CliProvider, type HttpProvider } from './provider-defaults';
import { loadCassette } from './replay/cassette';
import { ANY_SAFE_MODEL, isSafeModelName } from './rules/model-name';
import { ReplayAdapter } from './replay/replay.adapter';
import type { RetryPolicy } from './rules/retry-policy';

/** A configured adapter that cannot work; the message names it, and the app refuses to start. */
export class AdapterConfigError extends Error {
  override readonly name = 'AdapterConfigError';
  constructor(
    readonly adapter: string,
    problem: string,
  ) {
    super(`adapter "${adapter}": ${problem}`);
  }
}

export interface AdapterFactoryDeps {
  tokenizer: TokenizerService;
  /**
   * Where API keys (by the config's apiKeyEnv) and PATH are read. The registry passes process.env: the one
   * place the adapters read the environment, because the config names the variable.
   */
  env: Readonly<Record<string, string | undefined>>;
  /** Backoff for HTTP retries; tests shorten it. */
  retryPolicy?: RetryPolicy;
  random?: () => number;
  /** Directory a relative cassette path is resolved against; default the process's working directory. */
  cwd?: string;
}

/** Builds one adapter from its config, checking what can be checked before the first call. */
export function createAdapter(config: AdapterConfig, deps: AdapterFactoryDeps): ModelAdapter {
  checkAllowedModels(config);
  switch (config.kind) {
    case 'cli':
      return createCliAdapter(config, deps);
    case 'http':
      return createHttpAdapter(config, deps);
    case 'replay': {
      const path = isAbsolute(config.cassette) ? config.cassette : resolve(deps.cwd ?? process.cwd(), config.cassette);
      try {
        return new ReplayAdapter(config, { tokenizer: deps.tokenizer, cassette: loadCassette(path) });
      } catch (e) {
        throw new AdapterConfigError(config.name, (e as Error).message);
      }
    }
    default:
      throw new AdapterConfigError((config as { name?: string }).name ?? '?', `unknown kind "${(config as { kind?: unknown }).kind}"`);
  }
}

/** allowedModels may hold only names a request could pass anyway: "*" or safe names ("/" only where the provider uses it). */
function checkAllowedModels(config: AdapterConfig): void {
  const slash = config.kind === 'http' ? (MODEL_NAMES_WITH_SLASH[config.provider as HttpProvider] ?? false) : config.kind === 'replay';
  for (const name of config.allowedModels ?? []) {
    if (name !== ANY_SAFE_MODEL && !isSafeModelName(name, { slash })) {
      throw new AdapterConfigError(
        config.name,
        `allowedModels: ${JSON.stringify(name)} is not a safe model name (letters, digits, ".", "_", ":", "@", "-", "[", "]"${slash ? ', "/" between parts' : ''}; starting with a letter or digit; at most 128)`,
      );
    }
  }
}

function createCliAdapter(config: CliAdapterConfig, deps: AdapterFactoryDeps): CliAdapter {
  if (!(CLI_PROVIDERS as readonly string[]).includes(config.provider)) {
    throw new AdapterConfigError(config.name, `unknown CLI provider "${config.provider}" (known: ${CLI_PROVIDERS.join(', ')})`);
  }
  const command = config.command ?? DEFAULT_CLI_COMMANDS[config.provider as CliProvider];
  const executable = findExecutable(command, deps.env.PATH);
  if (!executable) {
    // A disabled adapter may name a tool that is not installed here; it is reported unreachable instead.
    if (!config.enabled) return new CliAdapter(config, { tokenizer: deps.tokenizer, executable: command });
    const where = isAbsolute(command)
      ? 'is not an executable file'
      : command.includes('/')
        ? 'must be an absolute path or a bare name found on PATH'
        : 'was not found on PATH';
    throw new AdapterConfigError(config.name, `command "${command}" ${where}`);
  }
  return new CliAdapter(config, { tokenizer: deps.tokenizer, executable });
}

function createHttpAdapter(config: HttpAdapterConfig, deps: AdapterFactoryDeps): HttpAdapter {
  if (!(HTTP_PROVIDERS as readonly string[]).includes(config.provider)) {
    throw new AdapterConfigError(config.name, `unknown HTTP provider "${config.provider}" (known: ${HTTP_PROVIDERS.join(', ')})`);
  }
  const provider = config.provider as HttpProvider;
  const baseUrl = config.baseUrl ?? DEFAULT_BASE_URLS[provider];
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new AdapterConfigError(config.name, `baseUrl "${baseUrl}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AdapterConfigError(config.name, `baseUrl "${baseUrl}" must be http or https`);
  if (url.username || url.password) throw new AdapterConfigError(config.name, 'baseUrl must not hold credentials; name an apiKeyEnv instead');
  if (url.search || url.hash) throw new AdapterConfigError(config.name, `baseUrl "${baseUrl}" must not have a query or fragment`);
  if (config.api === 'responses' && provider !== 'openai')
    throw new AdapterConfigError(config.name, `api: responses is only for provider openai (this one is ${provider})`);
  const options: HttpAdapterOptions = {
    tokenizer: deps.tokenizer,
    baseUrl,
    apiKey: config.apiKeyEnv ? deps.env[config.apiKeyEnv] : undefined,
    retryPolicy: deps.retryPolicy,
    random: deps.random,
  };
  switch (provider) {
    case 'openai':
    case 'openrouter':
    case 'lmstudio':
      return new OpenAiCompatibleAdapter(config, options);
    case 'anthropic':
      return new AnthropicAdapter(config, options);
    case 'ollama':
      return new OllamaAdapter(config, options);
    case 'gemini':
      return new GeminiAdapter(config, options);
  }
}
