import type { Tier } from '@app/config';
import type { TokenUsage } from '@app/tokens';

export interface InvokeRequest {
  prompt: string;
  model: string;
  systemPrompt?: string;
  maxOutputTokens?: number;
  signal: AbortSignal;
  /** Where the call sits in a deliberation; only the replay adapter reads it (its cassette is keyed by it). */
  position?: { participantIndex: number; round: number };
}

export interface InvokeResult {
  text: string;
  usage: TokenUsage;
  latencyMs: number;
  /**
   * The provider stopped because the output limit was reached (OpenAI `finish_reason: "length"`,
   * Anthropic `stop_reason: "max_tokens"`, Gemini `MAX_TOKENS`): the text is cut off. Absent means not
   * known to be truncated.
   */
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
  readonly tier: Tier;
  readonly models: { fast: string; reasoning: string };
  readonly enabled: boolean;
  readonly concurrency: number;
  readonly contextTokens: number;
  invoke(request: InvokeRequest): Promise<InvokeResult>;
  /** Embeddings, where the provider serves them (OpenAI-compatible and Ollama HTTP adapters). */
  embed?(request: EmbedRequest): Promise<EmbedResult>;
  /** Whether the adapter can be reached now (CLI: executable exists; HTTP: a cheap probe). */
  probe(): Promise<boolean>;
}

export type AdapterErrorKind = 'timeout' | 'rate_limited' | 'http_status' | 'process_exit' | 'bad_response' | 'cancelled';

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
