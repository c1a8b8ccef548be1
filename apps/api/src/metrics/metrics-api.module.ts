import { Module } from '@nestjs/common';
import { TokensModule } from '@app/tokens';
import { MetricsController } from './metrics.controller';

@Module({
  imports: [TokensModule],
  controllers: [MetricsController],
})
export class MetricsApiModule {}
