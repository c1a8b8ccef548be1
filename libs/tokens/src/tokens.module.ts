import { Module } from '@nestjs/common';
import { CONCLAVE_CONFIG, ConclaveConfig } from '@app/config';
import { TokenLedger } from './ledger/token-ledger.service';
import { TokenUsageRepository } from './ledger/token-usage.repository';
import { MetricsService } from './metrics/metrics.service';
import { PriceTable } from './prices/price-lookup';
import { TokenizerService } from './tokenizer.service';
import { UsageService } from './usage/usage.service';

/**
 * Token accounting: tokenizer, price table, ledger, usage views, metrics. Needs CONCLAVE_CONFIG (global
 * ConfigModule) and the DataSource of TypeOrmModule.forRootAsync (global). Import it wherever these are
 * needed: Nest keeps one instance of each per app, so there is one tokenizer and one metrics registry.
 */
@Module({
  providers: [
    TokenizerService,
    { provide: PriceTable, useFactory: (config: ConclaveConfig) => PriceTable.shipped(config.prices), inject: [CONCLAVE_CONFIG] },
    TokenUsageRepository,
    TokenLedger,
    UsageService,
    MetricsService,
  ],
  exports: [TokenizerService, PriceTable, TokenLedger, UsageService, MetricsService],
})
export class TokensModule {}
