/**
 * Text similarity backends for convergence and vote grouping. Both score in [0, 1]: identical texts 1,
 * texts without a shared word 0. Tokens are lowercase runs of letters and digits (any script); one
 * linear pass per text, so a 10 MB answer costs linear time.
 *
 * Texts with no word at all: two of them score 1 (nothing tells them apart in word space), one against
 * a text with words scores 0.
 */

export type SimilarityBackend = 'tfidf' | 'jaccard';

/** `corpus`: the documents IDF is computed from (TF-IDF only; Jaccard ignores it). */
export type SimilarityFn = (a: string, b: string, corpus?: readonly string[]) => number;

const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;

/**
 * A hand-written scan rather than a Unicode-property regex over the whole text: ASCII (most answers)
 * is classified by code, and only non-ASCII characters pay for the Unicode test. Marks (\p{M}) stay in
 * their word so decomposed accents and scripts such as Devanagari do not split words.
 */
function forEachToken(text: string, visit: (token: string) => void): void {
  const lower = text.toLowerCase();
  const length = lower.length;
  let start = -1;
  for (let i = 0; i < length; i++) {
    const c = lower.charCodeAt(i);
    let word: boolean;
    if (c < 128) {
      word = (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < length) {
      // A surrogate pair: classify the whole code point, keep both halves together.
      const pair = lower.slice(i, i + 2);
      word = WORD_CHAR.test(pair);
      if (word) {
        if (start < 0) start = i;
        i++;
        continue;
      }
    } else {
      word = WORD_CHAR.test(lower[i]);
    }
    if (word) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      visit(lower.slice(start, i));
      start = -1;
    }
  }
  if (start >= 0) visit(lower.slice(start));
}

export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  forEachToken(text, (token) => tokens.push(token));
  return tokens;
}

function termCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  forEachToken(text, (token) => counts.set(token, (counts.get(token) ?? 0) + 1));
  return counts;
}

/**
 * Smoothed IDF over a corpus: idf(t) = ln((1 + N) / (1 + df(t))) + 1, so a term found in every document
 * still weighs 1 (two identical texts score 1, not 0/0) and a term the corpus lacks weighs most.
 */
export function buildIdf(corpus: readonly string[]): (term: string) => number {
  return idfFrom(corpus.map((document) => termCounts(document)));
}

function idfFrom(documents: ReadonlyArray<ReadonlyMap<string, number>>): (term: string) => number {
  const documentFrequency = new Map<string, number>();
  for (const terms of documents) {
    for (const term of terms.keys()) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  }
  const n = documents.length;
  const weights = new Map<string, number>();
  return (term) => {
    let weight = weights.get(term);
    if (weight === undefined) {
      weight = Math.log((1 + n) / (1 + (documentFrequency.get(term) ?? 0))) + 1;
      weights.set(term, weight);
    }
    return weight;
  };
}

/** TF-IDF cosine of two texts; IDF from `corpus` (default: the two texts themselves). */
export function tfidfCosine(a: string, b: string, corpus?: readonly string[]): number {
  if (a === b) return 1;
  if (corpus) return cosine(termCounts(a), termCounts(b), buildIdf(corpus));
  return pairCosine(termCounts(a), termCounts(b));
}

/** IDF over the corpus [a, b]: a shared term weighs ln(3/3) + 1 = 1, a term of one text ln(3/2) + 1. */
const SHARED_IDF = 1;
const SINGLE_IDF = Math.log(3 / 2) + 1;

/** The two-document case without any IDF map: the hot path of vote grouping and quick checks. */
function pairCosine(countsA: ReadonlyMap<string, number>, countsB: ReadonlyMap<string, number>): number {
  if (countsA.size === 0 || countsB.size === 0) return countsA.size === countsB.size ? 1 : 0;
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (const [term, count] of countsA) {
    const other = countsB.get(term);
    if (other === undefined) {
      const w = count * SINGLE_IDF;
      normA += w * w;
    } else {
      const w = count * SHARED_IDF;
      normA += w * w;
      dot += w * other * SHARED_IDF;
    }
  }
  for (const [term, count] of countsB) {
    const w = count * (countsA.has(term) ? SHARED_IDF : SINGLE_IDF);
    normB += w * w;
  }
  if (dot === 0) return 0;
  return clamp01(dot / Math.sqrt(normA * normB));
}

/**
 * Same as tfidfCosine with an IDF built once — for callers comparing many pairs over one corpus
 * (a round's convergence check compares every participant against the same two rounds).
 */
export function tfidfCosineWith(a: string, b: string, idf: (term: string) => number): number {
  if (a === b) return 1;
  return cosine(termCounts(a), termCounts(b), idf);
}

function cosine(countsA: ReadonlyMap<string, number>, countsB: ReadonlyMap<string, number>, idf: (term: string) => number): number {
  if (countsA.size === 0 || countsB.size === 0) return countsA.size === countsB.size ? 1 : 0;

  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (const [term, count] of countsA) {
    const idfTerm = idf(term);
    const w = count * idfTerm;
    normA += w * w;
    const other = countsB.get(term);
    if (other !== undefined) dot += w * other * idfTerm;
  }
  for (const [term, count] of countsB) {
    const w = count * idf(term);
    normB += w * w;
  }
  if (dot === 0) return 0;
  return clamp01(dot / Math.sqrt(normA * normB));
}

/** Jaccard index of the two texts' word sets. */
export function jaccard(a: string, b: string): number {
  const setA = new Set(termCounts(a).keys());
  const setB = new Set(termCounts(b).keys());
  if (setA.size === 0 || setB.size === 0) return setA.size === setB.size ? 1 : 0;
  const [small, large] = setA.size <= setB.size ? [setA, setB] : [setB, setA];
  let shared = 0;
  for (const token of small) if (large.has(token)) shared++;
  return shared / (setA.size + setB.size - shared);
}

export function similarityFor(backend: SimilarityBackend): SimilarityFn {
  switch (backend) {
    case 'tfidf':
      return tfidfCosine;
    case 'jaccard':
      return (a, b) => jaccard(a, b);
  }
}

function clamp01(value: number): number {
  // Rounding can put identical vectors a hair above 1.
  return value > 1 ? 1 : value < 0 ? 0 : value;
}

/** Cosine similarity of two embedding vectors, clamped to [0, 1]; 0 when either is empty or zero. */
export function vectorCosine(a: number[], b: number[]): number {
  if (!a.length || a.length !== b.length) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  if (!na || !nb) return 0;
  return Math.min(1, Math.max(0, dot / Math.sqrt(na * nb)));
}
