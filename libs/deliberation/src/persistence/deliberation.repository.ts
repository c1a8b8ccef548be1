import { Injectable } from '@nestjs/common';
import { runSql } from '@app/config';
import { DataSource, EntityManager, In, MoreThanOrEqual } from 'typeorm';
import type { DeliberationRequest, DeliberationResult, DeliberationStatus } from '../deliberation.types';
import type { PauseInfo } from '../engine/engine.ports';
import { emptyRuntime, type RuntimeState } from '../state/engine-state';
import { DeliberationEntity, type ResumeEntry } from './deliberation.entities';

export interface NewDeliberation {
  id: string;
  request: DeliberationRequest;
  status: DeliberationStatus;
  now: Date;
  parentId?: string;
  forkedFromCheckpointId?: string;
  latestCheckpointId?: string;
  runtime?: RuntimeState;
}

export interface ListQuery {
  status?: DeliberationStatus;
  limit: number;
  cursor?: { createdAt: string; id: string };
}

export interface StatusChange {
  result?: DeliberationResult | null;
  pause?: PauseInfo | null;
  failure?: string | null;
  runtime?: RuntimeState;
}

/** The deliberations table: one row per deliberation, its status, request, result and latest checkpoint. */
@Injectable()
export class DeliberationRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(d: NewDeliberation, manager: EntityManager = this.dataSource.manager): Promise<void> {
    const now = d.now.toISOString();
    await manager.insert(DeliberationEntity, {
      id: d.id,
      status: d.status,
      question: d.request.question,
      mode: d.request.mode,
      maxRounds: d.request.maxRounds,
      request: d.request,
      participants: d.request.participants,
      result: null,
      pause: null,
      failure: null,
      latestCheckpointId: d.latestCheckpointId ?? null,
      parentId: d.parentId ?? null,
      forkedFromCheckpointId: d.forkedFromCheckpointId ?? null,
      resumes: [],
      runtime: d.runtime ?? emptyRuntime(),
      createdAt: now,
      updatedAt: now,
    });
  }

  async delete(manager: EntityManager, id: string): Promise<void> {
    await manager.delete(DeliberationEntity, { id });
  }

  async exists(id: string): Promise<boolean> {
    return (await this.dataSource.getRepository(DeliberationEntity).countBy({ id })) > 0;
  }

  async find(id: string): Promise<DeliberationEntity | null> {
    return this.dataSource.getRepository(DeliberationEntity).findOneBy({ id });
  }

  async setStatus(manager: EntityManager, id: string, status: DeliberationStatus, now: Date, change: StatusChange = {}): Promise<void> {
    await manager.update(DeliberationEntity, { id }, { status, updatedAt: now.toISOString(), ...change });
  }

  /** Moves a deliberation from one of `from` to `to` only if it is still there: the guard against double resumes. */
  async transition(id: string, from: DeliberationStatus[], to: DeliberationStatus, now: Date, extra: Partial<DeliberationEntity> = {}): Promise<boolean> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(DeliberationEntity)
      .set({ status: to, updatedAt: now.toISOString(), ...extra })
      .where({ id, status: In(from) })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** The checkpoint a deliberation resumes from, with the engine bookkeeping as of it (plain SQL: every round). */
  async setLatestCheckpoint(manager: EntityManager, id: string, checkpointId: string, now: Date, runtime?: RuntimeState): Promise<void> {
    await runSql(
      manager,
      `UPDATE deliberations SET latest_checkpoint_id = :checkpointId, updated_at = :updatedAt${runtime ? ', runtime = :runtime' : ''} WHERE id = :id`,
      { checkpointId, updatedAt: now.toISOString(), id, ...(runtime ? { runtime: JSON.stringify(runtime) } : {}) },
    );
  }

  async addResume(id: string, resume: ResumeEntry, request: DeliberationRequest): Promise<void> {
    const row = await this.find(id);
    if (!row) return;
    await this.dataSource
      .getRepository(DeliberationEntity)
      .update({ id }, { resumes: [...(row.resumes ?? []), resume], request, participants: request.participants, maxRounds: request.maxRounds, pause: null });
  }

  async idsWithStatus(statuses: DeliberationStatus[]): Promise<string[]> {
    const rows = await this.dataSource.getRepository(DeliberationEntity).find({ where: { status: In(statuses) }, select: { id: true } });
    return rows.map((r) => r.id);
  }

  /** Completed deliberations finished at or after `from` whose result carries its economy. */
  async finishedSince(from: string): Promise<Array<{ mode: string; result: DeliberationResult }>> {
    const rows = await this.dataSource.getRepository(DeliberationEntity).find({
      where: { status: 'completed', updatedAt: MoreThanOrEqual(from) },
      select: { mode: true, result: true },
    });
    return rows.flatMap((r) => (r.result?.economy ? [{ mode: r.mode, result: r.result }] : []));
  }

  async countWithStatus(status: DeliberationStatus): Promise<number> {
    return this.dataSource.getRepository(DeliberationEntity).countBy({ status });
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows: Array<{ status: string; count: number | string }> = await this.dataSource
      .getRepository(DeliberationEntity)
      .createQueryBuilder('d')
      .select('d.status', 'status')
      .addSelect('COUNT(*)', 'count')
      .groupBy('d.status')
      .getRawMany();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.count)]));
  }

  /** A page of rows, newest first, and whether more follow. */
  async page(query: ListQuery): Promise<{ rows: DeliberationEntity[]; more: boolean }> {
    const qb = this.dataSource.getRepository(DeliberationEntity).createQueryBuilder('d');
    if (query.status) qb.andWhere('d.status = :status', { status: query.status });
    if (query.cursor) {
      qb.andWhere('(d.created_at < :c OR (d.created_at = :c AND d.id < :cid))', { c: query.cursor.createdAt, cid: query.cursor.id });
    }
    const rows = await qb
      .orderBy('d.created_at', 'DESC')
      .addOrderBy('d.id', 'DESC')
      .take(query.limit + 1)
      .getMany();
    return { rows: rows.slice(0, query.limit), more: rows.length > query.limit };
  }
}
