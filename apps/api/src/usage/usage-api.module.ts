import { Module } from '@nestjs/common';
import { TokensModule } from '@app/tokens';
import { UsageController } from './usage.controller';

@Module({
  imports: [TokensModule],
  controllers: [UsageController],
})
export class UsageApiModule {}
