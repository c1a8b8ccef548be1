import type { AdapterTier } from '@app/config';
import type { TokenUsage } from '@app/tokens';
import type { ModelPolicy } from './rules/model-name';

export interface InvokeRequest {
  prompt: string;
  model: string;
  systemPrompt?: string;
  maxOutputTokens?: number;
  signal: AbortSignal;
  /** Where the call sits in a deliberation; only the replay adapter reads it (its cassette is keyed by it). */
  position?: { participantIndex: number; round: number };
  /** Sent as the `Idempotency-Key` header by the HTTP adapters whose providers take one (OpenAI, Anthropic wires). */
  idempotencyKey?: string;
}

export interface InvokeResult {
  text: string;
  usage: TokenUsage;
  latencyMs: number;
  /** True when the provider stopped the answer at the output-token limit (the text is cut off). */
  truncated?: boolean;
}

export interface EmbedRequest {
  texts: string[];
  model: string;
  signal: AbortSignal;
}

export interface EmbedResult {
  /** One vector per text, in order. */
  vectors: number[][];
  usage: TokenUsage;
  latencyMs: number;
}

/** One configured model endpoint. Knows nothing of rounds or votes. */
export interface ModelAdapter {
  readonly name: string;
  readonly kind: 'cli' | 'http' | 'replay';
  readonly provider: string;
  readonly tier: AdapterTier;
  readonly models: { fast: string; reasoning: string };
  readonly enabled: boolean;
  readonly concurrency: number;
  readonly contextTokens: number;
  /** Which model names requests may choose (see rules/model-name); invoke refuses the others too. */
  readonly modelPolicy: ModelPolicy;
  invoke(request: InvokeRequest): Promise<InvokeResult>;
  /** Embeddings, where the provider serves them (OpenAI-compatible and Ollama HTTP adapters). */
  embed?(request: EmbedRequest): Promise<EmbedResult>;
  /** Whether the adapter can be reached now (CLI: executable exists; HTTP: a cheap probe). */
  probe(): Promise<boolean>;
}

export type AdapterErrorKind =
  | 'timeout'
  | 'rate_limited'
  | 'http_status'
  | 'process_exit'
  | 'bad_response'
  | 'cancelled'
  | 'response_too_large'
  | 'model_refused'
  /** Not called: the adapter's circuit breaker is open. */
  | 'circuit_open';

/** A failed call. Its usage is always `unavailable` with zero counts. */
export class AdapterError extends Error {
  override readonly name = 'AdapterError';
  constructor(
    readonly kind: AdapterErrorKind,
    message: string,
    readonly usage: TokenUsage,
    readonly options: { retryable?: boolean; excerpt?: string; status?: number; retryAfterMs?: number } = {},
  ) {
    super(message);
  }
  get retryable(): boolean {
    return this.options.retryable ?? false;
  }
  get excerpt(): string | undefined {
    return this.options.excerpt;
  }
}
