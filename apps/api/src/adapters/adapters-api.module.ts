import { Module } from '@nestjs/common';
import { AdaptersModule } from '@app/adapters';
import { AdaptersController } from './adapters.controller';

@Module({
  imports: [AdaptersModule],
  controllers: [AdaptersController],
})
export class AdaptersApiModule {}
