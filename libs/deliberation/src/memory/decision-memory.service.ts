import { Inject, Injectable } from '@nestjs/common';
import { Clock, CONCLAVE_CONFIG, ConclaveConfig, DomainError } from '@app/config';
import type { EntityManager } from 'typeorm';
import type { MemoryReference, MemoryUse } from '../deliberation.types';
import type { DecisionEntity } from './decision.entities';
import { decisionView, embeddingKind, memoryReference, reuseAllowed, type DecisionHit, type DecisionStats, type DecisionView } from './decision';
import { DecisionRepository } from './decision.repository';
import { decisionTerms, DecisionIndex, EmbeddingIndex, reuseVerdict } from './memory-vector';

/** Longest query text, as for a question. */
export const MAX_QUERY_CHARS = 20_000;

/** A past decision that may answer a new request (memory: reuse). */
export interface Reusable {
  past: DecisionEntity;
  similarity: number;
  use: MemoryUse;
}

/** Something asked: what memory compares with the past. */
export interface Asked {
  question: string;
  context?: string;
  adapters: readonly string[];
}

export type MemoryChange = { added: string } | { removed: string };

/**
 * Decision memory: completed deliberations' decisions, found again by the similarity of their question
 * and context. The vectors live in memory (loaded on first use, kept current on every write and delete:
 * this process's, and in a cluster every process's, told over the ClusterBus), so a search reads rows only
 * for its hits.
 */
@Injectable()
export class DecisionMemory {
  private index: Promise<{ terms: DecisionIndex; embeddings: EmbeddingIndex }> | null = null;
  /** A cluster's: tells every process (this one included) of a decision stored or deleted. */
  private announce: ((change: MemoryChange) => void) | null = null;

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
  remember(decision: Pick<DecisionEntity, 'id' | 'createdAt' | 'vector' | 'vectorKind' | 'embedding'>): void {
    if (this.announce) return this.announce({ added: decision.id });
    void this.index?.then((index) => this.add(index, decision));
  }

  /** In a cluster, changes go to every process's index through `announce`, and come back through `apply`. */
  share(announce: (change: MemoryChange) => void): void {
    this.announce = announce;
  }

  /** A change told by a process of the cluster: the stored decision joins the index, or a deleted one leaves it. */
  async apply(change: MemoryChange): Promise<void> {
    const index = await this.index;
    if (!index) return;
    if ('removed' in change) {
      index.terms.remove(change.removed);
      index.embeddings.remove(change.removed);
      return;
    }
    const decision = await this.decisions.find(change.added);
    if (decision) this.add(index, decision);
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
    if (this.announce) return this.announce({ removed: id });
    void this.index?.then((index) => {
      index.terms.remove(id);
      index.embeddings.remove(id);
    });
  }

  async search(query: { q: string; limit?: number; minSimilarity?: number }): Promise<DecisionHit[]> {
    const q = query.q.trim();
    if (!q) throw new DomainError('invalid', 'INVALID_QUERY', 'q: must not be empty', { field: 'q' });
    if (q.length > MAX_QUERY_CHARS) throw new DomainError('invalid', 'INVALID_QUERY', `q: at most ${MAX_QUERY_CHARS} characters`, { field: 'q' });
    const { terms: index } = await this.loaded();
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
   * The past decision that may answer a request under `reuse`: the most similar at or above
   * memory.reuseSimilarity (TF-IDF: no model call) with no differing content word, younger than
   * memory.reuseMaxAgeDays and decided by at least the request's adapters; null when none qualifies.
   */
  async reusable(asked: Asked): Promise<Reusable | null> {
    const settings = this.config.memory;
    const { terms: index } = await this.loaded();
    const terms = decisionTerms(asked.question, asked.context);
    // Enough candidates that ones decided by other adapters or too old do not hide a usable one.
    const candidates = index.search(terms, { limit: 100, minSimilarity: settings.reuseSimilarity });
    const rows = await this.decisions.findMany(candidates.map((c) => c.id));
    const now = this.clock.now();
    for (const candidate of candidates) {
      const past = rows.get(candidate.id);
      if (!past) continue;
      if (!reuseVerdict(candidate.score, settings.reuseSimilarity, terms, past.vector).reusable) continue;
      if (!reuseAllowed(past, asked.adapters, now, settings.reuseMaxAgeDays).ok) continue;
      return { past, similarity: candidate.score, use: { mode: 'reuse', decisions: [memoryReference(past, candidate.score)], reusedFrom: past.id } };
    }
    return null;
  }

  /**
   * The past decisions to quote in round 1's prompt: up to memory.contextDecisions at or above
   * memory.minSimilarity. With `embed` (memory.embeddings set) and embedded decisions stored, ranked by
   * the embeddings' cosine — one call, made only then; when it fails, by TF-IDF.
   */
  async context(asked: Asked, embed?: () => Promise<number[] | null>, pinned: string[] = []): Promise<MemoryReference[]> {
    const settings = this.config.memory;
    const index = await this.loaded();
    // Decisions the caller names (a schedule's previous runs) come first, whatever their similarity.
    const named = await this.decisions.findMany(pinned.slice(0, settings.contextDecisions));
    const terms = decisionTerms(asked.question, asked.context);
    const first = pinned.flatMap((id) => {
      const row = named.get(id);
      return row ? [memoryReference(row, index.terms.similarity(terms, id))] : [];
    });
    const room = settings.contextDecisions - first.length;
    if (room <= 0) return first;
    const options = { limit: room + first.length, minSimilarity: settings.minSimilarity };
    let by: MemoryReference['similarityBy'] = 'tfidf';
    let hits = null;
    if (embed && index.embeddings.size > 0) {
      const vector = await embed();
      if (vector) {
        hits = index.embeddings.search(vector, options);
        by = 'embeddings';
      }
    }
    hits ??= index.terms.search(terms, options);
    hits = hits.filter((h) => !first.some((f) => f.id === h.id)).slice(0, room);
    const rows = await this.decisions.findMany(hits.map((h) => h.id));
    return [
      ...first,
      ...hits.flatMap((h) => {
        const row = rows.get(h.id);
        return row ? [memoryReference(row, h.score, by)] : [];
      }),
    ];
  }

  private add(
    index: { terms: DecisionIndex; embeddings: EmbeddingIndex },
    decision: Pick<DecisionEntity, 'id' | 'createdAt' | 'vector' | 'vectorKind' | 'embedding'>,
  ): void {
    index.terms.add(decision.id, decision.createdAt, decision.vector);
    // Only vectors of the configured model are comparable; others (an older model) are left out.
    const model = this.config.memory.embeddings?.model;
    if (model && decision.embedding && decision.vectorKind === embeddingKind(model)) index.embeddings.add(decision.id, decision.createdAt, decision.embedding);
    else index.embeddings.remove(decision.id);
  }

  /** The index, loaded from the table on first use (once, however many callers wait for it). */
  private loaded(): Promise<{ terms: DecisionIndex; embeddings: EmbeddingIndex }> {
    this.index ??= this.decisions.vectors(this.config.memory.embeddings !== undefined).then((rows) => {
      const index = { terms: new DecisionIndex(), embeddings: new EmbeddingIndex() };
      for (const row of rows) this.add(index, row);
      return index;
    });
    // A failed load is not kept: the next call tries again.
    this.index.catch(() => (this.index = null));
    return this.index;
  }
}
