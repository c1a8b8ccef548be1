import { Inject, Injectable } from '@nestjs/common';
import { Clock, CONCLAVE_CONFIG, ConclaveConfig, DomainError } from '@app/config';
import { DeliberationService } from '@app/deliberation';
import { randomUUID } from 'node:crypto';
import { parseCadence, type FieldProblem } from './rules/cadence';
import { checkServicePath, resolveContextFile } from './rules/context-source';
import { budgetProblem } from './rules/governance';
import { ScheduleRepository, type ScheduleRow } from './persistence/schedule.repository';
import { ScheduleRunner } from './runtime/schedule-runner';
import { runView, scheduleView } from './schedule-views';
import type { ScheduleInput, ScheduleRunView, ScheduleView } from './schedule.types';

export const DEFAULT_MAX_CONSECUTIVE_FAILURES = 3;

function invalid(problem: FieldProblem): DomainError {
  return new DomainError('invalid', 'INVALID_SCHEDULE', `${problem.field}: ${problem.message}`, { field: problem.field });
}

function notFound(id: string): DomainError {
  return new DomainError('not_found', 'SCHEDULE_NOT_FOUND', `schedule ${id} does not exist`);
}

/** The schedule use cases behind the REST routes. */
@Injectable()
export class ScheduleService {
  constructor(
    @Inject(CONCLAVE_CONFIG) private readonly config: ConclaveConfig,
    private readonly repository: ScheduleRepository,
    private readonly deliberations: DeliberationService,
    private readonly runner: ScheduleRunner,
    private readonly clock: Clock,
  ) {}

  async create(input: ScheduleInput): Promise<ScheduleView> {
    this.check(input);
    const now = this.clock.now().toISOString();
    const row: ScheduleRow = {
      id: randomUUID(),
      name: input.name,
      status: 'active',
      enabled: input.enabled ?? true,
      cron: input.cron?.trim() ?? null,
      everySeconds: input.everySeconds ?? null,
      timezone: input.timezone ?? 'UTC',
      catchUp: input.catchUp ?? false,
      deliberation: input.deliberation,
      contextFrom: input.contextFrom ?? null,
      budget: input.budget,
      maxConsecutiveFailures: input.maxConsecutiveFailures ?? DEFAULT_MAX_CONSECUTIVE_FAILURES,
      pausedReason: null,
      pausedAt: null,
      streakSince: now,
      // Ticks count from creation: none before it is missed.
      lastTickAt: now,
      createdAt: now,
      updatedAt: now,
    };
    await this.repository.create(row);
    await this.runner.startTicking(row);
    return this.view(row);
  }

  async list(): Promise<ScheduleView[]> {
    return Promise.all((await this.repository.list()).map((row) => this.view(row)));
  }

  async get(id: string): Promise<ScheduleView> {
    return this.view(await this.row(id));
  }

  /**
   * Changes what is given, validated as a whole like a create. A new cadence, or enabling it again,
   * starts counting ticks from now (the ones before are not missed).
   */
  async update(id: string, changes: Partial<ScheduleInput>): Promise<ScheduleView> {
    const row = await this.row(id);
    const cadenceGiven = changes.cron !== undefined || changes.everySeconds !== undefined;
    const merged: ScheduleInput = {
      name: changes.name ?? row.name,
      cron: cadenceGiven ? (changes.cron ?? null) : row.cron,
      everySeconds: cadenceGiven ? (changes.everySeconds ?? null) : row.everySeconds,
      timezone: changes.timezone ?? row.timezone,
      deliberation: changes.deliberation ?? row.deliberation,
      contextFrom: changes.contextFrom === undefined ? row.contextFrom : changes.contextFrom,
      budget: changes.budget ?? row.budget,
      maxConsecutiveFailures: changes.maxConsecutiveFailures ?? row.maxConsecutiveFailures,
      enabled: changes.enabled ?? Boolean(row.enabled),
      catchUp: changes.catchUp ?? Boolean(row.catchUp),
    };
    this.check(merged);
    const now = this.clock.now().toISOString();
    const restart = cadenceGiven || changes.timezone !== undefined || (merged.enabled && !row.enabled);
    const updated: ScheduleRow = {
      ...row,
      name: merged.name,
      cron: merged.cron?.trim() ?? null,
      everySeconds: merged.everySeconds ?? null,
      timezone: merged.timezone!,
      deliberation: merged.deliberation,
      contextFrom: merged.contextFrom ?? null,
      budget: merged.budget,
      maxConsecutiveFailures: merged.maxConsecutiveFailures!,
      enabled: merged.enabled!,
      catchUp: merged.catchUp!,
      lastTickAt: restart ? now : row.lastTickAt,
      updatedAt: now,
    };
    // The last tick is written only when counting starts again: a tick claimed meanwhile moved it on.
    const { id: _id, createdAt: _created, lastTickAt, ...fields } = updated;
    await this.repository.update(id, restart ? { ...fields, lastTickAt } : fields);
    this.runner.stopTicking(id);
    await this.runner.startTicking(updated);
    return this.view(updated);
  }

  async remove(id: string): Promise<void> {
    this.runner.stopTicking(id);
    if (!(await this.repository.delete(id))) throw notFound(id);
  }

  /**
   * A paused schedule ticks again (enabled too): failures before now no longer count, and ticks from
   * now on run (the ones while it was paused are not caught up).
   */
  async resume(id: string): Promise<ScheduleView> {
    const row = await this.row(id);
    if (row.status !== 'paused' && row.enabled) {
      throw new DomainError('conflict', 'SCHEDULE_NOT_PAUSED', `schedule ${id} is active and enabled; only a paused or disabled one can be resumed`);
    }
    const now = this.clock.now().toISOString();
    const changes: Partial<ScheduleRow> = {
      status: 'active',
      enabled: true,
      pausedReason: null,
      pausedAt: null,
      streakSince: now,
      lastTickAt: now,
      updatedAt: now,
    };
    await this.repository.update(id, changes);
    const resumed: ScheduleRow = { ...row, ...changes };
    this.runner.resumed(id, now);
    await this.runner.startTicking(resumed);
    return this.view(resumed);
  }

  async runNow(id: string): Promise<ScheduleRunView> {
    await this.row(id);
    return this.runner.runNow(id);
  }

  async runs(id: string, limit: number): Promise<ScheduleRunView[]> {
    await this.row(id);
    return (await this.repository.runs(id, limit)).map(runView);
  }

  private async row(id: string): Promise<ScheduleRow> {
    const row = await this.repository.get(id);
    if (!row) throw notFound(id);
    return row;
  }

  private async view(row: ScheduleRow): Promise<ScheduleView> {
    const spend = await this.runner.monthSpend(row, this.clock.now());
    return scheduleView(row, { nextTickAt: this.runner.nextTickAt(row), monthToDate: { tokens: spend.tokens, costUsd: spend.usd } });
  }

  /**
   * What the DTOs cannot check: the cadence, the budget's consistency, the context source, and the
   * deliberation as POST /v1/deliberations would accept it (its errors name their field under `deliberation.`).
   */
  private check(input: ScheduleInput): void {
    const cadence = parseCadence(input, this.config.schedules.minIntervalSeconds);
    if ('problem' in cadence) throw invalid(cadence.problem);
    const budget = budgetProblem(input.budget.perRun, input.budget.monthly);
    if (budget) throw invalid(budget);
    if (input.deliberation.budget) throw invalid({ field: 'deliberation.budget', message: "a schedule's run is capped by budget.perRun; leave this out" });
    const from = input.contextFrom;
    if (from) {
      if ((from.file === undefined) === (from.url === undefined)) throw invalid({ field: 'contextFrom', message: 'give exactly one of file or url' });
      const checked = from.file !== undefined ? resolveContextFile(this.config.schedules.contextDir, from.file) : checkServicePath(from.url!);
      if ('problem' in checked) throw invalid(checked.problem);
    }
    try {
      this.deliberations.accept({ ...input.deliberation, budget: { ...input.budget.perRun } });
    } catch (e) {
      if (!(e instanceof DomainError) || e.kind !== 'invalid') throw e;
      const field = typeof e.details?.field === 'string' ? `deliberation.${e.details.field}` : 'deliberation';
      throw new DomainError('invalid', e.code, `deliberation.${e.message}`, { ...e.details, field });
    }
  }
}
