import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { CheckpointStore } from '@app/checkpoint';
import { Clock, CONCLAVE_CONFIG, ConclaveConfig } from '@app/config';
import { DataSource } from 'typeorm';
import { DeliberationRepository } from '../persistence/deliberation.repository';
import { StateStore } from '../state/state-store';
import { ClusterRunQueue } from './cluster-run-queue';
import { RunQueue } from './run-queue';

/** At start-up: deliberations left running by a process that died are interrupted; queued ones are queued again. */
@Injectable()
export class StartupRecovery implements OnApplicationBootstrap {
  private readonly logger = new Logger(StartupRecovery.name);

  constructor(
    @Inject(CONCLAVE_CONFIG) private readonly config: ConclaveConfig,
    private readonly dataSource: DataSource,
    private readonly deliberations: DeliberationRepository,
    private readonly states: StateStore,
    private readonly checkpoints: CheckpointStore,
    private readonly queue: RunQueue,
    private readonly cluster: ClusterRunQueue,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.cluster.redis) return this.recoverCluster();
    const now = this.clock.now();
    const orphans = await this.deliberations.idsWithStatus(['running']);
    for (const id of orphans) {
      await this.deliberations.setStatus(this.dataSource.manager, id, 'interrupted', now);
      // One that died before its first checkpoint gets one, so it can be resumed (from round 1).
      if (await this.checkpoints.latestFor(id)) continue;
      try {
        await this.states.save(await this.states.load(id), 'recovery', now);
      } catch (e) {
        this.logger.error({ deliberationId: id, err: e }, 'could not checkpoint an interrupted deliberation');
      }
    }
    if (orphans.length) this.logger.warn(`${orphans.length} deliberation(s) were running when the process stopped: marked interrupted`);
    for (const id of await this.deliberations.idsWithStatus(['queued'])) this.queue.enqueue(id);
    if (this.config.checkpoints.resumeInterruptedOnStart) {
      for (const id of await this.deliberations.idsWithStatus(['interrupted'])) {
        if (await this.deliberations.transition(id, ['interrupted'], 'queued', now)) this.queue.enqueue(id);
      }
    }
  }

  /**
   * In a cluster a `running` deliberation may well be running, in another worker: the queue's lock says
   * so, and a dead worker's job is taken over by the queue itself. What start-up adds: every queued or
   * running deliberation gets its next round's job again (a no-op when it is there), so none waits on a
   * job that Redis lost (it ran without persistence, or was flushed).
   */
  private async recoverCluster(): Promise<void> {
    if (this.config.cluster.role === 'worker') return;
    await this.cluster.recover(await this.deliberations.idsWithStatus(['queued', 'running']));
    if (this.config.checkpoints.resumeInterruptedOnStart) {
      for (const id of await this.deliberations.idsWithStatus(['interrupted'])) {
        if (await this.deliberations.transition(id, ['interrupted'], 'queued', this.clock.now())) this.queue.enqueue(id);
      }
    }
  }
}
