import { Inject, Injectable } from '@nestjs/common';
import { Clock, CONCLAVE_CONFIG, ConclaveConfig, DomainError } from '@app/config';
import type { EntityManager } from 'typeorm';
import type { MemoryMode, MemoryUse } from '../deliberation.types';
import type { DecisionEntity } from './decision.entities';
import { decisionView, memoryReference, reuseAllowed, type DecisionHit, type DecisionStats, type DecisionView } from './decision';
import { DecisionRepository } from './decision.repository';
import { decisionTerms, DecisionIndex, reuseVerdict } from './memory-vector';

/** Longest query text, as for a question. */
export const MAX_QUERY_CHARS = 20_000;

/** What memory offers a new request: the decisions to quote, or one to answer it with. */
export type MemoryLookup = { kind: 'none' } | { kind: 'context'; use: MemoryUse } | { kind: 'reuse'; use: MemoryUse; past: DecisionEntity; similarity: number };

/**
 * Decision memory: completed deliberations' decisions, found again by the similarity of their question
 * and context. The vectors live in memory (loaded on first use, kept current on every write and delete
 * of this process: one process per database), so a search reads rows only for its hits.
 */
@Injectable()
export class DecisionMemory {
  private index: Promise<DecisionIndex> | null = null;

  constructor(
    @Inject(CONCLAVE_CONFIG) private readonly config: ConclaveConfig,
    private readonly decisions: DecisionRepository,
    private readonly clock: Clock,
  ) {}

  /** Stores a decision in the caller's transaction; call `remember` once it has committed. */
  async record(manager: EntityManager, decision: DecisionEntity): Promise<void> {
    await this.decisions.save(manager, decision);
  }

  /** A committed decision joins the in-memory index (if it is loaded; otherwise the load reads it). */
  remember(decision: Pick<DecisionEntity, 'id' | 'createdAt' | 'vector'>): void {
    void this.index?.then((index) => index.add(decision.id, decision.createdAt, decision.vector));
  }

  /** A deliberation answered from a past decision, in the caller's transaction (GET /v1/decisions/stats counts it). */
  async recordReuse(manager: EntityManager, deliberationId: string, past: DecisionEntity, now: Date): Promise<void> {
    await this.decisions.saveReuse(manager, {
      deliberationId,
      decisionId: past.id,
      tokensSaved: past.tokens,
      costSavedUsd: past.costUsd,
      createdAt: now.toISOString(),
    });
  }

  /** Removes a deleted deliberation's decision in the caller's transaction; call `forget` once it has committed. */
  async delete(manager: EntityManager, deliberationId: string): Promise<void> {
    await this.decisions.deleteFor(manager, deliberationId);
  }

  forget(id: string): void {
    void this.index?.then((index) => index.remove(id));
  }

  async search(query: { q: string; limit?: number; minSimilarity?: number }): Promise<DecisionHit[]> {
    const q = query.q.trim();
    if (!q) throw new DomainError('invalid', 'INVALID_QUERY', 'q: must not be empty', { field: 'q' });
    if (q.length > MAX_QUERY_CHARS) throw new DomainError('invalid', 'INVALID_QUERY', `q: at most ${MAX_QUERY_CHARS} characters`, { field: 'q' });
    const index = await this.loaded();
    // A hit needs a shared word: minSimilarity 0 still leaves out decisions with nothing in common.
    const hits = index.search(decisionTerms(q), { limit: query.limit ?? 10, minSimilarity: query.minSimilarity ?? 0 });
    const ids = hits.map((h) => h.id);
    const [rows, reuse] = await Promise.all([this.decisions.findMany(ids), this.decisions.reuseOf(ids)]);
    return hits.flatMap((h) => {
      const row = rows.get(h.id);
      return row ? [{ ...decisionView(row, reuse.get(h.id)), similarity: h.score }] : [];
    });
  }

  async get(id: string): Promise<DecisionView> {
    const row = await this.decisions.find(id);
    if (!row) throw new DomainError('not_found', 'DECISION_NOT_FOUND', `decision ${id} does not exist`);
    return decisionView(row, (await this.decisions.reuseOf([id])).get(id));
  }

  stats(): Promise<DecisionStats> {
    return this.decisions.stats();
  }

  /**
   * What memory offers a request about to be created. `reuse`: the most similar decision at or above
   * memory.reuseSimilarity with no differing content word, young enough and decided by at least the
   * request's adapters; without one (or with `force`), what `context` offers. `context`: up to
   * memory.contextDecisions decisions at or above memory.minSimilarity, to quote in round 1's prompt.
   */
  async lookup(request: { question: string; context?: string; adapters: readonly string[] }, mode: MemoryMode, force: boolean): Promise<MemoryLookup> {
    if (mode === 'off') return { kind: 'none' };
    const settings = this.config.memory;
    const index = await this.loaded();
    if (index.size === 0) return { kind: 'none' };
    const asked = decisionTerms(request.question, request.context);
    if (mode === 'reuse' && !force) {
      const candidates = index.search(asked, { limit: 20, minSimilarity: settings.reuseSimilarity });
      const rows = await this.decisions.findMany(candidates.map((c) => c.id));
      const now = this.clock.now();
      for (const candidate of candidates) {
        const past = rows.get(candidate.id);
        if (!past) continue;
        if (!reuseVerdict(candidate.score, settings.reuseSimilarity, asked, past.vector).reusable) continue;
        if (!reuseAllowed(past, request.adapters, now, settings.reuseMaxAgeDays).ok) continue;
        return { kind: 'reuse', past, similarity: candidate.score, use: { mode, decisions: [memoryReference(past, candidate.score)], reusedFrom: past.id } };
      }
    }
    const hits = index.search(asked, { limit: settings.contextDecisions, minSimilarity: settings.minSimilarity });
    if (hits.length === 0) return { kind: 'none' };
    const rows = await this.decisions.findMany(hits.map((h) => h.id));
    const decisions = hits.flatMap((h) => {
      const row = rows.get(h.id);
      return row ? [memoryReference(row, h.score)] : [];
    });
    return decisions.length ? { kind: 'context', use: { mode, decisions } } : { kind: 'none' };
  }

  /** The index, loaded from the table on first use (once, however many callers wait for it). */
  private loaded(): Promise<DecisionIndex> {
    this.index ??= this.decisions.vectors().then((rows) => {
      const index = new DecisionIndex();
      for (const row of rows) index.add(row.id, row.createdAt, row.vector);
      return index;
    });
    // A failed load is not kept: the next call tries again.
    this.index.catch(() => (this.index = null));
    return this.index;
  }
}
