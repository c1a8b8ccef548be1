import { Module } from '@nestjs/common';
import { TokenizerService } from '@app/tokens';
import { AdapterRegistry } from './adapter-registry.service';

/**
 * Provides the AdapterRegistry; needs CONCLAVE_CONFIG from the global ConfigModule.
 * TokenizerService is provided here because @app/tokens had no Nest module when this was written; once
 * TokensModule exports it, import that module instead so the process keeps one tokenizer.
 */
@Module({
  providers: [TokenizerService, AdapterRegistry],
  exports: [AdapterRegistry],
})
export class AdaptersModule {}
