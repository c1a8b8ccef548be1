import shippedTable from './price-table.json';

/** USD per 1M tokens. A missing cachedInput means cached input costs the input price; a missing reasoning, the output price. */
export interface ModelPrice {
  input: number;
  output: number;
  cachedInput?: number;
  reasoning?: number;
}

/** The shape of price-table.json. */
export interface PriceTableData {
  _source?: string;
  /** Providers that run models on the user's own machine: every model they serve costs $0. */
  localProviders: string[];
  models: Record<string, ModelPrice>;
}

/** Which step of the match rule found the price (see PriceTable.match). */
export type PriceMatchRule = 'exact' | 'unprefixed' | 'unversioned' | 'prefix' | 'local';

export interface PriceMatch {
  price: ModelPrice;
  /** The table key that matched; null for a local provider. */
  key: string | null;
  rule: PriceMatchRule;
}

const FREE: ModelPrice = Object.freeze({ input: 0, output: 0, cachedInput: 0, reasoning: 0 });

/** `claude-sonnet-4-5-20250929`, `claude-sonnet-4-5@20250929` (Vertex), `gpt-4o-2024-08-06`, `gpt-5-latest`. */
const VERSION_SUFFIX = /(?:[-@](?:\d{8}|\d{4}-\d{2}-\d{2})|-latest)$/;

/** Drops everything up to the last "/": `anthropic/claude-sonnet-4-5` (OpenRouter), `models/gemini-2.5-pro`. */
export function withoutProviderPrefix(model: string): string {
  return model.slice(model.lastIndexOf('/') + 1);
}

export function withoutVersionSuffix(model: string): string {
  return model.replace(VERSION_SUFFIX, '');
}

/**
 * The one price table: the shipped JSON with the config's `prices:` laid over it (the config wins and may add
 * models). Names compare case-insensitively. `match(model, provider)` tries, in order:
 *  1. a local provider (ollama, llamacpp, lmstudio): $0 whatever the model, since it runs on the user's machine;
 *  2. the exact name;
 *  3. the name without a provider prefix (`anthropic/claude-sonnet-4-5` → `claude-sonnet-4-5`);
 *  4. that name without a date/version suffix (`claude-sonnet-4-5-20250929`, `gpt-4o-2024-08-06` → `gpt-4o`);
 *  5. the longest key that is a prefix of that name ending at a "-" or ":" boundary
 *     (`gpt-5-mini-codex` → `gpt-5-mini`, never `gpt-5`; `o3x` matches nothing).
 * Anything else is unknown: null, never a guess. The replay provider is priced by model name like any other,
 * since it replays what a real provider answered.
 */
export class PriceTable {
  private readonly prices: ReadonlyMap<string, ModelPrice>;
  private readonly localProviders: ReadonlySet<string>;
  /** Longest first, so the first prefix hit is the longest. */
  private readonly keysByLength: readonly string[];

  constructor(data: PriceTableData, overrides: Record<string, ModelPrice> = {}) {
    const prices = new Map<string, ModelPrice>();
    for (const [model, price] of Object.entries(data.models)) prices.set(model.toLowerCase(), { ...price });
    for (const [model, price] of Object.entries(overrides)) prices.set(model.toLowerCase(), { ...price });
    this.prices = prices;
    this.localProviders = new Set(data.localProviders.map((p) => p.toLowerCase()));
    this.keysByLength = [...prices.keys()].sort((a, b) => b.length - a.length || a.localeCompare(b));
  }

  /** The shipped table with the config's overrides. */
  static shipped(overrides: Record<string, ModelPrice> = {}): PriceTable {
    return new PriceTable(shippedTable as PriceTableData, overrides);
  }

  /** The price of a model as served by a provider, or null when it is unknown. */
  lookup(model: string, provider: string): ModelPrice | null {
    return this.match(model, provider)?.price ?? null;
  }

  match(model: string, provider: string): PriceMatch | null {
    if (this.localProviders.has(provider.toLowerCase())) return { price: FREE, key: null, rule: 'local' };
    const exact = model.toLowerCase();
    const found = this.prices.get(exact);
    if (found) return { price: found, key: exact, rule: 'exact' };
    const unprefixed = withoutProviderPrefix(exact);
    const byUnprefixed = this.prices.get(unprefixed);
    if (byUnprefixed) return { price: byUnprefixed, key: unprefixed, rule: 'unprefixed' };
    const unversioned = withoutVersionSuffix(unprefixed);
    const byUnversioned = this.prices.get(unversioned);
    if (byUnversioned) return { price: byUnversioned, key: unversioned, rule: 'unversioned' };
    for (const key of this.keysByLength) {
      if (unversioned.length > key.length && unversioned.startsWith(key) && '-:'.includes(unversioned[key.length])) {
        return { price: this.prices.get(key)!, key, rule: 'prefix' };
      }
    }
    return null;
  }

  /** Every priced model name (lowercase), sorted. */
  models(): string[] {
    return [...this.prices.keys()].sort();
  }

  isLocalProvider(provider: string): boolean {
    return this.localProviders.has(provider.toLowerCase());
  }
}
