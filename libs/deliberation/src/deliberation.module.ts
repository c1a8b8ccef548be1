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
import { LocalRunQueue, RunQueue } from './runtime/run-queue';
import { ClusterBus } from './runtime/cluster-bus';
import { ClusterRunQueue } from './runtime/cluster-run-queue';
import { CONCLAVE_CONFIG, type ConclaveConfig } from '@app/config';
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
    LocalRunQueue,
    ClusterRunQueue,
    ClusterBus,
    // One process, or a cluster's shared queue (cluster.redis): the use cases see only RunQueue.
    {
      provide: RunQueue,
      useFactory: (config: ConclaveConfig, local: LocalRunQueue, cluster: ClusterRunQueue) => (config.cluster.redis ? cluster : local),
      inject: [CONCLAVE_CONFIG, LocalRunQueue, ClusterRunQueue],
    },
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
