import type { HttpAdapterConfig, AdapterTier } from '@app/config';
import { makeUsage, unavailableUsage, type TokenizerService, type UsageCounts } from '@app/tokens';
import {
  AdapterError,
  type AdapterErrorKind,
  type EmbedRequest,
  type EmbedResult,
  type InvokeRequest,
  type InvokeResult,
  type ModelAdapter,
} from '../adapter.types';
import { safeExcerpt } from '../rules/excerpt';
import { isSafeModelName, modelPolicyFor, type ModelPolicy } from '../rules/model-name';
import { DEFAULT_RETRY_POLICY, isRetryableStatus, parseRetryAfter, retryDelayMs, type RetryPolicy } from '../rules/retry-policy';
import { MODEL_NAMES_WITH_SLASH, type HttpProvider } from '../provider-defaults';
import { cappedFetch, ResponseTooLargeError } from './capped-fetch';

/** What one successful wire exchange produced. `counts` undefined: the provider sent no usage. */
export interface WireReply {
  text: string;
  counts?: UsageCounts;
  /** False when the provider sent only part of the usage; the rest is estimated. Default true. */
  complete?: boolean;
  /** The provider says it stopped at the output-token limit. */
  truncated?: boolean;
}

/** What one embeddings exchange produced. `inputTokens` undefined: the provider sent no usage. */
export interface WireEmbeddings {
  vectors: number[][];
  inputTokens?: number;
}

export interface HttpAdapterOptions {
  tokenizer: TokenizerService;
  baseUrl: string;
  apiKey?: string;
  retryPolicy?: RetryPolicy;
  random?: () => number;
}

/** How long a reachability probe may take; GET /v1/adapters must stay quick. */
export const PROBE_TIMEOUT_MS = 2_000;

const DEADLINE = Symbol('deadline');

/**
 * The parts every HTTP adapter shares: one deadline per call (timeoutMs bounds the whole call, retry waits
 * included, so the engine can count on it), retries with backoff on network errors, 408, 429 and 5xx,
 * cancellation through the caller's signal, error mapping with scrubbed excerpts, and the tiktoken estimate
 * when a provider reports no usage. Subclasses only speak their wire.
 */
export abstract class HttpAdapter implements ModelAdapter {
  readonly kind = 'http' as const;
  readonly name: string;
  readonly provider: HttpProvider;
  readonly tier: AdapterTier;
  readonly models: { fast: string; reasoning: string };
  readonly enabled: boolean;
  readonly concurrency: number;
  readonly contextTokens: number;
  readonly baseUrl: string;
  readonly modelPolicy: ModelPolicy;
  protected readonly apiKey: string | undefined;
  protected readonly timeoutMs: number;
  protected readonly maxRetries: number;
  protected readonly maxResponseBytes: number;
  /** fetch with every response body capped at maxResponseBytes (see cappedFetch); every wire reads through it. */
  protected readonly fetch: typeof fetch;
  private readonly tokenizer: TokenizerService;
  private readonly retryPolicy: RetryPolicy;
  private readonly random: () => number;

  constructor(config: HttpAdapterConfig, options: HttpAdapterOptions) {
    this.name = config.name;
    this.provider = config.provider;
    this.tier = config.tier;
    this.models = { ...config.models };
    this.enabled = config.enabled;
    this.concurrency = config.concurrency;
    this.contextTokens = config.contextTokens;
    this.timeoutMs = config.timeoutMs;
    this.maxRetries = config.maxRetries;
    this.maxResponseBytes = config.maxResponseBytes;
    this.fetch = cappedFetch(config.maxResponseBytes);
    this.modelPolicy = modelPolicyFor(config, MODEL_NAMES_WITH_SLASH[config.provider]);
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey || undefined;
    this.tokenizer = options.tokenizer;
    this.retryPolicy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.random = options.random ?? Math.random;
  }

  /** One request on the wire. Throw AdapterError (use statusError/badResponse) or let network errors escape. */
  protected abstract send(request: InvokeRequest, signal: AbortSignal): Promise<WireReply>;

  /** A cheap authenticated request with a short timeout; true when it answered 2xx. */
  abstract probe(): Promise<boolean>;

  async invoke(request: InvokeRequest): Promise<InvokeResult> {
    // The registry refuses unsafe names at create; this also covers requests stored before that check.
    if (!this.modelPolicy.own.includes(request.model) && !isSafeModelName(request.model, { slash: this.modelPolicy.slash })) {
      throw this.fail('model_refused', `${this.name}: model ${JSON.stringify(request.model)} is not a safe model name`, request.model);
    }
    return this.withRetries(request.model, request.signal, async (signal, started) => {
      const reply = await this.send(request, signal);
      const usage = await this.usageOf(request, reply);
      return { text: reply.text, usage, latencyMs: Date.now() - started, ...(reply.truncated ? { truncated: true } : {}) };
    });
  }

  /** Embeddings with the same deadline, retries and error mapping as a call; only where the wire has them. */
  async embed(request: EmbedRequest): Promise<EmbedResult> {
    const send = this.sendEmbeddings?.bind(this);
    if (!send) throw this.fail('bad_response', `${this.name}: ${this.provider} embeddings are not supported`, request.model);
    return this.withRetries(request.model, request.signal, async (signal, started) => {
      const reply = await send(request.texts, request.model, signal);
      if (reply.vectors.length !== request.texts.length || reply.vectors.some((v) => !Array.isArray(v) || v.some((x) => typeof x !== 'number'))) {
        throw this.badResponse(
          `${this.provider} sent ${reply.vectors.length} embeddings for ${request.texts.length} texts, or non-numeric ones`,
          '',
          request.model,
        );
      }
      const source = { adapter: this.name, provider: this.provider, model: request.model };
      const usage =
        reply.inputTokens !== undefined
          ? makeUsage(source, { inputTokens: reply.inputTokens }, 'exact')
          : makeUsage(source, { inputTokens: request.texts.reduce((sum, t) => sum + this.tokenizer.count(t, request.model), 0) }, 'estimated');
      return { vectors: reply.vectors, usage, latencyMs: Date.now() - started };
    });
  }

  /** The embeddings exchange of wires that have one. */
  protected sendEmbeddings?(texts: string[], model: string, signal: AbortSignal): Promise<WireEmbeddings>;

  /** One deadline for the whole call, retry waits included; retries on what is worth retrying. */
  private async withRetries<T>(model: string, caller: AbortSignal, attemptOnce: (signal: AbortSignal, started: number) => Promise<T>): Promise<T> {
    const started = Date.now();
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(DEADLINE), this.timeoutMs);
    const signal = AbortSignal.any([caller, deadline.signal]);
    try {
      for (let attempt = 0; ; attempt++) {
        let error: AdapterError;
        try {
          this.throwIfAborted(model, caller, signal);
          return await attemptOnce(signal, started);
        } catch (e) {
          error = this.classify(e, model, caller, signal);
        }
        if (!error.retryable || attempt >= this.maxRetries) throw error;
        const wait = retryDelayMs(attempt, this.retryPolicy, this.random, error.options.retryAfterMs);
        // A wait that outlives the deadline cannot end in success; report the real cause now.
        if (Date.now() + wait >= started + this.timeoutMs) throw error;
        await this.sleep(wait, model, caller, signal);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  protected async probeGet(url: string, headers: Record<string, string>): Promise<boolean> {
    try {
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  protected fail(kind: AdapterErrorKind, message: string, model: string, options: AdapterError['options'] = {}): AdapterError {
    const excerpt = options.excerpt === undefined ? undefined : safeExcerpt(options.excerpt, this.secrets());
    return new AdapterError(kind, safeExcerpt(message, this.secrets()), this.unavailable(model), { ...options, excerpt });
  }

  /** A non-2xx answer: 429 is rate_limited, 408 and 5xx retryable http_status, any other 4xx final. */
  protected statusError(status: number, body: string, retryAfter: string | null | undefined, model: string): AdapterError {
    const retryAfterMs = parseRetryAfter(retryAfter, new Date());
    const kind = status === 429 ? 'rate_limited' : 'http_status';
    return this.fail(kind, `${this.name}: ${this.provider} answered HTTP ${status}`, model, {
      status,
      retryable: isRetryableStatus(status),
      retryAfterMs,
      excerpt: body,
    });
  }

  protected badResponse(what: string, body: string, model: string): AdapterError {
    return this.fail('bad_response', `${this.name}: ${what}`, model, { excerpt: body });
  }

  /** Parses a 2xx body, or a bad_response carrying its excerpt. */
  protected parseJson(text: string, model: string): Record<string, unknown> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw this.badResponse(`${this.provider} sent a body that is not JSON`, text, model);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw this.badResponse(`${this.provider} sent JSON that is not an object`, text, model);
    }
    return parsed as Record<string, unknown>;
  }

  /** POST JSON with plain fetch; used by the wires whose SDK does not fit (see each adapter). */
  protected async postJson(url: string, body: unknown, headers: Record<string, string>, signal: AbortSignal, model: string): Promise<Record<string, unknown>> {
    const res = await this.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify(body),
      signal,
    });
    const text = await res.text();
    if (!res.ok) throw this.statusError(res.status, text, res.headers.get('retry-after'), model);
    return this.parseJson(text, model);
  }

  /** Counted with countAsync: a reply near maxResponseBytes must not hold the event loop while it is counted. */
  private async usageOf(request: InvokeRequest, reply: WireReply) {
    const source = { adapter: this.name, provider: this.provider, model: request.model };
    if (reply.counts && reply.complete !== false) return makeUsage(source, reply.counts, 'exact');
    const estimate: UsageCounts = {
      inputTokens: (await this.tokenizer.countAsync(request.prompt, request.model)) + this.tokenizer.count(request.systemPrompt ?? '', request.model),
      outputTokens: await this.tokenizer.countAsync(reply.text, request.model),
    };
    return makeUsage(source, { ...estimate, ...definedOnly(reply.counts ?? {}) }, 'estimated');
  }

  private classify(e: unknown, model: string, caller: AbortSignal, signal: AbortSignal): AdapterError {
    // An abort surfaces as whatever the fetch or SDK throws; the signals say which abort it was.
    if (caller.aborted) return this.fail('cancelled', `${this.name}: call cancelled`, model);
    if (signal.aborted) {
      return this.fail('timeout', `${this.name}: no answer within ${this.timeoutMs} ms`, model, { retryable: true });
    }
    if (e instanceof AdapterError) return e;
    if (e instanceof ResponseTooLargeError || (e instanceof Error && e.cause instanceof ResponseTooLargeError)) {
      // Final: the same request would get the same reply. Nothing of it is kept.
      return this.fail(
        'response_too_large',
        `${this.name}: the ${this.provider} reply passed maxResponseBytes (${this.maxResponseBytes} bytes); reading stopped there`,
        model,
      );
    }
    const sdk = sdkStatus(e);
    if (sdk) return this.statusError(sdk.status, sdk.body, sdk.retryAfter, model);
    const message = e instanceof Error ? `${e.message}${causeOf(e)}` : String(e);
    // No status: the request never got an answer (refused, reset, DNS). Worth retrying.
    return this.fail('http_status', `${this.name}: could not reach ${this.provider} at ${this.baseUrl} (${message})`, model, {
      retryable: true,
    });
  }

  private throwIfAborted(model: string, caller: AbortSignal, signal: AbortSignal): void {
    if (signal.aborted) throw this.classify(undefined, model, caller, signal);
  }

  private sleep(ms: number, model: string, caller: AbortSignal, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(this.classify(undefined, model, caller, signal));
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private unavailable(model: string) {
    return unavailableUsage({ adapter: this.name, provider: this.provider, model });
  }

  private secrets(): string[] {
    return this.apiKey ? [this.apiKey] : [];
  }
}

function definedOnly(counts: UsageCounts): UsageCounts {
  return Object.fromEntries(Object.entries(counts).filter(([, v]) => v !== undefined)) as UsageCounts;
}

function causeOf(e: Error): string {
  const cause = (e as { cause?: unknown }).cause;
  return cause instanceof Error ? `: ${cause.message}` : '';
}

/** The SDKs (openai, @anthropic-ai/sdk) throw APIError with status, headers and the parsed body. */
function sdkStatus(e: unknown): { status: number; body: string; retryAfter: string | null } | undefined {
  if (!(e instanceof Error)) return undefined;
  const { status, headers, error } = e as { status?: unknown; headers?: unknown; error?: unknown };
  if (typeof status !== 'number') return undefined;
  const retryAfter = headers instanceof Headers ? headers.get('retry-after') : null;
  const body = error === undefined ? e.message : typeof error === 'string' ? error : JSON.stringify(error);
  return { status, body, retryAfter };
}

/** The call's idempotency key as the header OpenAI- and Anthropic-style servers read (none without a key). */
export function idempotencyHeader(request: InvokeRequest): Record<string, string> {
  return request.idempotencyKey ? { 'Idempotency-Key': request.idempotencyKey } : {};
}
