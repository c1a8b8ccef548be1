import type { ReplayAdapterConfig, AdapterTier } from '@app/config';
import { makeUsage, unavailableUsage, type TokenizerService } from '@app/tokens';
import { AdapterError, type InvokeRequest, type InvokeResult, type ModelAdapter } from '../adapter.types';
import { modelPolicyFor, type ModelPolicy } from '../rules/model-name';
import { recordedAt, type Cassette } from './cassette';

export interface ReplayAdapterOptions {
  tokenizer: TokenizerService;
  cassette: Cassette;
}

/**
 * Answers from a recorded cassette, keyed by the request's position (round, participant). Recorded usage is
 * what the provider reported when the answer was recorded, so it stays `exact`; an answer recorded without
 * usage is counted with tiktoken and marked `estimated`. Powers the demo and re-runs under other policies.
 */
export class ReplayAdapter implements ModelAdapter {
  readonly kind = 'replay' as const;
  readonly provider = 'replay';
  readonly name: string;
  readonly tier: AdapterTier;
  readonly models: { fast: string; reasoning: string };
  readonly enabled: boolean;
  readonly concurrency: number;
  readonly contextTokens: number;
  readonly cassette: Cassette;
  /** Replay answers whatever was recorded; the name only labels usage, so any safe name (with "/") passes. */
  readonly modelPolicy: ModelPolicy;
  private readonly delayMs: number;
  private readonly tokenizer: TokenizerService;

  constructor(config: ReplayAdapterConfig, options: ReplayAdapterOptions) {
    this.name = config.name;
    this.tier = config.tier;
    this.models = { ...config.models };
    this.enabled = config.enabled;
    this.concurrency = config.concurrency;
    this.contextTokens = config.contextTokens;
    this.delayMs = config.delayMs;
    this.tokenizer = options.tokenizer;
    this.cassette = options.cassette;
    this.modelPolicy = modelPolicyFor(config, true);
  }

  probe(): Promise<boolean> {
    return Promise.resolve(true);
  }

  async invoke(request: InvokeRequest): Promise<InvokeResult> {
    const started = Date.now();
    const source = { adapter: this.name, provider: this.provider, model: request.model };
    const fail = (kind: 'bad_response' | 'cancelled', message: string) => new AdapterError(kind, message, unavailableUsage(source));
    if (!request.position) throw fail('bad_response', `${this.name}: a replay call needs the request's position (round and participant)`);
    const { round, participantIndex } = request.position;
    const recorded = recordedAt(this.cassette, round, participantIndex);
    if (!recorded) throw fail('bad_response', `${this.name}: the cassette has no answer for round ${round}, participant ${participantIndex}`);
    if (this.delayMs > 0) await this.wait(request.signal, () => fail('cancelled', `${this.name}: call cancelled`));
    if (request.signal.aborted) throw fail('cancelled', `${this.name}: call cancelled`);
    const usage = recorded.usage
      ? makeUsage(source, recorded.usage, 'exact')
      : makeUsage(
          source,
          {
            inputTokens: this.tokenizer.count(request.prompt, request.model) + this.tokenizer.count(request.systemPrompt ?? '', request.model),
            outputTokens: this.tokenizer.count(recorded.text, request.model),
          },
          'estimated',
        );
    return { text: recorded.text, usage, latencyMs: Date.now() - started };
  }

  private wait(signal: AbortSignal, cancelled: () => AdapterError): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(cancelled());
      const onAbort = () => {
        clearTimeout(timer);
        reject(cancelled());
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, this.delayMs);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
