import { Module } from '@nestjs/common';
import { TokensModule } from '@app/tokens';
import { AdapterRegistry } from './adapter-registry.service';
import { CircuitBreakers } from './breaker/circuit-breakers.service';

/**
 * Provides the AdapterRegistry. Needs CONCLAVE_CONFIG (global ConfigModule) and takes TokenizerService from
 * TokensModule, so the process keeps one tokenizer and its encoders.
 */
@Module({
  imports: [TokensModule],
  providers: [AdapterRegistry, CircuitBreakers],
  exports: [AdapterRegistry, CircuitBreakers],
})
export class AdaptersModule {}
