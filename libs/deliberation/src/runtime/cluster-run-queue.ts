import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { CONCLAVE_CONFIG, ConclaveConfig, DomainError } from '@app/config';
import { Job, Queue, Worker } from 'bullmq';
import type { DeliberationStatus } from '../deliberation.types';
import { DeliberationRepository } from '../persistence/deliberation.repository';
import { RoundRepository } from '../persistence/round.repository';
import { ClusterBus, type StopRequest } from './cluster-bus';
import { DeliberationRunner } from './deliberation-runner';
import { RunQueue } from './run-queue';

const QUEUE = 'rounds';

interface RoundJob {
  id: string;
  round: number;
}

interface ActiveRun {
  controller: AbortController;
  pause: AbortController;
}

/** The job of a deliberation's round: one id per (deliberation, round), so a round is queued at most once at a time. */
export function roundJobId(id: string, round: number): string {
  return `${id}.r${round}`;
}

/**
 * A cluster's queue (cluster.redis): each round of a deliberation is a BullMQ job. A worker process takes
 * one, runs the round from the deliberation's checkpoint, checkpoints, and queues the next round's job.
 * A worker that dies stops renewing its job's lock; after cluster.lockMs another worker takes the job and
 * resumes from the last checkpoint, re-asking only the participants without a stored answer. Stops (cancel,
 * a person's pause) travel over the ClusterBus to whichever worker runs the deliberation.
 * Inert without cluster.redis; an `api` process queues jobs and runs none.
 */
@Injectable()
export class ClusterRunQueue extends RunQueue implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ClusterRunQueue.name);
  private queue: Queue<RoundJob> | null = null;
  private worker: Worker<RoundJob> | null = null;
  private readonly active = new Map<string, ActiveRun>();
  private stopping = false;

  constructor(
    @Inject(CONCLAVE_CONFIG) private readonly config: ConclaveConfig,
    private readonly runner: DeliberationRunner,
    private readonly bus: ClusterBus,
    private readonly rounds: RoundRepository,
    private readonly deliberations: DeliberationRepository,
  ) {
    super();
  }

  private get connection() {
    // BullMQ's workers block on Redis: a request must wait for a reconnect rather than fail.
    return { url: this.config.cluster.redis!, maxRetriesPerRequest: null };
  }

  onModuleInit(): void {
    if (!this.config.cluster.redis) return;
    this.queue = new Queue<RoundJob>(QUEUE, { connection: this.connection, prefix: this.config.cluster.prefix });
    this.queue.on('error', (e) => this.logger.error(`job queue: ${e.message}`));
  }

  /** Workers start taking jobs once the app (and start-up recovery) is up. */
  onApplicationBootstrap(): void {
    if (!this.config.cluster.redis || this.config.cluster.role === 'api') return;
    const lockMs = this.config.cluster.lockMs;
    this.worker = new Worker<RoundJob>(QUEUE, (job) => this.runRound(job), {
      connection: this.connection,
      prefix: this.config.cluster.prefix,
      concurrency: this.config.deliberation.maxRunning,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      // A round may outlive several workers (kill -9, deploys); each takeover is a stall.
      maxStalledCount: 1000,
    });
    this.worker.on('error', (e) => this.logger.error(`job worker: ${e.message}`));
    this.bus.onStop((id, stop) => {
      const run = this.active.get(id);
      if (run) applyStop(run, stop);
    });
  }

  /** SIGTERM: the runs here stop at a safe point with a checkpoint and their jobs go back to the queue for another worker. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const run of this.active.values()) run.controller.abort('shutdown');
    await this.worker?.close();
    await this.queue?.close();
  }

  /** deliberation.maxQueued bounds the deliberations no worker has started yet, across the cluster (maxRunning is each worker's). */
  async assertCapacity(): Promise<void> {
    if (this.stopping) throw new DomainError('unavailable', 'SHUTTING_DOWN', 'the service is shutting down; retry shortly');
    const { maxQueued } = this.config.deliberation;
    const queued = await this.deliberations.countWithStatus('queued');
    if (queued >= maxQueued) {
      throw new DomainError(
        'rate_limited',
        'QUEUE_FULL',
        `${queued} deliberations are queued for the cluster's workers (at most ${maxQueued}); retry later`,
        undefined,
        5,
      );
    }
  }

  enqueue(id: string): void {
    // Queued to run (a start or a resume): a stop asked of an earlier run no longer applies.
    void this.bus
      .clearStop(id)
      .then(() => this.queueNextRound(id))
      .catch((e: unknown) =>
        this.logger.error({ deliberationId: id, err: e }, 'could not queue the deliberation; it stays queued until an API process restarts'),
      );
  }

  /** Start-up: queued and running deliberations get their next round's job again (a no-op when it is there). */
  async recover(ids: string[]): Promise<void> {
    for (const id of ids) await this.queueNextRound(id);
  }

  isActive(id: string): boolean {
    return this.active.has(id);
  }

  async cancel(id: string): Promise<boolean> {
    const status = await this.statusOf(id);
    if (status !== 'queued' && status !== 'running') return false;
    // Also when queued: a worker may be taking it right now.
    await this.bus.requestStop(id, 'cancelled');
    return status === 'running';
  }

  async pause(id: string, now: boolean): Promise<boolean> {
    const status = await this.statusOf(id);
    if (status === 'queued') return this.runner.pauseQueued(id);
    if (status !== 'running') return false;
    await this.bus.requestStop(id, now ? 'pause_now' : 'pause');
    return true;
  }

  /** The run ends in whichever worker holds it; the stored status says when. */
  async whenDone(id: string): Promise<void> {
    while (!this.stopping) {
      const status = await this.statusOf(id);
      if (status !== 'queued' && status !== 'running') return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  private async statusOf(id: string): Promise<DeliberationStatus | null> {
    return ((await this.deliberations.find(id))?.status as DeliberationStatus | undefined) ?? null;
  }

  private async queueNextRound(id: string): Promise<void> {
    const round = (await this.rounds.completedCount(id)) + 1;
    await this.queue!.add(
      'round',
      { id, round },
      // A job that fails (its worker shutting down) goes back to the queue at once, for as long as it takes.
      { jobId: roundJobId(id, round), attempts: 1000, backoff: { type: 'fixed', delay: 100 }, removeOnComplete: true, removeOnFail: true },
    );
  }

  private async runRound(job: Job<RoundJob>): Promise<void> {
    const { id, round } = job.data;
    if ((await this.rounds.completedCount(id)) >= round) {
      // Its round was done by a worker that died before queuing the next one: queue it (once, by its job id).
      if ((await this.statusOf(id)) === 'running') await this.queueNextRound(id);
      return;
    }
    const run: ActiveRun = { controller: new AbortController(), pause: new AbortController() };
    this.active.set(id, run);
    try {
      const stop = await this.bus.pendingStop(id);
      if (stop) applyStop(run, stop);
      const kind = await this.runner.execute(id, run.controller.signal, run.pause.signal, { oneRound: true, cluster: true });
      if (kind === 'yielded') await this.queueNextRound(id);
      else if (kind === 'handed_over' || kind === 'superseded') {
        // Failing the job puts it back in the queue: a worker (this one, or the one that took the round over) goes on from what is stored.
        throw new Error(
          `round ${round} of ${id} goes back to the queue (${kind === 'handed_over' ? 'worker shutting down' : 'another worker recorded one of its calls'})`,
        );
      } else if (kind !== 'skipped') await this.bus.clearStop(id);
    } finally {
      this.active.delete(id);
    }
  }
}

function applyStop(run: ActiveRun, stop: StopRequest): void {
  if (stop === 'cancelled') return run.controller.abort('cancelled');
  run.pause.abort('person');
  if (stop === 'pause_now') run.controller.abort('pause');
}
