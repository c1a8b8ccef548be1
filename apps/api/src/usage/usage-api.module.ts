import { Module } from '@nestjs/common';
import { DeliberationModule } from '@app/deliberation';
import { TokensModule } from '@app/tokens';
import { UsageController } from './usage.controller';

@Module({
  imports: [TokensModule, DeliberationModule],
  controllers: [UsageController],
})
export class UsageApiModule {}
