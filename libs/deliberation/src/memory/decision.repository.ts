import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, In } from 'typeorm';
import type { Outcome } from '../deliberation.types';
import { DecisionEntity, DecisionReuseEntity } from './decision.entities';
import type { DecisionStats } from './decision';
import type { TermCounts } from './memory-vector';

/** The decisions and decision_reuses tables. */
@Injectable()
export class DecisionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A deliberation completed again (a resumed fork's id is new; a re-run never is) replaces its decision. */
  async save(manager: EntityManager, decision: DecisionEntity): Promise<void> {
    await manager.upsert(DecisionEntity, decision, ['id']);
  }

  async saveReuse(manager: EntityManager, reuse: DecisionReuseEntity): Promise<void> {
    await manager.insert(DecisionReuseEntity, reuse);
  }

  /** A deleted deliberation's decision, and its own reuse record (reuses of its decision by others stay: they happened). */
  async deleteFor(manager: EntityManager, deliberationId: string): Promise<void> {
    await manager.delete(DecisionEntity, { id: deliberationId });
    await manager.delete(DecisionReuseEntity, { deliberationId });
  }

  /** Every decision's vectors (embeddings only when asked for: they are large): what the in-memory index is loaded from. */
  async vectors(
    withEmbeddings: boolean,
  ): Promise<Array<{ id: string; createdAt: string; vector: TermCounts; vectorKind: string; embedding: number[] | null }>> {
    const rows = await this.dataSource
      .getRepository(DecisionEntity)
      .find({ select: { id: true, createdAt: true, vector: true, vectorKind: true, embedding: withEmbeddings } });
    return rows.map((r) => ({ ...r, embedding: r.embedding ?? null }));
  }

  async find(id: string): Promise<DecisionEntity | null> {
    return this.dataSource.getRepository(DecisionEntity).findOneBy({ id });
  }

  async findMany(ids: readonly string[]): Promise<Map<string, DecisionEntity>> {
    if (ids.length === 0) return new Map();
    const rows = await this.dataSource.getRepository(DecisionEntity).findBy({ id: In([...ids]) });
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** Reuse hits and tokens saved per decision. */
  async reuseOf(ids: readonly string[]): Promise<Map<string, { hits: number; tokensSaved: number }>> {
    if (ids.length === 0) return new Map();
    const rows: Array<{ id: string; hits: number | string; saved: number | string | null }> = await this.dataSource
      .getRepository(DecisionReuseEntity)
      .createQueryBuilder('r')
      .select('r.decision_id', 'id')
      .addSelect('COUNT(*)', 'hits')
      .addSelect('SUM(r.tokens_saved)', 'saved')
      .where({ decisionId: In([...ids]) })
      .groupBy('r.decision_id')
      .getRawMany();
    return new Map(rows.map((r) => [r.id, { hits: Number(r.hits), tokensSaved: Number(r.saved ?? 0) }]));
  }

  async stats(): Promise<DecisionStats> {
    const outcomes: Array<{ outcome: Outcome; count: number | string; tokens: number | string | null; cost: number | string | null; priced: number | string }> =
      await this.dataSource
        .getRepository(DecisionEntity)
        .createQueryBuilder('d')
        .select('d.outcome', 'outcome')
        .addSelect('COUNT(*)', 'count')
        .addSelect('SUM(d.tokens)', 'tokens')
        .addSelect('SUM(d.cost_usd)', 'cost')
        .addSelect('COUNT(d.cost_usd)', 'priced')
        .groupBy('d.outcome')
        .getRawMany();
    const reuse: { hits: number | string; saved: number | string | null; cost: number | string | null; priced: number | string } | undefined =
      await this.dataSource
        .getRepository(DecisionReuseEntity)
        .createQueryBuilder('r')
        .select('COUNT(*)', 'hits')
        .addSelect('SUM(r.tokens_saved)', 'saved')
        .addSelect('SUM(r.cost_saved_usd)', 'cost')
        .addSelect('COUNT(r.cost_saved_usd)', 'priced')
        .getRawOne();
    const priced = outcomes.reduce((n, o) => n + Number(o.priced), 0);
    return {
      count: outcomes.reduce((n, o) => n + Number(o.count), 0),
      outcomes: Object.fromEntries(outcomes.map((o) => [o.outcome, Number(o.count)])),
      tokens: outcomes.reduce((n, o) => n + Number(o.tokens ?? 0), 0),
      // Null when nothing stored could be priced: a cost is never guessed.
      costUsd: priced > 0 ? outcomes.reduce((n, o) => n + Number(o.cost ?? 0), 0) : null,
      reuse: {
        hits: Number(reuse?.hits ?? 0),
        tokensSaved: Number(reuse?.saved ?? 0),
        costSavedUsd: Number(reuse?.priced ?? 0) > 0 ? Number(reuse?.cost ?? 0) : null,
      },
    };
  }
}
