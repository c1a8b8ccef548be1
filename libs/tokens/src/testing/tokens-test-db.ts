import { configSchema, ConclaveConfig } from '@app/config';
import { DataSource } from 'typeorm';
import { tokensEntities, tokensMigrations } from '../index';
import { TokenLedger } from '../ledger/token-ledger.service';
import { TokenUsageRepository } from '../ledger/token-usage.repository';
import { PriceTable } from '../prices/price-lookup';
import { UsageService } from '../usage/usage.service';

/** A real in-memory SQLite with the lib's migrations, and the lib's services over it (tests only). */
export async function openTokensTestDb(raw: Record<string, unknown> = {}) {
  const config: ConclaveConfig = configSchema.parse(raw);
  const dataSource = new DataSource({
    type: 'better-sqlite3',
    database: ':memory:',
    entities: tokensEntities,
    migrations: tokensMigrations,
    migrationsRun: true,
  });
  await dataSource.initialize();
  const repository = new TokenUsageRepository(dataSource);
  const ledger = new TokenLedger(repository, PriceTable.shipped(config.prices), config);
  const usage = new UsageService(repository, config);
  return { config, dataSource, ledger, usage };
}
