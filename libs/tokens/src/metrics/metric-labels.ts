import type { ConclaveConfig } from '@app/config';

/** The label a request-chosen name gets when config does not list it. */
export const OTHER_LABEL = 'other';

/** Per configured adapter, the model names config lists for it: the only values the labels may take. */
export type MetricsCatalog = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * Every adapter name and, per adapter, every model name config lists: its `models`, its `allowedModels`
 * (when the schema has them; `"*"` admits any name and so adds none here), the embeddings model and the
 * models of tier floors. A request may name any model, and each new label value is a new time series
 * kept forever: only names from config become label values.
 */
export function metricsCatalog(config: ConclaveConfig): MetricsCatalog {
  const catalog = new Map<string, Set<string>>();
  const floorModels = Object.values(config.tiering.floors).flatMap((f) => (f.model ? [f.model] : []));
  for (const adapter of config.adapters) {
    const allowed = (adapter as { allowedModels?: unknown }).allowedModels;
    const listed = Array.isArray(allowed) ? allowed.filter((m): m is string => typeof m === 'string' && m !== '*') : [];
    catalog.set(adapter.name, new Set([adapter.models.fast, adapter.models.reasoning, ...listed, ...floorModels]));
  }
  const embeddings = config.deliberation.convergence.embeddings;
  if (embeddings) catalog.get(embeddings.adapter)?.add(embeddings.model);
  return catalog;
}

/** The adapter and model labels of a call: as given when config lists them, else OTHER_LABEL. */
export function callLabels(catalog: MetricsCatalog, adapter: string, model: string): { adapter: string; model: string } {
  const models = catalog.get(adapter);
  if (!models) return { adapter: OTHER_LABEL, model: OTHER_LABEL };
  return { adapter, model: models.has(model) ? model : OTHER_LABEL };
}
