import { jaccard, tfidfCosine } from './similarity';
import { analyzeOption, compareOptions, groupOptions, groupVariants, mustNotMerge, normalizeOption, stem } from './vote-grouping';

const THRESHOLD = 0.85;
const same = (a: string, b: string): boolean => compareOptions(analyzeOption(a), analyzeOption(b), tfidfCosine, THRESHOLD) === 'merge';

describe('normalizeOption', () => {
  it.each([
    ['Adopt webhooks', 'adopt webhooks'],
    ['  adopt   webhooks. ', 'adopt webhooks'],
    ['ADOPT—WEBHOOKS!', 'adopt webhooks'],
    ["Don't adopt", 'dont adopt'],
    ['Ｆｕｌｌｗｉｄｔｈ', 'fullwidth'],
    ['"Option A"', 'option a'],
  ])('should fold %j to %j', (input, expected) => {
    expect(normalizeOption(input)).toBe(expected);
  });
});

describe('stem', () => {
  it.each([
    ['conditionally', 'conditional'],
    ['revisions', 'revision'],
    ['fixes', 'fix'],
    ['patches', 'patch'],
    ['blockers', 'blocker'],
    ['policies', 'policy'],
    ['changes', 'change'],
    ['status', 'status'],
    ['analysis', 'analysis'],
    ['p0', 'p0'],
    ['yes', 'yes'],
  ])('should stem %j to %j', (word, expected) => {
    expect(stem(word)).toBe(expected);
  });
});

describe('analyzeOption', () => {
  it.each([
    ['Approve', 'approve'],
    ['approved.', 'approve'],
    ['Approve — engine handles asymmetry', 'approve'],
    ['Approve as is', 'approve'],
    ['Approve, no changes needed', 'approve'],
    ['Conditional Approve with P0/P1 fixes', 'conditionally approve'],
    ['Conditionally approve', 'conditionally approve'],
    ['Approve conditionally', 'conditionally approve'],
    ['Approve with integration revisions', 'conditionally approve'],
    ['Approve pending security review', 'conditionally approve'],
    ['Approve with required changes', 'conditionally approve'],
    ['Do not approve as written', 'not approve'],
    ["Don't approve", 'not approve'],
    ['Never approve this', 'not approve'],
    ['Reject and Revise', 'reject and revise'],
    ['Reject', 'reject'],
    ['Request changes', 'revise'],
    ['Defer to Q3', 'defer'],
    ['Yes', 'yes'],
    ['Yes, but only after the audit', 'conditionally yes'],
    ['No', 'no'],
    ['Option A', 'option a'],
    ['Plan 2: phased rollout', 'option 2'],
    ['(B)', 'option b'],
    ['Vote: approve', 'approve'],
    ['I recommend we approve', 'approve'],
    ['Adopt webhooks', null],
  ])('should read the head of %j as %j', (option, head) => {
    expect(analyzeOption(option).head).toBe(head);
  });
});

/**
 * The grouping table: [a, b, merge?]. Every pair from issue 13, then pairs written from real review
 * votes. `merge` means the two options must land in one group; `false` that they never do.
 */
const PAIRS: ReadonlyArray<readonly [string, string, boolean]> = [
  // Issue 13: paraphrases of one decision.
  ['Approve with integration revisions', 'Approve with integration-seam revisions', true],
  ['Approve with integration revisions', 'Approve with integration revisions required before implementation', true],
  ['Approve with integration revisions', 'Approve with severe integration patches required', true],
  ['Approve with integration-seam revisions', 'Approve with severe integration patches required', true],
  ['Approve with integration-seam revisions', 'Approve with integration revisions required before implementation', true],
  ['Approve with integration revisions required before implementation', 'Approve with severe integration patches required', true],
  ['Conditional Approve with P0/P1 fixes', 'Conditional approve with P1 fixes', true],
  ['Conditional Approve with P0/P1 fixes', 'Conditional approve with P0 fix required', true],
  ['Conditional Approve with P0/P1 fixes', 'Conditional approve with P1 blockers', true],
  ['Conditional approve with P1 fixes', 'Conditional approve with P0 fix required', true],
  ['Conditional approve with P1 fixes', 'Conditional approve with P1 blockers', true],
  ['Conditional approve with P0 fix required', 'Conditional approve with P1 blockers', true],
  ['Approve', 'Approve — engine handles asymmetry', true],
  // Issue 13: different decisions.
  ['Approve', 'Do not approve as written', false],
  ['Reject and Revise', 'Approve with required changes', false],
  ['Yes', 'No', false],
  ['Option A', 'Option D', false],
  // Decided here: the condition is the decision.
  ['Approve', 'Conditionally approve', false],
  ['Approve', 'Approve with integration revisions', false],
  ['Approve — engine handles asymmetry', 'Conditional approve with P1 fixes', false],
  ['Approve with required changes', 'Conditional approve with P1 fixes', true],
  ['Conditionally approve', 'Approve conditionally', true],
  // Same decision, other wordings.
  ['Approve', 'approve.', true],
  ['Approve', 'APPROVE!', true],
  ['Approve', 'Approved', true],
  ['Approve', 'Approve as written', true],
  ['Approve', 'Approve as is', true],
  ['Approve', 'Approve, no changes needed', true],
  ['Approve', 'Vote: Approve', true],
  ['Approve', 'I recommend we approve', true],
  ['Approve — engine handles asymmetry', 'Approve: the docs are clear', true],
  ['Approve the migration plan', 'Approve the plan', true],
  ['Do not approve as written', 'Do not approve', true],
  ["Don't approve", 'Do not approve as written', true],
  ['Reject', 'Rejected: security model is unsound', true],
  ['Reject and Revise', 'Reject and revise — split the engine first', true],
  ['Revise', 'Request changes', true],
  ['Defer', 'Defer until the benchmark lands', true],
  ['Defer to Q3', 'Defer until Q3', true],
  ['Yes', 'Yes, definitely', true],
  ['Yes', 'yes.', true],
  ['No', 'No — keep polling', true],
  ['Option A', 'Option A: webhooks with an inbox table', true],
  ['Option A', 'option a', true],
  ['Option B', 'Plan B', true],
  ['Option B', '(B)', true],
  ['Adopt webhooks', 'adopt webhooks.', true],
  ['Adopt webhooks', 'Adopt webhooks for billing', true],
  ['Adopt webhooks', 'Adopt webhooks with polling fallback', true],
  ['Keep polling', 'Keep polling for now', true],
  ['Use PostgreSQL', 'Use PostgreSQL — managed, with read replicas', true],
  ['Do not adopt webhooks', "Don't adopt webhooks", true],
  // Different decisions, however similar the words.
  ['Approve', 'Reject', false],
  ['Approve', 'Do not approve', false],
  ['Approve', 'Never approve this', false],
  ['Approve with integration revisions', 'Reject and revise', false],
  ['Conditional approve with P1 fixes', 'Do not approve until P1 fixes land', false],
  ['Reject', 'Reject and revise', false],
  ['Revise', 'Reject and revise', false],
  ['Reject', 'Defer', false],
  ['Defer to Q3', 'Defer to Q4', false],
  ['Yes', 'No.', false],
  ['Yes, with caveats', 'No, with caveats', false],
  ['Option A', 'Option B', false],
  ['Option A: webhooks', 'Option D: webhooks', false],
  ['Option 1', 'Option 2', false],
  ['Plan B: webhooks', 'Plan C: webhooks', false],
  ['Option A', 'Approve', false],
  ['Adopt webhooks', 'Do not adopt webhooks', false],
  ['Adopt webhooks', "Don't adopt webhooks", false],
  ['Adopt webhooks', 'Reject webhooks', false],
  ['Adopt webhooks', 'Keep polling', false],
  ['Webhooks', 'Hybrid: webhooks and polling', false],
  ['Webhooks', 'Webhooks and polling', false],
  ['Migrate', 'No migration', false],
  ['Wait 3 months', 'Wait 6 months', false],
  ['Phase II', 'Phase III', false],
  ['True', 'False', false],
  ['Use PostgreSQL', 'Use MongoDB', false],
  ['Ship P0 fixes first', 'Ship P1 fixes first', false],
];

describe('compareOptions', () => {
  it('should hold at least 60 pairs', () => {
    expect(PAIRS.length).toBeGreaterThanOrEqual(60);
  });

  it.each(PAIRS)('%j and %j: merge %s', (a, b, merge) => {
    expect(same(a, b)).toBe(merge);
    // Symmetric: the order two votes arrive in never changes the verdict.
    expect(same(b, a)).toBe(merge);
    // A merge is a merge with either lexical backend: the head rule, not the score, decides these.
    if (merge) expect(compareOptions(analyzeOption(a), analyzeOption(b), jaccard, THRESHOLD)).toBe('merge');
  });
});

describe('groupOptions', () => {
  it('should merge options equal after normalization, keeping the first spelling', () => {
    const sut = groupOptions(['Adopt webhooks', 'adopt webhooks.', 'ADOPT  WEBHOOKS'], tfidfCosine, 0.85);
    expect([...sut.values()]).toEqual(['Adopt webhooks', 'Adopt webhooks', 'Adopt webhooks']);
  });

  it('should merge similar options at or above the threshold', () => {
    const sut = groupOptions(['adopt webhooks for billing now', 'adopt webhooks for billing'], jaccard, 0.8);
    expect(sut.get('adopt webhooks for billing')).toBe('adopt webhooks for billing now');
  });

  it('should keep dissimilar options apart', () => {
    const sut = groupOptions(['Adopt webhooks', 'Keep polling'], tfidfCosine, 0.85);
    expect(sut.get('Keep polling')).toBe('Keep polling');
    expect(new Set(sut.values()).size).toBe(2);
  });

  it.each([
    [
      [
        'Approve with integration revisions',
        'Approve with integration-seam revisions',
        'Approve with integration revisions required before implementation',
        'Approve with severe integration patches required',
      ],
    ],
    [
      [
        'Conditional Approve with P0/P1 fixes',
        'Conditional approve with P1 fixes',
        'Conditional approve with P0 fix required',
        'Conditional approve with P1 blockers',
      ],
    ],
    [
      [
        'Conditional approve with P1 blockers',
        'Conditional approve with P0 fix required',
        'Conditional approve with P1 fixes',
        'Conditional Approve with P0/P1 fixes',
      ],
    ],
    [['Approve', 'Approve — engine handles asymmetry', 'Approve', 'Approve — engine handles asymmetry']],
  ])('should put the paraphrases of issue 13 in one group: %j', (votes) => {
    const sut = groupOptions(votes, tfidfCosine, THRESHOLD);
    expect(new Set(sut.values()).size).toBe(1);
  });

  it('should name a group by its most voted wording, ties broken by the earliest', () => {
    const sut = groupVariants(['Approve — engine handles asymmetry', 'Approve', 'Approve', 'Approve — docs are clear'], tfidfCosine, THRESHOLD);
    expect(sut).toEqual([
      {
        canonical: 'Approve',
        variants: [
          { option: 'Approve — engine handles asymmetry', votes: 1 },
          { option: 'Approve', votes: 2 },
          { option: 'Approve — docs are clear', votes: 1 },
        ],
      },
    ]);
    expect(groupVariants(['Approve — engine handles asymmetry', 'Approve'], tfidfCosine, THRESHOLD)[0].canonical).toBe('Approve — engine handles asymmetry');
  });

  it('should keep Approve and Do not approve apart in a mixed vote', () => {
    const sut = groupOptions(['Approve', 'Do not approve as written', 'Approve — engine handles asymmetry', 'Do not approve'], tfidfCosine, THRESHOLD);
    expect(sut.get('Approve — engine handles asymmetry')).toBe('Approve');
    expect(sut.get('Do not approve')).toBe('Do not approve as written');
  });

  const always = (): number => 1;

  it.each([
    ['Yes', 'No'],
    ['yes', 'no.'],
    ['True', 'False'],
    ['Adopt webhooks', 'Do not adopt webhooks'],
    ['Adopt webhooks', "Don't adopt webhooks"],
    ['Migrate', 'No migration'],
    ['Approve the plan', 'Reject the plan'],
    ['Approve', 'Conditionally approve'],
    ['Option A', 'Option D'],
    ['Option 1', 'Option 2'],
    ['Plan B: webhooks', 'Plan C: webhooks'],
    ['Wait 3 months', 'Wait 6 months'],
    ['Phase II', 'Phase III'],
  ])('should never merge %j and %j, even when similarity says 1', (a, b) => {
    const sut = groupOptions([a, b], always, 0.1);
    expect(sut.get(a)).toBe(a);
    expect(sut.get(b)).toBe(b);
  });

  it('should not let a chain of near matches carry Option A into Option D', () => {
    const sut = groupOptions(['Option A', 'Option A webhooks', 'Option D'], always, 0.1);
    expect(sut.get('Option A webhooks')).toBe('Option A');
    expect(sut.get('Option D')).toBe('Option D');
  });

  it('should never put No in the group of Yes', () => {
    const sut = groupOptions(['Yes', 'Yes, definitely', 'No'], always, 0.1);
    expect(sut.get('Yes, definitely')).toBe('Yes');
    expect(sut.get('No')).toBe('No');
  });

  it('should still merge two negated options', () => {
    const sut = groupOptions(['Do not adopt webhooks', "Don't adopt webhooks"], always, 0.5);
    expect(sut.get("Don't adopt webhooks")).toBe('Do not adopt webhooks');
  });

  it('should map a repeated raw option once and trim the canonical spelling', () => {
    const sut = groupOptions(['  Keep polling ', '  Keep polling '], tfidfCosine, 0.85);
    expect(sut.size).toBe(1);
    expect(sut.get('  Keep polling ')).toBe('Keep polling');
  });

  it('should join the most similar group when several pass the threshold', () => {
    const scores: Record<string, number> = { 'cat|cee': 0.7, 'bee|cee': 0.9 };
    const similarity = (a: string, b: string): number => scores[`${a}|${b}`] ?? 0;
    const sut = groupOptions(['cat', 'bee', 'cee'], similarity, 0.5);
    expect(sut.get('cee')).toBe('bee');
  });
});

describe('mustNotMerge', () => {
  it('should allow the same option and typical rewordings', () => {
    expect(mustNotMerge('adopt webhooks', 'adopt webhooks')).toBe(false);
    expect(mustNotMerge('adopt webhooks', 'adopt webhooks now')).toBe(false);
    expect(mustNotMerge('option a', 'option a webhooks')).toBe(false);
  });
});
