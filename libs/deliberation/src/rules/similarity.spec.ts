import { buildIdf, jaccard, similarityFor, tfidfCosine, tfidfCosineWith, tokenize } from './similarity';

const words = (n: number, offset = 0): string => Array.from({ length: n }, (_, i) => `word${(i * 7 + offset) % 400}`).join(' ');

describe('tokenize', () => {
  it('should split lowercase words of any script and drop punctuation', () => {
    expect(tokenize('Adopt WEBHOOKS, now! Café 42 naïve—東京')).toEqual(['adopt', 'webhooks', 'now', 'café', '42', 'naïve', '東京']);
  });
});

describe('tfidfCosine', () => {
  it.each([
    ['identical texts', 'Adopt webhooks for billing', 'Adopt webhooks for billing', 1],
    ['identical after case and punctuation', 'Adopt webhooks.', 'adopt WEBHOOKS', 1],
    ['disjoint texts', 'adopt webhooks', 'keep polling', 0],
    ['both without words', '...', '!!!', 1],
    ['one without words', '...', 'adopt', 0],
  ])('should score %s', (_name, a, b, expected) => {
    expect(tfidfCosine(a, b)).toBeCloseTo(expected, 10);
  });

  it('should score partial overlap strictly between 0 and 1, symmetrically', () => {
    const score = tfidfCosine('adopt webhooks for billing events', 'adopt webhooks with retries');
    expect(score).toBeGreaterThan(0);
    expect(score).toBeLessThan(1);
    expect(tfidfCosine('adopt webhooks with retries', 'adopt webhooks for billing events')).toBeCloseTo(score, 12);
  });

  it('should weigh terms rare in the corpus more than common ones', () => {
    const corpus = ['the service the service', 'the service polls', 'the webhooks', 'the service webhooks'];
    const sharedCommon = tfidfCosine('the service polls', 'the service pushes', corpus);
    const sharedRare = tfidfCosine('webhooks polls', 'webhooks pushes', corpus);
    expect(sharedRare).toBeGreaterThan(0);
    expect(sharedCommon).not.toBeCloseTo(sharedRare, 3);
  });

  it('should match tfidfCosineWith over a prebuilt IDF', () => {
    const corpus = ['a b c', 'b c d', 'c d e'];
    expect(tfidfCosineWith('a b c', 'b c d', buildIdf(corpus))).toBeCloseTo(tfidfCosine('a b c', 'b c d', corpus), 12);
  });

  it('should compare two 2 kB texts in well under 1 ms', () => {
    const a = words(300);
    const b = words(300, 3);
    expect(a.length).toBeGreaterThan(2000);
    // Best of several batches: the machine is shared, and one busy moment must not fail the test.
    // (Outside Jest's VM sandbox this runs at about 0.25 ms.)
    const runs = 200;
    let best = Infinity;
    for (let batch = 0; batch < 6; batch++) {
      const started = performance.now();
      for (let i = 0; i < runs; i++) tfidfCosine(a, b);
      best = Math.min(best, (performance.now() - started) / runs);
    }
    expect(best).toBeLessThan(1);
  });

  it('should handle a 10 MB text in linear time', () => {
    const big = 'lorem ipsum dolor sit amet '.repeat(400_000);
    const started = performance.now();
    const score = tfidfCosine(big, 'lorem ipsum');
    expect(score).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});

describe('jaccard', () => {
  it.each([
    ['identical', 'a b c', 'c b a', 1],
    ['disjoint', 'a b', 'c d', 0],
    ['half', 'a b c', 'b c d', 0.5],
    ['both without words', '', '  ', 1],
    ['one without words', '', 'a', 0],
  ])('should score %s', (_name, a, b, expected) => {
    expect(jaccard(a, b)).toBeCloseTo(expected, 12);
  });
});

describe('similarityFor', () => {
  it('should pick the backend', () => {
    expect(similarityFor('jaccard')('a b c', 'b c d')).toBeCloseTo(0.5, 12);
    expect(similarityFor('tfidf')('a b c', 'b c d')).toBeCloseTo(tfidfCosine('a b c', 'b c d'), 12);
  });
});
