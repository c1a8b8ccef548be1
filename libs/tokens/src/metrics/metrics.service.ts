import { Inject, Injectable, Optional } from '@nestjs/common';
import { CONCLAVE_CONFIG, type ConclaveConfig } from '@app/config';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { UsageEntry } from '../ledger/token-ledger.service';
import { callLabels, metricsCatalog, type MetricsCatalog } from './metric-labels';

export type DeliberationStatusSource = () => Promise<Record<string, number>>;

/** What a finished call reports to the metrics: a UsageEntry, or just the parts the metrics read. */
export type ObservedCall = Pick<UsageEntry, 'usage' | 'latencyMs' | 'errorKind'> & Partial<Omit<UsageEntry, 'usage' | 'latencyMs' | 'errorKind'>>;

const TOKEN_KINDS = [
  ['input', 'inputTokens'],
  ['output', 'outputTokens'],
  ['reasoning', 'reasoningTokens'],
  ['cached_input', 'cachedInputTokens'],
] as const;

/**
 * Prometheus metrics on a registry of its own (not prom-client's global one), so several apps in one test
 * process do not collide on metric names. Adapter and model labels take only names config lists (others
 * count under "other"), so requests cannot grow the series without bound. Built without a config (unit
 * tests), labels are taken as given.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private statusSource: DeliberationStatusSource | null = null;

  private readonly tokens = new Counter({
    name: 'conclave_tokens_total',
    help: 'Tokens spent, by adapter, model, kind (input, output, reasoning, cached_input) and accuracy.',
    labelNames: ['adapter', 'model', 'kind', 'accuracy'] as const,
    registers: [this.registry],
  });
  private readonly cost = new Counter({
    name: 'conclave_cost_usd_total',
    help: 'Cost of priced calls in USD, by adapter and model.',
    labelNames: ['adapter', 'model'] as const,
    registers: [this.registry],
  });
  private readonly calls = new Counter({
    name: 'conclave_calls_total',
    help: 'Adapter calls, by adapter and outcome (ok, error).',
    labelNames: ['adapter', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'conclave_call_errors_total',
    help: 'Failed adapter calls, by adapter and error kind.',
    labelNames: ['adapter', 'kind'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'conclave_call_latency_seconds',
    help: 'Adapter call latency in seconds.',
    labelNames: ['adapter'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });

  private readonly catalog: MetricsCatalog | null;

  constructor(@Optional() @Inject(CONCLAVE_CONFIG) config?: ConclaveConfig) {
    this.catalog = config ? metricsCatalog(config) : null;
    // The gauge reads its values when scraped, from the source the deliberation side registers.
    const service = this;
    new Gauge({
      name: 'conclave_deliberations',
      help: 'Deliberations by status.',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        if (!service.statusSource) return;
        const counts = await service.statusSource();
        for (const [status, count] of Object.entries(counts)) this.set({ status }, count);
      },
    });
  }

  setDeliberationStatusSource(source: DeliberationStatusSource): void {
    this.statusSource = source;
  }

  /** Call after the transaction that recorded the call has committed. costUsd null = unpriced (no cost added). */
  observeCall(call: ObservedCall, costUsd: number | null): void {
    const { usage } = call;
    const { adapter, model } = this.catalog ? callLabels(this.catalog, usage.adapter, usage.model) : usage;
    for (const [kind, field] of TOKEN_KINDS) {
      if (usage[field] > 0) {
        this.tokens.inc({ adapter, model, kind, accuracy: usage.accuracy }, usage[field]);
      }
    }
    if (costUsd !== null && costUsd > 0) this.cost.inc({ adapter, model }, costUsd);
    this.calls.inc({ adapter, outcome: call.errorKind ? 'error' : 'ok' });
    if (call.errorKind) this.errors.inc({ adapter, kind: call.errorKind });
    this.latency.observe({ adapter }, Math.max(0, call.latencyMs) / 1000);
  }

  /** The Prometheus text exposition (content type: `contentType`). */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
