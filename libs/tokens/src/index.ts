import { SolutionDeliberationEntity } from './ledger/solution-deliberation.entity';
import { SolutionTotalsEntity } from './ledger/solution-totals.entity';
import { TokenUsageEntity } from './ledger/token-usage.entity';
import { AddTokenUsageRole1763900002100 } from './migrations/1763900002100-add-token-usage-role';
import { CreateTokenUsage1763900001000 } from './migrations/1763900001000-create-token-usage';
import { CreateSolutionTotals1763900002000 } from './migrations/1763900002000-create-solution-totals';

export * from './token-usage';
export * from './tokenizer.service';
export {
  PriceTable,
  withoutProviderPrefix,
  withoutVersionSuffix,
  type ModelPrice,
  type PriceMatch,
  type PriceMatchRule,
  type PriceTableData,
} from './prices/price-lookup';
export { microsToUsd, priceUsage, type PricedCounts } from './prices/price-usage';
export {
  addRow,
  callCostBounds,
  costConfidence,
  emptySums,
  estimateMarginMicros,
  figuresFromSums,
  sumRows,
  summarizeFigures,
  type FigureRow,
  type TokenFigures,
  type UsageSums,
} from './figures/token-figures';
export { TokenLedger, type RecordedUsage, type UsageEntry } from './ledger/token-ledger.service';
export { UsageService, DEFAULT_USAGE_DAYS, SUMMARY_DAYS } from './usage/usage.service';
export { suggestUsageChanges, type SuggestionInput } from './usage/usage-suggestions';
export * from './usage/usage.types';
export { adapterFigures, nearestRankOffset, rate, type AdapterCallSums, type AdapterFigures } from './figures/adapter-figures';
export { MetricsService, type DeliberationStatusSource, type ObservedCall } from './metrics/metrics.service';
export { TokensModule } from './tokens.module';
export { SolutionDeliberationEntity, SolutionTotalsEntity, TokenUsageEntity, CreateTokenUsage1763900001000, CreateSolutionTotals1763900002000 };

export const tokensEntities = [TokenUsageEntity, SolutionTotalsEntity, SolutionDeliberationEntity];
export const tokensMigrations = [CreateTokenUsage1763900001000, CreateSolutionTotals1763900002000, AddTokenUsageRole1763900002100];
