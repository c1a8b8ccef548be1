import { tokenize } from '../rules/similarity';
import { stem, STOP_WORDS } from '../rules/vote-grouping';

/**
 * The similarity of decisions: what a question (and its context) is about, as TF-IDF over content words.
 * Pure: no database, no clock. The stored form of a decision's vector is its term counts (`TermCounts`,
 * JSON), not weights: IDF depends on the whole store and changes as decisions are added, so weights are
 * computed by the in-memory `DecisionIndex` from the counts and the store as it stands.
 */

export type TermCounts = Record<string, number>;

/**
 * Words that frame a decision question without saying which decision it is: "should we use / choose /
 * go with X" all ask about X. Dropped with the function words, so paraphrases that differ only in them
 * have the same terms.
 */
const FRAMING_WORDS = new Set([
  'a',
  'i',
  'and',
  'or',
  'what',
  'which',
  'how',
  'whether',
  'with',
  'as',
  'can',
  'could',
  'you',
  'they',
  'your',
  'their',
  'me',
  'my',
  'use',
  'using',
  'go',
  'choose',
  'pick',
  'prefer',
  'better',
  'best',
  'option',
  'opt',
  'select',
  'decide',
  'decision',
  'make',
  'take',
  'want',
  'need',
  'question',
  'versus',
  'vs',
]);

/** Content words of a text, stemmed (plurals), with their counts. */
export function termCounts(text: string): TermCounts {
  const counts: TermCounts = {};
  for (const token of tokenize(text.normalize('NFKC'))) {
    if (STOP_WORDS.has(token) || FRAMING_WORDS.has(token)) continue;
    const term = stem(token);
    counts[term] = (counts[term] ?? 0) + 1;
  }
  return counts;
}

/** What a decision's vectors are made of: its question and its context. */
export function decisionText(question: string, context?: string | null): string {
  return context ? `${question}\n${context}` : question;
}

export function decisionTerms(question: string, context?: string | null): TermCounts {
  return termCounts(decisionText(question, context));
}

/**
 * Embedding vectors of decisions, normalized once, searched by brute-force cosine: used only when a
 * new request is accepted under `context` with memory.embeddings set (never on GET /v1/decisions).
 */
export class EmbeddingIndex {
  private readonly vectors = new Map<string, { createdAt: string; unit: Float64Array }>();

  get size(): number {
    return this.vectors.size;
  }

  add(id: string, createdAt: string, vector: readonly number[]): void {
    const unit = normalized(vector);
    if (unit) this.vectors.set(id, { createdAt, unit });
    else this.vectors.delete(id);
  }

  remove(id: string): void {
    this.vectors.delete(id);
  }

  /** Decisions whose embedding's cosine with the query is at least `minSimilarity`: best first, newest first among equals. */
  search(query: readonly number[], options: { limit: number; minSimilarity: number }): IndexHit[] {
    const q = normalized(query);
    if (!q) return [];
    const hits: IndexHit[] = [];
    for (const [id, { createdAt, unit }] of this.vectors) {
      if (unit.length !== q.length) continue;
      let dot = 0;
      for (let i = 0; i < q.length; i++) dot += q[i] * unit[i];
      const score = Math.max(0, Math.min(1, Math.round(dot * 1e6) / 1e6));
      if (score >= options.minSimilarity && score > 0) hits.push({ id, score, createdAt });
    }
    return hits.sort((a, b) => (before(a, b) ? -1 : 1)).slice(0, options.limit);
  }
}

function normalized(vector: readonly number[]): Float64Array | null {
  let norm = 0;
  for (const x of vector) norm += x * x;
  if (!(norm > 0) || !Number.isFinite(norm)) return null;
  const scale = 1 / Math.sqrt(norm);
  return Float64Array.from(vector, (x) => x * scale);
}

/**
 * Content words found in one text and not the other. A decision is reused only when there are none:
 * "REST or GraphQL for the public API?" and "… for internal services?" share most of their words and
 * can score high, but "public", "api", "internal", "service" say they ask different things. Numbers and
 * labels count ("revision 3" is not "revision 4"), and so does "not".
 */
export function differingTerms(a: TermCounts, b: TermCounts): string[] {
  const out: string[] = [];
  for (const term of Object.keys(a)) if (!(term in b)) out.push(term);
  for (const term of Object.keys(b)) if (!(term in a)) out.push(term);
  return out.sort();
}

export interface ReuseVerdict {
  reusable: boolean;
  /** Why not, when not. */
  reason?: 'below_similarity' | 'differing_terms';
  differing: string[];
}

/** Whether a past decision scoring `score` against a new question may answer it: similar enough, and about the same things. */
export function reuseVerdict(score: number, threshold: number, asked: TermCounts, past: TermCounts): ReuseVerdict {
  const differing = differingTerms(asked, past);
  if (score < threshold) return { reusable: false, reason: 'below_similarity', differing };
  if (differing.length > 0) return { reusable: false, reason: 'differing_terms', differing };
  return { reusable: true, differing };
}

export interface IndexHit {
  id: string;
  score: number;
  createdAt: string;
}

interface Posting {
  /** Slots of the decisions holding the term, and the term's sublinear frequency in each. */
  slots: number[];
  weights: number[];
}

/**
 * Stored decisions' vectors in memory, with an inverted index (term → decisions that contain it), so a
 * search touches only the decisions sharing a word with the query. Weights: (1 + ln tf) · idf, with the
 * smoothed idf of rules/similarity.ts, idf(t) = ln((1 + N) / (1 + df(t))) + 1, over the decisions stored.
 * Norms depend on idf, so a write marks them stale and the next search recomputes them (one pass).
 * Decisions live in numbered slots (arrays, not maps, on the hot path); a search keeps only its best
 * `limit` hits instead of sorting every match: at 10k decisions a common word matches them all.
 */
export class DecisionIndex {
  private readonly slotOf = new Map<string, number>();
  private ids: string[] = [];
  private createdAt: string[] = [];
  private termsOf: Array<TermCounts | null> = [];
  private norms: number[] = [];
  private free: number[] = [];
  private readonly postings = new Map<string, Posting>();
  private normsStale = false;
  private dots = new Float64Array(0);

  get size(): number {
    return this.slotOf.size;
  }

  has(id: string): boolean {
    return this.slotOf.has(id);
  }

  terms(id: string): TermCounts | undefined {
    const slot = this.slotOf.get(id);
    return slot === undefined ? undefined : (this.termsOf[slot] ?? undefined);
  }

  add(id: string, createdAt: string, terms: TermCounts): void {
    this.remove(id);
    const slot = this.free.pop() ?? this.ids.length;
    this.slotOf.set(id, slot);
    this.ids[slot] = id;
    this.createdAt[slot] = createdAt;
    this.termsOf[slot] = terms;
    this.norms[slot] = 0;
    for (const [term, count] of Object.entries(terms)) {
      let posting = this.postings.get(term);
      if (!posting) this.postings.set(term, (posting = { slots: [], weights: [] }));
      posting.slots.push(slot);
      posting.weights.push(weight(count));
    }
    this.normsStale = true;
  }

  remove(id: string): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    for (const term of Object.keys(this.termsOf[slot]!)) {
      const posting = this.postings.get(term)!;
      const at = posting.slots.indexOf(slot);
      posting.slots.splice(at, 1);
      posting.weights.splice(at, 1);
      if (posting.slots.length === 0) this.postings.delete(term);
    }
    this.slotOf.delete(id);
    this.termsOf[slot] = null;
    this.free.push(slot);
    this.normsStale = true;
  }

  /** One stored decision's cosine with a query, as `search` scores it; 0 when it is not stored or shares no word. */
  similarity(query: TermCounts, id: string): number {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return 0;
    this.refreshNorms();
    const stored = this.termsOf[slot]!;
    let dot = 0;
    let queryNorm = 0;
    for (const [term, count] of Object.entries(query)) {
      const idf = this.idf(term);
      const wq = weight(count) * idf;
      queryNorm += wq * wq;
      if (stored[term] !== undefined) dot += wq * idf * weight(stored[term]);
    }
    if (queryNorm === 0 || dot === 0) return 0;
    return Math.min(1, Math.round((dot / (Math.sqrt(queryNorm) * this.norms[slot])) * 1e6) / 1e6);
  }

  /** Decisions sharing a word with the query at or above `minSimilarity`: best first, newest first among equals. */
  search(query: TermCounts, options: { limit: number; minSimilarity: number }): IndexHit[] {
    this.refreshNorms();
    const terms: Array<[Posting, number]> = [];
    let queryNorm = 0;
    for (const [term, count] of Object.entries(query)) {
      const idf = this.idf(term);
      const wq = weight(count) * idf;
      queryNorm += wq * wq;
      const posting = this.postings.get(term);
      // idf twice: once for the query's weight, once for the decision's.
      if (posting) terms.push([posting, wq * idf]);
    }
    queryNorm = Math.sqrt(queryNorm);
    if (queryNorm === 0 || terms.length === 0) return [];
    if (this.dots.length < this.ids.length) this.dots = new Float64Array(Math.max(this.ids.length, 2 * this.dots.length));
    const dots = this.dots;
    const touched: number[] = [];
    for (const [posting, factor] of terms) {
      const { slots, weights } = posting;
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i];
        if (dots[slot] === 0) touched.push(slot);
        dots[slot] += factor * weights[i];
      }
    }
    // The best `limit`, kept sorted (limit is small: at most 100).
    const best: IndexHit[] = [];
    const limit = Math.max(0, options.limit);
    for (const slot of touched) {
      // Rounded so that equal texts score equal (and then the newest wins), whatever the float noise.
      const score = Math.min(1, Math.round((dots[slot] / (queryNorm * this.norms[slot])) * 1e6) / 1e6);
      dots[slot] = 0;
      if (score < options.minSimilarity || limit === 0) continue;
      const hit = { id: this.ids[slot], score, createdAt: this.createdAt[slot] };
      if (best.length === limit && !before(hit, best[limit - 1])) continue;
      let at = best.length;
      while (at > 0 && before(hit, best[at - 1])) at--;
      best.splice(at, 0, hit);
      if (best.length > limit) best.pop();
    }
    return best;
  }

  private idf(term: string): number {
    return Math.log((1 + this.slotOf.size) / (1 + (this.postings.get(term)?.slots.length ?? 0))) + 1;
  }

  private refreshNorms(): void {
    if (!this.normsStale) return;
    const sums = new Float64Array(this.ids.length);
    for (const [term, posting] of this.postings) {
      const idf = this.idf(term);
      const { slots, weights } = posting;
      for (let i = 0; i < slots.length; i++) {
        const w = weights[i] * idf;
        sums[slots[i]] += w * w;
      }
    }
    for (let slot = 0; slot < this.ids.length; slot++) this.norms[slot] = Math.sqrt(sums[slot]);
    this.normsStale = false;
  }
}

/** Best first; among equal scores the newest, then the greater id (any fixed order). */
function before(a: IndexHit, b: IndexHit): boolean {
  if (a.score !== b.score) return a.score > b.score;
  if (a.createdAt !== b.createdAt) return a.createdAt > b.createdAt;
  return a.id > b.id;
}

/** Sublinear term frequency: a word said three times is not three times the topic. */
function weight(count: number): number {
  return 1 + Math.log(count);
}
