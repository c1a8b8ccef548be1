import { Module } from '@nestjs/common';
import { AdaptersModule } from '@app/adapters';
import { CheckpointModule } from '@app/checkpoint';
import { TieringModule } from '@app/tiering';
import { TokensModule } from '@app/tokens';
import { DeliberationService } from './deliberation.service';
import { EstimateService } from './estimate.service';
import { UsageSummaryService } from './usage-summary.service';
import { DeliberationRepository } from './persistence/deliberation.repository';
import { DeliberationViews } from './persistence/deliberation-views';
import { RoundRepository } from './persistence/round.repository';
import { ResumeService } from './resume.service';
import { BudgetGate } from './runtime/budget-gate';
import { CallRecorder } from './runtime/call-recorder';
import { DeliberationRunner } from './runtime/deliberation-runner';
import { EventHub } from './runtime/event-hub';
import { PriceGuard } from './runtime/price-guard';
import { ProductionPorts } from './runtime/production-ports';
import { RunQueue } from './runtime/run-queue';
import { StartupRecovery } from './runtime/startup-recovery';
import { TierPolicy } from './runtime/tier-policy';
import { GovernancePicture } from './runtime/governance-picture';
import { StateStore } from './state/state-store';
import { DecisionMemory } from './memory/decision-memory.service';
import { DecisionRepository } from './memory/decision.repository';

@Module({
  imports: [AdaptersModule, TokensModule, TieringModule, CheckpointModule],
  providers: [
    DeliberationRepository,
    RoundRepository,
    DeliberationViews,
    StateStore,
    CallRecorder,
    ProductionPorts,
    DeliberationRunner,
    RunQueue,
    StartupRecovery,
    DeliberationService,
    EstimateService,
    UsageSummaryService,
    ResumeService,
    EventHub,
    TierPolicy,
    GovernancePicture,
    BudgetGate,
    PriceGuard,
    DecisionRepository,
    DecisionMemory,
  ],
  exports: [DeliberationService, EstimateService, UsageSummaryService, ResumeService, DecisionMemory],
})
export class DeliberationModule {}
