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

const TOKEN = /[\p{L}\p{N}]+/gu;

export function tokenize(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
}

function termCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const token of tokenize(text)) counts.set(token, (counts.get(token) ?? 0) + 1);
  return counts;
}

/**
 * Smoothed IDF over a corpus: idf(t) = ln((1 + N) / (1 + df(t))) + 1, so a term found in every document
 * still weighs 1 (two identical texts score 1, not 0/0) and a term the corpus lacks weighs most.
 */
export function buildIdf(corpus: readonly string[]): (term: string) => number {
  const documentFrequency = new Map<string, number>();
  for (const document of corpus) {
    for (const term of new Set(tokenize(document))) {
      documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
    }
  }
  const n = corpus.length;
  return (term) => Math.log((1 + n) / (1 + (documentFrequency.get(term) ?? 0))) + 1;
}

/** TF-IDF cosine of two texts; IDF from `corpus` (default: the two texts themselves). */
export function tfidfCosine(a: string, b: string, corpus?: readonly string[]): number {
  return tfidfCosineWith(a, b, buildIdf(corpus ?? [a, b]));
}

/**
 * Same as tfidfCosine with an IDF built once — for callers comparing many pairs over one corpus
 * (a round's convergence check compares every participant against the same two rounds).
 */
export function tfidfCosineWith(a: string, b: string, idf: (term: string) => number): number {
  if (a === b) return 1;
  const countsA = termCounts(a);
  const countsB = termCounts(b);
  if (countsA.size === 0 || countsB.size === 0) return countsA.size === countsB.size ? 1 : 0;

  let dot = 0;
  let normA = 0;
  let normB = 0;
  const weights = new Map<string, number>();
  const weight = (term: string): number => {
    let w = weights.get(term);
    if (w === undefined) {
      w = idf(term);
      weights.set(term, w);
    }
    return w;
  };
  for (const [term, count] of countsA) {
    const w = count * weight(term);
    normA += w * w;
    const other = countsB.get(term);
    if (other !== undefined) dot += w * other * weight(term);
  }
  for (const [term, count] of countsB) {
    const w = count * weight(term);
    normB += w * w;
  }
  if (dot === 0) return 0;
  return clamp01(dot / Math.sqrt(normA * normB));
}

/** Jaccard index of the two texts' word sets. */
export function jaccard(a: string, b: string): number {
  const setA = new Set(tokenize(a));
  const setB = new Set(tokenize(b));
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
