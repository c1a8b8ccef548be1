import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { Clock, CONCLAVE_CONFIG, ConclaveConfig } from '@app/config';
import { CheckpointStore } from './checkpoint.store';

/** Keeps the latest checkpoint of every deliberation forever and prunes older ones of finished deliberations. */
@Injectable()
export class CheckpointPruner {
  private readonly logger = new Logger(CheckpointPruner.name);

  constructor(
    @Inject(CONCLAVE_CONFIG) private readonly config: ConclaveConfig,
    private readonly checkpoints: CheckpointStore,
    private readonly clock: Clock,
  ) {}

  @Cron(CronExpression.EVERY_HOUR)
  async prune(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - this.config.checkpoints.retentionDays * 86_400_000);
    const removed = await this.checkpoints.prune(cutoff);
    if (removed) this.logger.log(`pruned ${removed} checkpoint(s) older than ${cutoff.toISOString()}`);
    return removed;
  }
}
