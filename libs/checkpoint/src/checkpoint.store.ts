import { Injectable } from '@nestjs/common';
import { DomainError, runSql } from '@app/config';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, LessThan } from 'typeorm';
import { CheckpointEntity } from './checkpoint.entity';

export interface CheckpointSummary {
  id: string;
  deliberationId: string;
  round: number;
  reason: string;
  schemaVersion: number;
  sizeBytes: number;
  createdAt: string;
}

export interface Checkpoint<S = unknown> extends CheckpointSummary {
  state: S;
}

export interface NewCheckpoint {
  deliberationId: string;
  round: number;
  reason: string;
  schemaVersion: number;
  state: unknown;
  now: Date;
}

const SUMMARY_COLUMNS = { id: true, deliberationId: true, round: true, reason: true, schemaVersion: true, sizeBytes: true, createdAt: true } as const;

function summary(row: CheckpointEntity): CheckpointSummary {
  const { id, deliberationId, round, reason, schemaVersion, sizeBytes, createdAt } = row;
  return { id, deliberationId, round, reason, schemaVersion, sizeBytes, createdAt };
}

/**
 * Versioned snapshots of a deliberation's state. The state is opaque data here: its shape and its
 * upgrades belong to the deliberation lib, which reads `schemaVersion` to load an older snapshot.
 */
@Injectable()
export class CheckpointStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Saved through the caller's manager, so a checkpoint commits with the round it describes. */
  async save(manager: EntityManager, checkpoint: NewCheckpoint): Promise<CheckpointSummary> {
    const state = JSON.stringify(checkpoint.state);
    const row: CheckpointSummary = {
      id: randomUUID(),
      deliberationId: checkpoint.deliberationId,
      round: checkpoint.round,
      reason: checkpoint.reason,
      schemaVersion: checkpoint.schemaVersion,
      sizeBytes: Buffer.byteLength(state),
      createdAt: checkpoint.now.toISOString(),
    };
    // Plain SQL (see runSql): one per round; `manager.insert` also re-read the row for its default column.
    await runSql(
      manager,
      `INSERT INTO checkpoints (id, deliberation_id, round, reason, schema_version, state, size_bytes, deliberation_finished, created_at)
      VALUES (:id, :deliberationId, :round, :reason, :schemaVersion, :state, :sizeBytes, :finished, :createdAt)`,
      { ...row, state, finished: false },
    );
    return row;
  }

  async get(id: string): Promise<Checkpoint> {
    const row = await this.dataSource.getRepository(CheckpointEntity).findOneBy({ id });
    if (!row) throw new DomainError('not_found', 'CHECKPOINT_NOT_FOUND', `checkpoint ${id} does not exist`);
    return { ...summary(row), state: JSON.parse(row.state) as unknown };
  }

  async listFor(deliberationId: string): Promise<CheckpointSummary[]> {
    const rows = await this.dataSource.getRepository(CheckpointEntity).find({
      where: { deliberationId },
      order: { round: 'ASC', createdAt: 'ASC' },
      select: SUMMARY_COLUMNS,
    });
    return rows.map(summary);
  }

  async latestFor(deliberationId: string, manager?: EntityManager): Promise<CheckpointSummary | null> {
    const repo = (manager ?? this.dataSource.manager).getRepository(CheckpointEntity);
    const row = await repo.findOne({
      where: { deliberationId },
      order: { round: 'DESC', createdAt: 'DESC' },
      select: SUMMARY_COLUMNS,
    });
    return row ? summary(row) : null;
  }

  async markDeliberationFinished(manager: EntityManager, deliberationId: string): Promise<void> {
    await manager.update(CheckpointEntity, { deliberationId }, { deliberationFinished: true });
  }

  /** A deleted deliberation's checkpoints, in the caller's transaction. */
  async deleteFor(manager: EntityManager, deliberationId: string): Promise<void> {
    await manager.delete(CheckpointEntity, { deliberationId });
  }

  /** Deletes checkpoints of finished deliberations older than the cutoff, keeping each one's latest. */
  async prune(cutoff: Date): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const candidates = await manager.find(CheckpointEntity, {
        where: { deliberationFinished: true, createdAt: LessThan(cutoff.toISOString()) },
        select: { id: true, deliberationId: true },
      });
      let removed = 0;
      for (const candidate of candidates) {
        const latest = await this.latestFor(candidate.deliberationId, manager);
        if (latest && latest.id !== candidate.id) {
          await manager.delete(CheckpointEntity, { id: candidate.id });
          removed += 1;
        }
      }
      return removed;
    });
  }
}
