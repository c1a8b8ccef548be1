import { adapterSchema, type AdapterConfig, type CliAdapterConfig, type HttpAdapterConfig, type ReplayAdapterConfig } from '@app/config';

/**
 * Adapter configs for tests, passed through the real schema so defaults match production.
 * Test-only helpers; not exported from the lib's index.
 */
export function httpConfig(fields: Partial<HttpAdapterConfig> & Pick<HttpAdapterConfig, 'provider'>): HttpAdapterConfig {
  return adapterSchema.parse({
    name: `http-${fields.provider}`,
    kind: 'http',
    tier: 'T2',
    models: { fast: 'm-fast', reasoning: 'm-reason' },
    timeoutMs: 2000,
    maxRetries: 3,
    ...fields,
  }) as HttpAdapterConfig;
}

export function cliConfig(fields: Partial<CliAdapterConfig> & Pick<CliAdapterConfig, 'provider'>): CliAdapterConfig {
  return adapterSchema.parse({
    name: `cli-${fields.provider}`,
    kind: 'cli',
    tier: 'T1',
    models: { fast: 'cli-fast', reasoning: 'cli-reason' },
    timeoutMs: 5000,
    ...fields,
  }) as CliAdapterConfig;
}

export function replayConfig(fields: Partial<ReplayAdapterConfig> & Pick<ReplayAdapterConfig, 'cassette'>): ReplayAdapterConfig {
  return adapterSchema.parse({ name: 'replay', kind: 'replay', tier: 'T0', models: { fast: 'replay', reasoning: 'replay' }, ...fields }) as ReplayAdapterConfig;
}

export type AnyAdapterConfig = AdapterConfig;
