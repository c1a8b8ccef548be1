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

/** What a decision's vector is made of: its question and its context. */
export function decisionTerms(question: string, context?: string | null): TermCounts {
  return termCounts(context ? `${question}\n${context}` : question);
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

interface IndexEntry {
  id: string;
  createdAt: string;
  terms: TermCounts;
  norm: number;
}

/**
 * Stored decisions' vectors in memory, with an inverted index (term → decisions that contain it), so a
 * search touches only the decisions sharing a word with the query. Weights: (1 + ln tf) · idf, with the
 * smoothed idf of rules/similarity.ts, idf(t) = ln((1 + N) / (1 + df(t))) + 1, over the decisions stored.
 * Norms depend on idf, so a write marks them stale and the next search recomputes them (one pass).
 */
export class DecisionIndex {
  private readonly entries = new Map<string, IndexEntry>();
  private readonly postings = new Map<string, Set<string>>();
  private normsStale = false;

  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  terms(id: string): TermCounts | undefined {
    return this.entries.get(id)?.terms;
  }

  add(id: string, createdAt: string, terms: TermCounts): void {
    this.remove(id);
    this.entries.set(id, { id, createdAt, terms, norm: 0 });
    for (const term of Object.keys(terms)) {
      let ids = this.postings.get(term);
      if (!ids) this.postings.set(term, (ids = new Set()));
      ids.add(id);
    }
    this.normsStale = true;
  }

  remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    for (const term of Object.keys(entry.terms)) {
      const ids = this.postings.get(term);
      ids?.delete(id);
      if (ids?.size === 0) this.postings.delete(term);
    }
    this.normsStale = true;
  }

  /** Decisions sharing a word with the query at or above `minSimilarity`: best first, newest first among equals. */
  search(query: TermCounts, options: { limit: number; minSimilarity: number }): IndexHit[] {
    this.refreshNorms();
    const queryWeights = Object.entries(query).map(([term, count]) => [term, weight(count) * this.idf(term)] as const);
    let queryNorm = 0;
    for (const [, w] of queryWeights) queryNorm += w * w;
    queryNorm = Math.sqrt(queryNorm);
    if (queryNorm === 0) return [];
    const dots = new Map<string, number>();
    for (const [term, wq] of queryWeights) {
      const ids = this.postings.get(term);
      if (!ids) continue;
      const idf = this.idf(term);
      for (const id of ids) dots.set(id, (dots.get(id) ?? 0) + wq * weight(this.entries.get(id)!.terms[term]) * idf);
    }
    const hits: IndexHit[] = [];
    for (const [id, dot] of dots) {
      const entry = this.entries.get(id)!;
      // Rounded so that equal texts score equal (and then the newest wins), whatever the float noise.
      const score = Math.min(1, Math.round((dot / (queryNorm * entry.norm)) * 1e6) / 1e6);
      if (score >= options.minSimilarity) hits.push({ id, score, createdAt: entry.createdAt });
    }
    hits.sort((a, b) => b.score - a.score || (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
    return hits.slice(0, options.limit);
  }

  private idf(term: string): number {
    return Math.log((1 + this.entries.size) / (1 + (this.postings.get(term)?.size ?? 0))) + 1;
  }

  private refreshNorms(): void {
    if (!this.normsStale) return;
    const idf = new Map<string, number>();
    for (const term of this.postings.keys()) idf.set(term, this.idf(term));
    for (const entry of this.entries.values()) {
      let sum = 0;
      for (const [term, count] of Object.entries(entry.terms)) {
        const w = weight(count) * idf.get(term)!;
        sum += w * w;
      }
      entry.norm = Math.sqrt(sum);
    }
    this.normsStale = false;
  }
}

/** Sublinear term frequency: a word said three times is not three times the topic. */
function weight(count: number): number {
  return 1 + Math.log(count);
}
