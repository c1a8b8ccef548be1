import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { CONCLAVE_CONFIG, ConclaveConfig, DomainError } from '@app/config';
import { DeliberationRunner } from './deliberation-runner';
import { EventHub } from './event-hub';

interface ActiveRun {
  controller: AbortController;
  /** A person's pause: the run stops before its next calls (the controller cuts the calls in flight). */
  pause: AbortController;
  done: Promise<void>;
}

/**
 * The port the use cases run deliberations through: queue one, stop one (cancel, a person's pause), wait
 * for its run to end. One process: LocalRunQueue. A cluster (cluster.redis): ClusterRunQueue, rounds as
 * jobs any worker takes.
 */
export abstract class RunQueue {
  /** Rejects when no more can be taken now, so callers can answer 429/503 before storing anything. */
  abstract assertCapacity(): Promise<void>;
  /** Runs a queued deliberation (its stored status is already `queued`). */
  abstract enqueue(id: string): void;
  /** Whether a run of it is queued or going on here. */
  abstract isActive(id: string): boolean;
  /** Stops a run at once: in-flight calls are aborted, stored state is kept. Resolves false when nothing ran. */
  abstract cancel(id: string): Promise<boolean>;
  /**
   * A person's pause. A queued deliberation stands paused at once (with a checkpoint to resume from); a
   * running one finishes the calls in flight, or with `now` cuts them keeping the answers that arrived,
   * then checkpoints and stands paused. Resolves false when nothing was queued or running.
   */
  abstract pause(id: string, now: boolean): Promise<boolean>;
  /** Resolves when the deliberation's current run has ended (or at once when none is queued or running). */
  abstract whenDone(id: string): Promise<void>;
}

/**
 * One process's queue: at most deliberation.maxRunning at once, the rest queued in order; the signals
 * that stop a run (cancel, a person's pause, shutdown), and who waits for one to end.
 */
@Injectable()
export class LocalRunQueue extends RunQueue implements BeforeApplicationShutdown {
  private readonly logger = new Logger(RunQueue.name);
  private readonly active = new Map<string, ActiveRun>();
  private readonly queue: string[] = [];
  private readonly waiters = new Map<string, Array<() => void>>();
  private stopping = false;

  constructor(
    @Inject(CONCLAVE_CONFIG) private readonly config: ConclaveConfig,
    private readonly runner: DeliberationRunner,
    private readonly hub: EventHub,
  ) {
    super();
  }

  /** SIGTERM/SIGINT: every run stops at once at a safe point (all finished answers are stored) and is interrupted. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.queue.length = 0;
    const runs = [...this.active.values()];
    for (const run of runs) run.controller.abort('shutdown');
    await Promise.all(runs.map((r) => r.done));
    this.hub.closeAll();
  }

  assertCapacity(): Promise<void> {
    const { maxRunning, maxQueued } = this.config.deliberation;
    if (this.stopping) return Promise.reject(new DomainError('unavailable', 'SHUTTING_DOWN', 'the service is shutting down; retry shortly'));
    if (this.active.size >= maxRunning && this.queue.length >= maxQueued) {
      return Promise.reject(
        new DomainError('rate_limited', 'QUEUE_FULL', `${maxRunning} deliberations are running and ${maxQueued} are queued; retry later`, undefined, 5),
      );
    }
    return Promise.resolve();
  }

  enqueue(id: string): void {
    if (this.stopping || this.active.has(id) || this.queue.includes(id)) return;
    this.queue.push(id);
    this.drain();
  }

  isActive(id: string): boolean {
    return this.active.has(id) || this.queue.includes(id);
  }

  cancel(id: string): Promise<boolean> {
    const queued = this.unqueue(id);
    const run = this.active.get(id);
    if (run) run.controller.abort('cancelled');
    return Promise.resolve(queued || Boolean(run));
  }

  async pause(id: string, now: boolean): Promise<boolean> {
    if (this.unqueue(id)) return this.runner.pauseQueued(id);
    const run = this.active.get(id);
    if (!run) return false;
    run.pause.abort('person');
    if (now) run.controller.abort('pause');
    return true;
  }

  whenDone(id: string): Promise<void> {
    if (!this.isActive(id)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.set(id, [...(this.waiters.get(id) ?? []), resolve]));
  }

  private unqueue(id: string): boolean {
    const at = this.queue.indexOf(id);
    if (at < 0) return false;
    this.queue.splice(at, 1);
    this.wake(id);
    return true;
  }

  private wake(id: string): void {
    for (const resolve of this.waiters.get(id) ?? []) resolve();
    this.waiters.delete(id);
  }

  private drain(): void {
    while (!this.stopping && this.active.size < this.config.deliberation.maxRunning && this.queue.length) {
      const id = this.queue.shift()!;
      const run: ActiveRun = { controller: new AbortController(), pause: new AbortController(), done: Promise.resolve() };
      run.done = this.runner
        .execute(id, run.controller.signal, run.pause.signal)
        .then(() => undefined)
        .catch((e: unknown) => this.logger.error({ deliberationId: id, err: e }, 'deliberation run crashed'))
        .finally(() => {
          this.active.delete(id);
          this.wake(id);
          this.drain();
        });
      this.active.set(id, run);
    }
  }
}
