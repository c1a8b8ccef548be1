import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, MoreThanOrEqual, Not } from 'typeorm';
import type { RunStatus, SkipReason } from '../rules/governance';
import type { RunTrigger } from '../schedule.types';
import { ScheduleEntity, ScheduleRunEntity } from './schedule.entities';

export type ScheduleRow = ScheduleEntity;
export type ScheduleRunRow = ScheduleRunEntity;

export interface NewRun {
  id: string;
  scheduleId: string;
  trigger: RunTrigger;
  tickAt: Date | null;
  status: RunStatus;
  skipped?: SkipReason | null;
  reason?: string | null;
  now: Date;
}

export interface RunEnd {
  status: RunStatus;
  reason?: string | null;
  pauseReason?: string | null;
  outcome?: string | null;
  winningOption?: string | null;
  tokens?: number | null;
  costUsd?: number | null;
  finishedAt: Date;
}

/** The schedules and schedule_runs tables. */
@Injectable()
export class ScheduleRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(row: ScheduleRow): Promise<void> {
    await this.dataSource.manager.insert(ScheduleEntity, row);
  }

  get(id: string): Promise<ScheduleRow | null> {
    return this.dataSource.manager.findOneBy(ScheduleEntity, { id });
  }

  list(): Promise<ScheduleRow[]> {
    return this.dataSource.manager.find(ScheduleEntity, { order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Schedules whose ticks may fire: enabled and not paused. */
  ticking(): Promise<ScheduleRow[]> {
    return this.dataSource.manager.find(ScheduleEntity, { where: { enabled: true, status: 'active' } });
  }

  async update(id: string, changes: Partial<ScheduleRow>): Promise<void> {
    await this.dataSource.manager.update(ScheduleEntity, { id }, changes);
  }

  /** Deletes the schedule and, by the foreign key's cascade, its runs. Returns false when there was none. */
  async delete(id: string): Promise<boolean> {
    const result = await this.dataSource.manager.delete(ScheduleEntity, { id });
    return (result.affected ?? 0) > 0;
  }

  /**
   * Records a run row and, for a tick, moves the schedule's last tick to it, in one transaction. A tick
   * whose row already exists (it was claimed before, maybe by a process that died since) is not claimed
   * again: returns false and changes nothing. This row is written before any deliberation starts.
   */
  async claim(run: NewRun): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      await manager
        .createQueryBuilder()
        .insert()
        .into(ScheduleRunEntity)
        .values({
          id: run.id,
          scheduleId: run.scheduleId,
          trigger: run.trigger,
          tickAt: run.tickAt?.toISOString() ?? null,
          status: run.status,
          skipped: run.skipped ?? null,
          reason: run.reason ?? null,
          pauseReason: null,
          deliberationId: null,
          outcome: null,
          winningOption: null,
          tokens: null,
          costUsd: null,
          createdAt: run.now.toISOString(),
          finishedAt: run.status === 'running' ? null : run.now.toISOString(),
        })
        .orIgnore()
        .execute();
      // Whether this insert won is read back by id: drivers report ignored inserts differently.
      if (!(await manager.existsBy(ScheduleRunEntity, { id: run.id }))) return false;
      if (run.tickAt) {
        await manager
          .createQueryBuilder()
          .update(ScheduleEntity)
          .set({ lastTickAt: run.tickAt.toISOString() })
          .where('id = :id AND last_tick_at < :tick', { id: run.scheduleId, tick: run.tickAt.toISOString() })
          .execute();
      }
      return true;
    });
  }

  async setDeliberation(runId: string, deliberationId: string): Promise<void> {
    await this.dataSource.manager.update(ScheduleRunEntity, { id: runId }, { deliberationId });
  }

  /** Records how a running run ended; false when it had already ended (or is gone with its schedule). */
  async finish(runId: string, end: RunEnd): Promise<boolean> {
    const result = await this.dataSource.manager.update(
      ScheduleRunEntity,
      { id: runId, status: 'running' },
      {
        status: end.status,
        reason: end.reason ?? null,
        pauseReason: end.pauseReason ?? null,
        outcome: end.outcome ?? null,
        winningOption: end.winningOption ?? null,
        tokens: end.tokens ?? null,
        costUsd: end.costUsd ?? null,
        finishedAt: end.finishedAt.toISOString(),
      },
    );
    return (result.affected ?? 0) > 0;
  }

  getRun(id: string): Promise<ScheduleRunRow | null> {
    return this.dataSource.manager.findOneBy(ScheduleRunEntity, { id });
  }

  /** Newest first. */
  runs(scheduleId: string, limit: number): Promise<ScheduleRunRow[]> {
    return this.dataSource.manager.find(ScheduleRunEntity, { where: { scheduleId }, order: { createdAt: 'DESC', id: 'DESC' }, take: limit });
  }

  /** Runs that ran (or run) a deliberation since `since`, for the monthly spend. */
  runsWithDeliberationSince(scheduleId: string, since: Date): Promise<ScheduleRunRow[]> {
    return this.dataSource.manager.find(ScheduleRunEntity, {
      where: { scheduleId, createdAt: MoreThanOrEqual(since.toISOString()), deliberationId: Not(IsNull()) },
    });
  }

  /** The deliberations of the latest completed runs, newest first: their decisions are the next run's context. */
  async previousDecisions(scheduleId: string, limit: number): Promise<string[]> {
    const rows = await this.dataSource.manager.find(ScheduleRunEntity, {
      where: { scheduleId, status: 'completed', deliberationId: Not(IsNull()) },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
    });
    return rows.map((r) => r.deliberationId!);
  }

  /** Settled runs since `since`, newest first, for the failure streak. */
  settledSince(scheduleId: string, since: string, limit: number): Promise<ScheduleRunRow[]> {
    return this.dataSource.manager.find(ScheduleRunEntity, {
      where: { scheduleId, createdAt: MoreThanOrEqual(since), status: Not('running') },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
    });
  }

  async hasRunning(scheduleId: string): Promise<boolean> {
    return this.dataSource.manager.existsBy(ScheduleRunEntity, { scheduleId, status: 'running' });
  }

  /** Every run left running (by this process, or one that died). */
  running(): Promise<ScheduleRunRow[]> {
    return this.dataSource.manager.find(ScheduleRunEntity, { where: { status: 'running' } });
  }
}
