import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Clock, CONCLAVE_CONFIG, ConclaveConfig, DomainError } from '@app/config';
import { DeliberationService, type DeliberationView } from '@app/deliberation';
import { BudgetLedger, windowBounds } from '@app/tiering';
import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dueTicks, nextTick } from '../rules/cadence';
import { checkServicePath, resolveContextFile } from '../rules/context-source';
import { consecutiveFailures, monthlyRoom, pauseReason, type RunStatus, type SkipReason } from '../rules/governance';
import { ScheduleRepository, type ScheduleRow } from '../persistence/schedule.repository';
import { cadenceOf, runView } from '../schedule-views';
import type { RunTrigger, ScheduleEventType, ScheduleRunView } from '../schedule.types';
import { OwnService } from './own-service';
import { ScheduleEvents } from './schedule-events';
import { ScheduleTimers } from './schedule-timers';

/** The create DTO's limit on a deliberation's context; a schedule's context (its own plus the one read) is held to it too. */
const MAX_CONTEXT_CHARS = 100_000;
/** Settled runs read back to count a failure streak (skipped and missed rows in between do not end one). */
const STREAK_WINDOW = 200;

/**
 * Runs the schedules: ticks from the timers, catch-up at start, runs by hand; the governance before a
 * run (one at a time, RED windows, the monthly cap) and after it (failure streaks pause the schedule).
 * Every tick is claimed in the database before its deliberation starts, so none runs twice.
 */
@Injectable()
export class ScheduleRunner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Schedules');
  /** One fire at a time per schedule, so the overlap check and the claim are never interleaved. */
  private readonly locks = new Map<string, Promise<unknown>>();
  private stopping = false;

  constructor(
    @Inject(CONCLAVE_CONFIG) private readonly config: ConclaveConfig,
    private readonly repository: ScheduleRepository,
    private readonly deliberations: DeliberationService,
    private readonly ledger: BudgetLedger,
    private readonly clock: Clock,
    private readonly timers: ScheduleTimers,
    private readonly events: ScheduleEvents,
    private readonly ownService: OwnService,
  ) {}

  /**
   * After the deliberations' own recovery (their module starts first): settle what a dead process left,
   * then tick. Catch-ups are not awaited: the server listens only once start-up is over, and a run may
   * need to read its context from it.
   */
  async onApplicationBootstrap(): Promise<void> {
    if (this.config.cluster.role === 'worker') return;
    await this.reconcile();
    for (const row of await this.repository.ticking()) {
      void this.startTicking(row).catch((e: unknown) => this.logger.error({ scheduleId: row.id, err: e }, 'could not start the schedule'));
    }
  }

  onModuleDestroy(): void {
    this.stopping = true;
    this.timers.disarmAll();
  }

  /** Whether ticks fire for this schedule in this process (in a cluster: API processes, each tick claimed once). */
  ticks(row: ScheduleRow): boolean {
    return this.config.schedules.enabled && this.config.cluster.role !== 'worker' && row.enabled && row.status === 'active';
  }

  nextTickAt(row: ScheduleRow): string | null {
    return this.ticks(row) ? nextTick(cadenceOf(row), this.clock.now()).toISOString() : null;
  }

  /**
   * Ticks missed since the last one (the service was down, or the schedule was just enabled) run once now
   * with catchUp, else are recorded as one `missed` row; then the timer is armed.
   */
  async startTicking(row: ScheduleRow): Promise<void> {
    if (!this.ticks(row)) return;
    const cadence = cadenceOf(row);
    const due = dueTicks(cadence, new Date(row.lastTickAt), this.clock.now());
    if (due.latest && row.catchUp) await this.fire(row.id, 'catch_up', due.latest);
    else if (due.latest)
      await this.recordMissed(row, due.latest, `${due.count}${due.atLeast ? '+' : ''} tick(s) missed while the service was down (catchUp is off)`);
    if (this.stopping) return;
    this.timers.arm(row.id, cadence, () => void this.onTimer(row.id));
  }

  /** Told by a resume, so the stream shows the schedule ticking again. */
  resumed(scheduleId: string, at: string): void {
    this.logger.log({ scheduleId }, 'schedule resumed');
    this.events.emit({ type: 'schedule_resumed', scheduleId, at });
  }

  stopTicking(scheduleId: string): void {
    this.timers.disarm(scheduleId);
  }

  /** POST /v1/schedules/:id/run: one run now, governed like a tick; 409 while a run is going on. */
  runNow(scheduleId: string): Promise<ScheduleRunView> {
    return this.locked(scheduleId, async () => {
      if (await this.repository.hasRunning(scheduleId)) {
        throw new DomainError('conflict', 'SCHEDULE_RUN_GOING', `schedule ${scheduleId} has a run going on; one run at a time`);
      }
      return (await this.fireNow(scheduleId, 'manual', null))!;
    });
  }

  /** A timer fired: the latest due tick (by the stored last tick and the Clock) runs, if any is due. */
  private async onTimer(scheduleId: string): Promise<void> {
    try {
      const row = await this.repository.get(scheduleId);
      if (!row || !this.ticks(row) || this.stopping) return;
      const due = dueTicks(cadenceOf(row), new Date(row.lastTickAt), this.clock.now());
      if (due.latest) await this.fire(scheduleId, 'tick', due.latest);
    } catch (e) {
      this.logger.error({ scheduleId, err: e }, 'schedule tick failed');
    }
  }

  private fire(scheduleId: string, trigger: RunTrigger, tickAt: Date | null): Promise<ScheduleRunView | null> {
    return this.locked(scheduleId, () => this.fireNow(scheduleId, trigger, tickAt));
  }

  private async fireNow(scheduleId: string, trigger: RunTrigger, tickAt: Date | null): Promise<ScheduleRunView | null> {
    const row = await this.repository.get(scheduleId);
    if (!row) return null;
    const now = this.clock.now();
    const skip = await this.skipReason(row, now);
    const runId = randomUUID();
    const claimed = await this.repository.claim({
      id: runId,
      scheduleId,
      trigger,
      tickAt,
      status: skip ? 'skipped' : 'running',
      skipped: skip?.skipped,
      reason: skip?.reason,
      now,
    });
    // Claimed before: by this process a moment ago, or by one that died. Either way it is not run again.
    if (!claimed) return null;
    if (skip) {
      const view = await this.announce(runId, 'run_skipped');
      if (skip.pause) await this.pause(row, skip.reason);
      return view;
    }
    try {
      const context = await this.contextFor(row);
      const perRun = row.budget.perRun;
      // The schedule's own previous decisions are quoted first (memory `context`, the default), so a recurring review knows what it concluded last time.
      const memoryFrom = await this.repository.previousDecisions(scheduleId, this.config.memory.contextDecisions);
      const started = await this.deliberations.start({ ...row.deliberation, ...(context ? { context } : {}), budget: { ...perRun } }, { memoryFrom });
      await this.repository.setDeliberation(runId, started.id);
      this.follow(runId, scheduleId, started.id);
      return await this.announce(runId, 'run_started');
    } catch (e) {
      await this.repository.finish(runId, { status: 'failed', reason: `could not start: ${(e as Error).message}`, finishedAt: this.clock.now() });
      const view = await this.announce(runId, 'run_finished');
      await this.afterRun(scheduleId);
      return view;
    }
  }

  /** Why this run must not start: the previous one still going, a RED window (which also pauses the schedule), or the monthly cap. */
  private async skipReason(row: ScheduleRow, now: Date): Promise<{ skipped: SkipReason; reason: string; pause?: boolean } | null> {
    if (await this.repository.hasRunning(row.id)) return { skipped: 'overlap', reason: 'the previous run was still going on' };
    const red = pauseReason({ consecutiveFailures: 0, maxConsecutiveFailures: Number.POSITIVE_INFINITY, windows: this.windows(now) });
    if (red) return { skipped: 'budget', reason: red, pause: true };
    const room = monthlyRoom(row.budget.monthly, await this.monthSpend(row, now), row.budget.perRun);
    return room.fits ? null : { skipped: 'budget', reason: room.reason };
  }

  /** The windows' zones; none while a person has switched enforcement off (PUT /v1/budgets/enforcement), so RED pauses nothing then. */
  private windows(now: Date) {
    if (!this.ledger.enforcing().enabled) return [];
    return this.ledger.status(now).map((w) => ({ window: w.window, zone: w.zone, fractionUsed: w.fractionUsed }));
  }

  /** What the schedule's runs spent this month (in its time zone), from their deliberations' own figures. */
  async monthSpend(row: ScheduleRow, now: Date): Promise<{ tokens: number; usd: number }> {
    const month = windowBounds('monthly', now, row.timezone);
    let tokens = 0;
    let usd = 0;
    for (const run of await this.repository.runsWithDeliberationSince(row.id, month.start)) {
      const { totals } = await this.deliberations.tokens(run.deliberationId!);
      tokens += totals.totalTokens;
      usd += totals.costUsd ?? 0;
    }
    return { tokens, usd };
  }

  /** The deliberation's context: its own, then what contextFrom names, read now (a file checked again: it may have become a link). */
  private async contextFor(row: ScheduleRow): Promise<string | undefined> {
    const own = row.deliberation.context;
    let read: string | undefined;
    if (row.contextFrom?.file !== undefined) {
      const file = resolveContextFile(this.config.schedules.contextDir, row.contextFrom.file);
      if ('problem' in file) throw new Error(`${file.problem.field}: ${file.problem.message}`);
      // Checked before reading, so a huge file is never loaded only to be refused (UTF-8: at most 4 bytes a character).
      const { size } = await stat(file.path);
      if (size > MAX_CONTEXT_CHARS * 4) throw new Error(`contextFrom.file: ${size} bytes is more than a context may hold (${MAX_CONTEXT_CHARS} characters)`);
      read = await readFile(file.path, 'utf8');
    } else if (row.contextFrom?.url !== undefined) {
      const path = checkServicePath(row.contextFrom.url);
      if ('problem' in path) throw new Error(`${path.problem.field}: ${path.problem.message}`);
      read = await this.ownService.read(path.path);
    }
    const context = [own, read].filter((part) => part !== undefined && part !== '').join('\n\n');
    if (context.length > MAX_CONTEXT_CHARS) throw new Error(`the context is ${context.length} characters; at most ${MAX_CONTEXT_CHARS}`);
    return context || undefined;
  }

  /** Waits for the run's deliberation to stop, then records how it ended (a stopping service leaves that to the next start). */
  private follow(runId: string, scheduleId: string, deliberationId: string): void {
    void this.deliberations
      .whenSettled(deliberationId)
      .then((view) => (this.stopping ? undefined : this.settle(runId, scheduleId, view)))
      .catch((e: unknown) => this.logger.error({ scheduleId, runId, err: e }, 'could not record how a scheduled run ended'));
  }

  private async settle(runId: string, scheduleId: string, view: DeliberationView): Promise<void> {
    if (view.status === 'queued' || view.status === 'running') return;
    const { totals } = await this.deliberations.tokens(view.id);
    const status: RunStatus = view.status;
    const reason = view.status === 'failed' ? view.failure : view.status === 'paused' && view.pause ? `${view.pause.reason}: ${view.pause.limit}` : null;
    const ended = await this.repository.finish(runId, {
      status,
      reason,
      pauseReason: view.pause?.reason ?? null,
      outcome: view.result?.outcome ?? null,
      winningOption: view.result?.winningOption ?? null,
      tokens: totals.totalTokens,
      costUsd: totals.costUsd,
      finishedAt: this.clock.now(),
    });
    if (!ended) return;
    await this.announce(runId, 'run_finished');
    await this.afterRun(scheduleId);
  }

  /** After a run ended: a failure streak at its limit, or a RED window, pauses the schedule. */
  private async afterRun(scheduleId: string): Promise<void> {
    const row = await this.repository.get(scheduleId);
    if (!row || row.status === 'paused') return;
    const settled = await this.repository.settledSince(scheduleId, row.streakSince, STREAK_WINDOW);
    const reason = pauseReason({
      consecutiveFailures: consecutiveFailures(settled.map((r) => ({ status: r.status as RunStatus, pauseReason: r.pauseReason }))),
      maxConsecutiveFailures: row.maxConsecutiveFailures,
      windows: this.windows(this.clock.now()),
    });
    if (reason) await this.pause(row, reason);
  }

  /** The schedule pauses itself: no more ticks until a resume; told on the event stream and in the log. */
  private async pause(row: ScheduleRow, reason: string): Promise<void> {
    const now = this.clock.now().toISOString();
    await this.repository.update(row.id, { status: 'paused', pausedReason: reason, pausedAt: now, updatedAt: now });
    this.timers.disarm(row.id);
    this.logger.warn({ scheduleId: row.id, reason }, `schedule "${row.name}" paused itself: ${reason}`);
    this.events.emit({ type: 'schedule_paused', scheduleId: row.id, at: now, reason });
  }

  private async recordMissed(row: ScheduleRow, tickAt: Date, reason: string): Promise<void> {
    const runId = randomUUID();
    if (await this.repository.claim({ id: runId, scheduleId: row.id, trigger: 'tick', tickAt, status: 'missed', reason, now: this.clock.now() })) {
      await this.announce(runId, 'run_missed');
    }
  }

  private async announce(runId: string, type: ScheduleEventType): Promise<ScheduleRunView> {
    const run = runView((await this.repository.getRun(runId))!);
    this.events.emit({ type, scheduleId: run.scheduleId, at: this.clock.now().toISOString(), run });
    return run;
  }

  /**
   * Runs left `running` by a process that stopped: one whose deliberation never started failed; one whose
   * deliberation is queued again (the deliberations' recovery) is followed; the rest are recorded as they
   * ended (a deliberation that was running then is `interrupted`). None is started again.
   */
  private async reconcile(): Promise<void> {
    for (const run of await this.repository.running()) {
      const now = this.clock.now();
      if (!run.deliberationId) {
        await this.repository.finish(run.id, { status: 'failed', reason: 'the service stopped before its deliberation started', finishedAt: now });
        continue;
      }
      const view = await this.deliberations.get(run.deliberationId).catch(() => null);
      if (!view) await this.repository.finish(run.id, { status: 'failed', reason: `deliberation ${run.deliberationId} no longer exists`, finishedAt: now });
      else if (view.status === 'queued' || view.status === 'running') this.follow(run.id, run.scheduleId, view.id);
      else await this.settle(run.id, run.scheduleId, view);
    }
  }

  private locked<T>(scheduleId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(scheduleId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.locks.set(scheduleId, tail);
    void tail.then(() => {
      if (this.locks.get(scheduleId) === tail) this.locks.delete(scheduleId);
    });
    return next;
  }
}
