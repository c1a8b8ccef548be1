import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock, CONCLAVE_CONFIG, DomainError, type ConclaveConfig } from '@app/config';
import { TokenizerService } from '@app/tokens';
import type { ModelAdapter } from './adapter.types';
import type { AdapterView } from './adapter-view';
import { createAdapter, type AdapterFactoryDeps } from './adapter.factory';
import { checkModelName, type ModelCheck } from './rules/model-name';
import { CircuitBreakers } from './breaker/circuit-breakers.service';

/** How long a probe result is reused; probing on every GET would hammer providers and slow the endpoint. */
export const REACHABILITY_TTL_MS = 60_000;

/**
 * The configured adapters, built and checked once at start-up (a bad one throws AdapterConfigError, naming
 * it, and the app does not start). Requests can only name adapters from here: no command, path or URL ever
 * comes from a request.
 */
@Injectable()
export class AdapterRegistry {
  private readonly logger = new Logger(AdapterRegistry.name);
  private readonly adapters = new Map<string, ModelAdapter>();
  private readonly reachability = new Map<string, { at: number; value: Promise<boolean> }>();

  constructor(
    @Inject(CONCLAVE_CONFIG) config: ConclaveConfig,
    tokenizer: TokenizerService,
    readonly breakers: CircuitBreakers = new CircuitBreakers(config, new Clock()),
  ) {
    // The one environment read of the adapters: the config names the variables that hold keys, and PATH.
    const deps: AdapterFactoryDeps = { tokenizer, env: process.env };
    for (const adapterConfig of config.adapters) {
      if (this.adapters.has(adapterConfig.name)) throw new Error(`adapter "${adapterConfig.name}" is configured twice`);
      this.adapters.set(adapterConfig.name, createAdapter(adapterConfig, deps));
      if (adapterConfig.kind === 'http' && adapterConfig.apiKeyEnv && adapterConfig.enabled && !process.env[adapterConfig.apiKeyEnv]) {
        this.logger.warn(`adapter "${adapterConfig.name}": ${adapterConfig.apiKeyEnv} is not set; calls will go without a key`);
      }
    }
  }

  /** The adapter requests name; UNKNOWN_ADAPTER (400) lists the configured names so the caller can fix it. */
  get(name: string): ModelAdapter {
    const adapter = this.adapters.get(name);
    if (!adapter) {
      const known = [...this.adapters.keys()];
      throw new DomainError('invalid', 'UNKNOWN_ADAPTER', `No adapter is named "${name}"; configured: ${known.join(', ') || 'none'}`, { adapter: name, known });
    }
    return adapter;
  }

  /**
   * Whether a request may run `model` on adapter `name` (safe name, and allowed by its `allowedModels` or
   * the default); when not, the answer lists what is allowed so the caller can say so.
   */
  checkModel(name: string, model: string): ModelCheck {
    return checkModelName(model, this.get(name).modelPolicy);
  }

  has(name: string): boolean {
    return this.adapters.has(name);
  }

  list(): ModelAdapter[] {
    return [...this.adapters.values()];
  }

  /** Every adapter as GET /v1/adapters shows it; probes run in parallel and are cached for a minute. */
  describe(): Promise<AdapterView[]> {
    return Promise.all(
      this.list().map(async (adapter) => ({
        name: adapter.name,
        kind: adapter.kind,
        provider: adapter.provider,
        tier: adapter.tier,
        models: { fast: adapter.models.fast, reasoning: adapter.models.reasoning },
        enabled: adapter.enabled,
        reachable: await this.reachable(adapter),
        breaker: this.breakers.view(adapter.name),
      })),
    );
  }

  private reachable(adapter: ModelAdapter): Promise<boolean> {
    const now = Date.now();
    const cached = this.reachability.get(adapter.name);
    if (cached && now - cached.at < REACHABILITY_TTL_MS) return cached.value;
    // The promise is cached, so concurrent GETs share one probe.
    const value = adapter.probe().catch(() => false);
    this.reachability.set(adapter.name, { at: now, value });
    return value;
  }
}
