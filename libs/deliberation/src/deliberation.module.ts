import { Module } from '@nestjs/common';
import { AdaptersModule } from '@app/adapters';
import { CheckpointModule } from '@app/checkpoint';
import { TieringModule } from '@app/tiering';
import { TokensModule } from '@app/tokens';
import { DeliberationService } from './deliberation.service';
import { EstimateService } from './estimate.service';
import { UsageSummaryService } from './usage-summary.service';
import { DeliberationRepository } from './persistence/deliberation.repository';
import { ResumeService } from './resume.service';
import { BudgetGate } from './runtime/budget-gate';
import { Clock } from './runtime/clock';
import { DeliberationRunner } from './runtime/deliberation-runner';
import { EventHub } from './runtime/event-hub';
import { CheckpointPruner } from './runtime/checkpoint-pruner';
import { PriceGuard } from './runtime/price-guard';
import { TierPolicy } from './runtime/tier-policy';

@Module({
  imports: [AdaptersModule, TokensModule, TieringModule, CheckpointModule],
  providers: [DeliberationRepository, DeliberationRunner, DeliberationService, EstimateService, UsageSummaryService, ResumeService, EventHub, Clock, TierPolicy, BudgetGate, PriceGuard, CheckpointPruner],
  exports: [DeliberationService, EstimateService, UsageSummaryService, ResumeService, DeliberationRunner, Clock],
})
export class DeliberationModule {}
