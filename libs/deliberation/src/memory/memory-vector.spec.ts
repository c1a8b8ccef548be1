import { decisionTerms, DecisionIndex, differingTerms, EmbeddingIndex, reuseVerdict, termCounts } from './memory-vector';

/** Other decisions a store holds, so IDF is that of a store and not of a pair. */
const BACKGROUND = [
  'Should the billing service move from REST polling to webhooks?',
  'Approve the design document "Engine refactor: runtime ports and the chair"?',
  'Which database for the analytics pipeline: PostgreSQL or ClickHouse?',
  'Should we adopt Kafka for internal event streaming?',
  'Do we migrate the monolith to microservices this year?',
  'Should the mobile app cache user profiles offline?',
  'Is TypeScript strict mode worth enabling across the repository?',
  'Should deployments go through a canary stage before production?',
];

/** The score a past question gets when `asked` is searched in a store holding it and the background. */
function scoreOf(asked: string, past: string): number {
  const index = new DecisionIndex();
  BACKGROUND.forEach((q, i) => index.add(`bg${i}`, '2026-01-01T00:00:00.000Z', decisionTerms(q)));
  index.add('past', '2026-01-02T00:00:00.000Z', decisionTerms(past));
  return index.search(decisionTerms(asked), { limit: 100, minSimilarity: 0 }).find((h) => h.id === 'past')?.score ?? 0;
}

function verdict(asked: string, past: string) {
  return reuseVerdict(scoreOf(asked, past), 0.92, decisionTerms(asked), decisionTerms(past));
}

/** A long question in which one word decides: most of its words are shared whatever that word is. */
const REVIEW = (verdict: string) =>
  'Review the design document "Engine refactor: runtime ports and the chair" for implementation. It splits the deliberation engine into a ' +
  'round runner and a policy layer, moves budget checks behind a port, and adds an optional chair call after the last round. ' +
  `Should it be ${verdict} as written?`;

describe('decision memory vectors', () => {
  it('should keep content words, stemmed, and drop function and framing words', () => {
    expect(termCounts('Should we use REST or GraphQL for the public services?')).toEqual({ rest: 1, graphql: 1, public: 1, service: 1 });
    expect(termCounts('Approve revision 3, not revision 4')).toEqual({ approve: 1, revision: 2, 3: 1, not: 1, 4: 1 });
  });

  it('should name the content words found on one side only', () => {
    expect(differingTerms(termCounts('REST or GraphQL for the public API?'), termCounts('REST or GraphQL for internal services?'))).toEqual([
      'api',
      'internal',
      'public',
      'service',
    ]);
  });

  // Questions that look alike and ask different things: none may be reused for the other.
  const LOOK_ALIKES: Array<[string, string]> = [
    ['REST or GraphQL for the public API?', 'REST or GraphQL for internal services?'],
    ['Should we use PostgreSQL for the billing service?', 'Should we use PostgreSQL for the analytics service?'],
    ['Approve the design document "Engine refactor" revision 3?', 'Approve the design document "Engine refactor" revision 4?'],
    ['Should we adopt Kafka for internal event streaming?', 'Should we not adopt Kafka for internal event streaming?'],
    ['Should we adopt Kafka for internal event streaming?', 'Should we drop Kafka for internal event streaming?'],
    ['Should the billing service move from REST polling to webhooks?', 'Should the payments service move from REST polling to webhooks?'],
    ['Do we migrate the monolith to microservices this year?', 'Do we migrate the monolith to microservices next year?'],
    ['Should deployments go through a canary stage before production?', 'Should deployments go through a canary stage before staging?'],
    ['Should the mobile app cache user profiles offline?', 'Should the web app cache user profiles offline?'],
    ['Is TypeScript strict mode worth enabling across the repository?', 'Is TypeScript strict mode worth enabling across the frontend?'],
    [
      'Should the billing service move from REST polling to webhooks for payment status updates in the EU region?',
      'Should the billing service move from REST polling to webhooks for payment status updates in the US region?',
    ],
    [REVIEW('approved'), REVIEW('rejected')],
  ];

  it.each(LOOK_ALIKES)('should never reuse %j for %j', (a, b) => {
    expect(verdict(a, b).reusable).toBe(false);
    expect(verdict(b, a).reusable).toBe(false);
    expect(verdict(a, b).differing.length).toBeGreaterThan(0);
  });

  // The same question asked again in other words (order, framing, plurals, case, punctuation).
  const PARAPHRASES: Array<[string, string]> = [
    ['REST or GraphQL for the public API?', 'For the public API: GraphQL or REST?'],
    ['Should we use PostgreSQL for the billing service?', 'PostgreSQL for the billing service — should we go with it?'],
    ['Should we adopt Kafka for internal event streaming?', 'Should we adopt Kafka for our internal event streaming?'],
    ['Should the billing service move from REST polling to webhooks?', 'should the billing service move from rest polling to webhooks'],
    [
      'Which database for the analytics pipeline: PostgreSQL or ClickHouse?',
      'PostgreSQL or ClickHouse: which database should we choose for the analytics pipeline?',
    ],
  ];

  it.each(PARAPHRASES)('should reuse %j for %j', (a, b) => {
    const v = verdict(a, b);
    expect(v).toEqual({ reusable: true, differing: [] });
    expect(scoreOf(a, b)).toBeGreaterThanOrEqual(0.92);
  });

  it('should score look-alikes by cosine alone, and stop them by their differing words', () => {
    // A one-word difference in a long question scores above the reuse threshold: the term check is what stops it.
    expect(scoreOf(REVIEW('approved'), REVIEW('rejected'))).toBeGreaterThanOrEqual(0.92);
    expect(verdict(REVIEW('approved'), REVIEW('rejected'))).toEqual({ reusable: false, reason: 'differing_terms', differing: ['approved', 'rejected'] });
    // Shorter look-alikes stay below it on their own.
    expect(scoreOf(...LOOK_ALIKES[0])).toBeLessThan(0.5);
  });

  it('should rank best first and the newest first among equal scores, and forget removed decisions', () => {
    const index = new DecisionIndex();
    index.add('old', '2026-01-01T00:00:00.000Z', decisionTerms('REST or GraphQL for the public API?'));
    index.add('new', '2026-02-01T00:00:00.000Z', decisionTerms('GraphQL or REST for the public API?'));
    index.add('other', '2026-03-01T00:00:00.000Z', decisionTerms('REST or GraphQL for internal services?'));
    index.add('unrelated', '2026-03-01T00:00:00.000Z', decisionTerms('Cache user profiles offline?'));
    const hits = index.search(decisionTerms('REST or GraphQL for the public API?'), { limit: 10, minSimilarity: 0 });
    expect(hits.map((h) => h.id)).toEqual(['new', 'old', 'other']);
    expect(hits[0].score).toBe(1);
    expect(hits[2].score).toBeLessThan(0.5);
    expect(index.search(decisionTerms('REST or GraphQL for the public API?'), { limit: 1, minSimilarity: 0 }).map((h) => h.id)).toEqual(['new']);
    expect(index.search(decisionTerms('REST or GraphQL for the public API?'), { limit: 10, minSimilarity: 0.9 }).map((h) => h.id)).toEqual(['new', 'old']);

    // One decision's similarity is the score search gives it; 0 for one sharing no word, or not stored.
    const q = decisionTerms('REST or GraphQL for the public API?');
    for (const hit of hits) expect(index.similarity(q, hit.id)).toBe(hit.score);
    expect(index.similarity(q, 'unrelated')).toBe(0);
    expect(index.similarity(q, 'nobody')).toBe(0);

    index.remove('new');
    expect(index.search(decisionTerms('REST or GraphQL for the public API?'), { limit: 10, minSimilarity: 0.9 }).map((h) => h.id)).toEqual(['old']);
    expect(index.size).toBe(3);
    expect(index.search(decisionTerms('the and or'), { limit: 10, minSimilarity: 0 })).toEqual([]);
  });

  it('should rank embeddings by cosine, skip zero or foreign-length vectors, and forget removed ones', () => {
    const index = new EmbeddingIndex();
    index.add('same', '2026-01-01T00:00:00.000Z', [2, 0, 0]);
    index.add('near', '2026-01-02T00:00:00.000Z', [1, 1, 0]);
    index.add('far', '2026-01-03T00:00:00.000Z', [0, 0, 1]);
    index.add('zero', '2026-01-04T00:00:00.000Z', [0, 0, 0]);
    index.add('other-model', '2026-01-05T00:00:00.000Z', [1, 0]);
    expect(index.size).toBe(4);
    expect(index.search([1, 0, 0], { limit: 10, minSimilarity: 0 }).map((h) => [h.id, h.score])).toEqual([
      ['same', 1],
      ['near', 0.707107],
    ]);
    expect(index.search([1, 0, 0], { limit: 10, minSimilarity: 0.75 }).map((h) => h.id)).toEqual(['same']);
    expect(index.search([0, 0, 0], { limit: 10, minSimilarity: 0 })).toEqual([]);
    index.remove('same');
    expect(index.search([1, 0, 0], { limit: 1, minSimilarity: 0 }).map((h) => h.id)).toEqual(['near']);
  });
});
